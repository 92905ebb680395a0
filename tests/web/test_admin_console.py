"""The admin console (/staff/admin): accounts, departments and API keys, admins only, every
form behind CSRF, bad input a Chinese 422 (never a 500), changes visible at once."""

import re
from html.parser import HTMLParser

import pytest

from domain.actors import SYSTEM_ACTOR
from domain.directory import staff_id
from infrastructure.security import hash_password
from tests.web.conftest import PASSWORD, csrf_token, login

PAGES = ("/staff/admin/", "/staff/admin/accounts", "/staff/admin/accounts/h1",
         "/staff/admin/departments", "/staff/admin/departments/区住建局",
         "/staff/admin/api-keys", "/staff/admin/categories")
POSTS = ("/staff/admin/accounts", "/staff/admin/accounts/h1/roles",
         "/staff/admin/accounts/h1/name", "/staff/admin/accounts/h1/email",
         "/staff/admin/accounts/h1/password", "/staff/admin/accounts/h1/deactivate",
         "/staff/admin/accounts/h1/reactivate",
         "/staff/admin/accounts/h1/credentials/0123abcd/revoke",
         "/staff/admin/departments", "/staff/admin/department-changes/mailbox",
         "/staff/admin/department-changes/numbers",
         "/staff/admin/department-changes/deactivate",
         "/staff/admin/department-changes/reactivate",
         "/staff/admin/api-keys", "/staff/admin/api-keys/revoke",
         "/staff/admin/categories/add", "/staff/admin/categories/retire")


@pytest.fixture
def admin(client, rt):
    """The test client signed in as `root`, the only admin."""
    rt.app.register_staff(username="root", display_name="系统管理员", roles=["admin"],
                          password_hash=hash_password(PASSWORD), department=None,
                          actor=SYSTEM_ACTOR)
    assert login(client, "root").status_code == 303
    return client


def text(answer) -> str:
    return answer.get_data(as_text=True)


def errors_shown(answer) -> str:
    """The error notice and field errors of a page, as one string."""
    html = text(answer)
    found = re.findall(r'class="notice notice-error"[^>]*>(.*?)</p>', html, re.S)
    found += re.findall(r'class="field-error"[^>]*>(.*?)</p>', html, re.S)
    return " ".join(found)


def new_account(**fields) -> dict:
    values = {"username": "wang", "display_name": "王新", "roles": ["reviewer"],
              "department": "", "email": "", "password": "new-password-1"}
    values.update(fields)
    return values


# --- accounts ------------------------------------------------------------------------------

def test_an_admin_creates_an_account_that_can_sign_in(admin, app, rt):
    answer = admin.post("/staff/admin/accounts", data=new_account(
        roles=["handler", "opinion"], department="区住建局", email="wang@example.gov.cn"))
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/staff/admin/accounts/wang")
    page = text(admin.get(answer.headers["Location"]))
    assert "已创建账号：wang" in page and "wang@example.gov.cn" in page
    listing = text(admin.get("/staff/admin/accounts"))
    row = re.search(r'<tr>\s*<td class="nowrap"><a href="/staff/admin/accounts/wang">.*?</tr>',
                    listing, re.S).group(0)
    assert "王新" in row and "承办人" in row and "舆情专班" in row and "区住建局" in row
    assert "启用" in row and "已设置" in row
    account = rt.app.get_staff("wang")
    assert account.roles == ["handler", "opinion"] and account.email == "wang@example.gov.cn"
    newcomer = app.test_client()
    assert login(newcomer, "wang", "new-password-1").status_code == 303
    assert "王新（区住建局）" in text(newcomer.get("/staff/"))
    assert "系统管理" not in text(newcomer.get("/staff/"))
    assert "系统管理" in text(admin.get("/staff/"))


