"""Sessions end at logout on the server, the API trusts only bearer tokens, unknown users
take as long as known ones, and every answer carries the security headers."""

import time

from tests.support import submit
from tests.web.conftest import PASSWORD, login, logout


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_saved_session_cookie_stops_working_at_logout(client, app):
    login(client, "rev")
    saved = _cookie(client)
    assert client.get("/staff/").status_code == 200
    logout(client)
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/staff/").status_code == 302  # back to the login page


def test_the_staff_api_ignores_the_console_cookie(client, rt):
    """A cross-site form POST carries the cookie but no token: it must not act."""
    no = submit(rt.app)["tracking_no"]
    login(client, "rev")
    assert client.get("/staff/").status_code == 200
    answer = client.post(f"/api/v1/staff/comments/{no}/accept", json={})
    assert answer.status_code == 401
    assert rt.app.get_comment(no).status == "submitted"
    token = client.post("/api/v1/auth/token", json={"username": "rev", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    assert client.post(f"/api/v1/staff/comments/{no}/accept", json={},
                       headers=headers).status_code == 200


def test_an_unknown_user_takes_as_long_as_a_wrong_password(client):
    def timed(username):
        began = time.perf_counter()
        answer = client.post("/api/v1/auth/token", json={"username": username,
                                                         "password": "wrong-password"})
        assert answer.status_code == 403
        return time.perf_counter() - began
    timed("nobody-at-all")  # the dummy hash is made once
    unknown = min(timed("nobody-at-all") for _ in range(3))
    known = min(timed("rev") for _ in range(3))
    assert unknown > known / 3, (unknown, known)


def test_security_headers_and_no_store_on_private_answers(client, rt):
    public = client.get("/replies")
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
                 "Referrer-Policy"):
        assert name in public.headers
    assert "frame-ancestors 'none'" in public.headers["Content-Security-Policy"]
    assert public.headers.get("Cache-Control") != "no-store"
    receipt = submit(rt.app)
    for answer in (client.get(f"/api/v1/comments/{receipt['tracking_no']}"
                              f"?query_code={receipt['query_code']}"),
                   client.get("/staff/login"), client.get("/follow")):
        assert answer.headers["Cache-Control"] == "no-store"
    login(client, "rev")
    assert client.get("/staff/").headers["Cache-Control"] == "no-store"
    docs = client.get("/api/docs/")
    assert "<script>" not in docs.get_data(as_text=True)
    assert client.get("/api/docs/init.js").status_code == 200


def test_tokens_are_listed_and_revoked_by_their_owner(client):
    def token():
        body = client.post("/api/v1/auth/token", json={"username": "rev", "password": PASSWORD})
        return body.get_json()
    first, second = token(), token()
    headers = {"Authorization": f"Bearer {first['token']}"}
    listed = client.get("/api/v1/staff/tokens", headers=headers).get_json()["items"]
    assert {first["token_id"], second["token_id"]} <= {t["id"] for t in listed}
    assert first["token"] not in str(listed)
    assert client.get("/api/v1/staff/tokens?username=h1", headers=headers).status_code == 403
    other = client.post("/api/v1/auth/token", json={"username": "h1", "password": PASSWORD})
    assert client.delete(f"/api/v1/staff/tokens/{other.get_json()['token_id']}",
                         headers=headers).status_code == 404  # not theirs
    assert client.delete(f"/api/v1/staff/tokens/{second['token_id']}",
                         headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {second['token']}"}).status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 200
