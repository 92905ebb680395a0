"""Identical submissions from one client within DUPLICATE_WINDOW fold into the first
receipt; the event store's own uniqueness finds the first (no other store)."""

from dataclasses import replace

import pytest

from web import create_app

COMMENT = {"title": "路灯不亮", "content": "小区路灯坏了三天，特此反映，望予处理。", "kind": "投诉", "category": "城乡建设"}


@pytest.fixture
def folding(rt):
    rt.settings = replace(rt.settings, duplicate_window=600)
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, runtime=rt).test_client()


def test_the_same_post_twice_gives_the_first_receipt(folding, rt, web_clock):
    head = rt.app.recorder.max_notification_id()
    first = folding.post("/api/v1/comments", json=COMMENT)
    web_clock.advance(minutes=3)
    again = folding.post("/api/v1/comments", json=COMMENT)
    assert (first.status_code, again.status_code) == (201, 200)
    one, two = first.get_json(), again.get_json()
    assert (two["tracking_no"], two["query_code"], two["submitted_at"]) == (
        one["tracking_no"], one["query_code"], one["submitted_at"])
    assert two["duplicate"] is True and one["duplicate"] is False and "未重复受理" in two["message"]
    assert rt.app.recorder.max_notification_id() == head + 1  # one comment recorded
    assert rt.app.comment_for_citizen(one["tracking_no"], one["query_code"])
    other = folding.post("/api/v1/comments", json={**COMMENT, "content": "另一盏路灯也坏了，特此反映，望予处理。"})
    elsewhere = folding.post("/api/v1/comments", json=COMMENT,
                             environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == elsewhere.status_code == 201


def test_a_repeat_just_after_the_window_turns_still_folds(folding, rt, web_clock):
    now = web_clock()
    web_clock.advance(minutes=(600 - now.timestamp() % 600 - 5) / 60)  # 5 s before the turn
    first = folding.post("/api/v1/comments", json=COMMENT).get_json()
    web_clock.advance(minutes=20 / 60)  # 15 s into the next window
    again = folding.post("/api/v1/comments", json=COMMENT).get_json()
    assert again["duplicate"] and again["tracking_no"] == first["tracking_no"]
    web_clock.advance(minutes=15)  # long after: a new comment
    assert not folding.post("/api/v1/comments", json=COMMENT).get_json()["duplicate"]


def test_the_portal_shows_the_first_receipt_with_a_note(folding):
    form = {**COMMENT, "publish": "1"}
    first = folding.post("/comments/new", data=form).get_data(as_text=True)
    again = folding.post("/comments/new", data=form).get_data(as_text=True)
    assert "未重复受理" in again and "未重复受理" not in first
    number = first.split('id="tracking-no">')[1].split("<")[0]
    assert number in again
