"""The lean path (web/lean.py): a plain anonymous JSON `POST /api/v1/comments` is answered
without Flask's request machinery, and must answer exactly as Flask's view does, for good
and bad requests alike."""

import json

import pytest
from flask import Flask

from infrastructure.audit import TABLE as AUDIT_TABLE
from web import create_app, errors

GOOD = {"title": "路灯不亮", "content": "小区路灯坏了三天，特此反映，望予处理。", "kind": "投诉",
        "category": "城乡建设", "name": "张先生", "phone": "13812345678"}
JSON = "application/json"
VOLATILE = {"tracking_no", "query_code", "submitted_at"}  # differ from one receipt to the next
# Header values that differ per request; the names must still match.
VOLATILE_HEADERS = {"X-Request-ID", "Content-Length"}


@pytest.fixture(autouse=True)
def fresh_breaker(monkeypatch):
    monkeypatch.setattr(errors, "_down_until", 0.0)


@pytest.fixture
def lean_app(rt):
    return create_app({"TESTING": True}, runtime=rt)


@pytest.fixture
def flask_app(rt):
    return create_app({"TESTING": True, "LEAN_PATHS": False}, runtime=rt)


@pytest.fixture
def dispatched(monkeypatch):
    """How many requests went through Flask's dispatch (the lean path makes none)."""
    calls = []
    original = Flask.full_dispatch_request

    def counting(self):
        calls.append(1)
        return original(self)
    monkeypatch.setattr(Flask, "full_dispatch_request", counting)
    return calls


def answer(app, data=None, raw=None, content_type=JSON, **headers):
    body = raw if raw is not None else json.dumps(data, ensure_ascii=False).encode()
    response = app.test_client().post("/api/v1/comments", data=body,
                                      content_type=content_type, headers=headers)
    payload = response.get_json(silent=True)
    if isinstance(payload, dict):
        payload = {k: v for k, v in payload.items() if k not in VOLATILE}
    head = {k: (None if k in VOLATILE_HEADERS else v) for k, v in response.headers.items()}
    return response.status_code, payload, head


