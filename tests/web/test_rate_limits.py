"""Abuse limits on a real Redis: 429 with Retry-After for submissions per address, wrong
query codes per number, failed logins per account (a lockout the right password does not
lift) and per address; failures only are counted; RATE_LIMITS=off turns them off."""

import json
import secrets
from dataclasses import replace

import pytest
from redis import Redis

from tests.support import submit
from tests.web.conftest import PASSWORD
from web import create_app

LIMITS = {"submit": "3/minute", "query_code": "3/10minutes", "query_code_addr": "100/minute",
          "login_account": "3/15minutes", "login_addr": "100/minute"}
COMMENT = {"title": "路灯不亮", "content": "小区路灯坏了，特此反映，望予处理。", "kind": "投诉", "category": "城乡建设"}


@pytest.fixture
def limited(rt, redis_url):
    prefix = f"minyi-test-{secrets.token_hex(4)}"
    rt.settings = replace(rt.settings, redis_url=redis_url, key_prefix=prefix,
                          rate_limits=json.dumps(LIMITS))
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, runtime=rt)
    yield app.test_client()
    client = Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def _counted(client):
    """Submissions are counted off the request's path: wait for the counts."""
    client.application.extensions["minyi.limits"].flush()


def _post(client, n, **kw):
    answer = client.post("/api/v1/comments", json={**COMMENT, "content": f"第{n}条留言，特此反映，望予处理。"}, **kw)
    _counted(client)
    return answer


def test_submissions_per_address(limited):
    assert [_post(limited, n).status_code for n in range(4)] == [201, 201, 201, 429]
    refused = _post(limited, 9)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    other = _post(limited, 10, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 201  # another address has its own count
    page = limited.post("/comments/new", data={**COMMENT, "content": "我的留言内容一字不丢"})
    assert page.status_code == 429 and "我的留言内容一字不丢" in page.get_data(as_text=True)


def test_wrong_query_codes_per_number_then_even_the_right_one_waits(limited, rt):
    receipt = submit(rt.app)
    no, code = receipt["tracking_no"], receipt["query_code"]
    ok = limited.get(f"/api/v1/comments/{no}?query_code={code}")
    assert ok.status_code == 200  # right codes are not counted
    wrong = [limited.get(f"/api/v1/comments/{no}?query_code=WRONG{i}").status_code
             for i in range(4)]
    assert wrong == [403, 403, 403, 429]
    assert limited.get(f"/api/v1/comments/{no}?query_code={code}").status_code == 429
    assert limited.post("/follow", data={"tracking_no": no, "query_code": code}
                        ).status_code == 429


def test_failed_logins_lock_the_account(limited):
    def login(password, **kw):
        return limited.post("/api/v1/auth/token", json={"username": "rev", "password": password},
                            **kw)
    assert [login("wrong-pass").status_code for _ in range(3)] == [403, 403, 403]
    locked = login(PASSWORD)
    assert locked.status_code == 429 and "锁定" in locked.get_json()["error"]["message"]
    assert int(locked.headers["Retry-After"]) > 60
    page = limited.post("/staff/login", data={"username": "rev", "password": PASSWORD})
    assert page.status_code == 429 and "锁定" in page.get_data(as_text=True)
    other = limited.post("/api/v1/auth/token", json={"username": "h1", "password": PASSWORD})
    assert other.status_code == 201  # only that account is locked


def test_limits_off_and_bad_settings():
    from web.ratelimits import parse_setting
    assert parse_setting("off") is None
    assert parse_setting("")["submit"] == "10/minute;60/hour"
    assert parse_setting('{"submit": "5/minute"}')["submit"] == "5/minute"
    for bad in ("{", '{"nonsense": "1/minute"}', '{"submit": "lots"}', "[1]"):
        with pytest.raises(ValueError):
            parse_setting(bad)


def test_with_redis_unreachable_the_limits_let_requests_through(rt):
    rt.settings = replace(rt.settings, redis_url="redis://127.0.0.1:1/0",
                          rate_limits=json.dumps(LIMITS))
    rt.__dict__.pop("redis", None)
    client = create_app({"TESTING": True}, runtime=rt).test_client()
    assert [_post(client, n).status_code for n in range(4)] == [201] * 4
    assert client.post("/api/v1/auth/token", json={"username": "rev", "password": PASSWORD}
                       ).status_code == 201


def test_a_lockout_lasts_its_whole_period_even_at_a_windows_end(redis_url):
    """Windows are aligned to the clock: the failure that uses a limit up near a window's
    end still locks the key for the limit's whole period from then."""
    from web.ratelimits import RateLimits
    prefix = f"minyi-test-{secrets.token_hex(4)}"
    now = [900.0 * 2_000_000 + 899.5]  # half a second before a 15-minute window ends
    limits = RateLimits({"login_account": "3/15minutes"}, lambda: Redis.from_url(redis_url),
                        prefix, clock=lambda: now[0])
    try:
        for _ in range(3):
            limits.failed(("login_account", "rev"))
        assert limits._count("login_account", "rev", add=False) == (False, 900)
        now[0] += 60  # a new window has begun, but the lockout has not ended
        assert limits._count("login_account", "rev", add=False) == (False, 840)
        now[0] += 841
        assert limits._count("login_account", "rev", add=False) == (True, 1)
    finally:
        client = Redis.from_url(redis_url)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
