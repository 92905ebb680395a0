"""The JSON API refuses bad input with a clear 4xx and a JSON body, and stores nothing."""

import json

import pytest

VALID = {"title": "路灯不亮", "content": "小区路灯坏了，特此反映，望予处理。", "kind": "投诉", "category": "城乡建设"}


def head(rt) -> int:
    return rt.app.recorder.max_notification_id() or 0


@pytest.mark.parametrize("body, status, field", [
    ([], 400, None),
    ("text", 400, None),
    (None, 400, None),
    ({**VALID, "title": None}, 422, "title"),
    ({**VALID, "title": {"a": 1}}, 422, "title"),
    ({**VALID, "kind": "表扬"}, 422, "kind"),
    ({**VALID, "category": "不存在"}, 422, "category"),
    ({**VALID, "publish": "maybe"}, 422, "publish"),
    ({**VALID, "unexpected": 1}, 422, "unexpected"),
    ({**VALID, "email": "not-an-email"}, 422, "email"),
    ({**VALID, "content": "长" * 3001}, 422, "content"),
    ({**VALID, "title": "   "}, 422, "title"),
    ({**VALID, "content": "lone surrogate \ud800"}, 422, "content"),
    ({**VALID, "department": "不存在的局"}, 422, None),
])
def test_a_bad_submission_is_refused_with_a_json_error_and_nothing_is_stored(
        client, rt, body, status, field):
    before = head(rt)
    raw = json.dumps(body) if body is not None else "null"
    response = client.post("/api/v1/comments", data=raw, content_type="application/json")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["message"]
    if field:
        assert field in error["details"]["fields"]
    assert head(rt) == before


def test_a_body_that_is_not_json_is_a_400(client, rt):
    before = head(rt)
    response = client.post("/api/v1/comments", data=b"\xff\xfe{", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "请求体须为 JSON 对象"
    assert head(rt) == before


def test_control_characters_are_removed_before_anything_is_stored(client, rt):
    response = client.post("/api/v1/comments", json={**VALID, "title": "路灯\x00不亮\x07"})
    assert response.status_code == 201
    comment = rt.app.get_comment(response.get_json()["tracking_no"])
    assert comment.title == "路灯不亮"


def test_validation_messages_are_in_chinese(client):
    response = client.get("/api/v1/replies?page=abc&per_page=1000")
    fields = response.get_json()["error"]["details"]["fields"]
    assert response.status_code == 422
    assert fields["page"] == ["须为整数"]
    assert all("Must" not in m for m in fields["per_page"])


def test_a_wrong_query_code_and_an_unknown_number_answer_alike(client):
    """Tracking numbers cannot be enumerated: both are the same 403."""
    created = client.post("/api/v1/comments", json=VALID).get_json()
    wrong = client.get(f"/api/v1/comments/{created['tracking_no']}?query_code=WRONGCODE1")
    unknown = client.get("/api/v1/comments/LY0000?query_code=X")
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.get_json() == unknown.get_json()
    rated = client.post("/api/v1/comments/LY0000/rating", json={"query_code": "X",
                                                                 "rating": "满意"})
    assert rated.status_code == 403 and rated.get_json() == wrong.get_json()


def test_an_illegal_transition_is_409_for_staff(client, rt):
    created = client.post("/api/v1/comments", json=VALID).get_json()
    token = client.post("/api/v1/auth/token", json={"username": "rev",
                                                    "password": "password123"}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    response = client.post(f"/api/v1/staff/comments/{created['tracking_no']}/approve",
                           json={}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "illegal_transition"
