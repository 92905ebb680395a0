"""Staff console pages: sign-in, the inbox, one item's timeline and its actions.

The console uses the same schemas, read models and workflow declarations as the JSON
API (web/api.py); the item page and its action forms serve every item kind alike.
Handlers see only their own department's items.
"""

from datetime import date
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, make_response, redirect, render_template,
                   request, url_for)
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, TooManyRequests

from domain.comments import COMMENTS, OPEN_STATES, Status
from domain.deadlines import working_days_between
from domain.errors import AccessDeniedError, AuthenticationError, DomainError, NotFoundError

from . import schemas
from .auth import current_actor, login_attempt, login_session, logout_session, staff_required
from .errors import STATUS_BY_ERROR
from .extensions import runtime
from .forms import form_values, run_action
from .items import item_detail
from .kinds import web_kind
from .messages import chinese_errors
from .timeline import FIELD_LABELS, choice_labels, describe

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Inbox tabs (the comment inbox), in the order an item moves through them.
TABS = tuple(COMMENTS.status_labels)
BEFORE_DISPATCH = (Status.SUBMITTED, Status.ACCEPTED, Status.REJECTED)
COMMENTS_OPEN = frozenset(OPEN_STATES)


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
        data = schemas.LoginIn().load(values)
    except ValidationError as e:
        values.pop("password", None)
        return _login_form(values, chinese_errors(e.messages), 422)
    kept = {"username": data["username"], "next": data.get("next") or ""}
    try:
        actor = login_attempt(data["username"], data["password"])
    except AuthenticationError:
        return _login_form(kept, {}, 403, "用户名或密码不正确")
    except TooManyRequests as e:
        response = make_response(_login_form(kept, {}, 429, e.description))
        response.headers["Retry-After"] = str(e.retry_after or 60)
        return response
    login_session(actor)
    flash(f"欢迎，{actor.display_name or actor.username}", "success")
    return redirect(_safe_next(data.get("next")) or url_for("staff.inbox"), 303)


@bp.post("/logout")
def logout():
    logout_session()
    flash("已安全退出", "success")
    return redirect(url_for("staff.login"), 303)


# --- inbox ------------------------------------------------------------------------------

DUE_SOON_DAYS = 2  # working days left at which an item is marked 即将到期


def deadline_marks(items: list[dict], today) -> list[dict]:
    """Each open item's working days left (or overdue by), and whether it is due soon."""
    calendar = runtime().app.calendar
    for it in items:
        due = it.get("due_date")
        it["days_left"] = it["days_over"] = None
        it["due_soon"] = False
        if not due or it.get("status") not in COMMENTS_OPEN:
            continue
        due = date.fromisoformat(due)
        if due < today:
            it["days_over"] = max(1, working_days_between(calendar, due, today))
        else:
            it["days_left"] = working_days_between(calendar, today, due)
            it["due_soon"] = it["days_left"] <= DUE_SOON_DAYS
    return items


