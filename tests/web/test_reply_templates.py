"""答复模板: reviewers keep canned replies per category (every change an event, with the
actor); handlers read them; the item page offers those of the item's category."""

from tests.support import submit
from tests.web.conftest import PASSWORD, login


def _auth(client, username):
    token = client.post("/api/v1/auth/token",
                        json={"username": username, "password": PASSWORD}).get_json()["token"]
    return {"Authorization": f"Bearer {token}"}


def test_reviewers_keep_templates_and_handlers_only_read_them(rt, client):
    rev, h1 = _auth(client, "rev"), _auth(client, "h1")
    general = client.get("/api/v1/staff/reply-templates?category=城乡建设", headers=h1).get_json()
    assert general["items"] and all(t["category"] == "" for t in general["items"])
    made = client.post("/api/v1/staff/reply-templates", headers=rev, json={
        "category": "城乡建设", "title": "路灯维修", "text": "您好！路灯已安排维修。"})
    assert made.status_code == 201
    template_id = made.get_json()["id"]
    offered = client.get("/api/v1/staff/reply-templates?category=城乡建设",
                         headers=h1).get_json()["items"]
    assert offered[0]["title"] == "路灯维修"  # the category's own come first
    other = client.get("/api/v1/staff/reply-templates?category=教育文体", headers=h1).get_json()
    assert "路灯维修" not in [t["title"] for t in other["items"]]
    assert client.post("/api/v1/staff/reply-templates", headers=h1, json={
        "title": "x", "text": "y"}).status_code == 403
    edited = client.post("/api/v1/staff/reply-templates", headers=rev, json={
        "id": template_id, "category": "城乡建设", "title": "路灯维修", "text": "已修复。"})
    assert edited.status_code == 201
    register = rt.app.repository.get(__import__(
        "domain.reply_templates", fromlist=["x"]).reply_template_register_id())
    assert register.templates[template_id]["text"] == "已修复。"
    events = list(rt.app.repository.event_store.get(register.id))
    assert events[-1].actor == "staff:rev"
    assert client.delete(f"/api/v1/staff/reply-templates/{template_id}",
                         headers=rev).status_code == 200
    assert client.delete(f"/api/v1/staff/reply-templates/{template_id}",
                         headers=rev).status_code == 404


def test_bad_template_input_is_a_clear_422(client):
    rev = _auth(client, "rev")
    for body in ({"title": "", "text": "y"}, {"title": "t", "text": " "},
                 {"title": "t", "text": "y", "category": "没有这个分类"},
                 {"title": ["t"], "text": "y"}, {"title": "t", "text": "y", "id": {"a": 1}},
                 {"title": "长" * 31, "text": "y"}):
        answer = client.post("/api/v1/staff/reply-templates", headers=rev, json=body)
        assert answer.status_code == 422, (body, answer.get_json())
    assert client.post("/api/v1/staff/reply-templates", headers=rev, json={
        "id": "nope", "title": "t", "text": "y"}).status_code == 404


def test_the_console_page_and_the_item_page_offer_the_templates(rt, client, staff):
    login(client, "rev")
    page = client.post("/staff/reply-templates", data={
        "category": "城乡建设", "title": "路灯维修", "text": "您好！路灯已安排维修。"},
        follow_redirects=True).get_data(as_text=True)
    assert "答复模板已保存" in page and "路灯维修" in page
    bad = client.post("/staff/reply-templates", data={"title": "", "text": "x"})
    assert bad.status_code == 422 and "未保存" in bad.get_data(as_text=True)
    no = submit(rt.app)["tracking_no"]
    rt.app.act("comments", no, "accept_dispatch", staff.reviewer, department="区住建局")
    client.post("/staff/logout")
    login(client, "h1")
    item = client.get(f"/staff/comments/{no}").get_data(as_text=True)
    assert "路灯维修" in item and "保存草稿" in item and "提交审签" in item
    assert client.post("/staff/reply-templates", data={"title": "t", "text": "y"}
                       ).status_code == 403


def test_text_no_store_can_keep_is_refused_or_dropped(client):
    rev = _auth(client, "rev")
    lone = client.post("/api/v1/staff/reply-templates", headers=rev,
                       data='{"title": "t", "text": "\\ud800"}', content_type="application/json")
    assert lone.status_code == 422 and lone.get_json()["error"]["details"]["field"] == "text"
    nul = client.post("/api/v1/staff/reply-templates", headers=rev,
                      json={"title": "模板", "text": "a\x00b"})
    assert nul.status_code == 201
    texts = [t["text"] for t in client.get("/api/v1/staff/reply-templates",
                                            headers=rev).get_json()["items"]]
    assert "ab" in texts
