"""The admin console (/staff/admin): accounts, departments and Open311 API keys.

Every change is a command on the application (domain/directory.py, domain/apikeys.py),
so it is an event recording who did it and when. Sessions and tokens are not events:
they live server-side (infrastructure/credentials.py) and an admin revokes them here;
deactivating an account or resetting its password revokes all of them.

Read-your-writes: the account and department lists read the directory read model, which
workers feed moments after a change. After a successful change this module brings that
one read model up to date in the request (`_settle`), so the page the browser is
redirected to already shows it. Account, department and API key pages that show one
thing read it from its aggregate.
"""

import logging
import re

from flask import (Blueprint, current_app, flash, redirect, render_template, request,
                   url_for)

from domain.directory import (StaffAccount, clean_display_name, clean_email,
                              clean_official_numbers)
from domain.errors import AccessDeniedError, DomainError, InvalidValueError, NotFoundError
from domain.reference import ROLES
from infrastructure.security import hash_password

from .auth import current_actor, staff_required
from .errors import STATUS_BY_ERROR
from .extensions import runtime

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")

# Short role labels for tables and checkboxes (审核员, 承办人…); the full ones are hints.
ROLE_SHORT = {role: label.split("（")[0] for role, label in ROLES.items()}
CREDENTIAL_KINDS = {"session": "登录会话", "token": "接口令牌"}
MIN_PASSWORD, MAX_PASSWORD = 8, 200
CREDENTIAL_ID = re.compile(r"[0-9a-f]{1,64}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- helpers ---------------------------------------------------------------------------

def _settle() -> None:
    """Bring the directory read model up to date now (only it, only after a change), so
    the page after the redirect shows the change; a failure leaves it to the workers."""
    try:
        runtime().updater("directory").catch_up()
    except Exception:  # noqa: BLE001 - the change is saved; the page may lag a moment
        log.exception("catching up the directory read model after an admin change")


def _forget(username: str) -> None:
    """Drop this process's cached copy of the account (web/auth.py keeps one for a few
    seconds), so new roles or a deactivation take effect here at once."""
    current_app.extensions.get("minyi.accounts", {}).pop(username, None)


def _text(name: str, max_len: int, *, multiline: bool = False) -> str:
    """A form field, trimmed; control characters and overlong input are refused."""
    value = request.form.get(name, "").replace("\r\n", "\n")
    if len(value) > max_len:
        raise InvalidValueError(f"不能超过{max_len}个字符", field=name)
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        raise InvalidValueError("含有无效字符", field=name)
    return value.strip()


def _password(name: str = "password") -> str:
    """A new password, hashed: 8-200 characters, taken as typed (not trimmed)."""
    password = request.form.get(name, "")
    if len(password) < MIN_PASSWORD:
        raise InvalidValueError(f"密码至少{MIN_PASSWORD}位", field=name)
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise InvalidValueError(f"密码不能超过{MAX_PASSWORD}个字符且不能含有无效字符",
                                field=name)
    return hash_password(password)


def _roles() -> list[str]:
    return [r for r in request.form.getlist("roles") if r][:len(ROLES) + 5]


def _failure(e: DomainError) -> tuple[int, dict]:
    """The status and field errors a refused change is shown with (404/403 propagate)."""
    if isinstance(e, (NotFoundError, AccessDeniedError)):
        raise e
    field = e.details.get("field")
    return STATUS_BY_ERROR.get(type(e), 422), ({field: [e.message]} if field else {})


def _actor_names() -> dict:
    names = {"system": "系统（命令行）", "citizen": "网民"}
    for row in runtime().queries.staff():
        names[f"staff:{row['username']}"] = row["display_name"] or row["username"]
    return names


def _common() -> dict:
    return {"roles": ROLES, "role_short": ROLE_SHORT}


@bp.get("/")
@staff_required("admin")
def index():
    return redirect(url_for("admin.accounts"), 303)


# --- accounts --------------------------------------------------------------------------

def _accounts_page(status: int = 200, *, values: dict | None = None,
                   errors: dict | None = None, message: str | None = None):
    rt = runtime()
    filters = {"role": request.args.get("role", ""),
               "department": request.args.get("department", ""),
               "status": request.args.get("status", "")}
    active = {"active": True, "inactive": False}.get(filters["status"])
    accounts = rt.queries.staff_accounts(
        department=filters["department"] or None,
        role=filters["role"] if filters["role"] in ROLES else None, active=active)
    all_departments = rt.queries.department_rows()
    return render_template(
        "staff/admin/accounts.html", accounts=accounts, filters=filters,
        departments=[d["name"] for d in all_departments if d["active"]],
        all_departments=[d["name"] for d in all_departments],
        values=values or {"roles": []}, errors=errors or {}, message=message,
        **_common()), status


@bp.get("/accounts")
@staff_required("admin")
def accounts():
    return _accounts_page()


@bp.post("/accounts")
@staff_required("admin")
def create_account():
    values = {k: request.form.get(k, "") for k in ("username", "display_name", "department",
                                                   "email")}
    values["roles"] = request.form.getlist("roles")
    try:
        username = _text("username", 40)
        display_name = _text("display_name", 40)
        roles, department = _roles(), _text("department", 50) or None
        email = _text("email", 254)
        StaffAccount.validate(username, roles, department)
        clean_display_name(display_name, default=username)
        clean_email(email)
        password_hash = _password()
        runtime().app.register_staff(username=username, display_name=display_name,
                                     password_hash=password_hash, roles=roles,
                                     department=department, email=email or None,
                                     actor=current_actor())
    except DomainError as e:
        status, errors = _failure(e)
        return _accounts_page(status, values=values, errors=errors,
                              message=f"账号未创建：{e.message}")
    _settle()
    flash(f"已创建账号：{username}", "success")
    return redirect(url_for("admin.account", username=username), 303)


def _account_page(username: str, status: int = 200, *, form: str | None = None,
                  values: dict | None = None, errors: dict | None = None,
                  message: str | None = None):
    rt = runtime()
    account = rt.app.get_staff(username)  # fresh from its events; 404 if unknown
    departments = [d["name"] for d in rt.queries.department_rows() if d["active"]]
    if account.department and account.department not in departments:
        departments.append(account.department)  # kept although since deactivated
    credentials = rt.credentials.listing(username=username, live_only=True)
    return render_template(
        "staff/admin/account.html", account=account, departments=departments,
        credentials=credentials, kinds=CREDENTIAL_KINDS, is_self=(
            current_actor().username == username),
        failed_form=form, values=values or {}, errors=errors or {}, message=message,
        **_common()), status


@bp.get("/accounts/<username>")
@staff_required("admin")
def account(username: str):
    return _account_page(username)


# Each change to one account: (what it does, the success message).
def _change_roles(username: str) -> str:
    department = _text("department", 50) or None
    runtime().app.change_staff_roles(username, _roles(), department, current_actor())
    return "已保存角色和所属单位"


def _rename(username: str) -> str:
    runtime().app.rename_staff(username, _text("display_name", 40), current_actor())
    return "已修改显示名称"


def _set_email(username: str) -> str:
    email = _text("email", 254)
    runtime().app.set_staff_email(username, email, current_actor())
    return "已设置通知邮箱" if email else "已清除通知邮箱"


def _reset_password(username: str) -> str:
    runtime().app.set_staff_password(username, _password(), current_actor())
    count = runtime().credentials.revoke(username=username)
    return f"已重置密码；该账号的 {count} 个会话和令牌均已失效"


def _deactivate(username: str) -> str:
    runtime().app.deactivate_staff(username, current_actor())
    count = runtime().credentials.revoke(username=username)
    return f"已停用账号；该账号的 {count} 个会话和令牌均已失效"


def _reactivate(username: str) -> str:
    runtime().app.reactivate_staff(username, current_actor())
    return "已启用账号"


ACCOUNT_CHANGES = {"roles": _change_roles, "name": _rename, "email": _set_email,
                   "password": _reset_password, "deactivate": _deactivate,
                   "reactivate": _reactivate}


@bp.post("/accounts/<username>/<change>")
@staff_required("admin")
def change_account(username: str, change: str):
    if change not in ACCOUNT_CHANGES:
        raise NotFoundError(f"未知的操作：{change}")
    runtime().app.get_staff(username)  # 404 before anything else
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "password")}
    values["roles"] = request.form.getlist("roles")
    try:
        done = ACCOUNT_CHANGES[change](username)
    except DomainError as e:
        status, errors = _failure(e)
        return _account_page(username, status, form=change, values=values, errors=errors,
                             message=f"未保存：{e.message}")
    _forget(username)
    _settle()
    flash(done, "success")
    actor = current_actor()
    if username == actor.username and change in ("roles", "password"):
        # Their own roles or password: the console may no longer be theirs.
        return redirect(url_for("staff.inbox"), 303)
    return redirect(url_for("admin.account", username=username), 303)


