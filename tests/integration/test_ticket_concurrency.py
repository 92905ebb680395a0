"""Two handlers sign the same ticket at once, in two processes on one database: one wins,
the other gets 409 with the current state (SQLite and PostgreSQL)."""

import threading

from domain.actors import SYSTEM_ACTOR, Actor
from infrastructure.security import hash_password
from tests.web.conftest import PASSWORD
from web import create_app

OPERATOR = Actor("op", ("operator",))


def test_two_handlers_signing_at_once_one_wins_the_other_gets_409(make_settings, make_runtime,
                                                                  database_url, monkeypatch):
    settings = make_settings(database_url)
    first, second = make_runtime(settings), make_runtime(settings, init=False)
    for username in ("h1", "h1b"):
        first.app.register_staff(username=username, display_name=username,
                                 password_hash=hash_password(PASSWORD), roles=["handler"],
                                 department="区住建局", actor=SYSTEM_ACTOR)
    no = first.app.register_ticket(OPERATOR, channel="phone", area="临城街道",
                                   category="城乡建设", kind="投诉", urgency="normal",
                                   title="路灯", content="路灯坏了").number
    first.app.act("tickets", no, "dispatch", OPERATOR, department="区住建局")

    # Both load the ticket before either saves: hold each save until both have loaded.
    both_loaded = threading.Barrier(2, timeout=10)
    for rt in (first, second):
        original = rt.app.get_item

        def get_item(kind, number, _original=original, _first=[True]):
            item = _original(kind, number)
            if _first.pop() if _first else False:  # only the load the action makes
                both_loaded.wait()
            return item
        monkeypatch.setattr(rt.app, "get_item", get_item)

    # Apps and tokens are made before the threads start: building two Flask apps at once
    # compiles URL rules in two threads, which CPython 3.11.7's ast module does not survive
    # ("AST constructor recursion depth mismatch"); only the action itself runs concurrently.
    clients = {}
    for rt, username in ((first, "h1"), (second, "h1b")):
        client = create_app({"TESTING": True}, runtime=rt).test_client()
        token = client.post("/api/v1/auth/token", json={"username": username,
                                                        "password": PASSWORD}).get_json()
        clients[username] = (client, {"Authorization": f"Bearer {token['token']}"})
    results = {}

    def sign(username):
        client, headers = clients[username]
        response = client.post(f"/api/v1/staff/tickets/{no}/sign", headers=headers)
        results[username] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=sign, args=(username,)) for username in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(code for code, _ in results.values()) == [200, 409]
    loser = next(body for code, body in results.values() if code == 409)
    assert loser["error"]["code"] == "conflict"
    assert loser["error"]["details"]["status"] == "handling"
    events = [type(e).__name__ for e in first.app.events.get(
        first.app.workflows["tickets"].id_for(no))]
    assert events.count("Signed") == 1
