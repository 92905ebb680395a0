"""Sessions and API tokens are server-side: only digests are stored, each expires, each
can be revoked, and a password change voids them."""

from datetime import timedelta

import pytest

from infrastructure.credentials import TABLE


@pytest.fixture
def credentials(runtime):
    return runtime.credentials


def test_a_token_is_stored_as_a_digest_and_checked(credentials, runtime):
    issued = credentials.issue("op", "fp1", "token", client="10.0.0.1", label="API")
    assert credentials.check(issued["secret"], "token") == ("op", "fp1")
    assert credentials.check(issued["secret"], "session") is None  # not a session
    assert credentials.check(issued["secret"] + "x", "token") is None
    stored = str(runtime.views.query(f"SELECT * FROM {TABLE}"))
    assert issued["secret"] not in stored
    (row,) = credentials.listing("op")
    assert (row["id"], row["kind"], row["client"]) == (issued["id"], "token", "10.0.0.1")


def test_credentials_expire(credentials, clock):
    issued = credentials.issue("op", "fp1", "session")
    clock.advance(hours=11, minutes=59)
    assert credentials.check(issued["secret"], "session")
    clock.advance(minutes=2)
    credentials._cache.clear()
    assert credentials.check(issued["secret"], "session") is None
    assert credentials.listing("op") == []


def test_revoking_one_or_all_of_an_account(credentials):
    one, two = (credentials.issue("op", "fp", "token") for _ in range(2))
    other = credentials.issue("rev", "fp", "session")
    assert credentials.revoke(credential_id=one["id"], username="rev") == 0  # not theirs
    assert credentials.revoke(credential_id=one["id"], username="op") == 1
    assert credentials.check(one["secret"], "token") is None
    assert credentials.check(two["secret"], "token") == ("op", "fp")
    assert credentials.revoke(username="op") == 1
    assert credentials.check(two["secret"], "token") is None
    assert credentials.check(other["secret"], "session") == ("rev", "fp")
    assert [r["revoked_at"] is not None for r in credentials.listing("op", live_only=False)] \
        == [True, True]
