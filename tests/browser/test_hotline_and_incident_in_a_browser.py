"""A hotline ticket and a public-opinion incident taken through their work in a real
browser (Chromium driven by Playwright, as in test_citizen_and_staff_in_a_browser, whose
fixtures and helpers this reuses; skipped on a workstation without the browser, failing
under CI=true): each member finds the item on their to-do list and takes the step it waits
for, folded actions included; the public listing's search then finds the ticket."""

import pytest

from tests.browser import test_citizen_and_staff_in_a_browser as steps
from tests.browser.test_citizen_and_staff_in_a_browser import (  # noqa: F401 - fixtures
    browser_installed, log_in, page, system, wait_for_text)

pytestmark = pytest.mark.e2e


def log_out(page):
    page.click("header form button")  # 退出 (a POST form)


def act(page, base, kind, number, action, fill=None):
    steps.act(page, base, number, action, fill, kind=kind)


def test_a_hotline_ticket_from_the_call_to_its_published_reply(system, page):
    base = system.url
    log_in(page, base, "op", "operator-pass-1")
    page.goto(base + "/staff/tickets/new")
    page.fill("#t-caller_name", "王五")
    page.fill("#t-caller_phone", "13700001111")
    page.select_option("#t-area", "临城街道")
    page.select_option("#t-category", "城乡建设")
    page.select_option("#t-kind", "投诉")
    page.fill("#t-title", "小区电梯停运")
    page.fill("#t-content", "临城街道某小区3号楼电梯停运三天，老人上下楼困难。")
    page.check("input[name=publish]")
    page.click("form.intake-form button[type=submit]")
    page.wait_for_load_state()
    number = page.url.split("last=")[1]
    # 派单 is the step a new ticket waits for: open on its page
    page.goto(f"{base}/staff/tickets/{number}")
    assert page.locator("[data-main-action] form#act-dispatch").is_visible()
    act(page, base, "tickets", number, "dispatch", {"select[name=department]": "区住建局"})
    log_out(page)

    log_in(page, base, "h1", "handler-pass-1")
    wait_for_text(page, base + "/staff/tickets", number)  # the department's to-do
    act(page, base, "tickets", number, "sign")
    act(page, base, "tickets", number, "resolve",
        {"textarea[name=reply]": "已联系物业和维保单位，电梯已恢复运行。"})
    log_out(page)

    log_in(page, base, "op", "operator-pass-1")
    wait_for_text(page, base + "/staff/tickets", number)  # 待回访 on the operator's list
    act(page, base, "tickets", number, "callback", {
        "select[name=reached]": "true", "select[name=resolved]": "true",
        "select[name=rating]": "满意"})
    assert "已办结" in page.inner_text("main")
    log_out(page)

    log_in(page, base, "rev", "review-pass-1")
    act(page, base, "tickets", number, "publish")  # folded under 其他操作 for a reviewer
    wait_for_text(page, base + "/replies?q=电梯停运", "电梯已恢复运行")
    assert "13700001111" not in page.content() and "王五" not in page.content()


def test_an_incident_is_handled_and_answered_in_step_then_closed(system, page):
    import json
    import urllib.request
    base = system.url

    def call(path, body, token=None):
        headers = {"Content-Type": "application/json",
                   **({"Authorization": f"Bearer {token}"} if token else {})}
        request = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                         headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    token = call("/api/v1/auth/token", {"username": "yq", "password": "opinion-pass-1"})["token"]
    number = call("/api/v1/staff/incidents", {"title": "化工园区异味"}, token)["incident_no"]
    log_in(page, base, "yq", "opinion-pass-1")
    wait_for_text(page, base + "/staff/incidents", number)
    # 同步安排处置和回应 is the step a new incident waits for
    page.goto(f"{base}/staff/incidents/{number}")
    assert page.locator("[data-main-action] form#act-assign").is_visible()
    act(page, base, "incidents", number, "assign", {
        "select[name=handling_department]": "市生态环境局薛城分局",
        "select[name=response_department]": "区政府办公室"})
    act(page, base, "incidents", number, "handling_update",
        {"textarea[name=text]": "已派员现场检测，异味来源已查明并处置。",
         "select[name=completed]": "true"})
    act(page, base, "incidents", number, "response_statement",
        {"select[name=statement]": "written",
         "textarea[name=text]": "经检测，空气质量达标，请市民放心。",
         "select[name=completed]": "true"})
    act(page, base, "incidents", number, "close",
        {"textarea[name=summary]": "处置和回应均已完成。"})
    assert "已办结" in page.inner_text("main")
