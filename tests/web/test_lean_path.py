"""The lean path (web/lean.py): a plain anonymous JSON `POST /api/v1/comments` is answered
without Flask's request machinery, and must answer exactly as Flask's view does, for good
and bad requests alike."""

import json

import pytest
from flask import Flask

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
