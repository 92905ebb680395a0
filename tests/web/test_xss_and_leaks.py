"""Hostile text and personal data, end to end through the web tier.

An XSS corpus goes into every field a citizen or a member of staff can write; every page,
feed and API that shows user text must carry it inert (escaped), never as markup. The
personal data given with the same items must appear in no public answer."""

import json
import re

import pytest

from domain.actors import Actor
from tests.support import Staff
from tests.web.conftest import login

XSS = ('<script>alert("x1")</script>', '"><img src=x onerror=alert("x2")>',
       "<svg/onload=alert('x3')>", "</textarea><iframe src=javascript:alert('x4')>",
       "<a href=\"javascript:alert('x5')\">点我</a>", "{{7*7}}{% raw %}x6",
       "<style>*{display:none}</style>x7", "';alert(String.fromCharCode(88,56))//x8")
LIVE = re.compile(r"<script>alert|<img src=x onerror|<svg/onload|<iframe src=javascript|"
                  r"<a href=\"javascript:alert|<style>\*\{display", re.I)
PERSON = {"name": "欧阳修远", "phone": "13912345678", "email": "ouyang@example.com"}
ADDRESS = "永福路88号7单元702室"


@pytest.fixture
def hostile_items(rt):
    staff, app = Staff(), rt.app
    numbers = []
    for i, payload in enumerate(XSS):
        receipt = app.submit_comment(
            title=f"标题{i}{payload}"[:40], content=f"内容{payload}，我叫{PERSON['name']}",
            kind="投诉", category="城乡建设", area="临城街道", address=ADDRESS, **PERSON)
        no = receipt["tracking_no"]
        app.act("comments", no, "accept", staff.reviewer)
        app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
        app.act("comments", no, "draft", staff.handler, content=f"答复{payload}")
        app.act("comments", no, "approve", staff.reviewer)
        numbers.append(no)
    operator = Actor("op", ("operator",))
    ticket = app.register_ticket(operator, channel="phone", caller_name=PERSON["name"],
                                 caller_phone=PERSON["phone"], area="临城街道", address=ADDRESS,
                                 category="城乡建设", kind="投诉", urgency="normal",
                                 title=f"工单{XSS[0]}", content=f"来电{XSS[1]}", publish=True)
    opinion = Actor("yq", ("opinion",))
    incident = app.open_incident(opinion, title=f"事件{XSS[2]}")
    rt.catch_up_all()
    return numbers, ticket.ticket_no, incident.incident_no


PUBLIC = ("/", "/replies", "/replies?q=%3Cscript%3E", "/stats", "/feeds/replies.atom",
          "/feeds/stats.json", "/feeds/stats.csv", "/api/v1/replies",
          "/open311/v2/requests.json", "/open311/v2/requests.xml")


def test_hostile_text_is_inert_in_every_page_feed_and_api(client, hostile_items):
    numbers, ticket_no, incident_no = hostile_items
    paths = [*PUBLIC, *(f"/replies/{n}" for n in numbers),
             *(f"/api/v1/replies/{n}" for n in numbers),
             *(f"/open311/v2/requests/{n}.json" for n in numbers[:2])]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, path
        body = answer.get_data(as_text=True)
        if answer.mimetype in ("text/html", "application/atom+xml", "application/xml",
                               "text/xml"):
            assert not LIVE.search(body), path
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # Template syntax in user text stays text: nothing evaluates it.
    assert "{{7*7}}" in client.get(f"/replies/{numbers[5]}").get_data(as_text=True)
    login(client, "rev")
    staff_pages = ["/staff/", *(f"/staff/comments/{n}" for n in numbers),
                   f"/staff/tickets/{ticket_no}", "/staff/tickets"]
    for path in staff_pages:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert not LIVE.search(answer.get_data(as_text=True)), path


def test_no_public_answer_holds_the_personal_data_given(client, hostile_items):
    numbers, _, _ = hostile_items
    paths = [*PUBLIC, *(f"/replies/{n}" for n in numbers),
             *(f"/api/v1/replies/{n}" for n in numbers),
             *(f"/open311/v2/requests/{n}.json" for n in numbers),
             *(f"/open311/v2/requests/{n}.xml" for n in numbers)]
    for path in paths:
        body = client.get(path).get_data(as_text=True)
        for secret in (*PERSON.values(), ADDRESS, "欧阳修"):
            assert secret not in body, (path, secret)
            assert json.dumps(secret)[1:-1] not in body, (path, secret)
