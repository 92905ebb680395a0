"""Issue 11 on the portal: following by GET after the code, 差评 reason tags, the note a
reviewer writes for the citizen on a rejection, the minimum content length, the listing's
留言时间 / masked 留言人 / sorting, and the weight of the public pages."""

import re

from tests.web.conftest import login, logout
from tests.web.test_pages import FORM, NAME, follow, post_comment, take_to_reply, text

PAGE_BUDGET = 100 * 1024


def test_a_rejection_note_for_the_citizen_reaches_the_follow_page_and_the_internal_one_not(
        client, rt):
    tracking_no, code = post_comment(client)
    login(client, "rev")
    form = text(client.get(f"/staff/comments/{tracking_no}"))
    reject = re.search(r'<form[^>]*id="act-reject".*?</form>', form, re.S).group(0)
    assert "告知留言人的说明" in reject and "将在留言查询页向留言人显示" in reject
    assert "内部说明" in reject and "仅工作人员可见" in reject
    done = client.post(f"/staff/comments/{tracking_no}/reject", data={
        "reason": "no_content", "note": "内部：疑似重复账号",
        "public_note": "请补充具体地点后重新留言，或拨打13900001111咨询。"})
    assert done.status_code == 303
    logout(client)
    page = text(follow(client, tracking_no, code))  # before the read model caught up
    assert "不予受理" in page and "无实质内容" in page and "请补充具体地点" in page
    rt.catch_up_all()
    page = text(client.get(f"/follow/{tracking_no}"))
    assert "请补充具体地点后重新留言" in page and "审看说明" in page
    assert "13900001111" not in page  # the note is masked like every public text
    assert "疑似重复账号" not in page
    api = client.get(f"/api/v1/comments/{tracking_no}?query_code={code}").get_json()
    assert api["reject_note"].startswith("请补充具体地点") and "疑似" not in str(api)


def test_a_bad_rating_carries_reason_tags_that_staff_see(client, rt):
    tracking_no, code = post_comment(client)
    take_to_reply(client, rt, tracking_no)
    follow(client, tracking_no, code)
    unknown = client.post(f"/follow/{tracking_no}/rate",
                          data={"rating": "不满意", "reasons": "随便写的"})
    assert unknown.status_code == 422 and "未知的差评原因" in text(unknown)
    rated = client.post(f"/follow/{tracking_no}/rate", data={
        "rating": "不满意", "reasons": ["办理拖延", "问题未解决"], "remark": "还是不亮"})
    assert rated.status_code == 303
    comment = rt.app.get_comment(tracking_no)
    assert comment.rating == "不满意"
    assert comment.rating_reasons == ["问题未解决", "办理拖延"]  # in the fixed order
    rt.catch_up_all()
    login(client, "rev")
    staff_page = text(client.get(f"/staff/comments/{tracking_no}"))
    assert "差评原因" in staff_page and "问题未解决、办理拖延" in staff_page
    logout(client)
    # Nowhere public.
    assert "办理拖延" not in text(client.get(f"/replies/{tracking_no}"))
    assert "办理拖延" not in text(client.get("/replies"))


def test_the_api_takes_reason_tags_only_with_a_bad_rating(client, rt):
    tracking_no, code = post_comment(client)
    take_to_reply(client, rt, tracking_no)
    good = client.post(f"/api/v1/comments/{tracking_no}/rating",
                       json={"query_code": code, "rating": "满意", "reasons": ["态度不好"]})
    assert good.status_code == 422
    bad = client.post(f"/api/v1/comments/{tracking_no}/rating",
                      json={"query_code": code, "rating": "非常不满意", "reasons": ["态度不好"]})
    assert bad.status_code == 201
    assert rt.app.get_comment(tracking_no).rating_reasons == ["态度不好"]


def test_content_shorter_than_ten_characters_is_refused_with_a_clear_message(client):
    short = client.post("/comments/new", data={**FORM, "content": "路灯坏了 "})
    assert short.status_code == 422
    html = text(short)
    assert "留言内容至少10个字" in html and "路灯坏了" in html
    assert re.search(r'id="form-errors"[^>]*tabindex="-1"[^>]*data-error-summary', html)
    assert "至少 10 字" in text(client.get("/comments/new"))
    api = client.post("/api/v1/comments", json={"title": "路灯", "content": "路灯坏了",
                                                "kind": "投诉", "category": "城乡建设"})
    assert api.status_code == 422 and "至少10个字" in api.get_data(as_text=True)
    ok = client.post("/api/v1/comments", json={"title": "路灯", "content": "小区路灯坏了一个月了",
                                               "kind": "投诉", "category": "城乡建设"})
    assert ok.status_code == 201


def test_a_new_query_code_ends_the_sessions_that_showed_the_old_one(client, rt):
    tracking_no, code = post_comment(client)
    assert follow(client, tracking_no, code).status_code == 200
    rt.app.recover_query_code(tracking_no, FORM["email"])
    gone = client.get(f"/follow/{tracking_no}")
    assert gone.status_code == 303 and gone.headers["Location"].endswith(
        f"/follow?tracking_no={tracking_no}")
    # An unknown number or one never shown in this session: the same redirect, no leak.
    for number in ("LY20260915999999", "nonsense"):
        assert client.get(f"/follow/{number}").status_code == 303


def test_the_listing_shows_when_and_by_whom_masked_and_sorts(client, rt, web_clock):
    first, _ = post_comment(client, title="第一条留言")
    web_clock.advance(hours=1)
    second, _ = post_comment(client, title="第二条留言", name="欧阳娜娜")
    take_to_reply(client, rt, second)
    web_clock.advance(hours=1)
    take_to_reply(client, rt, first)  # replied last: first by reply date
    html = text(client.get("/replies"))
    assert "留言时间" in html and "留言人" in html
    assert "张**" in html and "欧**" in html
    assert NAME not in html and "欧阳娜娜" not in html
    assert html.index("第一条留言") < html.index("第二条留言")
    by_comment = text(client.get("/replies?sort=submitted"))
    assert by_comment.index("第二条留言") < by_comment.index("第一条留言")
    assert 'value="submitted" selected' in by_comment
    assert "sort=submitted" in text(client.get("/replies?sort=submitted&per_page=1"))
    assert client.get("/replies?sort=random").status_code == 422
    # The filters fold behind 筛选; "查看全文" is named by its visible text.
    assert re.search(r"<details[^>]*filter-more[^>]*>\s*<summary>筛选", html)
    assert 'aria-label="查看全文' not in html and "查看全文<span class=\"sr-only\">" in html
    api = client.get("/api/v1/replies?sort=submitted").get_json()
    assert [r["tracking_no"] for r in api["items"]][:2] == [second, first]


def test_every_public_page_weighs_less_than_100_kb_before_images(client, rt):
    tracking_no, code = post_comment(client)
    take_to_reply(client, rt, tracking_no)
    pages = {path: client.get(path) for path in (
        "/", "/comments/new", "/follow", "/follow/recover", "/replies",
        f"/replies/{tracking_no}", "/stats")}
    pages["follow-view"] = follow(client, tracking_no, code)
    for name, page in pages.items():
        html = text(page)
        assets = re.findall(r'<(?:link[^>]+href|script[^>]+src)="(/static/[^"]+)"', html)
        size = len(page.get_data()) + sum(len(client.get(a).get_data()) for a in assets)
        assert size < PAGE_BUDGET, (name, size)
        assert assets, name  # the style sheet at least was counted
