"""The hotline through the JSON API (Flask test client, in-memory store): intake, the
generic action routes, the queue, the public listing, and bad input."""

import pytest

from tests.web.conftest import PASSWORD

CALL = {"channel": "电话", "caller_name": "张三", "caller_phone": "13812345678",
        "area": "临城街道", "address": "永福路8号", "category": "城乡建设", "kind": "投诉",
        "urgency": "一般", "title": "路灯不亮", "content": "永福路路灯坏了，电话13812345678",
        "publish": True}


@pytest.fixture
def tokens(client):
    def token(username):
        body = client.post("/api/v1/auth/token", json={"username": username,
                                                       "password": PASSWORD}).get_json()
        return {"Authorization": f"Bearer {body['token']}"}
    return {name: token(name) for name in ("op", "h1", "h2", "sup", "rev")}


def register(client, tokens, **extra) -> str:
    response = client.post("/api/v1/staff/tickets", json={**CALL, **extra},
                           headers=tokens["op"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()["ticket_no"]


def act(client, tokens, who, no, action, **body):
    return client.post(f"/api/v1/staff/tickets/{no}/{action}", json=body, headers=tokens[who])


def test_a_ticket_goes_from_call_to_the_public_listing(client, tokens, rt):
    no = register(client, tokens)
    assert no.isdigit()
    assert act(client, tokens, "op", no, "dispatch", department="区住建局",
               co_departments=["区交运局"]).status_code == 200
    signed = act(client, tokens, "h1", no, "sign")
    assert signed.get_json()["status"] == "handling" and signed.get_json()["ticket_no"] == no
    assert act(client, tokens, "h1", no, "resolve", reply="已修复").status_code == 409
    assert act(client, tokens, "h2", no, "co_reply", opinion="同意").status_code == 200
    assert act(client, tokens, "h1", no, "resolve", reply="已修复，电话13812345678").status_code == 200
    rt.catch_up_all()
    callbacks = client.get("/api/v1/staff/tickets?callbacks=1", headers=tokens["op"]).get_json()
    assert [row["ticket_no"] for row in callbacks["items"]] == [no]
    assert act(client, tokens, "op", no, "callback", reached=True, resolved=True,
               rating="满意").get_json()["status"] == "closed"
    assert client.get(f"/api/v1/replies/{no}").status_code == 404  # not approved yet
    assert act(client, tokens, "rev", no, "publish", title="永福路路灯不亮",
               content="永福路路灯坏了", reply="已修复，电话13812345678").status_code == 200
    rt.catch_up_all()
    public = client.get(f"/api/v1/replies/{no}").get_json()
    assert public["reply_department"] == "区住建局" and public["channel"] == "phone"
    assert "13812345678" not in str(public) and "张三" not in str(public)
    detail = client.get(f"/api/v1/staff/tickets/{no}", headers=tokens["op"]).get_json()
    assert [s["label"] for s in detail["timeline"]][:3] == ["来电登记", "派单", "承办单位签收"]
    assert detail["contact"] == {"name": "张三", "phone": "13812345678"}


def test_the_queue_shows_a_handler_only_their_departments_tickets(client, tokens, rt):
    mine = register(client, tokens)
    theirs = register(client, tokens)
    act(client, tokens, "op", mine, "dispatch", department="区住建局")
    act(client, tokens, "op", theirs, "dispatch", department="区交运局")
    rt.catch_up_all()
    queue = client.get("/api/v1/staff/tickets", headers=tokens["h1"]).get_json()
    assert [row["ticket_no"] for row in queue["items"]] == [mine]
    assert client.get(f"/api/v1/staff/tickets/{theirs}", headers=tokens["h1"]).status_code == 404
    assert act(client, tokens, "h1", theirs, "sign").status_code == 404
    everything = client.get("/api/v1/staff/tickets", headers=tokens["sup"]).get_json()
    assert everything["total"] == 2


@pytest.mark.parametrize("change, field", [
    ({"caller_phone": "12ab"}, "caller_phone"),
    ({"area": "火星"}, "area"),
    ({"kind": "表扬"}, "kind"),
    ({"channel": "信鸽"}, "channel"),
    ({"title": ""}, "title"),
])
def test_intake_refuses_bad_input_with_422(client, tokens, change, field):
    response = client.post("/api/v1/staff/tickets", json={**CALL, **change},
                           headers=tokens["op"])
    assert response.status_code == 422
    assert field in response.get_json()["error"]["details"]["fields"]


def test_bad_steps_get_clear_errors(client, tokens):
    no = register(client, tokens)
    assert client.post("/api/v1/staff/tickets", json=CALL,
                       headers=tokens["h1"]).status_code == 403
    unknown = act(client, tokens, "op", no, "dispatch", department="区某某局")
    assert unknown.status_code == 422
    early = act(client, tokens, "op", no, "callback", reached=True, resolved=True)
    assert early.status_code == 409 and early.get_json()["error"]["details"]["status"]
    act(client, tokens, "op", no, "resolve_on_spot", reply="已当场答复")
    rating = act(client, tokens, "op", no, "callback", reached=True, resolved=True,
                 rating="五星")
    assert rating.status_code == 422
    act(client, tokens, "op", no, "callback", reached=True, resolved=True, rating="满意")
    closed = act(client, tokens, "op", no, "dispatch", department="区住建局")
    assert closed.status_code == 409
    assert act(client, tokens, "op", "20260101", "sign").status_code in (403, 404)


def test_the_console_registers_from_the_keyboard_and_opens_a_blank_form(client, rt):
    client.post("/staff/login", data={"username": "op", "password": PASSWORD})
    form = client.get("/staff/tickets/new").get_data(as_text=True)
    assert 'autofocus' in form and 'name="caller_phone"' in form
    response = client.post("/staff/tickets/new", data={**CALL, "publish": "true"})
    assert response.status_code == 303 and "/staff/tickets/new?last=" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已登记工单" in page and 'value=""' in page
    no = response.headers["Location"].split("last=")[1]
    detail = client.get(f"/staff/tickets/{no}").get_data(as_text=True)
    assert f'action="/staff/tickets/{no}/dispatch"' in detail and 'name="co_departments"' in detail
    dispatched = client.post(f"/staff/tickets/{no}/dispatch",
                             data={"department": "区住建局", "co_departments": ["区交运局", "区民政局"]})
    assert dispatched.status_code == 303
    assert "会办单位" in client.get(f"/staff/tickets/{no}").get_data(as_text=True)
    queue = client.get("/staff/tickets?overdue=1&q=路灯")
    assert queue.status_code == 200 and "督办" in queue.get_data(as_text=True)
    rt.catch_up_all()
    todo = client.get("/staff/tickets").get_data(as_text=True)  # the operator's: 派单, 回访
    assert f'href="/staff/tickets/{no}"' not in todo  # dispatched: 签收 is the department's
    listing = client.get("/staff/tickets?mine=0").get_data(as_text=True)
    assert f'href="/staff/tickets/{no}"' in listing
    assert client.get("/staff/tickets?status=nonsense").status_code == 422
    bad = client.post("/staff/tickets/new", data={**CALL, "caller_phone": "abc"})
    assert bad.status_code == 422 and "电话号码格式不正确" in bad.get_data(as_text=True)
