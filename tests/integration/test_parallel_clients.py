"""Parallel clients on one item, over two web apps sharing one database and one Redis (as
two web processes do), on SQLite and PostgreSQL:

* a POST retried with the same Idempotency-Key on the other process gets the first
  response and records nothing;
* conflicting staff actions on one item of every kind: exactly one wins, the others get
  409 with the item's current state."""

import threading
import uuid

import pytest

from domain.actors import SYSTEM_ACTOR, Actor
from infrastructure.security import hash_password
from tests.web.conftest import PASSWORD
from web import create_app

CLIENTS = 4
OPERATOR = Actor("op", ("operator",))
OPINION = Actor("yq0", ("opinion",))


@pytest.fixture
def two_processes(make_settings, make_runtime, database_url):
    settings = make_settings(database_url)
    first, second = make_runtime(settings), make_runtime(settings, init=False)
    for n in range(CLIENTS):
        for username, roles, department in ((f"rev{n}", ["reviewer"], None),
                                            (f"h{n}", ["handler"], "区住建局"),
                                            (f"yq{n}", ["opinion"], None)):
            first.app.register_staff(username=username, display_name=username,
                                     password_hash=hash_password(PASSWORD), roles=roles,
                                     department=department, actor=SYSTEM_ACTOR)
    first.catch_up_all()
    return first, second


def client_of(rt, username: str | None = None):
    client = create_app({"TESTING": True}, runtime=rt).test_client()
    headers = {}
    if username:
        token = client.post("/api/v1/auth/token", json={"username": username,
                                                        "password": PASSWORD}).get_json()
        headers = {"Authorization": f"Bearer {token['token']}"}
    return client, headers


def test_a_retry_on_another_process_gets_the_first_answer(two_processes):
    first, second = two_processes
    key = {"Idempotency-Key": str(uuid.uuid4())}
    comment = {"title": "路灯不亮", "content": "小区路灯坏了三天，特此反映，望予处理。", "kind": "投诉",
               "category": "城乡建设"}
    answer = client_of(first)[0].post("/api/v1/comments", json=comment, headers=key)
    head = first.app.recorder.max_notification_id()
    retry = client_of(second)[0].post("/api/v1/comments", json=comment, headers=key)
    assert answer.status_code == retry.status_code == 201
    assert retry.get_data() == answer.get_data()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert second.app.recorder.max_notification_id() == head


def _race(runtimes, users, path, bodies, monkeypatch):
    """Every client loads the item before any of them saves; (status, answer, body) each."""
    clients = [(client_of(runtimes[n % 2], user), body)
               for n, (user, body) in enumerate(zip(users, bodies))]
    loaded = threading.Barrier(len(clients), timeout=20)
    waiting = threading.local()
    for rt in runtimes:
        original = rt.app.get_item

        def get_item(kind, number, _original=original):
            item = _original(kind, number)
            if getattr(waiting, "armed", False):
                waiting.armed = False
                loaded.wait()
            return item
        monkeypatch.setattr(rt.app, "get_item", get_item)
    results = []

    def act(client, headers, body):
        waiting.armed = True
        response = client.post(path, json=body, headers=headers)
        results.append((response.status_code, response.get_json(), body))

    threads = [threading.Thread(target=act, args=(c, h, b)) for (c, h), b in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _one_wins(results, status: str) -> None:
    codes = sorted(code for code, _, _ in results)
    assert codes == [200] + [409] * (CLIENTS - 1), results
    for code, body, _ in results:
        if code == 409:
            assert body["error"]["code"] == "conflict"
            assert body["error"]["details"]["status"] == status


def test_reviewers_accepting_one_comment_at_once(two_processes, monkeypatch):
    first, second = two_processes
    no = first.app.submit_comment(title="路灯", content="路灯坏了，特此反映，望予处理。", kind="投诉",
                                  category="城乡建设")["tracking_no"]
    results = _race((first, second), [f"rev{n}" for n in range(CLIENTS)],
                    f"/api/v1/staff/comments/{no}/accept", [{}] * CLIENTS, monkeypatch)
    _one_wins(results, "accepted")
    events = [type(e).__name__ for e in first.app.events.get(
        first.app.workflows["comments"].id_for(no))]
    assert events.count("Accepted") == 1


def test_handlers_signing_one_ticket_at_once(two_processes, monkeypatch):
    first, second = two_processes
    no = first.app.register_ticket(OPERATOR, channel="phone", area="临城街道",
                                   category="城乡建设", kind="投诉", urgency="normal",
                                   title="路灯", content="路灯坏了").number
    first.app.act("tickets", no, "dispatch", OPERATOR, department="区住建局")
    results = _race((first, second), [f"h{n}" for n in range(CLIENTS)],
                    f"/api/v1/staff/tickets/{no}/sign", [{}] * CLIENTS, monkeypatch)
    _one_wins(results, "handling")


def test_opinion_staff_changing_one_incident_at_once(two_processes, monkeypatch):
    first, second = two_processes
    no = first.app.open_incident(OPINION, title="化工异味", area="临城街道",
                                 level="II", topic="生态环境").number
    bodies = [{"level": level, "reason": f"研判{n}"}
              for n, level in enumerate(("I", "III", "IV", "I"))]
    results = _race((first, second), [f"yq{n}" for n in range(CLIENTS)],
                    f"/api/v1/staff/incidents/{no}/set_level", bodies, monkeypatch)
    _one_wins(results, "open")
    incident = first.app.get_item("incidents", no)
    winner = next(sent for code, _, sent in results if code == 200)
    assert incident.level == winner["level"]
