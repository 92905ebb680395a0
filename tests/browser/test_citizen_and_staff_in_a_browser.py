"""The whole story in a real browser (Debian's Chromium driven by Playwright).

Debian's chromium is used through executable_path (never `playwright install`);
`make test` installs it (scripts/ensure_browser.sh). Where Chromium or Playwright is
missing the test is skipped on a workstation but fails under CI=true: this tier checks
what people see; the same behaviour is covered without a browser in tests/web and tests/e2e.
"""

import pytest

from tests.browser.support import ARGS, CHROMIUM, require_browser
from tests.support import live_system_with_staff

MISSING = require_browser()
if not MISSING:
    from playwright import sync_api

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def browser_installed():
    """Under CI=true a missing browser fails the test (before a live system is started)."""
    if MISSING:
        pytest.fail(f"CI=true and {MISSING}")


@pytest.fixture
def system(redis_url):
    s = live_system_with_staff(redis_url)
    yield s
    s.stop()


@pytest.fixture
def page():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def log_in(page, base, username, password):
    page.goto(base + "/staff/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) button[type=submit]")


def act(page, base, number, action, fill=None, kind="comments"):
    """Open the item page, unfold the action if it is folded, fill its form and submit it;
    wait for the redirect, which must not report a failure."""
    page.goto(f"{base}/staff/{kind}/{number}")
    # Actions other than the one the item waits for are folded under 其他操作: open it.
    page.evaluate("id => { const d = document.getElementById(id).closest('details');"
                  " if (d) d.open = true; }", f"act-{action}")
    form = page.locator(f"form#act-{action}")
    for selector, value in (fill or {}).items():
        field = form.locator(selector)
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "未完成" not in page.inner_text("main"), page.inner_text("main")[:400]


def wait_for_text(page, url, text, tries=50):
    for _ in range(tries):
        page.goto(url)
        if text in page.content():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{text!r} never appeared on {url}")


def test_a_citizen_and_the_staff_take_a_comment_from_form_to_rating(system, page):
    base = system.url
    page.goto(base + "/comments/new")
    page.fill("input[name=title]", "小区门口垃圾清运不及时")
    page.fill("textarea[name=content]", "巨山街道某小区门口垃圾三天没人清运，我的电话13912345678。")
    page.check("input[value=投诉]")
    page.select_option("select[name=category]", "城乡建设")
    page.fill("input[name=name]", "李四")
    page.click("form:has(textarea[name=content]) button[type=submit]")
    tracking_no = page.inner_text("#tracking-no").strip()
    query_code = page.inner_text("#query-code").strip()
    assert tracking_no.startswith("LY") and len(query_code) == 10

    log_in(page, base, "rev", "review-pass-1")
    wait_for_text(page, base + "/staff/", tracking_no)
    # 受理并交办 in one step: the action the new item waits for, open on its page.
    page.goto(f"{base}/staff/comments/{tracking_no}")
    assert page.locator("[data-main-action] form#act-accept_dispatch").is_visible()
    assert not page.locator("form#act-reject").is_visible()  # folded under 其他操作
    act(page, base, tracking_no, "accept_dispatch", {"select[name=department]": "区住建局"})
    page.click("header form button")  # 退出 (a POST form)
    log_in(page, base, "h1", "handler-pass-1")
    wait_for_text(page, base + "/staff/", tracking_no)  # the handler's to-do list
    page.goto(f"{base}/staff/comments/{tracking_no}")
    page.fill("form#act-draft textarea[name=content]", "初稿：已联系环卫部门。")
    page.click("button#act-save_draft")  # 保存草稿: stays with the department
    page.wait_for_load_state()
    assert "草稿已保存" in page.inner_text("main")
    assert page.input_value("form#act-draft textarea[name=content]") == "初稿：已联系环卫部门。"
    act(page, base, tracking_no, "draft", {"textarea[name=content]": "已安排环卫车辆每日清运。"})
    page.click("header form button")
    log_in(page, base, "rev", "review-pass-1")
    act(page, base, tracking_no, "approve")
    timeline = page.inner_text("main")
    assert "答复经审签后发布" in timeline and "李四" in timeline  # staff see the contact

    wait_for_text(page, base + "/replies", tracking_no)
    listing = page.inner_text("main")
    assert "已安排环卫车辆每日清运。" in listing and "区住建局" in listing
    assert "13912345678" not in page.content() and "李四" not in page.content()

    # search finds it from the home page's box, the words highlighted (清运 is in the title)
    page.goto(base + "/")
    page.fill("#home-q", "垃圾清运")
    page.press("#home-q", "Enter")
    page.wait_for_load_state()
    assert "q=" in page.url and tracking_no in page.content()
    assert page.locator("mark").filter(has_text="清运").count() >= 1

    page.goto(base + "/follow")
    page.fill("input[name=tracking_no]", tracking_no)
    page.fill("input[name=query_code]", query_code)
    page.click("form:has(input[name=query_code]) button[type=submit]")
    page.check("input[value=满意]")
    page.click("form:has(input[name=rating]) button[type=submit]")
    assert "满意" in page.inner_text("main")
    assert query_code not in page.url


def test_the_incident_board_shows_an_escalation_without_a_reload(system, page):
    import json
    import urllib.request
    base = system.url
    log_in(page, base, "yq", "opinion-pass-1")
    page.goto(base + "/staff/incidents")
    assert page.locator("#board-status").get_attribute("aria-live") == "polite"
    body = json.dumps({"title": "仓库起火", "content": "永福路一处仓库起火，浓烟很大", "kind": "投诉",
                       "category": "公共安全", "area": "临城街道"}).encode()
    request = urllib.request.Request(base + "/api/v1/comments", data=body,
                                     headers={"Content-Type": "application/json"})
    tracking_no = json.loads(urllib.request.urlopen(request).read())["tracking_no"]
    page.wait_for_function(
        "no => document.getElementById('board').innerText.includes('YQ' + no)", arg=tracking_no,
        timeout=15000)  # the page polls every 5 s: no reload
    assert "突发事件（火灾爆炸）" in page.inner_text("#board")
    assert "更新" in page.inner_text("#board-status")