def test_an_admin_moves_a_handler_to_another_department(admin, app, rt):
    handler = app.test_client()
    login(handler, "h1")
    assert "（区住建局）" in text(handler.get("/staff/"))
    answer = admin.post("/staff/admin/accounts/h1/roles",
                        data={"roles": ["handler"], "department": "区交运局"})
    assert answer.status_code == 303
    assert "已保存角色和所属单位" in text(admin.get(answer.headers["Location"]))
    assert rt.app.get_staff("h1").department == "区交运局"
    row = re.search(r'accounts/h1">.*?</tr>', text(admin.get("/staff/admin/accounts")), re.S)
    assert "区交运局" in row.group(0)
    assert [r["department"] for r in rt.queries.staff_accounts() if r["username"] == "h1"] \
        == ["区交运局"]
    # The handler's own session follows (within the account cache's few seconds).
    app.extensions["minyi.accounts"].clear()
    assert "（区交运局）" in text(handler.get("/staff/"))


def test_display_name_and_email_changes(admin, rt):
    assert admin.post("/staff/admin/accounts/rev/name",
                      data={"display_name": "王审核员"}).status_code == 303
    assert admin.post("/staff/admin/accounts/rev/email",
                      data={"email": "rev@example.gov.cn"}).status_code == 303
    assert rt.app.get_staff("rev").display_name == "王审核员"
    assert rt.app.get_staff("rev").email == "rev@example.gov.cn"
    assert "王审核员" in text(admin.get("/staff/admin/accounts"))
    bad = admin.post("/staff/admin/accounts/rev/email", data={"email": "rev@"})
    assert bad.status_code == 422 and "电子邮箱格式不正确" in errors_shown(bad)
    bad = admin.post("/staff/admin/accounts/rev/name", data={"display_name": " "})
    assert bad.status_code == 422 and "显示名称" in errors_shown(bad)


def test_deactivating_an_account_ends_its_sessions_and_tokens(admin, app, rt):
    handler = app.test_client()
    login(handler, "h1")
    saved = handler.get_cookie("session").value
    token = handler.post("/api/v1/auth/token",
                         json={"username": "h1", "password": PASSWORD}).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert handler.get("/api/v1/staff/inbox", headers=bearer).status_code == 200
    page = text(admin.get("/staff/admin/accounts/h1"))
    assert "登录会话" in page and "接口令牌" in page
    answer = admin.post("/staff/admin/accounts/h1/deactivate")
    assert answer.status_code == 303
    assert "已停用账号" in text(admin.get(answer.headers["Location"]))
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/staff/").status_code == 302  # back to the login page
    assert handler.get("/staff/").status_code == 302
    assert handler.get("/api/v1/staff/inbox", headers=bearer).status_code == 401
    assert login(app.test_client(), "h1").status_code == 403
    assert rt.credentials.listing(username="h1") == []
    assert "停用" in re.search(r'accounts/h1">.*?</tr>',
                               text(admin.get("/staff/admin/accounts")), re.S).group(0)
    assert admin.post("/staff/admin/accounts/h1/reactivate").status_code == 303
    assert login(app.test_client(), "h1").status_code == 303


def test_an_admin_revokes_one_session(admin, app, rt):
    first, second = app.test_client(), app.test_client()
    login(first, "h1")
    login(second, "h1")
    sessions = rt.credentials.listing(username="h1")
    assert len(sessions) == 2
    page = text(admin.get("/staff/admin/accounts/h1"))
    assert page.count(">撤销</button>") == 2
    newest = sessions[0]["id"]
    answer = admin.post(f"/staff/admin/accounts/h1/credentials/{newest}/revoke")
    assert answer.status_code == 303 and "已撤销" in text(admin.get(answer.headers["Location"]))
    assert [first.get("/staff/").status_code, second.get("/staff/").status_code] \
        .count(302) == 1
    assert len(rt.credentials.listing(username="h1")) == 1
    # Another account's credential cannot be revoked through this account's page.
    login(app.test_client(), "h2")
    other = rt.credentials.listing(username="h2")[0]["id"]
    admin.post(f"/staff/admin/accounts/h1/credentials/{other}/revoke")
    assert len(rt.credentials.listing(username="h2")) == 1
    assert admin.post("/staff/admin/accounts/h1/credentials/not-an-id/revoke") \
        .status_code == 404


def test_resetting_a_password_ends_the_sessions(admin, app):
    handler = app.test_client()
    login(handler, "h1")
    answer = admin.post("/staff/admin/accounts/h1/password", data={"password": "reset-pass-2"})
    assert answer.status_code == 303
    assert handler.get("/staff/").status_code == 302
    assert login(app.test_client(), "h1").status_code == 403
    assert login(app.test_client(), "h1", "reset-pass-2").status_code == 303
    short = admin.post("/staff/admin/accounts/h1/password", data={"password": "short"})
    assert short.status_code == 422 and "密码至少8位" in errors_shown(short)