@bp.post("/accounts/<username>/credentials/<credential_id>/revoke")
@staff_required("admin")
def revoke_credential(username: str, credential_id: str):
    runtime().app.get_staff(username)
    if not CREDENTIAL_ID.fullmatch(credential_id):
        raise NotFoundError("未找到该会话或令牌")
    count = runtime().credentials.revoke(credential_id=credential_id, username=username)
    if count:
        flash("已撤销", "success")
    else:
        flash("该会话或令牌已失效，无需撤销", "info")
    return redirect(url_for("admin.account", username=username), 303)


# --- departments -----------------------------------------------------------------------

def _departments_page(status: int = 200, *, values: dict | None = None,
                      errors: dict | None = None, message: str | None = None):
    return render_template("staff/admin/departments.html",
                           departments=runtime().queries.department_rows(),
                           values=values or {}, errors=errors or {}, message=message,
                           **_common()), status


@bp.get("/departments")
@staff_required("admin")
def departments():
    return _departments_page()


@bp.post("/departments")
@staff_required("admin")
def create_department():
    values = {"name": request.form.get("name", "")}
    try:
        department = runtime().app.register_department(_text("name", 50), current_actor())
    except DomainError as e:
        status, errors = _failure(e)
        return _departments_page(status, values=values, errors=errors,
                                 message=f"单位未创建：{e.message}")
    _settle()
    flash(f"已创建单位：{department.name}", "success")
    return redirect(url_for("admin.department", name=department.name), 303)


