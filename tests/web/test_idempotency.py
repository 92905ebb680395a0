"""`Idempotency-Key`: a retried POST gets the first response and records nothing twice."""

import threading
import uuid

import pytest
from redis import Redis

from tests.web.conftest import PASSWORD
from tests.web.test_ticket_api import CALL

COMMENT = {"title": "路灯不亮", "content": "小区路灯坏了三天，特此反映，望予处理。", "kind": "投诉", "category": "城乡建设"}


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def bearer(client, username: str) -> dict:
    body = client.post("/api/v1/auth/token", json={"username": username,
                                                   "password": PASSWORD}).get_json()
    return {"Authorization": f"Bearer {body['token']}"}


def test_a_retried_submission_gets_the_first_receipt_and_records_one_comment(client, rt):
    head = rt.app.recorder.max_notification_id()
    headers = key()
    first = client.post("/api/v1/comments", json=COMMENT, headers=headers)
    again = client.post("/api/v1/comments", json=COMMENT, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert rt.app.recorder.max_notification_id() == head + 1
    other = client.post("/api/v1/comments", json=COMMENT, headers=key())
    assert other.status_code == 201 and other.get_json()["tracking_no"] != \
        first.get_json()["tracking_no"]
    plain = client.post("/api/v1/comments", json=COMMENT)
    assert plain.status_code == 201 and "Idempotent-Replayed" not in plain.headers


def test_a_retried_staff_action_is_not_applied_twice(client, rt):
    op, h1 = bearer(client, "op"), bearer(client, "h1")
    registered = client.post("/api/v1/staff/tickets", json=CALL, headers={**op, **key()})
    no = registered.get_json()["ticket_no"]
    dispatch = {**op, **key()}
    first = client.post(f"/api/v1/staff/tickets/{no}/dispatch",
                        json={"department": "区住建局"}, headers=dispatch)
    head = rt.app.recorder.max_notification_id()
    again = client.post(f"/api/v1/staff/tickets/{no}/dispatch",
                        json={"department": "区住建局"}, headers=dispatch)
    assert first.status_code == again.status_code == 200, first.get_json()
    assert again.get_json() == first.get_json()
    assert rt.app.recorder.max_notification_id() == head
    # The same key from another caller is another request: it runs (and is refused here,
    # since the ticket was dispatched already).
    other = client.post(f"/api/v1/staff/tickets/{no}/dispatch",
                        json={"department": "区住建局"}, headers={**h1, **dispatch, **h1})
    assert "Idempotent-Replayed" not in other.headers


def test_the_same_key_for_another_request_is_refused(client, rt):
    headers = key()
    assert client.post("/api/v1/comments", json=COMMENT, headers=headers).status_code == 201
    head = rt.app.recorder.max_notification_id()
    reused = client.post("/api/v1/comments", json={**COMMENT, "title": "另一件事"},
                         headers=headers)
    assert reused.status_code == 422
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert rt.app.recorder.max_notification_id() == head


@pytest.mark.parametrize("bad", ["", "x" * 256, "含中文", "a b"])
def test_a_malformed_key_is_a_400(client, bad):
    response = client.post("/api/v1/comments", json=COMMENT, headers={"Idempotency-Key": bad})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_idempotency_key"


def test_errors_are_replayed_but_server_failures_are_not_kept(client, rt, monkeypatch):
    headers = key()
    invalid = client.post("/api/v1/comments", json={**COMMENT, "kind": "闲聊"}, headers=headers)
    assert invalid.status_code == 422
    assert client.post("/api/v1/comments", json={**COMMENT, "kind": "闲聊"},
                       headers=headers).headers.get("Idempotent-Replayed") == "true"

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    headers = key()
    with monkeypatch.context() as m:
        m.setattr(rt.app, "submit_comment", broken)
        assert client.post("/api/v1/comments", json=COMMENT, headers=headers).status_code == 500
    retried = client.post("/api/v1/comments", json=COMMENT, headers=headers)
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers


def test_a_retry_while_the_first_is_running_gets_409(app, rt, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    original = rt.app.submit_comment

    def slow(*args, **kwargs):
        entered.set()
        release.wait(10)
        return original(*args, **kwargs)
    monkeypatch.setattr(rt.app, "submit_comment", slow)
    headers, results = key(), {}
    first = threading.Thread(target=lambda: results.setdefault(
        "first", app.test_client().post("/api/v1/comments", json=COMMENT, headers=headers)))
    first.start()
    assert entered.wait(10)
    during = app.test_client().post("/api/v1/comments", json=COMMENT, headers=headers)
    release.set()
    first.join(10)
    assert during.status_code == 409 and during.headers["Retry-After"] == "1"
    assert during.get_json()["error"]["code"] == "request_in_progress"
    assert results["first"].status_code == 201
    after = app.test_client().post("/api/v1/comments", json=COMMENT, headers=headers)
    assert after.get_data() == results["first"].get_data()


def test_without_redis_a_keyed_request_gets_503_and_a_plain_one_still_works(client, rt):
    rt.__dict__["redis"] = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    head = rt.app.recorder.max_notification_id()
    keyed = client.post("/api/v1/comments", json=COMMENT, headers=key())
    assert keyed.status_code == 503 and keyed.headers["Retry-After"]
    assert keyed.get_json()["error"]["code"] == "idempotency_unavailable"
    assert rt.app.recorder.max_notification_id() == head
    assert client.post("/api/v1/comments", json=COMMENT).status_code == 201


def test_the_portal_form_honours_a_key_too(client, rt):
    headers = key()
    form = {**COMMENT, "publish": "1"}
    first = client.post("/comments/new", data=form, headers=headers)
    head = rt.app.recorder.max_notification_id()
    again = client.post("/comments/new", data=form, headers=headers)
    assert again.get_data() == first.get_data()
    assert rt.app.recorder.max_notification_id() == head
