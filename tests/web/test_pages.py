"""The HTML pages: portal (post, follow, rate, public replies) and the staff console."""

import re

from tests.web.conftest import csrf_token, login, logout, receipt_codes

NAME, PHONE, EMAIL = "张三丰", "13812345678", "zhang@example.com"

FORM = {
    "title": "小区路灯不亮",
    "content": f"常庄街道某小区路灯坏了一个月，晚上出行不便。联系电话{PHONE}",
    "kind": "投诉",
    "category": "城乡建设",
    "name": NAME,
    "phone": PHONE,
    "email": EMAIL,
}
REPLY = "您好！经核实，我局已安排维修，三日内修复。"


def text(response) -> str:
    return response.get_data(as_text=True)


def post_comment(client, **overrides):
    """Submit the form and return (tracking_no, query_code) from the receipt page."""
    response = client.post("/comments/new", data={**FORM, **overrides})
    assert response.status_code == 200, text(response)
    return receipt_codes(text(response))


def follow(client, tracking_no: str, code: str):
    """Show the query code (POST), then the follow page it redirects to (GET)."""
    response = client.post("/follow", data={"tracking_no": tracking_no, "query_code": code})
    assert response.status_code == 303, text(response)
    assert response.headers["Location"].endswith(f"/follow/{tracking_no}")
    assert code not in response.headers["Location"]
    return client.get(f"/follow/{tracking_no}")


def act(client, tracking_no: str, action: str, **form):
    return client.post(f"/staff/comments/{tracking_no}/{action}", data=form)


def take_to_reply(client, rt, tracking_no: str, department: str = "区住建局",
                  handler: str = "h1"):
    """Through the console: reviewer accepts and dispatches, handler drafts, reviewer approves."""
    assert login(client, "rev").status_code == 303
    assert act(client, tracking_no, "accept").status_code == 303
    assert act(client, tracking_no, "dispatch", department=department).status_code == 303
    logout(client)
    assert login(client, handler).status_code == 303
    assert act(client, tracking_no, "draft", content=REPLY).status_code == 303
    logout(client)
    login(client, "rev")
    assert act(client, tracking_no, "approve").status_code == 303
    logout(client)
    rt.catch_up_all()


# --- portal ------------------------------------------------------------------------------

def test_home_page_introduces_the_platform_and_links_the_two_doors(client):
    response = client.get("/")
    assert response.status_code == 200
    html = text(response)
    assert "区政府网民留言办理平台" in html
    assert 'href="/comments/new"' in html and "我要留言" in html
    assert 'href="/follow"' in html and "留言查询" in html
    assert client.get("/static/style.css").status_code == 200


def test_form_page_offers_kinds_categories_departments_and_the_counter(client):
    html = text(client.get("/comments/new"))
    for kind in ("咨询", "建议", "投诉", "求助"):
        assert f'value="{kind}"' in html
    assert '<option value="城乡建设"' in html
    assert '<option value="区住建局"' in html and "不指定" in html
    assert 'name="no_publish"' in html and "不同意公开" in html
    assert 'maxlength="3000"' in html and "3000" in html
    assert 'name="csrf_token"' in html


def test_a_comment_posted_on_the_page_ends_up_answered_on_the_public_listing(client, rt):
    response = client.post("/comments/new", data=FORM)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    tracking_no, query_code = receipt_codes(text(response))
    assert tracking_no.startswith("LY") and len(query_code) == 10
    assert f"/follow?tracking_no={tracking_no}" in text(response)
    urls = re.findall(r'(?:href|action|src)="([^"]*)"', text(response))
    assert urls and all(query_code not in url for url in urls)  # never in a URL

    take_to_reply(client, rt, tracking_no)

    listing = text(client.get("/replies"))
    assert tracking_no in listing and "小区路灯不亮" in listing
    assert "受理日期" in listing and "答复日期" in listing and "答复部门" in listing
    assert "2026-09-15" in listing  # accepted and replied today
    assert "区住建局" in listing
    assert "答复内容" in listing and REPLY in listing

    detail = client.get(f"/replies/{tracking_no}")
    assert detail.status_code == 200
    html = text(detail)
    for expected in ("受理日期", "答复日期", "答复部门", "答复内容", "评价", REPLY, "区住建局",
                     "2026-09-15", "138****5678"):
        assert expected in html

    home = text(client.get("/"))
    assert tracking_no in home or "小区路灯不亮" in home


