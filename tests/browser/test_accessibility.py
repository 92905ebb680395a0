"""Every page, as the citizen and as each staff role, in a real browser at desktop width
(1366×900) and phone width (390×844): no serious or critical axe-core violation, no
sideways scrolling, the phone layouts (folded filters, inbox cards, facts before actions),
the focus after a failed POST, and the weight of the public pages.

axe-core comes vendored in the `axe-playwright-python` package (no download at run time).
Screenshots of the main pages at both widths go to test-artifacts/screenshots/ (or
$TEST_ARTIFACTS/screenshots/) for a person to look at. Like the other browser module: where
Chromium, Playwright or axe is missing the tests skip on a workstation and fail under CI=true.
Two browsers check pages in parallel (THREADS); A11Y_TIMING=1 prints each page's time.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.support import ARGS, CHROMIUM, require_browser
from tests.conftest import REDIS_URL
from tests.support import LIVE_STAFF

MISSING = require_browser("axe_playwright_python.sync_playwright")
if not MISSING:
    from axe_playwright_python.sync_playwright import Axe
    from playwright import sync_api

pytestmark = pytest.mark.e2e
VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")
PAGE_BUDGET = 100 * 1024  # bytes of HTML + CSS + JS of a public page, images aside
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("TEST_ARTIFACTS") or ROOT / "test-artifacts") / "screenshots"
ADMIN = ("adm", "admin-pass-1")
PASSWORDS = {"rev": "review-pass-1", "h1": "handler-pass-1", "op": "operator-pass-1",
             "sup": "supervisor-pass-1", "yq": "opinion-pass-1", ADMIN[0]: ADMIN[1]}
PAD = "，特此反映，望予处理。"


@pytest.fixture(autouse=True)
def browser_installed():
    """Under CI=true a missing browser fails the test (before a live system is started)."""
    if MISSING:
        pytest.fail(f"CI=true and {MISSING}")


# --- a live system with one item in every state the pages show ------------------------

def call(base, path, body=None, token=None, method=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def wait_until(check, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s")


@pytest.fixture(scope="module")
def module_redis_url():
    """The suite's Redis (tests/conftest.py), checked once for the module's live system."""
    from redis import Redis

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except OSError as e:
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {e}")
    finally:
        client.close()
    return REDIS_URL


SETUP = """
import json, sys
from web import create_app
from web.cli import create_staff, init_command
runner = create_app().test_cli_runner()
for command, args in [(init_command, [])] + [(create_staff, a) for a in json.loads(sys.argv[1])]:
    result = runner.invoke(command, args)
    assert result.exit_code == 0, result.output
