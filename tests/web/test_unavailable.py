"""A dependency that does not answer gives 503 with Retry-After, never a 500, and loses
nothing already accepted."""

import pytest
from eventsourcing.persistence import OperationalError

from web import errors

COMMENT = {"title": "路灯不亮", "content": "小区路灯坏了三天，特此反映，望予处理。", "kind": "投诉", "category": "城乡建设"}


@pytest.fixture(autouse=True)
def fresh_breaker(monkeypatch):
    monkeypatch.setattr(errors, "_down_until", 0.0)
    yield


def test_a_write_the_database_refuses_is_a_503_and_the_breaker_then_answers_at_once(
        client, rt, monkeypatch):
    accepted = client.post("/api/v1/comments", json=COMMENT)
    assert accepted.status_code == 201
    calls = []

    def refused(*args, **kwargs):
        calls.append(1)
        raise OperationalError("connection failed: Connection refused")
    with monkeypatch.context() as m:
        m.setattr(rt.app.recorder, "insert_events", refused)
        down = client.post("/api/v1/comments", json=COMMENT)
        assert down.status_code == 503 and down.headers["Retry-After"] == "5"
        assert down.get_json()["error"]["code"] == "service_unavailable"
        again = client.get("/api/v1/replies")  # within the breaker's second: no query
        assert again.status_code == 503 and len(calls) == 1
        page = client.get("/replies")
        assert page.status_code == 503 and "服务暂时不可用" in page.get_data(as_text=True)
        assert client.get("/healthz").status_code == 200  # liveness still answers
    monkeypatch.setattr(errors, "_down_until", 0.0)  # the breaker's moment has passed
    assert client.post("/api/v1/comments", json=COMMENT).status_code == 201
    no = accepted.get_json()["tracking_no"]
    assert rt.app.get_comment(no).tracking_no == no  # what was accepted is still there


def test_a_locked_database_is_a_503_without_the_breaker(client, rt, monkeypatch):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")
    with monkeypatch.context() as m:
        m.setattr(rt.app.recorder, "insert_events", locked)
        assert client.post("/api/v1/comments", json=COMMENT).status_code == 503
    assert client.post("/api/v1/comments", json=COMMENT).status_code == 201
