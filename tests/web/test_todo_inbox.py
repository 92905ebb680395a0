"""The console's to-do inbox: each role opens on what it must do now, nearest deadline
first, with working days left and due-soon / overdue marks; 受理并交办 in one step; a
handler's 保存草稿 apart from 提交审签."""

from tests.support import replied, submit
from tests.web.conftest import login


def _token(client, username):
    from tests.web.conftest import PASSWORD
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.get_json()['token']}"}


def test_a_reviewer_opens_on_the_to_do_list_with_its_queues(rt, client, staff, web_clock):
    waiting = submit(rt.app)["tracking_no"]
    routed = submit(rt.app, kind="投诉")["tracking_no"]
    rt.app.act("comments", routed, "accept_dispatch", staff.reviewer, department="区住建局")
    bad = replied(rt.app, staff)
    rated = client.post(f"/api/v1/comments/{bad['tracking_no']}/rating",
                        json={"query_code": bad["query_code"], "rating": "不满意"})
    assert rated.status_code == 201, rated.get_json()
    rt.catch_up_all()
    login(client, "rev")
    page = client.get("/staff/").get_data(as_text=True)
    assert 'aria-current="page"' in page and "我的待办" in page
    assert waiting in page and bad["tracking_no"] in page
    assert routed not in page  # with the department now: not the reviewer's to do
    api = client.get("/api/v1/staff/todo", headers=_token(client, "rev")).get_json()
    assert api["queues"]["review"] == 1 and api["queues"]["bad_rating"] == 1
    assert {i["todo"] for i in api["items"]} == {"review", "bad_rating"}
    only = client.get("/api/v1/staff/todo?queue=bad_rating",
                      headers=_token(client, "rev")).get_json()
    assert [i["tracking_no"] for i in only["items"]] == [bad["tracking_no"]]
    assert client.get("/api/v1/staff/todo?queue=nonsense",
                      headers=_token(client, "rev")).status_code == 422


def test_a_handler_sees_its_departments_items_nearest_deadline_first(rt, client, staff,
                                                                     web_clock):
    later = submit(rt.app, kind="投诉")["tracking_no"]  # 15 working days
    sooner = submit(rt.app, kind="咨询")["tracking_no"]  # 5 working days
    elsewhere = submit(rt.app)["tracking_no"]
    for no in (later, sooner):
        rt.app.act("comments", no, "accept_dispatch", staff.reviewer, department="区住建局")
    rt.app.act("comments", elsewhere, "accept_dispatch", staff.reviewer, department="区交运局")
    # Friday 2026-09-18: the 咨询 is due on Monday 09-21; Sunday 09-20 is a working day
    # in 2026 (made up for the National Day holiday), so two working days are left.
    web_clock.advance(days=3)
    rt.catch_up_all()
    api = client.get("/api/v1/staff/todo", headers=_token(client, "h1")).get_json()
    assert [i["tracking_no"] for i in api["items"]] == [sooner, later]
    first = api["items"][0]
    assert first["todo"] == "answer" and first["days_left"] == 2 and first["due_soon"]
    assert not api["items"][1]["due_soon"]
    login(client, "h1")
    page = client.get("/staff/").get_data(as_text=True)
    assert page.index(sooner) < page.index(later) and elsewhere not in page
    assert "待审看" not in page  # a tab that never applies to a handler is not shown
    web_clock.advance(days=5)  # Wednesday 09-23: two working days past the deadline
    rt.catch_up_all()
    over = client.get("/api/v1/staff/todo", headers=_token(client, "h1")).get_json()["items"][0]
    assert over["overdue"] and over["days_over"] == 2 and over["days_left"] is None


def test_accept_and_dispatch_is_one_step_and_a_draft_can_be_saved_before_it_is_sent(
        rt, client, staff):
    no = submit(rt.app)["tracking_no"]
    login(client, "rev")
    done = client.post(f"/staff/comments/{no}/accept_dispatch",
                       data={"department": "区住建局"}, follow_redirects=True)
    assert "已受理并交办至区住建局" in done.get_data(as_text=True)
    item = rt.app.get_comment(no)
    assert (item.status, item.department, item.due_date is not None) == (
        "dispatched", "区住建局", True)
    headers = _token(client, "h1")
    saved = client.post(f"/api/v1/staff/comments/{no}/save_draft",
                        json={"content": "初稿：已联系维修单位。"}, headers=headers)
    assert saved.status_code == 200, saved.get_json()
    assert rt.app.get_comment(no).status == "dispatched"  # not sent to 审签
    detail = client.get(f"/api/v1/staff/comments/{no}", headers=headers).get_json()
    assert "draft" in [a["name"] for a in detail["actions"]]
    sent = client.post(f"/api/v1/staff/comments/{no}/draft",
                       json={"content": "已联系维修单位，三日内修复。"}, headers=headers)
    assert sent.status_code == 200 and rt.app.get_comment(no).status == "drafted"
    assert client.post(f"/api/v1/staff/comments/{no}/save_draft", json={"content": "改"},
                       headers=headers).status_code == 409
    empty = client.post(f"/api/v1/staff/comments/{no}/accept_dispatch", json={},
                        headers=_token(client, "rev"))
    assert empty.status_code in (409, 422)


def test_the_ticket_queue_opens_on_each_roles_to_do(rt, client):
    from tests.web.test_ticket_api import CALL
    op, h1 = _token(client, "op"), _token(client, "h1")
    waiting = client.post("/api/v1/staff/tickets", json=CALL, headers=op).get_json()["ticket_no"]
    sent = client.post("/api/v1/staff/tickets", json=CALL, headers=op).get_json()["ticket_no"]
    assert client.post(f"/api/v1/staff/tickets/{sent}/dispatch", json={
        "department": "区住建局"}, headers=op).status_code == 200
    rt.catch_up_all()
    mine = client.get("/api/v1/staff/tickets?mine=1", headers=op).get_json()["items"]
    assert [t["ticket_no"] for t in mine] == [waiting]  # 待派单; the other waits for 签收
    theirs = client.get("/api/v1/staff/tickets?mine=1", headers=h1).get_json()["items"]
    assert [t["ticket_no"] for t in theirs] == [sent]
    login(client, "h1")
    page = client.get("/staff/tickets").get_data(as_text=True)
    assert "我的待办" in page and sent in page
    everything = client.get("/staff/tickets?mine=0").get_data(as_text=True)
    assert sent in everything