@bp.get("/")
@staff_required()
def inbox():
    """The comment inbox. Without a filter it opens on the signed-in member's to-do list:
    what their roles must do now, the nearest deadline first."""
    actor = current_actor()
    rt = runtime()
    raw = request.args.to_dict()
    today = rt.app.today()
    queues = rt.queries.todo_queues(actor.roles)
    todo = raw.pop("todo", None)
    if not raw and todo is None and queues:
        todo = "all"  # the console opens on what must be done now
    if todo == "off":  # the whole inbox, unfiltered
        todo = None
    if todo is not None and todo != "all" and todo not in {k for k, _, _ in queues}:
        todo = "all" if queues else None
    errors = {}
    try:
        query = schemas.InboxQuery().load(raw)
    except ValidationError as e:
        errors, query = chinese_errors(e.messages), schemas.InboxQuery().load({})
    if not actor.sees_all_departments:
        query["department"] = actor.department
    counts = rt.queries.inbox_counts(today=today, department=query["department"])
    todo_counts = rt.queries.todo_counts(today=today, roles=actor.roles,
                                         department=query["department"])
    if todo is not None:
        page = rt.queries.todo(today=today, roles=actor.roles,
                               queue=None if todo == "all" else todo,
                               department=query["department"], page=query["page"],
                               per_page=query["per_page"])
    else:
        page = rt.queries.inbox(today=today, **query)
    deadline_marks(page.items, today)
    # Links keep the department and search; tabs replace the status.
    keep = {k: query[k] for k in ("department", "q") if query.get(k)}
    if not actor.sees_all_departments:
        keep.pop("department", None)
    tabs = []
    if queues:
        tabs.append({"label": "我的待办", "args": {"todo": "all"},
                     "count": sum(todo_counts.values()), "active": todo == "all",
                     "alert": True})
        tabs += [{"label": label, "args": {"todo": key}, "count": todo_counts.get(key, 0),
                  "active": todo == key, "alert": key in ("bad_rating", "supervise")}
                 for key, label, _ in queues if len(queues) > 1]
    browsing = todo is None
    tabs.append({"label": "全部", "args": keep or ({"todo": "off"} if queues else {}),
                 "count": sum(counts.get(t, 0) for t in TABS),
                 "active": browsing and not query["status"] and not query["overdue"]})
    # A handler's department never holds items before they are dispatched to it.
    shown = [t for t in TABS if actor.sees_all_departments or t not in BEFORE_DISPATCH]
    tabs += [{"label": COMMENTS.status_label(t), "args": {**keep, "status": t},
              "count": counts.get(t, 0),
              "active": browsing and query["status"] == t and not query["overdue"]}
             for t in shown]
    tabs.append({"label": "超期", "args": {**keep, "overdue": "1"},
                 "count": counts.get("overdue", 0), "active": browsing and query["overdue"],
                 "alert": True})
    if todo is not None:
        paging_args = {"todo": todo}
    else:
        paging_args = {**keep, **({"status": query["status"]} if query["status"] else {}),
                       **({"overdue": "1"} if query["overdue"] else {})}
        if not paging_args and queues:
            paging_args["todo"] = "off"
    if "per_page" in raw and not errors:
        paging_args["per_page"] = query["per_page"]
    status = 422 if errors else 200
    return render_template("staff/inbox.html", page=page, tabs=tabs, query=query,
                           errors=errors, paging_args=paging_args, todo=todo,
                           todo_label=dict((k, label) for k, label, _ in queues),
                           statuses=[(t, COMMENTS.status_label(t)) for t in shown],
                           departments=rt.queries.departments(),
                           can_filter_department=actor.sees_all_departments), status


# --- one item, any kind ---------------------------------------------------------------

def _actor_names() -> dict:
    names = {"citizen": "网民", "system": "系统"}
    for row in runtime().queries.staff():
        names[f"staff:{row['username']}"] = row["display_name"] or row["username"]
    return names


# Actions whose text is a reply to the citizen: the page offers the canned replies there.
REPLY_ACTIONS = ("draft", "save_draft", "resolve", "resolve_on_spot")


def _render_detail(kind: str, number: str, status: int = 200, *, action: str | None = None,
                   values: dict | None = None, errors: dict | None = None,
                   message: str | None = None):
    detail = item_detail(kind, number, current_actor())
    rt = runtime()
    names = _actor_names()
    choices = choice_labels(rt.app.workflows[kind])
    timeline = [{**step, "actor_name": names.get(step["actor"], step["actor"]),
                 "pairs": describe(step, i == 0, choices)}
                for i, step in enumerate(detail["timeline"])]
    drafting = [a for a in detail["actions"] if a["name"] in REPLY_ACTIONS]
    templates = rt.app.reply_templates(detail.get("category")) if drafting else []
    return render_template(
        "staff/detail.html", item=detail, timeline=timeline,
        web_kind=web_kind(kind), reply_templates=templates, reply_actions=REPLY_ACTIONS,
        departments=rt.queries.departments(),
        failed_action=action, failed_values=values or {}, failed_errors=errors or {},
        failed_message=message, field_labels=FIELD_LABELS), status


@bp.get("/<kind>/<number>")
@staff_required()
def detail(kind: str, number: str):
    return _render_detail(kind, number)


@bp.post("/<kind>/<number>/<action>")
@staff_required()
def act(kind: str, number: str, action: str):
    workflow = runtime().app.workflows[kind]
    label = workflow.action(action).label  # unknown kinds and actions are 404
    actor = current_actor()
    values = form_values(workflow, action, request.form)
    try:
        item = run_action(runtime().app, kind, number, action, actor, values)
    except ValidationError as e:
        return _render_detail(kind, number, 422, action=action, values=values,
                              errors=chinese_errors(e.messages),
                              message=f"“{label}”未执行：请检查填写的内容")
    except (NotFoundError, AccessDeniedError):
        raise  # the error page says it best
    except DomainError as e:
        field = e.details.get("field")
        return _render_detail(kind, number, STATUS_BY_ERROR.get(type(e), 422), action=action,
                              values=values, errors={field: [e.message]} if field else None,
                              message=f"“{label}”未执行：{e.message}")
    flash(workflow.action(action).success_message(item), "success")
    if not actor.sees_all_departments and item.department != actor.department:
        # e.g. a handler's 退单: the item has left their department.
        return redirect(url_for("staff.inbox"), 303)
    return redirect(url_for("staff.detail", kind=kind, number=number), 303)