def test_validation_errors_keep_the_input_and_answer_422(client):
    response = client.post("/comments/new", data={
        "title": "", "content": "我想反映一个问题", "kind": "闲聊", "category": "教育",
        "name": "李四", "phone": "abc", "no_publish": "1"})
    assert response.status_code == 422
    html = text(response)
    assert "我想反映一个问题</textarea>" in html
    assert 'value="李四"' in html
    assert re.search(r'value="教育"\s+selected', html)
    assert re.search(r'name="no_publish" value="1"\s+checked', html)
    assert "此项为必填项" in html
    assert "电话号码格式不正确" in html
    assert "须为：咨询、建议、投诉、求助之一" in html
    assert 'aria-invalid="true"' in html


def test_an_unknown_department_is_reported_on_the_form(client):
    response = client.post("/comments/new", data={**FORM, "department": "不存在的局"})
    assert response.status_code == 422
    assert "未知的单位" in text(response)
    assert 'value="小区路灯不亮"' in text(response)


def test_following_with_the_right_code_shows_the_citizens_view(client, rt):
    tracking_no, code = post_comment(client)
    rt.catch_up_all()
    response = follow(client, tracking_no, code)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = text(response)
    assert "待审看" in html and "网民提交留言" in html and "受理日期" in html
    assert "留言编号" in html and "受理编号" not in html and "尚未受理" in html
    assert code not in html  # the session vouches for the citizen, not a hidden field
    assert 'aria-current="step"' in html and "审看受理" in html  # the progress bar
    assert client.get(f"/follow/{tracking_no}").status_code == 200  # a refresh is a GET
    # The follow link on the receipt pre-fills the number, never the code.
    prefilled = text(client.get(f"/follow?tracking_no={tracking_no}"))
    assert f'value="{tracking_no}"' in prefilled


def test_a_wrong_query_code_or_unknown_number_is_403_with_one_message(client, rt):
    tracking_no, _ = post_comment(client)
    wrong = client.post("/follow", data={"tracking_no": tracking_no, "query_code": "WRONGCODE2"})
    assert wrong.status_code == 403
    assert "留言编号或查询码不正确" in text(wrong)
    unknown = client.post("/follow", data={"tracking_no": "LY20260915999999",
                                           "query_code": "WRONGCODE2"})
    assert unknown.status_code == 403
    assert "留言编号或查询码不正确" in text(unknown)
    missing = client.post("/follow", data={"tracking_no": tracking_no})
    assert missing.status_code == 422
    assert "此项为必填项" in text(missing)


def test_the_citizen_rates_the_reply_on_the_follow_page(client, rt):
    tracking_no, code = post_comment(client)
    take_to_reply(client, rt, tracking_no)
    view = text(follow(client, tracking_no, code))
    assert REPLY in view and "答复部门" in view and "答复日期" in view
    for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f'value="{level}"' in view
    assert f'action="/follow/{tracking_no}/rate#rate-errors"' in view
    assert code not in view  # neither in a hidden field nor in the URL

    no_level = client.post(f"/follow/{tracking_no}/rate", data={})
    assert no_level.status_code == 422 and "此项为必填项" in text(no_level)
    # The error sits by the rating form and takes the focus.
    assert re.search(r'id="rate".*data-error-summary', text(no_level), re.S)
    tagged_good = client.post(f"/follow/{tracking_no}/rate",
                              data={"rating": "满意", "reasons": "办理拖延"})
    assert tagged_good.status_code == 422 and "只有差评可以选择原因" in text(tagged_good)

    rated = client.post(f"/follow/{tracking_no}/rate", data={"rating": "满意", "remark": "很及时"})
    assert rated.status_code == 303  # POST-redirect-GET: a refresh does not re-submit
    shown = client.get(rated.headers["Location"])
    # Before the read models catch up the page already shows the rating (from the item).
    assert "感谢您的评价" in text(shown) and "您的评价" in text(shown)
    assert 'action="/follow/' not in text(shown)  # the form is gone once rated
    rt.catch_up_all()
    assert "已办结" in text(client.get(f"/follow/{tracking_no}"))
    again = client.post(f"/follow/{tracking_no}/rate", data={"rating": "满意"})
    assert again.status_code == 409
    assert "满意" in text(client.get(f"/replies/{tracking_no}"))

    client.delete_cookie("session")  # another browser: only the code would do
    forged = client.post(f"/follow/{tracking_no}/rate", data={"query_code": "X" * 10,
                                                              "rating": "非常不满意"})
    assert forged.status_code == 403
    elsewhere = client.get(f"/follow/{tracking_no}")
    assert elsewhere.status_code == 303 and "query_code" not in elsewhere.headers["Location"]


