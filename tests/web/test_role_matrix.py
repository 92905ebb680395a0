"""Every role against every staff endpoint of the JSON API: allowed (anything but
401/403/404), 403 for a missing role, 404 for another department's item — and 401 with
no token at all. Each (role, action) pair acts on a fresh item, so one pair's effect
cannot change another's answer."""

import pytest

from domain.actors import SYSTEM_ACTOR, Actor
from domain.casework import WORKFLOWS
from infrastructure.security import hash_password
from tests.support import submit
from tests.web.conftest import PASSWORD

REVIEWER, OPERATOR, OPINION = Actor("rev", ("reviewer",)), Actor("op", ("operator",)), \
    Actor("yq", ("opinion",))
ROLES = {"rev": "reviewer", "h1": "handler", "h2": "handler", "op": "operator",
         "sup": "supervisor", "yq": "opinion", "root": "admin"}
OWN, OTHER = "区住建局", "区交运局"  # h1's department and h2's


@pytest.fixture
def tokens(client, rt):
    for username, role in (("yq", "opinion"), ("root", "admin")):
        rt.app.register_staff(username=username, display_name=username, roles=[role],
                              password_hash=hash_password(PASSWORD), department=None,
                              actor=SYSTEM_ACTOR)
    rt.catch_up_all()
    return {u: {"Authorization": "Bearer " + client.post(
        "/api/v1/auth/token", json={"username": u, "password": PASSWORD}).get_json()["token"]}
        for u in ROLES}


def fresh(rt, kind: str) -> str:
    """An item of `kind` that belongs to OWN (h1's department)."""
    app = rt.app
    if kind == "comments":
        no = submit(app)["tracking_no"]
        app.act(kind, no, "accept", REVIEWER)
        app.act(kind, no, "dispatch", REVIEWER, department=OWN)
        return no
    if kind == "tickets":
        ticket = app.register_ticket(OPERATOR, channel="phone", caller_name="张三",
                                     caller_phone="13812345678", area="临城街道", address="",
                                     category="城乡建设", kind="投诉", urgency="normal",
                                     title="噪音", content="楼下噪音扰民")
        app.act(kind, ticket.ticket_no, "dispatch", OPERATOR, department=OWN)
        return ticket.ticket_no
    if kind == "consultations":
        return app.list_consultation(Actor("root", ("admin",)), year=2026, title="老旧小区改造",
                                     department=OWN, planned_on="2026-12-01",
                                     participation=["online"]).consultation_no
    incident = app.open_incident(OPINION, title="河道死鱼")
    app.act(kind, incident.incident_no, "assign", OPINION, handling_department=OWN,
            response_department=OWN)
    return incident.incident_no


def expected(username: str, roles: tuple) -> str:
    role = ROLES[username]
    if role != "admin" and role not in roles:
        return "forbidden"
    if username == "h2":
        return "not_found"
    return "allowed"


@pytest.mark.parametrize("kind", [w.kind for w in WORKFLOWS])
def test_every_role_on_every_action(client, rt, tokens, kind):
    workflow, wrong = rt.app.workflows[kind], []
    for action in workflow.actions:
        for username in ROLES:
            number = fresh(rt, kind)
            answer = client.post(f"/api/v1/staff/{kind}/{number}/{action.name}", json={},
                                 headers=tokens[username])
            outcome = {403: "forbidden", 404: "not_found"}.get(answer.status_code, "allowed")
            if answer.status_code == 401 or answer.status_code >= 500 or \
                    outcome != expected(username, action.roles) or \
                    (outcome != "allowed" and OWN in answer.get_data(as_text=True)):
                wrong.append((action.name, username, answer.status_code))
    assert len(workflow.actions) > 5 and not wrong, wrong


VIEWS = {  # path -> the roles that may read it (None: every staff role)
    "/api/v1/me": None, "/api/v1/staff/inbox": None, "/api/v1/staff/tickets": None,
    "/api/v1/staff/notifications": None, "/api/v1/staff/incidents": ("opinion", "handler"),
    "/api/v1/staff/lexicon": ("opinion",),
}


@pytest.mark.parametrize("path", VIEWS)
def test_every_role_on_every_view(client, tokens, path):
    assert client.get(path).status_code == 401
    for username, role in ROLES.items():
        allowed = VIEWS[path] is None or role == "admin" or role in VIEWS[path]
        status = client.get(path, headers=tokens[username]).status_code
        assert (status == 200) == allowed and status in (200, 403), (username, status)


@pytest.mark.parametrize("kind", [w.kind for w in WORKFLOWS])
def test_an_item_page_is_404_to_another_department_only(client, rt, tokens, kind):
    number = fresh(rt, kind)
    for username in ROLES:
        status = client.get(f"/api/v1/staff/{kind}/{number}", headers=tokens[username]
                            ).status_code
        if username == "h2":
            assert status == 404
        elif kind == "incidents" and ROLES[username] not in ("opinion", "admin", "handler"):
            assert status in (200, 403)
        else:
            assert status == 200, (username, status)