@pytest.mark.parametrize("fields, status, message", [
    ({"username": ""}, 422, "用户名须为1-40位字母、数字或 . _ -"),
    ({"username": "王五"}, 422, "用户名须为1-40位字母、数字或 . _ -"),
    ({"username": "x" * 41}, 422, "不能超过40个字符"),
    ({"roles": ["boss"]}, 422, "未知的角色"),
    ({"roles": []}, 422, "未知的角色"),
    ({"password": "1234567"}, 422, "密码至少8位"),
    ({"password": ""}, 422, "密码至少8位"),
    ({"roles": ["handler"], "department": ""}, 422, "承办人必须属于一个单位"),
    ({"roles": ["handler"], "department": "区某某不存在局"}, 422, "未知的单位"),
    ({"email": "wang@example"}, 422, "电子邮箱格式不正确"),
    ({"email": "wang example.cn"}, 422, "电子邮箱格式不正确"),
    ({"display_name": "王\x01"}, 422, "含有无效字符"),
    ({"username": "rev"}, 409, "账号已存在"),
])
def test_bad_input_for_a_new_account_is_a_chinese_error(admin, rt, fields, status, message):
    answer = admin.post("/staff/admin/accounts", data=new_account(**fields))
    assert answer.status_code == status
    shown = errors_shown(answer)
    assert message in shown and "账号未创建" in shown
    page = text(answer)
    assert 'name="password"' in page and "new-password-1" not in page  # never echoed
    if fields.get("username") != "rev":
        assert "wang" not in [r["username"] for r in rt.queries.staff_accounts()]
        assert not rt.app._exists(staff_id("wang"))


def test_bad_role_changes_are_refused_with_the_reason(admin, rt):
    answer = admin.post("/staff/admin/accounts/rev/roles", data={"roles": ["handler"]})
    assert answer.status_code == 422 and "承办人必须属于一个单位" in errors_shown(answer)
    answer = admin.post("/staff/admin/accounts/rev/roles", data={"roles": ["nobody"]})
    assert answer.status_code == 422 and "未知的角色" in errors_shown(answer)
    answer = admin.post("/staff/admin/accounts/root/roles", data={"roles": ["reviewer"]})
    assert answer.status_code == 409 and "系统管理员" in errors_shown(answer)
    answer = admin.post("/staff/admin/accounts/root/deactivate")
    assert answer.status_code == 422 and "不能停用自己的账号" in errors_shown(answer)
    assert rt.app.get_staff("root").roles == ["admin"] and rt.app.get_staff("root").active
    assert rt.app.get_staff("rev").roles == ["reviewer"]
    assert admin.post("/staff/admin/accounts/nobody/roles",
                      data={"roles": ["reviewer"]}).status_code == 404
    assert admin.post("/staff/admin/accounts/rev/promote").status_code == 404
    assert admin.get("/staff/admin/accounts/nobody").status_code == 404


def test_an_admin_who_drops_their_own_admin_role_leaves_the_console(admin, rt):
    rt.app.change_staff_roles("rev", ["reviewer", "admin"], None, SYSTEM_ACTOR)
    answer = admin.post("/staff/admin/accounts/root/roles", data={"roles": ["reviewer"]})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/staff/")
    assert admin.get("/staff/admin/accounts").status_code == 403


# --- departments ---------------------------------------------------------------------------