def test_invalid_listing_filters_are_a_page_with_a_chinese_message(client):
    for query in ("date_from=2019-13-01", "kind=闲聊", "page=0", "per_page=abc",
                  "date_from=2026-09-10&date_to=2026-09-01", "category=<b>x</b>"):
        response = client.get(f"/replies?{query}")
        assert response.status_code == 422, query
        html = text(response)
        assert "筛选条件有误" in html, query
        assert "Must be" not in html and "Not a valid" not in html, query
        assert "<b>x</b>" not in html
    assert "开始日期不能晚于结束日期" in text(
        client.get("/replies?date_from=2026-09-10&date_to=2026-09-01"))


def test_listing_filters_and_pagination_keep_the_filters(client, rt):
    numbers = [post_comment(client, title=f"咨询事项{i}", kind="咨询")[0] for i in range(3)]
    other = post_comment(client, title="建议事项", kind="建议")[0]
    for no in numbers + [other]:
        take_to_reply(client, rt, no)
    page1 = text(client.get("/replies?kind=咨询&per_page=2"))
    assert "共找到 <strong>3</strong> 条" in page1
    assert "建议事项" not in page1
    next_link = re.search(r'href="(/replies\?[^"]*page=2[^"]*)"', page1).group(1)
    assert "kind=%E5%92%A8%E8%AF%A2" in next_link and "per_page=2" in next_link
    page2 = text(client.get(next_link.replace("&amp;", "&")))
    assert page2.count('class="reply-card"') == 1
    searched = text(client.get("/replies?q=建议事项"))  # any of 建议, 事项: best match first
    cards = searched.split('class="reply-card"')[1:]
    assert "<mark>建议</mark><mark>事项</mark>" in cards[0] and "咨询事项" not in cards[0]
    assert "咨询事项0" not in text(client.get("/replies?q=建议"))
    by_department = text(client.get("/replies?department=区交运局"))
    assert "共找到 <strong>0</strong> 条" in by_department


def test_personal_data_never_reaches_public_pages(client, rt):
    tracking_no, _ = post_comment(client, content=f"我叫{NAME}，电话{PHONE}，邮箱{EMAIL}。")
    take_to_reply(client, rt, tracking_no)
    pages = [text(client.get(path)) for path in ("/", "/replies", f"/replies/{tracking_no}",
                                                f"/replies?q=小区")]
    for html in pages:
        assert PHONE not in html and EMAIL not in html
    detail = pages[2]
    assert "138****5678" in detail and "***@***" in detail
    assert NAME not in pages[0] and NAME not in pages[1]


def test_a_comment_without_consent_is_not_listed(client, rt):
    tracking_no, _ = post_comment(client, no_publish="1", title="不公开的事项")
    take_to_reply(client, rt, tracking_no)
    assert "不公开的事项" not in text(client.get("/replies"))
    assert client.get(f"/replies/{tracking_no}").status_code == 404


def test_titles_are_html_escaped_everywhere(client, rt):
    evil = '<script>alert("x")</script>路灯'
    tracking_no, code = post_comment(client, title=evil)
    take_to_reply(client, rt, tracking_no)
    login(client, "rev")
    pages = [text(client.get("/replies")), text(client.get(f"/replies/{tracking_no}")),
             text(client.get("/")), text(client.get("/staff/?todo=off")),
             text(client.get(f"/staff/comments/{tracking_no}"))]
    logout(client)
    pages.append(text(follow(client, tracking_no, code)))
    for html in pages:
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html


