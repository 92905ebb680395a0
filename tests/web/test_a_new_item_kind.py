"""A test-only item kind (tests/memo_kind.py) works end to end through the generic machinery:
the staff console, the JSON API, the OpenAPI document and its own read model."""

import pytest
from eventsourcing.cryptography import AESCipher

from domain.actors import SYSTEM_ACTOR
from infrastructure.bootstrap import bootstrap
from infrastructure.config import Settings
from infrastructure.security import hash_password
from tests.memo_kind import MEMOS, Memo, MemoList
from tests.web.conftest import PASSWORD, login
from web import create_app


@pytest.fixture
def rt(web_clock):
    runtime = bootstrap(Settings(database_url="memory://", secret_key="test-secret",
                                 cipher_key=AESCipher.create_key(32)),
                        poke_enabled=False, clock=web_clock, workflows=(MEMOS,),
                        read_models=(MemoList,))
    runtime.init_storage()
    for username, roles, dept in (("rev", ["reviewer"], None), ("h1", ["handler"], "区住建局"),
                                  ("h2", ["handler"], "区交运局")):
        runtime.app.register_staff(username=username, display_name=username,
                                   password_hash=hash_password(PASSWORD), roles=roles,
                                   department=dept, actor=SYSTEM_ACTOR)
    runtime.app.save(Memo(number="M-1", title="年度采购计划", department="区住建局",
                          actor="staff:rev", at=web_clock()))
    runtime.catch_up_all()
    yield runtime
    runtime.close()


@pytest.fixture
def client(rt):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, runtime=rt).test_client()


def token(client, username: str) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username,
                                                       "password": PASSWORD})
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def memo_row(rt) -> dict:
    rt.catch_up_all()
    return rt.views.query("SELECT status, note FROM memos WHERE number = 'M-1'")[0]


def test_the_console_shows_the_new_kind_and_runs_its_action(client, rt):
    login(client, "rev")
    html = client.get("/staff/memos/M-1").get_data(as_text=True)
    assert "年度采购计划" in html and "待批" in html and "登记备忘" in html
    assert 'action="/staff/memos/M-1/approve"' in html and 'name="note"' in html
    assert 'action="/staff/memos/M-1/archive"' not in html  # not in this state
    response = client.post("/staff/memos/M-1/approve", data={"note": "同意"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/staff/memos/M-1")
    page = client.get("/staff/memos/M-1").get_data(as_text=True)
    assert "备忘已批准" in page and "已批" in page and "同意" in page
    assert memo_row(rt) == {"status": "approved", "note": "同意"}


def test_the_json_api_runs_the_new_kinds_actions_with_their_rules(client, rt):
    reviewer, own, other = token(client, "rev"), token(client, "h1"), token(client, "h2")
    assert client.post("/api/v1/staff/memos/M-1/archive", headers=own).status_code == 409
    approved = client.post("/api/v1/staff/memos/M-1/approve", json={"note": "可"},
                           headers=reviewer)
    assert approved.status_code == 200
    assert approved.get_json() == {"kind": "memos", "number": "M-1", "status": "approved",
                                   "actions": ["archive"]}
    assert client.post("/api/v1/staff/memos/M-1/archive", headers=other).status_code == 404
    assert client.post("/api/v1/staff/memos/M-1/archive", headers=own).status_code == 200
    detail = client.get("/api/v1/staff/memos/M-1", headers=reviewer).get_json()
    assert detail["status_label"] == "已归档"
    assert [step["label"] for step in detail["timeline"]] == ["登记备忘", "批准", "归档"]
    assert memo_row(rt)["status"] == "archived"


def test_unknown_kinds_numbers_and_actions_are_404_and_bad_input_422(client):
    reviewer = token(client, "rev")
    assert client.get("/api/v1/staff/nothing/M-1", headers=reviewer).status_code == 404
    assert client.get("/api/v1/staff/memos/M-404", headers=reviewer).status_code == 404
    assert client.post("/api/v1/staff/memos/M-1/burn", headers=reviewer).status_code == 404
    too_long = client.post("/api/v1/staff/memos/M-1/approve", json={"note": "长" * 501},
                           headers=reviewer)
    assert too_long.status_code == 422
    assert "note" in too_long.get_json()["error"]["details"]["fields"]


def test_the_openapi_document_describes_the_new_kinds_actions(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/staff/memos/{number}" in spec["paths"]
    approve = spec["paths"]["/api/v1/staff/memos/{number}/approve"]["post"]
    schema = approve["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/MemosApproveIn"}
    assert "note" in spec["components"]["schemas"]["MemosApproveIn"]["properties"]
    assert "/api/v1/staff/comments/{number}/accept" in spec["paths"]
