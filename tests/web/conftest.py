"""Web tier: the Flask app around an in-memory runtime, with a fake clock and staff accounts."""

import re
import secrets

import pytest
from eventsourcing.cryptography import AESCipher

from domain.actors import SYSTEM_ACTOR
from infrastructure.bootstrap import bootstrap
from infrastructure.config import Settings
from infrastructure.security import hash_password
from tests.conftest import REDIS_URL
from tests.support import FakeClock, local
from web import create_app

PASSWORD = "password123"


@pytest.fixture
def web_clock() -> FakeClock:
    """Tuesday 2026-09-15, 09:00 Beijing time: an ordinary working day."""
    return FakeClock(local(2026, 9, 15))


@pytest.fixture
def rt(web_clock):
    """An in-memory runtime with the seeded departments and three staff accounts."""
    # The suite's Redis database, under a prefix of this test's own; identical submissions
    # are not folded here (tests/web/test_duplicates.py turns it on).
    runtime = bootstrap(Settings(database_url="memory://", secret_key="test-secret",
                                 cipher_key=AESCipher.create_key(32), rate_limits="off",
                                 redis_url=REDIS_URL, duplicate_window=0,
                                 key_prefix=f"minyi-webtest-{secrets.token_hex(4)}"),
                        poke_enabled=False, clock=web_clock)
    runtime.init_storage()
    for username, name, roles, dept in (("rev", "王审核", ["reviewer"], None),
                                        ("h1", "李承办", ["handler"], "区住建局"),
                                        ("h2", "赵承办", ["handler"], "区交运局"),
                                        ("op", "钱话务", ["operator"], None),
                                        ("sup", "孙督办", ["supervisor"], None)):
        runtime.app.register_staff(username=username, display_name=name,
                                   password_hash=hash_password(PASSWORD), roles=roles,
                                   department=dept, actor=SYSTEM_ACTOR)
    runtime.catch_up_all()
    yield runtime
    runtime.close()
    _forget(runtime.settings.key_prefix)


def _forget(prefix: str) -> None:
    """Delete the Redis keys this test made (only those: the prefix is its own)."""
    from redis import Redis
    try:
        client = Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
    except Exception:  # noqa: BLE001 - no Redis here: nothing was made
        pass


@pytest.fixture
def app(rt):
    return create_app({"TESTING": True, "WTF_CSRF_ENABLED": False}, runtime=rt)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def csrf_client(rt):
    """A client of an app with CSRF protection on, as in production."""
    return create_app({"TESTING": True}, runtime=rt).test_client()


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def receipt_codes(html: str) -> tuple[str, str]:
    """The tracking number and query code shown on the receipt page."""
    tracking_no = re.search(r'id="tracking-no">([^<]+)<', html).group(1)
    query_code = re.search(r'id="query-code">([^<]+)<', html).group(1)
    return tracking_no, query_code


def login(client, username: str, password: str = PASSWORD):
    return client.post("/staff/login", data={"username": username, "password": password})


def logout(client):
    return client.post("/staff/logout")
