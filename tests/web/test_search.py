"""Search on the pages and in the API: ranking, highlights, hostile queries (never a 500)."""

import pytest

from domain.actors import Actor
from tests.support import Staff, replied, submit
from tests.web.conftest import login
from tests.web.test_a_new_item_kind import token

STAFF = Staff()
PLEA = "请尽快处理，谢谢。"
HOSTILE = ('"', "'", "*", "-", "NEAR", "NEAR(停车 路灯)", "停车 OR 路灯", "停车*", "-停车",
           '"停车', "\\", "%", "_", "a:b", "!(&|)", "<script>alert(1)</script>", "停车" * 25,
           "   ", "\u0000", "停\u200b车", "ｎｅａｒ", "😀", "路灯' OR '1'='1", "--", ";", "^")


@pytest.fixture
def items(rt):
    app = rt.app
    made = {
        "lot": replied(app, STAFF, title="停车场收费太贵", content="小区停车场收费过高。" + PLEA),
        "mess": replied(app, STAFF, title="门口乱停车", content="晚上门口乱停车堵路。" + PLEA),
        "lamp": replied(app, STAFF, title="路灯坏了", content="东门外路灯坏了两周。" + PLEA),
        "noise": replied(app, STAFF, title="<i>工地</i>噪音", content="夜间施工噪音大。" + PLEA),
    }
    made["waiting"] = submit(app, title="停车位不够", content="小区停车位严重不足。" + PLEA)
    ticket = app.register_ticket(Actor("op", ("operator",)), channel="phone", area="临城街道",
                                 category="城乡建设", kind="投诉", urgency="normal",
                                 title="路灯不亮", content="村口路灯不亮已经一周了")
    made["ticket"] = ticket.ticket_no
    rt.catch_up_all()
    return {k: v if isinstance(v, str) else v["tracking_no"] for k, v in made.items()}


def test_the_api_ranks_and_highlights(client, items):
    body = client.get("/api/v1/replies?q=停车").get_json()
    assert body["total"] == 2
    assert {i["tracking_no"] for i in body["items"]} == {items["lot"], items["mess"]}
    lot = next(i for i in body["items"] if i["tracking_no"] == items["lot"])
    assert lot["highlight"]["title"] == "<mark>停车</mark>场收费太贵"
    assert "<mark>停车</mark>" in lot["highlight"]["snippet"]
    body = client.get("/api/v1/replies?q=路灯不亮").get_json()
    assert [i["tracking_no"] for i in body["items"]] == [items["lamp"]]
    assert "highlight" not in client.get("/api/v1/replies").get_json()["items"][0]


def test_highlights_escape_the_text_around_the_marks(client, items):
    item = client.get("/api/v1/replies?q=噪音").get_json()["items"][0]
    assert item["highlight"]["title"] == "&lt;i&gt;工地&lt;/i&gt;<mark>噪音</mark>"
    page = client.get("/replies?q=噪音").get_data(as_text=True)
    assert "&lt;i&gt;工地&lt;/i&gt;<mark>噪音</mark>" in page
    assert "<i>工地</i>" not in page


def test_the_listing_page_searches_and_the_home_page_has_a_box(client, items):
    page = client.get("/replies?q=停车").get_data(as_text=True)
    assert "<mark>停车</mark>场收费太贵" in page and "按相关程度排序" in page
    assert "路灯坏了" not in page
    home = client.get("/").get_data(as_text=True)
    assert 'action="/replies"' in home and 'name="q"' in home


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_never_fail(client, rt, items, q):
    for path in ("/api/v1/replies", "/replies"):
        response = client.get(path, query_string={"q": q})
        assert response.status_code in (200, 400, 422), (path, q, response.status_code)
    headers = token(client, "rev")
    for path in ("/api/v1/staff/inbox", "/api/v1/staff/tickets"):
        response = client.get(path, query_string={"q": q}, headers=headers)
        assert response.status_code in (200, 400, 422), (path, q, response.status_code)


def test_a_long_query_is_refused_politely(client, items):
    response = client.get("/api/v1/replies", query_string={"q": "停车" * 40})
    assert response.status_code == 422
    assert client.get("/replies", query_string={"q": "停车" * 40}).status_code == 422


def test_the_staff_inbox_and_ticket_queue_search(client, items):
    headers = token(client, "rev")
    inbox = client.get("/api/v1/staff/inbox?q=停车", headers=headers).get_json()
    numbers = [i["tracking_no"] for i in inbox["items"]]
    assert set(numbers) == {items["lot"], items["mess"], items["waiting"]}
    assert all("<mark>停车</mark>" in i["highlight"]["title"] for i in inbox["items"])
    by_number = client.get(f"/api/v1/staff/inbox?q={items['lamp']}", headers=headers)
    assert [i["tracking_no"] for i in by_number.get_json()["items"]] == [items["lamp"]]
    queue = client.get("/api/v1/staff/tickets?q=路灯", headers=headers).get_json()
    assert [t["ticket_no"] for t in queue["items"]] == [items["ticket"]]
    assert queue["items"][0]["highlight"]["title"] == "<mark>路灯</mark>不亮"
    login(client, "rev")
    page = client.get("/staff/?q=停车").get_data(as_text=True)
    assert "<mark>停车</mark>场收费太贵" in page and "路灯坏了" not in page
    page = client.get("/staff/tickets?q=路灯").get_data(as_text=True)
    assert "<mark>路灯</mark>不亮" in page


def test_a_handler_searches_only_the_own_department(client, rt, items):
    other = replied(rt.app, STAFF, title="停车收费", content="公交站旁停车收费。" + PLEA,
                    department="区交运局")["tracking_no"]
    rt.catch_up_all()
    headers = token(client, "h1")
    inbox = client.get("/api/v1/staff/inbox?q=停车", headers=headers).get_json()
    assert other not in [i["tracking_no"] for i in inbox["items"]]
    assert {i["tracking_no"] for i in inbox["items"]} == {items["lot"], items["mess"]}


def test_the_openapi_document_describes_q_and_highlight(client):
    spec = client.get("/api/openapi.json").get_json()
    text = repr(spec)
    assert "highlight" in text and "<mark>" in text
    params = spec["paths"]["/api/v1/replies"]["get"]["parameters"]
    assert any(p["name"] == "q" and "全文检索" in p.get("description", "") for p in params)