def test_departments_are_created_and_deactivated(admin, rt):
    answer = admin.post("/staff/admin/departments", data={"name": " 区大数据局 "})
    assert answer.status_code == 303
    assert "已创建单位：区大数据局" in text(admin.get(answer.headers["Location"]))
    assert "区大数据局" in text(admin.get("/staff/admin/departments"))
    assert "区大数据局" in rt.queries.departments()
    again = admin.post("/staff/admin/departments", data={"name": "区大数据局"})
    assert again.status_code == 409 and "单位已存在" in errors_shown(again)
    empty = admin.post("/staff/admin/departments", data={"name": ""})
    assert empty.status_code == 422 and "单位名称不能为空" in errors_shown(empty)

    answer = admin.post("/staff/admin/department-changes/deactivate",
                        data={"name": "区大数据局"})
    assert answer.status_code == 303 and not rt.app.department_exists("区大数据局")
    assert "区大数据局" not in rt.queries.departments()
    form = text(admin.get("/staff/admin/accounts"))
    create_form = form[form.index('id="create-title"'):]
    assert "区大数据局" not in create_form  # no longer offered
    refused = admin.post("/staff/admin/accounts", data=new_account(
        roles=["handler"], department="区大数据局"))
    assert refused.status_code == 422 and "未知的单位" in errors_shown(refused)
    twice = admin.post("/staff/admin/department-changes/deactivate",
                       data={"name": "区大数据局"})
    assert twice.status_code == 409 and "单位已停用" in errors_shown(twice)
    assert admin.post("/staff/admin/department-changes/reactivate",
                      data={"name": "区大数据局"}).status_code == 303
    assert rt.app.department_exists("区大数据局")
    assert admin.post("/staff/admin/department-changes/deactivate",
                      data={"name": "区某某不存在局"}).status_code == 404
    assert admin.post("/staff/admin/department-changes/rename",
                      data={"name": "区大数据局"}).status_code == 404


def test_official_numbers_and_mailbox_round_trip(admin, rt):
    answer = admin.post("/staff/admin/department-changes/numbers", data={
        "name": "区住建局", "official_numbers": "0632-7712345\r\n\r\n(0632) 7712346\r\n"})
    assert answer.status_code == 303
    page = text(admin.get(answer.headers["Location"]))
    assert "已保存公开服务电话（2个）" in page
    assert ">0632-7712345\n(0632) 7712346</textarea>" in page
    assert rt.app.get_department("区住建局").official_numbers == ["0632-7712345",
                                                              "(0632) 7712346"]
    assert rt.app.official_numbers() == ("0632-7712345", "(0632) 7712346")
    listing = text(admin.get("/staff/admin/departments"))
    assert "0632-7712345" in listing and "(0632) 7712346" in listing

    bad = admin.post("/staff/admin/department-changes/numbers",
                     data={"name": "区住建局", "official_numbers": "0632-7712345\n请拨打12345"})
    assert bad.status_code == 422 and "号码格式不正确" in errors_shown(bad)
    assert "请拨打12345</textarea>" in text(bad)  # what was typed is kept
    many = "\n".join(f"0632-77123{i:02d}" for i in range(11))
    bad = admin.post("/staff/admin/department-changes/numbers",
                     data={"name": "区住建局", "official_numbers": many})
    assert bad.status_code == 422 and "最多10个" in errors_shown(bad)
    assert rt.app.get_department("区住建局").official_numbers == ["0632-7712345",
                                                              "(0632) 7712346"]

    mailbox = {"name": "区住建局", "mailbox": "zjj@example.gov.cn"}
    assert admin.post("/staff/admin/department-changes/mailbox",
                      data=mailbox).status_code == 303
    assert "zjj@example.gov.cn" in text(admin.get("/staff/admin/departments"))
    bad = admin.post("/staff/admin/department-changes/mailbox",
                     data={"name": "区住建局", "mailbox": "zjj"})
    assert bad.status_code == 422 and "电子邮箱格式不正确" in errors_shown(bad)
    assert admin.post("/staff/admin/department-changes/numbers",
                      data={"name": "区住建局", "official_numbers": ""}).status_code == 303
    assert rt.app.official_numbers() == ()


# --- API keys ------------------------------------------------------------------------------