def _department_page(name: str, status: int = 200, *, form: str | None = None,
                     values: dict | None = None, errors: dict | None = None,
                     message: str | None = None):
    rt = runtime()
    department = rt.app.get_department(name)  # fresh from its events; 404 if unknown
    return render_template(
        "staff/admin/department.html", department=department,
        accounts=rt.queries.staff_accounts(department=name), failed_form=form,
        values=values or {}, errors=errors or {}, message=message, **_common()), status


@bp.get("/departments/<path:name>")
@staff_required("admin")
def department(name: str):
    return _department_page(name)


def _set_mailbox(name: str) -> str:
    email = _text("mailbox", 254)
    runtime().app.set_department_mailbox(name, clean_email(email, field="mailbox"),
                                         current_actor())
    return "已设置值班邮箱" if email else "已清除值班邮箱"


def _set_numbers(name: str) -> str:
    text = _text("official_numbers", 1000, multiline=True)
    numbers = runtime().app.set_official_numbers(name, clean_official_numbers(text),
                                                 current_actor())
    return f"已保存公开服务电话（{len(numbers)}个）" if numbers else "已清除公开服务电话"


def _deactivate_department(name: str) -> str:
    runtime().app.deactivate_department(name, current_actor())
    return "已停用单位：不能再向其交办事项或分配账号"