"""


def start_system(redis_url: str):
    """A live system (gunicorn + RQ worker) with the staff of LIVE_STAFF and an admin; the
    accounts are made in one process (tests.support makes one process each: slower)."""
    from bench.system import System

    system = System(redis_url=redis_url, web_workers=1)
    accounts = [[username, *options, "--password", password]
                for username, options, password in LIVE_STAFF]
    accounts.append([ADMIN[0], "--role", "admin", "--password", ADMIN[1]])
    subprocess.run([sys.executable, "-c", SETUP, json.dumps(accounts)], cwd=ROOT,
                   env=system.env, check=True, capture_output=True, text=True)
    return system.start()


@pytest.fixture(scope="module")
def world(module_redis_url):
    shutil.rmtree(SHOTS, ignore_errors=True)  # this run's screenshots only
    system = start_system(module_redis_url)
    try:
        base = system.url

        def token(user):
            return call(base, "/api/v1/auth/token", {"username": user,
                                                     "password": PASSWORDS[user]})["token"]

        rev, h1, op, yq = token("rev"), token("h1"), token("op"), token("yq")

        def comment(title, content, **extra):
            return call(base, "/api/v1/comments", {
                "title": title, "content": content + PAD, "kind": "投诉",
                "category": "城乡建设", "name": "张三丰", "phone": "13812345678", **extra})

        def act(number, action, user_token, **body):
            call(base, f"/api/v1/staff/comments/{number}/{action}", body, user_token)

        answered = comment("小区路灯不亮", "常庄街道某小区路灯坏了一个月")
        no = answered["tracking_no"]
        act(no, "accept", rev)
        act(no, "dispatch", rev, department="区住建局")
        act(no, "draft", h1, content="您好！经核实，我局已安排维修，三日内修复。")
        act(no, "approve", rev)
        waiting = comment("道路积水严重", "永福路雨后积水严重，行人无法通行")
        drafting = comment("井盖缺失", "光明路口井盖缺失，夜间行人容易摔倒")  # with 区住建局
        act(drafting["tracking_no"], "accept_dispatch", rev, department="区住建局")
        act(drafting["tracking_no"], "save_draft", h1, content="初稿：已通知养护单位。")
        rejected = comment("无关留言", "这是一条测试内容，与政务无关")
        act(rejected["tracking_no"], "reject", rev, reason="no_content",
            public_note="请具体描述问题发生的地点和情况后重新留言。", note="内部：疑似测试")
        ticket = call(base, "/api/v1/staff/tickets", {
            "channel": "phone", "caller_name": "李四", "caller_phone": "13912345678",
            "area": "临城街道", "category": "城乡建设", "kind": "投诉", "urgency": "normal",
            "title": "噪音扰民", "content": "楼下商铺夜间噪音扰民，影响休息"}, op)["ticket_no"]
        incident = call(base, "/api/v1/staff/incidents", {"title": "化工厂异味事件"},
                        yq)["incident_no"]
        call(base, f"/api/v1/staff/tickets/{ticket}/dispatch",
             {"department": "区住建局", "co_departments": []}, op)
        wait_until(lambda: no in _get(base, "/replies"), "the published reply")
        yield {"system": system, "base": base, "answered": answered, "waiting": waiting,
               "rejected": rejected, "ticket": ticket, "incident": incident,
               "drafting": drafting}
    finally:
        system.stop()


def _get(base, path) -> str:
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return response.read().decode()


THREADS = 2  # browsers at once: the pages are checked by two renderers in parallel


def in_parallel(jobs) -> list[str]:
    """Run `jobs` (callables taking a browser, returning problems) on THREADS threads, each
    with its own Playwright and Chromium (the sync API belongs to one thread). An assertion
    or error in a job is raised here, after all threads have finished."""
    pending, problems, errors, lock = list(jobs), [], [], threading.Lock()
    axe = Axe()

    def worker():
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                while True:
                    with lock:
                        if not pending:
                            return
                        job = pending.pop(0)
                    try:
                        problems.extend(job(browser, axe))
                    except BaseException as e:  # noqa: BLE001 - re-raised below
                        errors.append(e)
            finally:
                browser.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return problems


class Visit:
    """One browser context at one width; collects the problems of every page it opens."""

    def __init__(self, browser, axe, viewport: str, who: str):
        self.context = browser.new_context(viewport=VIEWPORTS[viewport], locale="zh-CN",
                                           bypass_csp=True)
        # axe-core is loaded into every page as it starts (rather than sent after loading).
        self.context.add_init_script(axe.axe_script)
        self.page = self.context.new_page()
        self.axe, self.viewport, self.who = axe, viewport, who
        self.problems: list[str] = []
        self.weights: dict[str, int] = {}
        self._bytes = 0
        self.page.on("response", self._count)

    def _count(self, response):
        kind = response.request.resource_type
        if kind in ("document", "stylesheet", "script"):
            try:
                self._bytes += len(response.body())
            except Exception:  # a redirect has no body
                pass

    def open(self, url: str, name: str, shot: bool = False):
        started = time.monotonic()
        self._bytes = 0
        response = self.page.goto(url)
        status = response.status if response else 0
        if status >= 500:
            self.problems.append(f"{name} [{self.who}, {self.viewport}]: HTTP {status}")
        self.check(name, shot)
        self.weights[name] = self._bytes
        if os.environ.get("A11Y_TIMING"):
            print(f"{name} [{self.who}, {self.viewport}] {time.monotonic() - started:.2f} s")
        return status

    def check(self, name: str, shot: bool = False):
        where = f"{name} [{self.who}, {self.viewport}]"
        results = self.page.evaluate("axe.run({resultTypes: ['violations']})")
        for v in results["violations"]:
            if v["impact"] in SERIOUS:
                targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
                self.problems.append(f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} "
                                     f"nodes) {targets}")
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            self.problems.append(f"{where}: scrolls sideways by {overflow} px")
        if shot:
            SHOTS.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")
            self.page.screenshot(path=str(SHOTS / f"{self.who}-{slug}-{self.viewport}.png"),
                                 full_page=True)

    def nav_pages(self, base: str, seen) -> list[tuple[str, str]]:
        """Pages the main navigation links to that were not visited yet (a page added to
        the navigation is checked without editing this module)."""
        links = self.page.evaluate(
            "[...document.querySelectorAll('nav.site-nav a[href]')].map(a => a.getAttribute('href'))")
        paths = [link for link in links if link.startswith("/") and link.split("?")[0] not in seen]
        return [(path, "nav" + re.sub(r"[^A-Za-z0-9]+", "-", path)) for path in dict.fromkeys(paths)]

    def focused_error_summary(self) -> bool:
        return self.page.evaluate(
            "document.activeElement && document.activeElement.hasAttribute('data-error-summary')")

    def log_in(self, base: str, username: str):
        self.page.goto(base + "/staff/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", PASSWORDS[username])
        self.page.click("form:has(input[name=password]) button[type=submit]")
        self.page.wait_for_load_state("load")
        assert "/staff/login" not in self.page.url, f"{username} could not sign in"

    def close(self):
        self.context.close()


# --- the citizen ---------------------------------------------------------------------

def test_every_public_page_is_accessible_fits_the_width_and_is_light(world):
    problems = in_parallel(lambda browser, axe, viewport=viewport: citizen(
        world, Visit(browser, axe, viewport, "citizen")) for viewport in VIEWPORTS)
    assert not problems, "\n".join(problems)


def citizen(world, v) -> list[str]:
    base, answered, viewport = world["base"], world["answered"], v.viewport
    try:
        for path, name in (("/", "home"), ("/comments/new", "comment-form"),
                           ("/follow", "follow-form"), ("/follow/recover", "recover"),
                           ("/replies", "replies"),
                           (f"/replies/{answered['tracking_no']}", "reply-detail"),
                           ("/replies?sort=submitted&kind=投诉", "replies-filtered"),
                           ("/replies?date_from=2019-13-01", "replies-bad-filter"),
                           ("/stats", "stats"), ("/no-such-page", "not-found"),
                           ("/staff/login", "staff-login")):
            v.open(base + path, name, shot=name in ("home", "comment-form", "replies",
                                                     "reply-detail", "stats"))
        seen = {"/", "/comments/new", "/follow", "/follow/recover", "/replies", "/stats",
                "/staff/login"}
        for path, name in v.nav_pages(base, seen):
            v.open(base + path, name)
        # The harness itself: a grey-on-grey line is a serious violation it must report.
        v.page.evaluate("""document.querySelector('main').insertAdjacentHTML('beforeend',
            '<p id=faint style="color:#aaa;background:#bbb">看不清的文字</p>')""")
        found = [x for x in v.page.evaluate("axe.run()")["violations"]
                 if x["id"] == "color-contrast" and x["impact"] in SERIOUS]
        assert found and "#faint" in str(found[0]["nodes"])
        heavy = {name: size for name, size in v.weights.items() if size > PAGE_BUDGET}
        assert not heavy, f"over {PAGE_BUDGET} bytes of HTML+CSS+JS: {heavy}"
        assert all(size > 0 for size in v.weights.values()), v.weights

        # The listing: 留言时间 and the masked 留言人, never the name; filters fold on phones.
        v.page.goto(base + "/replies")
        listing = v.page.inner_text("main")
        assert "留言时间" in listing and "张**" in listing and "张三丰" not in v.page.content()
        folded = v.page.evaluate("!document.querySelector('details.filter-more').open")
        assert folded == (viewport == "phone")

        # A failed comment: the error summary at the top takes the focus.
        v.page.goto(base + "/comments/new")
        v.page.fill("input[name=title]", "太短")
        v.page.fill("textarea[name=content]", "太短了")
        v.page.click("form:has(textarea[name=content]) button[type=submit]")
        v.page.wait_for_load_state("load")
        assert "至少10个字" in v.page.inner_text("#form-errors")
        assert v.focused_error_summary()
        v.check("comment-form-failed")

        # A wrong query code: the message takes the focus.
        v.page.goto(base + "/follow")
        v.page.fill("input[name=tracking_no]", answered["tracking_no"])
        v.page.fill("input[name=query_code]", "WRONGCODE1")
        v.page.click("form:has(input[name=query_code]) button[type=submit]")
        v.page.wait_for_load_state("load")
        assert v.focused_error_summary()
        v.check("follow-wrong-code")

        # Following: a GET page after the POST, with the progress bar.
        for item, name in ((world["rejected"], "follow-rejected"), (answered, "follow-answered")):
            v.page.goto(base + "/follow")
            v.page.fill("input[name=tracking_no]", item["tracking_no"])
            v.page.fill("input[name=query_code]", item["query_code"])
            v.page.click("form:has(input[name=query_code]) button[type=submit]")
            v.page.wait_for_load_state("load")
            assert v.page.url.endswith(f"/follow/{item['tracking_no']}")
            assert item["query_code"] not in v.page.content()
            v.check(name, shot=True)
        assert "请具体描述问题发生的地点" not in v.page.content()  # that was the other item
        v.page.goto(base + f"/follow/{world['rejected']['tracking_no']}")
        shown = v.page.inner_text("main")
        assert "请具体描述问题发生的地点和情况后重新留言" in shown and "疑似测试" not in shown

        # An empty rating: the error next to the form, focused and scrolled into view.
        v.page.goto(base + f"/follow/{answered['tracking_no']}")
        assert v.page.locator(".progress-bar [aria-current=step]").inner_text().strip()
        v.page.click("form:has(input[name=rating]) button[type=submit]")
        v.page.wait_for_load_state("load")
        assert v.page.url.endswith("#rate-errors")
        assert v.focused_error_summary()
        assert v.page.evaluate("document.activeElement.closest('#rate') !== null")
        top = v.page.evaluate("document.activeElement.getBoundingClientRect().top")
        assert -2 < top < VIEWPORTS[viewport]["height"] - 40, top
        v.check("follow-rating-failed")
    finally:
        v.close()
    return v.problems


# --- the staff, role by role ---------------------------------------------------------

def staff_pages(world, username) -> list[tuple[str, str]]:
    """The pages each role works with; together they are every page of the console."""
    answered, waiting = world["answered"]["tracking_no"], world["waiting"]["tracking_no"]
    item, ticket = f"/staff/comments/{answered}", f"/staff/tickets/{world['ticket']}"
    incident = f"/staff/incidents/{world['incident']}"
    return {
        "rev": [("/staff/", "inbox"), ("/staff/?status=submitted", "inbox-submitted"),
                (f"/staff/comments/{waiting}", "item-waiting"), (item, "item-answered"),
                (f"/staff/comments/{world['rejected']['tracking_no']}", "item-rejected"),
                ("/staff/tickets", "ticket-queue"), (ticket, "ticket"),
                ("/staff/notifications", "notifications"), ("/staff/?todo=off", "inbox-all"),
                ("/staff/reply-templates", "reply-templates")],
        "h1": [("/staff/", "inbox"), (item, "item-answered"), ("/staff/tickets", "ticket-queue"),
               (f"/staff/comments/{world['drafting']['tracking_no']}", "item-drafting"),
               ("/staff/reply-templates", "reply-templates-read"),
               (ticket, "ticket"), ("/staff/incidents", "incident-board"),
               ("/staff/notifications", "notifications")],
        "op": [("/staff/tickets", "ticket-queue"), ("/staff/tickets/new", "ticket-intake"),
               (ticket, "ticket"), ("/staff/", "inbox"), ("/staff/notifications", "notifications")],
        "sup": [("/staff/?overdue=1", "inbox-overdue"), (item, "item-answered"),
                ("/staff/tickets?overdue=1", "tickets-overdue"),
                ("/staff/notifications", "notifications")],
        "yq": [("/staff/incidents", "incident-board"), (incident, "incident"),
               ("/staff/lexicon", "lexicon"), ("/staff/", "inbox"),
               ("/staff/notifications", "notifications")],
        ADMIN[0]: [("/staff/admin/", "admin"), ("/staff/admin/accounts", "admin-accounts"),
                   ("/staff/admin/accounts/rev", "admin-account"),
                   ("/staff/admin/departments", "admin-departments"),
                   ("/staff/admin/departments/区住建局", "admin-department"),
                   ("/staff/admin/categories", "admin-categories"),
                   ("/staff/admin/api-keys", "admin-api-keys"),
                   ("/staff/incidents", "incident-board"), (incident, "incident")],
    }[username]


# Screenshots: each main page once per width, as the first role in PASSWORDS that opens it.
MAIN_STAFF_PAGES = {"rev": {"inbox", "item-waiting", "item-answered", "ticket-queue", "ticket"},
                    "op": {"ticket-intake"}, "yq": {"incident-board", "incident", "lexicon"},
                    ADMIN[0]: {"admin-accounts"}}


def test_every_console_page_is_accessible_and_fits_for_every_role(world):
    problems = in_parallel(
        lambda browser, axe, username=username, viewport=viewport: staff(
            world, Visit(browser, axe, viewport, username))
        for username in PASSWORDS for viewport in VIEWPORTS)
    assert not problems, "\n".join(problems)


def staff(world, v) -> list[str]:
    base = world["base"]
    try:
        v.log_in(base, v.who)
        pages = staff_pages(world, v.who)
        for path, name in pages:
            status = v.open(base + path, name,
                            shot=name in MAIN_STAFF_PAGES.get(v.who, ()))
            if status >= 400:
                v.problems.append(f"{name} [{v.who}]: HTTP {status}")
        seen = {p.split("?")[0] for p, _ in pages} | {
            "/", "/comments/new", "/follow", "/replies", "/stats", "/staff/tickets",
            "/staff/notifications", "/staff/incidents", "/staff/admin/accounts"}
        for path, name in v.nav_pages(base, seen):
            if v.open(base + path, name) >= 400:
                v.problems.append(f"{name} [{v.who}]: HTTP error")
        if v.who == "rev":
            check_phone_layout(v, world, v.viewport)
    finally:
        v.close()
    return v.problems


def check_phone_layout(v: Visit, world, viewport: str):
    """Inbox rows are cards on a phone; the item's facts and contact come before the
    actions; a failed action focuses its error summary."""
    base = world["base"]
    v.page.goto(base + "/staff/")
    display = v.page.evaluate("getComputedStyle(document.querySelector('.inbox-table td'))"
                              ".display")
    assert (display == "flex") == (viewport == "phone"), display
    v.page.goto(base + f"/staff/comments/{world['waiting']['tracking_no']}")
    tops = v.page.evaluate("""[...['#facts-title', '#contact-title', '#act-title']].map(
        s => document.querySelector(s).getBoundingClientRect().top)""")
    if viewport == "phone":
        assert tops[0] < tops[2] and tops[1] < tops[2], tops
    form = v.page.locator("#act-reject")
    assert "告知留言人" in form.text_content() and "仅工作人员可见" in form.text_content()
    form.evaluate("""f => { f.noValidate = true;  // the server's answer, not the browser's
        for (let d = f.closest('details'); d; d = d.parentElement.closest('details')) d.open = true; }""")
    form.locator("button[type=submit]").click()  # no reason chosen
    v.page.wait_for_load_state("load")
    assert v.focused_error_summary()
    v.check("item-action-failed")
