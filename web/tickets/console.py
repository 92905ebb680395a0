"""Console pages of the hotline: intake in under a minute from the keyboard, and the queues.

A ticket's own page and its actions are the generic item page (/staff/tickets/<ticket_no>).
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from domain.errors import InvalidValueError
from domain.reference import AREAS, TICKET_CHANNELS, TICKET_KINDS, URGENCIES
from domain.tickets import STATUS_LABELS, TICKETS

from ..auth import current_actor, staff_required
from ..extensions import runtime
from ..messages import chinese_errors
from .api import queue_page
from .schemas import TicketForm, TicketQueueQuery

bp = Blueprint("tickets_console", __name__, url_prefix="/staff/tickets")

FIELD_LABELS = {"channel": "渠道", "caller_name": "来电人", "caller_phone": "联系电话",
                "area": "所在镇街", "address": "详细地址", "category": "分类", "kind": "诉求类型",
                "urgency": "紧急程度", "title": "标题", "content": "诉求内容",
                "publish": "同意公开", "_form": "提交内容"}


def _intake_form(values: dict, errors: dict, status: int = 200):
    return render_template(
        "staff/tickets/new.html", values=values, errors=errors, labels=FIELD_LABELS,
        channels=TICKET_CHANNELS, areas=AREAS, categories=runtime().app.categories(), kinds=TICKET_KINDS,
        urgencies=URGENCIES), status


@bp.route("/new", methods=["GET", "POST"])
@staff_required("operator")
def new():
    """登记: Enter submits; after a ticket is registered a blank form opens for the next call."""
    if request.method == "GET":
        return _intake_form({}, {})
    values = {k: v.replace("\r\n", "\n") for k, v in request.form.to_dict().items()}
    try:
        data = TicketForm().load(values)
        ticket = runtime().app.register_ticket(current_actor(), **data)
    except ValidationError as e:
        return _intake_form(values, chinese_errors(e.messages), 422)
    except InvalidValueError as e:
        return _intake_form(values, {e.details.get("field") or "_form": [e.message]}, 422)
    flash(f"已登记工单 {ticket.ticket_no}，办理时限 {ticket.due_date:%Y-%m-%d}。"
          "请将工单编号告知来电人。", "success")
    return redirect(url_for("tickets_console.new", last=ticket.ticket_no), 303)


TODO_ROLES = ("operator", "admin", "handler", "supervisor")
TABS = (("全部", {}), *((label, {"status": s}) for s, label in STATUS_LABELS.items()),
        ("今日到期", {"due_today": "1"}), ("超期", {"overdue": "1"}),
        ("待回访", {"callbacks": "1"}), ("督办", {"supervised": "1"}))


@bp.get("")
@staff_required()
def queue():
    """The ticket queue: a handler's own department; operators and supervisors all."""
    raw = request.args.to_dict()
    actor = current_actor()
    has_todo = actor.has_role(*TODO_ROLES)
    if not raw and has_todo:
        raw = {"mine": "1"}  # the queue opens on what this member must do now
    try:
        query, errors = TicketQueueQuery().load(raw), {}
    except ValidationError as e:
        query, errors = TicketQueueQuery().load({}), chinese_errors(e.messages)
    showing_mine = query["mine"]
    page = queue_page(query)
    chosen = {k: v for k, v in raw.items() if k in ("status", "due_today", "overdue",
                                                       "callbacks", "supervised")}
    if showing_mine:
        chosen["mine"] = "1"
    keep = {k: query[k] for k in ("department", "q") if query.get(k)}
    tabs = [{"label": "我的待办", "args": {"mine": "1", **keep},
             "active": chosen == {"mine": "1"}}] if has_todo else []
    # 全部 says so in its link: a bare URL opens on the to-do list.
    tabs += [{"label": label,
              "args": {**args, **keep} or ({"mine": "0"} if has_todo else {}),
              "active": args == chosen}
             for label, args in TABS]
    return render_template("staff/tickets/queue.html", page=page, tabs=tabs,
                           query=query, errors=errors, workflow=TICKETS,
                           departments=runtime().queries.departments(),
                           can_filter_department=current_actor().sees_all_departments,
                           can_register=current_actor().has_role("admin", "operator"),
                           paging_args={**chosen, **keep}), 422 if errors else 200
