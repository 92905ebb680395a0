"""Staff console pages: sign-in, the inbox, one item's timeline and its actions.

The console uses the same schemas, read models and action table as the JSON API
(web/api.py); handlers see only their own department's items.
"""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from domain.errors import (AccessDeniedError, AuthenticationError, DomainError,
                           NotFoundError)
from domain.reference import REJECT_REASONS
from domain.status import OPEN_STATES, STATUS_LABELS, Status

from . import schemas as s
from .actions import ACTIONS, run_action
from .auth import authenticate, current_actor, login_session, logout_session, staff_required
from .errors import STATUS_BY_ERROR
from .extensions import runtime
from .messages import chinese_errors
from .staff_views import comment_detail

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Inbox tabs, in the order an item moves through them.
TABS = (Status.SUBMITTED, Status.ACCEPTED, Status.DISPATCHED, Status.DRAFTED,
        Status.REPLIED, Status.CLOSED, Status.REJECTED)

SUCCESS_MESSAGES = {
    "accept": "已受理", "reject": "已作不予受理处理", "dispatch": "已交办",
    "transfer": "已转办", "return": "已退单，待重新交办", "draft": "答复已保存，待审签",
    "send_back": "答复已退回承办单位修改", "approve": "答复已审签发布",
    "reopen": "已重新交办办理", "close": "已办结", "withhold": "已设为不予公开",
    "release": "已恢复公开", "redact": "公开内容已更新", "request_extension": "延期申请已提交",
    "grant_extension": "已批准延期", "decline_extension": "已不予延期",
}

# Field names in events and forms -> Chinese labels for the timeline and form errors.
FIELD_LABELS = {
    "department": "单位", "from_department": "原承办单位", "requested_department": "指定单位",
    "reason": "理由", "note": "说明", "content": "内容", "title": "标题",
    "due_date": "办理时限", "level": "评价", "remark": "评价意见", "days": "延期天数",
    "kind": "类型", "category": "分类", "channel": "渠道", "publish": "同意公开",
    "_schema": "提交内容", "_form": "提交内容",
}
HIDDEN_DETAILS = {"tracking_no", "public_content", "closes"}
SHOWN_ABOVE = {"title", "content", "kind", "category", "channel"}  # the question itself
CHANNELS = {"portal": "门户网站", "mailbox": "领导信箱", "hotline": "12345热线"}


# --- sign in / out -------------------------------------------------------------------

def _safe_next(target: str | None) -> str | None:
    """Only local console paths are followed after sign-in (no open redirects)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if not (parts.path == "/staff" or parts.path.startswith("/staff/")):
        return None
    if parts.path.startswith(("/staff/login", "/staff/logout")):
        return None
    try:  # only pages: a POST-only action URL (a session that expired mid-form) is not one
        current_app.url_map.bind("localhost").match(parts.path, method="GET")
    except HTTPException:
        return None
    return target.rstrip("?")


def _login_form(values: dict, errors: dict, status: int = 200, message: str | None = None):
    return render_template("staff/login.html", values=values, errors=errors,
                           message=message), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return _login_form({"next": _safe_next(request.args.get("next")) or ""}, {})
    values = request.form.to_dict()
    try:
        data = s.LoginIn().load(values)
    except ValidationError as e:
        values.pop("password", None)
        return _login_form(values, chinese_errors(e.messages), 422)
    try:
        actor = authenticate(data["username"], data["password"])
    except AuthenticationError:
        return _login_form({"username": data["username"], "next": data.get("next") or ""}, {},
                           403, "用户名或密码不正确")
    login_session(actor)
    flash(f"欢迎，{actor.display_name or actor.username}", "success")
    return redirect(_safe_next(data.get("next")) or url_for("staff.inbox"), 303)


@bp.post("/logout")
def logout():
    logout_session()
    flash("已安全退出", "success")
    return redirect(url_for("staff.login"), 303)


# --- inbox ------------------------------------------------------------------------------

@bp.get("/")
@staff_required()
def inbox():
    actor = current_actor()
    rt = runtime()
    raw = request.args.to_dict()
    errors = {}
    try:
        query = s.InboxQuery().load(raw)
    except ValidationError as e:
        errors, query = chinese_errors(e.messages), s.InboxQuery().load({})
    if not actor.sees_all_departments:
        query["department"] = actor.department
    today = rt.app.today()
    counts = rt.queries.inbox_counts(today=today, department=query["department"])
    page = rt.queries.inbox(today=today, **query)
    # Links keep the department and search; tabs replace the status.
    keep = {k: query[k] for k in ("department", "q") if query.get(k)}
    if not actor.sees_all_departments:
        keep.pop("department", None)
    tabs = [{"label": "全部", "args": keep, "count": sum(counts.get(t, 0) for t in TABS),
             "active": not query["status"] and not query["overdue"]}]
    tabs += [{"label": STATUS_LABELS[t], "args": {**keep, "status": t},
              "count": counts.get(t, 0), "active": query["status"] == t and not query["overdue"]}
             for t in TABS]
    tabs.append({"label": "超期", "args": {**keep, "overdue": "1"},
                 "count": counts.get("overdue", 0), "active": query["overdue"], "alert": True})
    paging_args = {**keep, **({"status": query["status"]} if query["status"] else {}),
                   **({"overdue": "1"} if query["overdue"] else {}),
                   **({"per_page": query["per_page"]} if "per_page" in raw and not errors else {})}
    status = 422 if errors else 200
    return render_template("staff/inbox.html", page=page, tabs=tabs, query=query,
                           errors=errors, paging_args=paging_args,
                           statuses=[(t, STATUS_LABELS[t]) for t in TABS],
                           departments=rt.queries.departments(),
                           can_filter_department=actor.sees_all_departments), status


# --- one item ---------------------------------------------------------------------------

def _actor_names() -> dict:
    names = {"citizen": "网民", "system": "系统"}
    for row in runtime().queries.staff():
        names[f"staff:{row['username']}"] = row["display_name"] or row["username"]
    return names


def _describe(step: dict) -> list[tuple[str, str]]:
    """A timeline step's details as readable (label, value) pairs."""
    pairs = []
    for key, value in step["details"].items():
        if key in HIDDEN_DETAILS or value in (None, "", [], {}):
            continue
        if step["event"] == "Submitted" and key in SHOWN_ABOVE:
            continue
        if key == "reason" and step["event"] == "Rejected":
            value = REJECT_REASONS.get(value, value)
        elif key == "publish":
            value = "是" if value else "否（不同意公开）"
        elif key == "channel":
            value = CHANNELS.get(value, value)
        elif key == "days":
            value = f"{value} 个工作日"
        elif isinstance(value, bool):
            value = "是" if value else "否"
        pairs.append((FIELD_LABELS.get(key, key), str(value)))
    if step["event"] == "Rated" and step["details"].get("closes"):
        pairs.append(("结果", "满意评价，自动办结"))
    return pairs


