"""Identical submissions from one client within minutes fold into the first receipt."""

import secrets
from dataclasses import replace

import pytest
from redis import Redis

from web import create_app

COMMENT = {"title": "路灯不亮", "content": "小区路灯坏了三天", "kind": "投诉", "category": "城乡建设"}


@pytest.fixture
def folding(rt, redis_url):
    prefix = f"minyi-test-{secrets.token_hex(4)}"
    rt.settings = replace(rt.settings, redis_url=redis_url, key_prefix=prefix,
                          duplicate_window=600)
    yield create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, runtime=rt).test_client()
    client = Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def _settled(client):
    """The receipt is stored off the request's path: wait for it."""
    client.application.extensions["minyi.duplicates"].flush()


def test_the_same_post_twice_gives_the_first_receipt(folding, rt):
    first = folding.post("/api/v1/comments", json=COMMENT)
    _settled(folding)
    again = folding.post("/api/v1/comments", json=COMMENT)
    assert (first.status_code, again.status_code) == (201, 200)
    one, two = first.get_json(), again.get_json()
    assert (two["tracking_no"], two["query_code"]) == (one["tracking_no"], one["query_code"])
    assert two["duplicate"] is True and one["duplicate"] is False and "未重复受理" in two["message"]
    other = folding.post("/api/v1/comments", json={**COMMENT, "content": "另一盏路灯也坏了"})
    elsewhere = folding.post("/api/v1/comments", json=COMMENT,
                             environ_base={"REMOTE_ADDR": "10.9.8.7"})
    _settled(folding)
    assert other.status_code == elsewhere.status_code == 201
    stored = b" ".join(v for k in Redis.from_url(rt.settings.redis_url).scan_iter(
        f"{rt.settings.key_prefix}:dup:*") for v in [Redis.from_url(
            rt.settings.redis_url).get(k)])
    assert one["query_code"].encode() not in stored  # the receipt is kept encrypted


def test_the_portal_shows_the_first_receipt_with_a_note(folding):
    form = {**COMMENT, "publish": "1"}
    first = folding.post("/comments/new", data=form).get_data(as_text=True)
    _settled(folding)
    again = folding.post("/comments/new", data=form).get_data(as_text=True)
    assert "未重复受理" in again and "未重复受理" not in first
    number = first.split('id="tracking-no">')[1].split("<")[0]
    assert number in again