def _reactivate_department(name: str) -> str:
    runtime().app.reactivate_department(name, current_actor())
    return "已启用单位"


DEPARTMENT_CHANGES = {"mailbox": _set_mailbox, "numbers": _set_numbers,
                      "deactivate": _deactivate_department,
                      "reactivate": _reactivate_department}


@bp.post("/department-changes/<change>")
@staff_required("admin")
def change_department(change: str):
    """One change to the department named in the form's `name` (names may hold any
    character, so they travel in the form rather than the path)."""
    if change not in DEPARTMENT_CHANGES:
        raise NotFoundError(f"未知的操作：{change}")
    name = request.form.get("name", "")
    runtime().app.get_department(name)  # 404 before anything else
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        done = DEPARTMENT_CHANGES[change](name)
    except DomainError as e:
        status, errors = _failure(e)
        return _department_page(name, status, form=change, values=values, errors=errors,
                                message=f"未保存：{e.message}")
    _settle()
    flash(done, "success")
    return redirect(url_for("admin.department", name=name), 303)


# --- Open311 API keys ------------------------------------------------------------------

def _api_keys_page(status: int = 200, *, values: dict | None = None,
                   errors: dict | None = None, message: str | None = None):
    return render_template("staff/admin/api_keys.html", clients=runtime().app.api_clients(),
                           names=_actor_names(), values=values or {}, errors=errors or {},
                           message=message, **_common()), status


@bp.get("/api-keys")
@staff_required("admin")
def api_keys():
    return _api_keys_page()


@bp.post("/api-keys")
@staff_required("admin")
def create_api_key():
    """Issue a key and show it this once (it is stored only as a digest): the answer is
    the page itself, not a redirect, so the key never travels in a URL or the session."""
    values = {"name": request.form.get("name", "")}
    try:
        name = _text("name", 50)
        key = runtime().app.create_api_key(name, current_actor())
    except DomainError as e:
        status, errors = _failure(e)
        return _api_keys_page(status, values=values, errors=errors,
                              message=f"密钥未创建：{e.message}")
    return render_template("staff/admin/api_key_created.html", name=name, key=key,
                           **_common()), 201


@bp.post("/api-keys/revoke")
@staff_required("admin")
def revoke_api_key():
    name = request.form.get("name", "")
    try:
        runtime().app.revoke_api_key(_text("name", 50), current_actor())
    except DomainError as e:
        status, errors = _failure(e)
        return _api_keys_page(status, errors=errors, message=f"未撤销：{e.message}")
    flash(f"已撤销 {name.strip()} 的 API 密钥：使用它的请求将被拒绝", "success")
    return redirect(url_for("admin.api_keys"), 303)


# --- categories -------------------------------------------------------------------------

CATEGORY_DONE = {"add": "已新增分类", "retire": "已停用分类", "restore": "已恢复分类"}


def _categories_page(status: int = 200, *, values: dict | None = None,
                     errors: dict | None = None, message: str | None = None):
    return render_template("staff/admin/categories.html",
                           categories=runtime().app.category_listing(),
                           values=values or {}, errors=errors or {}, message=message,
                           **_common()), status


@bp.get("/categories")
@staff_required("admin")
def categories():
    return _categories_page()


@bp.post("/categories/<edit>")
@staff_required("admin")
def edit_category(edit: str):
    """Add a category (name, group), or retire or restore one; every change an event."""
    values = {"name": request.form.get("name", ""), "group": request.form.get("group", "")}
    if edit not in CATEGORY_DONE:
        return _categories_page(404, message="未知的操作")
    try:
        runtime().app.edit_categories(current_actor(), edit, values["name"][:40],
                                      values["group"][:40])
    except DomainError as e:
        status, errors = _failure(e)
        return _categories_page(status, values=values if edit == "add" else None,
                                errors=errors, message=f"未完成：{e.message}")
    flash(f"{CATEGORY_DONE[edit]}：{values['name'].strip()}", "success")
    return redirect(url_for("admin.categories"), 303)