# --- CSRF ----------------------------------------------------------------------------------

def test_csrf_is_enforced_on_page_forms(csrf_client):
    without = csrf_client.post("/comments/new", data=FORM)
    assert without.status_code == 400
    assert "页面已过期" in text(without)
    assert csrf_client.post("/staff/login", data={"username": "rev",
                                                  "password": "password123"}).status_code == 400
    token = csrf_token(text(csrf_client.get("/comments/new")))
    ok = csrf_client.post("/comments/new", data={**FORM, "csrf_token": token})
    assert ok.status_code == 200 and "留言编号" in text(ok)


def test_every_form_carries_a_csrf_token(client, rt):
    tracking_no, code = post_comment(client)
    take_to_reply(client, rt, tracking_no)
    pages = [text(client.get("/comments/new")), text(client.get("/follow")),
             text(follow(client, tracking_no, code)),
             text(client.get("/staff/login"))]
    login(client, "rev")
    pages.append(text(client.get(f"/staff/comments/{tracking_no}")))
    for html in pages:
        for form in re.findall(r'<form method="post".*?</form>', html, re.S):
            assert 'name="csrf_token"' in form, form[:200]


# --- staff console ---------------------------------------------------------------------------

def test_console_pages_require_sign_in(client):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    assert client.get("/staff/comments/LY1").status_code == 302


def test_sign_in_failure_and_safe_next(client):
    bad = login(client, "rev", "wrong-password")
    assert bad.status_code == 403
    assert "用户名或密码不正确" in text(bad)
    assert 'value="rev"' in text(bad)
    assert client.post("/staff/login", data={"username": "rev"}).status_code == 422

    for evil in ("https://evil.example/staff/", "//evil.example/staff", "/replies",
                 "/staff\\..\\evil", "/staff/comments/LY1/accept", "/staff/logout"):
        response = client.post("/staff/login", data={"username": "rev", "password": "password123",
                                                      "next": evil})
        assert response.status_code == 303
        assert response.headers["Location"] == "/staff/", evil
        logout(client)
    response = client.post("/staff/login", data={"username": "rev", "password": "password123",
                                                 "next": "/staff/?status=submitted"})
    assert response.headers["Location"] == "/staff/?status=submitted"
    page = text(client.get("/staff/login?next=/staff/%3Fstatus%3Dsubmitted"))
    assert 'name="next" value="/staff/?status=submitted"' in page


def test_logout_is_a_post(client):
    login(client, "rev")
    assert client.get("/staff/logout").status_code == 405
    assert "退出" in text(client.get("/staff/"))
    response = logout(client)
    assert response.status_code == 303
    assert client.get("/staff/").status_code == 302


def test_inbox_tabs_counts_and_overdue(client, rt, web_clock):
    fresh, _ = post_comment(client, title="新提交的留言")
    late, _ = post_comment(client, title="将要超期的留言", kind="咨询")
    login(client, "rev")
    act(client, late, "accept")
    act(client, late, "dispatch", department="区住建局")
    rt.catch_up_all()
    todo = text(client.get("/staff/"))  # the reviewer's to-do: what waits for 受理
    assert fresh in todo and late not in todo
    html = text(client.get("/staff/?todo=off"))
    for label in ("待审看", "已受理，待交办", "办理中", "答复待审签", "已答复", "已办结",
                  "不予受理", "超期"):
        assert label in html
    assert fresh in html and late in html
    assert "row-overdue" not in html

    web_clock.advance(days=20)
    login(client, "rev")  # the session of 20 days ago has long expired
    html = text(client.get("/staff/?todo=off"))
    row = re.search(rf"<tr[^>]*>\s*<td[^>]*>{late}</td>.*?</tr>", html, re.S)
    assert 'class="row-overdue"' in row.group(0) and "超期" in row.group(0)
    overdue_only = text(client.get("/staff/?overdue=1"))
    assert late in overdue_only and fresh not in overdue_only
    submitted = text(client.get("/staff/?status=submitted"))
    assert fresh in submitted and late not in submitted
    assert text(client.get(f"/staff/?q={late}")).count(f'href="/staff/comments/{late}"') == 1
    assert client.get("/staff/?status=bogus").status_code == 422