def _render_detail(tracking_no: str, status: int = 200, *, action: str | None = None,
                   values: dict | None = None, errors: dict | None = None,
                   message: str | None = None):
    actor = current_actor()
    detail = comment_detail(tracking_no, actor)
    rt = runtime()
    names = _actor_names()
    timeline = [{**step, "actor_name": names.get(step["actor"], step["actor"]),
                 "pairs": _describe(step)} for step in detail["timeline"]]
    today = rt.app.today().isoformat()
    overdue = bool(detail["due_date"] and detail["status"] in OPEN_STATES
                   and detail["due_date"] < today)
    return render_template(
        "staff/detail.html", item=detail, timeline=timeline, overdue=overdue,
        departments=rt.queries.departments(), reject_reasons=REJECT_REASONS,
        channel_label=CHANNELS.get(detail["channel"], detail["channel"]),
        failed_action=action, failed_values=values or {}, failed_errors=errors or {},
        failed_message=message, field_labels=FIELD_LABELS), status


@bp.get("/comments/<tracking_no>")
@staff_required()
def detail(tracking_no: str):
    return _render_detail(tracking_no)


@bp.post("/comments/<tracking_no>/<action>")
@staff_required()
def act(tracking_no: str, action: str):
    if action not in ACTIONS:
        raise NotFoundError(f"未知的操作：{action}")
    actor, label = current_actor(), ACTIONS[action].label
    values = {k: v.replace("\r\n", "\n") for k, v in request.form.to_dict().items()}
    try:
        comment = run_action(runtime().app, action, tracking_no, actor, values)
    except ValidationError as e:
        return _render_detail(tracking_no, 422, action=action, values=values,
                              errors=chinese_errors(e.messages),
                              message=f"“{label}”未执行：请检查填写的内容")
    except (NotFoundError, AccessDeniedError):
        raise  # the error page says it best
    except DomainError as e:
        field = e.details.get("field")
        return _render_detail(tracking_no, STATUS_BY_ERROR.get(type(e), 422), action=action,
                              values=values, errors={field: [e.message]} if field else None,
                              message=f"“{label}”未执行：{e.message}")
    message = SUCCESS_MESSAGES.get(action, f"已{label}")
    if action in ("dispatch", "transfer") and comment.department:
        message = f"{message}至{comment.department}"
    flash(message, "success")
    if not actor.sees_all_departments and comment.department != actor.department:
        # e.g. a handler's 退单: the item has left their department.
        return redirect(url_for("staff.inbox"), 303)
    return redirect(url_for("staff.detail", tracking_no=tracking_no), 303)