def test_api_keys_are_created_shown_once_listed_and_revoked(admin, rt):
    answer = admin.post("/staff/admin/api-keys", data={"name": "城市随手拍"})
    assert answer.status_code == 201
    key = re.search(r'id="api-key">([^<]+)<', text(answer)).group(1)
    assert "只显示这一次" in text(answer)
    assert answer.headers["Cache-Control"] == "no-store"
    assert rt.app.verify_api_key(key).name == "城市随手拍"
    listing = text(admin.get("/staff/admin/api-keys"))
    assert "城市随手拍" in listing and "有效" in listing and "系统管理员" in listing
    assert key not in listing
    again = admin.post("/staff/admin/api-keys", data={"name": "城市随手拍"})
    assert again.status_code == 409 and "已存在" in errors_shown(again)
    empty = admin.post("/staff/admin/api-keys", data={"name": "  "})
    assert empty.status_code == 422 and "客户端名称" in errors_shown(empty)

    answer = admin.post("/staff/admin/api-keys/revoke", data={"name": "城市随手拍"})
    assert answer.status_code == 303
    listing = text(admin.get(answer.headers["Location"]))
    assert "已撤销" in listing and rt.app.verify_api_key(key) is None
    twice = admin.post("/staff/admin/api-keys/revoke", data={"name": "城市随手拍"})
    assert twice.status_code == 409 and "已撤销" in errors_shown(twice)
    assert admin.post("/staff/admin/api-keys/revoke",
                      data={"name": "无此客户端"}).status_code == 404


# --- who may, and how ------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["rev", "h1", "op", "sup"])
def test_everyone_but_an_admin_is_refused(client, rt, username):
    for url in PAGES:
        assert client.get(url).status_code == 302  # not signed in: the login page
    login(client, username)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    for url in POSTS:
        answer = client.post(url, data={"name": "区住建局", "roles": ["admin"],
                                        "username": "mallory", "password": "long-enough-1"})
        assert answer.status_code == 403, url
        assert "没有执行此操作的权限" in text(answer)
    assert "系统管理" not in text(client.get("/staff/"))
    assert rt.app.get_staff(username).roles != ["admin"]
    assert rt.app.api_clients() == []
    assert "mallory" not in [r["username"] for r in rt.queries.staff_accounts()]


def test_every_form_needs_the_csrf_token(csrf_client, rt):
    rt.app.register_staff(username="root", display_name="系统管理员", roles=["admin"],
                          password_hash=hash_password(PASSWORD), department=None,
                          actor=SYSTEM_ACTOR)
    token = csrf_token(text(csrf_client.get("/staff/login")))
    assert csrf_client.post("/staff/login", data={"username": "root", "password": PASSWORD,
                                                  "csrf_token": token}).status_code == 303
    for url in POSTS:
        answer = csrf_client.post(url, data={
            "name": "区住建局", "roles": ["reviewer"], "username": "mallory",
            "password": "long-enough-1"})
        assert answer.status_code == 400, url
        assert "页面已过期" in text(answer)
    assert rt.app.get_staff("h1").active and rt.app.api_clients() == []
    page = text(csrf_client.get("/staff/admin/accounts"))
    answer = csrf_client.post("/staff/admin/accounts", data={
        **new_account(), "csrf_token": csrf_token(page)})
    assert answer.status_code == 303 and rt.app.get_staff("wang").roles == ["reviewer"]
    for url in PAGES[1:]:  # every POST form on every page carries the token
        html = text(csrf_client.get(url))
        forms = re.findall(r'<form method="post".*?</form>', html, re.S)
        assert forms and all('name="csrf_token"' in form for form in forms), url


class _Controls(HTMLParser):
    """Form controls and labels of a page: which controls have no label."""

    def __init__(self):
        super().__init__()
        self.labelled, self.ids, self.unlabelled, self.depth = set(), set(), [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.depth += 1
            if attrs.get("for"):
                self.labelled.add(attrs["for"])
        elif tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            if self.depth:
                return
            if attrs.get("id"):
                self.ids.add(attrs["id"])
            else:
                self.unlabelled.append(attrs)

    def handle_endtag(self, tag):
        if tag == "label":
            self.depth -= 1


def test_every_control_has_a_label_and_pages_work_on_a_phone(admin, rt):
    rt.app.create_api_key("城市随手拍", SYSTEM_ACTOR)
    for url in PAGES[1:]:
        html = text(admin.get(url))
        parser = _Controls()
        parser.feed(html)
        assert not parser.unlabelled, (url, parser.unlabelled)
        assert parser.ids <= parser.labelled, (url, parser.ids - parser.labelled)
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert html.count("<h1") == 1
        # Tables scroll on their own at 390 px rather than widening the page.
        tables = html.count('<table class="data-table">')
        assert tables == html.count('<div class="table-wrap">')
        assert 'aria-current="page">系统管理</a>' in html