def test_handlers_see_only_their_department(client, rt):
    mine, _ = post_comment(client, title="住建局的事")
    theirs, _ = post_comment(client, title="交运局的事")
    login(client, "rev")
    for no, dept in ((mine, "区住建局"), (theirs, "区交运局")):
        act(client, no, "accept")
        act(client, no, "dispatch", department=dept)
    logout(client)
    rt.catch_up_all()

    login(client, "h1")
    inbox = text(client.get("/staff/"))
    assert mine in inbox and theirs not in inbox
    assert 'name="department"' not in inbox  # no department filter for handlers
    assert theirs not in text(client.get("/staff/?department=区交运局"))
    assert client.get(f"/staff/comments/{mine}").status_code == 200
    denied = client.get(f"/staff/comments/{theirs}")
    assert denied.status_code == 404  # as if it were not there: nothing about whose it is
    assert "区交运局" not in text(denied)
    assert act(client, theirs, "draft", content="越权答复").status_code == 404


def test_staff_detail_shows_contact_timeline_and_action_forms(client, rt):
    tracking_no, _ = post_comment(client, department="区住建局")
    login(client, "rev")
    html = text(client.get(f"/staff/comments/{tracking_no}"))
    assert NAME in html and PHONE in html and EMAIL in html
    assert "网民提交留言" in html and "指定单位" in html
    for action in ("accept", "reject", "withhold", "redact"):
        assert f'action="/staff/comments/{tracking_no}/{action}"' in html
    assert "重复留言" in html and 'value="duplicate"' in html  # reject reasons in Chinese

    assert act(client, tracking_no, "accept").status_code == 303
    followed = client.get(f"/staff/comments/{tracking_no}")
    html = text(followed)
    # The dispatch form proposes the department the citizen asked for.
    assert re.search(r'<option value="区住建局"\s+selected', html)
    assert "已受理" in html  # the flash
    assert "办理时限" in html and "2026-09-" in html
    assert "王审核" in html  # the actor's display name on the timeline
    act(client, tracking_no, "dispatch", department="区住建局")
    html = text(client.get(f"/staff/comments/{tracking_no}"))
    assert "交办至承办单位" in html and "单位" in html
    assert f'action="/staff/comments/{tracking_no}/transfer"' in html
    assert f'action="/staff/comments/{tracking_no}/draft"' in html


def test_action_errors_rerender_the_detail_without_a_500(client, rt):
    tracking_no, _ = post_comment(client)
    login(client, "rev")
    missing = act(client, tracking_no, "reject", note="无理由")
    assert missing.status_code == 422
    html = text(missing)
    assert "不予受理”未执行" in html and "此项为必填项" in html
    assert 'value="无理由"' in html  # the input is kept

    wrong_state = act(client, tracking_no, "approve")
    assert wrong_state.status_code == 409
    assert "不能审签" in text(wrong_state)

    assert act(client, tracking_no, "fly").status_code == 404
    act(client, tracking_no, "accept")
    bad_dept = act(client, tracking_no, "dispatch", department="不存在的局")
    assert bad_dept.status_code == 422 and "未知的单位" in text(bad_dept)
    act(client, tracking_no, "dispatch", department="区住建局")
    too_long = act(client, tracking_no, "request_extension", days="99", reason="太忙")
    assert too_long.status_code == 422 and "Must be" not in text(too_long)
    empty_draft = act(client, tracking_no, "draft", content="   ")
    assert empty_draft.status_code == 422


def test_a_handlers_return_leaves_their_department(client, rt):
    tracking_no, _ = post_comment(client)
    login(client, "rev")
    act(client, tracking_no, "accept")
    act(client, tracking_no, "dispatch", department="区住建局")
    logout(client)
    login(client, "h1")
    response = act(client, tracking_no, "return", reason="不属于本单位职责")
    assert response.status_code == 303 and response.headers["Location"] == "/staff/"
    assert "已退单" in text(client.get("/staff/"))


def test_error_pages_are_chinese_pages(client):
    response = client.get("/replies/LY00000000")
    assert response.status_code == 404
    html = text(response)
    assert "<!doctype html>" in html.lower() and 'lang="zh-CN"' in html
    assert "未找到" in html and "返回首页" in html