CASES = {
    "a good comment": dict(data=GOOD),
    "without contact details": dict(data={k: GOOD[k] for k in ("title", "content", "kind",
                                                                "category")}),
    "a missing title (422)": dict(data={k: v for k, v in GOOD.items() if k != "title"}),
    "an unknown field (422)": dict(data={**GOOD, "admin": True}),
    "an unknown category (422)": dict(data={**GOOD, "category": "不存在的类别"}),
    "content too short (422)": dict(data={**GOOD, "content": "太短"}),
    "an unknown department (422)": dict(data={**GOOD, "department": "不存在的部门"}),
    "a number for a title (422)": dict(data={**GOOD, "title": 12}),
    "not JSON (400)": dict(raw=b"{not json"),
    "a JSON array (400)": dict(raw=b"[1, 2]"),
    "a NUL in a nested value (400)": dict(data={**GOOD, "extra": {"a": "x\u0000"}}),
    "a lone surrogate (400)": dict(raw=b'{"title": "\\ud800", "content": "x"}'),
    "nested too deep (400)": dict(raw=b"{\"a\": " * 30 + b"1" + b"}" * 30),
    "not UTF-8 (400)": dict(raw=b'{"title": "\xff\xfe"}'),
    "an empty body (400)": dict(raw=b""),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_lean_path_answers_as_flask_does(lean_app, flask_app, case):
    assert answer(lean_app, **CASES[case]) == answer(flask_app, **CASES[case])


def test_a_plain_json_comment_takes_the_lean_path_and_is_recorded(lean_app, rt, dispatched):
    response = lean_app.test_client().post("/api/v1/comments", json=GOOD)
    assert response.status_code == 201 and not dispatched
    receipt = response.get_json()
    comment = rt.app.get_comment(receipt["tracking_no"])
    assert comment.title == GOOD["title"]
    assert rt.app.comment_for_citizen(receipt["tracking_no"], receipt["query_code"])
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("headers, query, cookie", [
    ({"Idempotency-Key": "k-1"}, "", False), ({"Authorization": "Bearer nope"}, "", False),
    ({}, "", True), ({}, "?x=1", False)])
def test_anything_but_a_plain_anonymous_request_goes_through_flask(lean_app, dispatched,
                                                                   headers, query, cookie):
    client = lean_app.test_client()
    if cookie:
        client.set_cookie("session", "x")
    client.post("/api/v1/comments" + query, json=GOOD, headers=headers)
    assert dispatched


def test_a_request_id_is_kept_and_the_latency_counted_by_route(lean_app, dispatched):
    from prometheus_client import REGISTRY

    def samples():
        return REGISTRY.get_sample_value(
            "minyi_http_request_duration_seconds_count",
            {"route": "/api/v1/comments", "method": "POST", "status": "2xx"}) or 0
    before = samples()
    response = lean_app.test_client().post("/api/v1/comments", json=GOOD,
                                           headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123" and not dispatched
    assert samples() == before + 1


def test_a_refused_write_opens_the_breaker_and_is_tried_once(lean_app, rt, monkeypatch):
    from eventsourcing.persistence import OperationalError
    calls = []

    def refused(*args, **kwargs):
        calls.append(1)
        raise OperationalError("connection failed: Connection refused")
    monkeypatch.setattr(rt.app.recorder, "insert_events", refused)
    response = lean_app.test_client().post("/api/v1/comments", json=GOOD)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["error"]["code"] == "service_unavailable"
    assert len(calls) == 1 and errors.breaker_open()
    again = lean_app.test_client().post("/api/v1/comments", json=GOOD)
    assert again.status_code == 503 and len(calls) == 1  # the breaker answers, via Flask


@pytest.mark.parametrize("error", ["storage", "conflict", "bug"])
def test_a_command_that_raises_is_answered_as_flask_answers_it(lean_app, flask_app,
                                                               monkeypatch, error):
    from domain.errors import ConflictError
    from web import photos

    def failing(*args, **kwargs):
        if error == "storage":
            raise photos.unavailable()
        if error == "conflict":
            raise ConflictError("暂时无法生成留言编号，请重试")
        raise RuntimeError("a bug")
    monkeypatch.setattr(photos, "submit_comment", failing)
    lean = answer(lean_app, data=GOOD)
    assert lean == answer(flask_app, data=GOOD)
    assert lean[0] == {"storage": 503, "conflict": 409, "bug": 500}[error]


CALL = {"channel": "电话", "caller_name": "张三", "caller_phone": "13812345678",
        "area": "临城街道", "address": "永福路8号", "category": "城乡建设", "kind": "投诉",
        "urgency": "一般", "title": "路灯不亮", "content": "永福路路灯坏了，电话13812345678",
        "publish": True}
TICKET_CASES = {
    "a good call": ("op", dict(data=CALL)),
    "a missing title (422)": ("op", dict(data={k: v for k, v in CALL.items() if k != "title"})),
    "an unknown urgency (422)": ("op", dict(data={**CALL, "urgency": "火急"})),
    "a handler may not register (403)": ("h1", dict(data=CALL)),
    "a handler with a bad body (403 first)": ("h1", dict(raw=b"{bad")),
    "not JSON (400)": ("op", dict(raw=b"{bad")),
    "a token that signs no one in (401)": (None, dict(data=CALL)),
}


def staff_answer(app, who, case, tokens):
    headers = {"Authorization": f"Bearer {tokens[who]}" if who else "Bearer not-a-token"}
    body = case.get("raw")
    if body is None:
        body = json.dumps(case["data"], ensure_ascii=False).encode()
    response = app.test_client().post("/api/v1/staff/tickets", data=body,
                                      content_type=JSON, headers=headers)
    payload = response.get_json(silent=True)
    if isinstance(payload, dict):
        payload = {k: v for k, v in payload.items() if k != "ticket_no"}
    head = {k: (None if k in VOLATILE_HEADERS else v) for k, v in response.headers.items()}
    return response.status_code, payload, head


@pytest.fixture
def staff_tokens(rt, flask_app):
    from tests.web.conftest import PASSWORD
    client = flask_app.test_client()
    return {name: client.post("/api/v1/auth/token", json={"username": name,
                                                          "password": PASSWORD}
                              ).get_json()["token"] for name in ("op", "h1")}


def audit_rows(rt) -> list:
    rt.audit.flush()
    rows = rt.audit.store.query(f"SELECT actor, client, method, path, status, what, item_kind, item_no "
                                f"FROM {AUDIT_TABLE} WHERE path = '/api/v1/staff/tickets' "
                                f"ORDER BY rowid")
    return rows


@pytest.mark.parametrize("case", list(TICKET_CASES))
def test_ticket_registration_on_the_lean_path_answers_and_is_audited_as_in_flask(
        lean_app, flask_app, rt, staff_tokens, case, dispatched):
    who, request = TICKET_CASES[case]
    before = len(audit_rows(rt))
    lean = staff_answer(lean_app, who, request, staff_tokens)
    lean_audit = audit_rows(rt)[before:]
    lean_dispatched = len(dispatched)
    flask = staff_answer(flask_app, who, request, staff_tokens)
    assert lean == flask
    assert lean_audit == audit_rows(rt)[before + len(lean_audit):]
    assert len(lean_audit) == (1 if who else 0)
    if case in ("a good call", "a missing title (422)", "a handler may not register (403)"):
        assert lean_dispatched == 0  # answered on the lean path, audit row included


def test_a_sign_in_the_store_cannot_answer_is_a_503_as_in_flask(lean_app, flask_app, rt,
                                                                 staff_tokens, monkeypatch):
    """The token check reads the database: refused there, the answer is Flask's 503 with
    Retry-After, never the server's bare 500 (the fault suite found this)."""
    from eventsourcing.persistence import OperationalError

    def refused(*args, **kwargs):
        raise OperationalError("connection failed: Connection refused")
    monkeypatch.setattr(rt.credentials, "check", refused)
    lean = staff_answer(lean_app, "op", dict(data=CALL), staff_tokens)
    errors._down_until = 0.0
    assert lean == staff_answer(flask_app, "op", dict(data=CALL), staff_tokens)
    assert lean[0] == 503 and lean[2]["Retry-After"] == "5"


DRAFT = {"content": "经核查，路灯线路老化，已安排更换，预计三个工作日内修复。"}
ACTION_CASES = {
    "a handler's draft": ("h1", "save_draft", dict(data=DRAFT)),
    "a draft of another department's item (404)": ("h2", "save_draft", dict(data=DRAFT)),
    "a reviewer may not draft (403)": ("rev", "save_draft", dict(data=DRAFT)),
    "a missing content (422)": ("h1", "save_draft", dict(data={})),
    "an unknown field (422)": ("h1", "save_draft", dict(data={**DRAFT, "x": 1})),
    "a step the item is not at (409)": ("rev", "accept", dict(data={})),
    "an unknown action (404)": ("h1", "fly", dict(data=DRAFT)),
    "an unknown number (404)": ("h1", "save_draft", dict(data=DRAFT, number="NOPE-1")),
    "an unknown kind (404)": ("h1", "save_draft", dict(data=DRAFT, kind="memos")),
    "not JSON (400)": ("h1", "save_draft", dict(raw=b"{bad")),
    "a JSON array (400)": ("h1", "save_draft", dict(raw=b"[1]")),
    "a token that signs no one in (401)": (None, "save_draft", dict(data=DRAFT)),
    "a step without a body (409)": ("rev", "accept", dict(raw=b"", content_type=None)),
    "a step without a body, as form data": ("rev", "accept", dict(
        raw=b"", content_type="application/x-www-form-urlencoded")),
    "a draft without a body (422)": ("h1", "save_draft", dict(raw=b"", content_type=None)),
    "a step, chunked with no length (409)": ("rev", "accept", dict(
        raw=b"", content_type=None, chunked=True)),
    "a trailing slash, no route at all (404)": ("h1", "save_draft/",
                                                dict(data=DRAFT, audited=False)),
}


@pytest.fixture
def dispatched_comment(rt):
    from domain.actors import Actor
    receipt = rt.app.submit_comment(title="路灯不亮", content="小区路灯坏了三天，特此反映，望予处理。",
                                    kind="投诉", category="城乡建设")
    number = receipt["tracking_no"] if isinstance(receipt, dict) else receipt.tracking_no
    rt.app.act("comments", number, "accept_dispatch", Actor("rev", ("reviewer",)),
               department="区住建局")
    return number


def action_answer(app, who, action, case, tokens, number):
    headers = {"Authorization": f"Bearer {tokens[who]}" if who else "Bearer not-a-token"}
    body = case.get("raw")
    if body is None:
        body = json.dumps(case["data"], ensure_ascii=False).encode()
    path = (f"/api/v1/staff/{case.get('kind', 'comments')}/{case.get('number', number)}"
            f"/{action}")
    if case.get("chunked"):
        headers["Transfer-Encoding"] = "chunked"
    response = app.test_client().post(path, data=body, headers=headers,
                                      content_type=case.get("content_type", JSON))
    head = {k: (None if k in VOLATILE_HEADERS else v) for k, v in response.headers.items()}
    return response.status_code, response.get_json(silent=True), head


def action_audit(rt, number) -> list:
    rt.audit.flush()
    return rt.audit.store.query(
        f"SELECT actor, client, method, path, status, what, item_kind, item_no "
        f"FROM {AUDIT_TABLE} WHERE path LIKE '/api/v1/staff/%' AND path != "
        f"'/api/v1/staff/tickets' ORDER BY rowid")


@pytest.mark.parametrize("case", list(ACTION_CASES))
def test_a_staff_action_on_the_lean_path_answers_and_is_audited_as_in_flask(
        lean_app, flask_app, rt, case, dispatched, dispatched_comment):
    from tests.web.conftest import PASSWORD
    client = flask_app.test_client()
    tokens = {name: client.post("/api/v1/auth/token", json={"username": name,
                                                            "password": PASSWORD}
                                ).get_json()["token"] for name in ("h1", "h2", "rev")}
    who, action, request = ACTION_CASES[case]
    before = len(action_audit(rt, dispatched_comment))
    version = rt.app.get_item("comments", dispatched_comment).version
    through_flask = len(dispatched)
    lean = action_answer(lean_app, who, action, request, tokens, dispatched_comment)
    lean_audit = action_audit(rt, dispatched_comment)[before:]
    lean_dispatched = len(dispatched) - through_flask
    changed = rt.app.get_item("comments", dispatched_comment).version - version
    flask = action_answer(flask_app, who, action, request, tokens, dispatched_comment)
    assert lean == flask
    assert lean_audit == action_audit(rt, dispatched_comment)[before + len(lean_audit):]
    assert len(lean_audit) == (1 if who and request.get("audited", True) else 0)
    assert changed == (1 if lean[0] == 200 else 0)
    if case in ("a handler's draft", "a reviewer may not draft (403)",
                "a step the item is not at (409)", "a missing content (422)",
                "a step without a body (409)", "a draft without a body (422)"):
        assert lean_dispatched == 0  # answered on the lean path, audit row included


def test_a_staff_action_is_counted_under_its_url_rule(lean_app, rt, dispatched,
                                                      dispatched_comment):
    from prometheus_client import REGISTRY

    from tests.web.conftest import PASSWORD
    rule = "/api/v1/staff/<kind>/<number>/<action>"

    def samples():
        return REGISTRY.get_sample_value("minyi_http_request_duration_seconds_count",
                                         {"route": rule, "method": "POST",
                                          "status": "2xx"}) or 0
    client = lean_app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "h1", "password": PASSWORD}
                        ).get_json()["token"]
    before, through_flask = samples(), len(dispatched)
    response = client.post(f"/api/v1/staff/comments/{dispatched_comment}/save_draft",
                           json=DRAFT, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and len(dispatched) == through_flask
    assert samples() == before + 1
    assert response.get_json()["status"] == rt.app.get_item("comments",
                                                            dispatched_comment).status


def test_a_step_without_a_body_is_taken_on_the_lean_path_as_flask_takes_it(
        lean_app, flask_app, rt, dispatched):
    from tests.web.conftest import PASSWORD
    token = flask_app.test_client().post(
        "/api/v1/auth/token", json={"username": "rev", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    answers = []
    for app in (lean_app, flask_app):
        number = rt.app.submit_comment(title="路灯不亮", content="小区路灯坏了三天，特此反映，望予处理。",
                                       kind="投诉", category="城乡建设")["tracking_no"]
        through_flask = len(dispatched)
        response = app.test_client().post(f"/api/v1/staff/comments/{number}/accept",
                                          headers=headers)
        payload = response.get_json()
        assert payload.pop("number") == payload.pop("tracking_no") == number
        answers.append((response.status_code, payload, len(dispatched) - through_flask))
        assert rt.app.get_item("comments", number).status == payload["status"]
    assert answers[0][:2] == answers[1][:2] and answers[0][0] == 200
    assert answers[0][2] == 0 and answers[1][2] == 1
