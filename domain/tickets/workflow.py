"""The hotline ticket workflow, declared once: states, event labels and every staff action."""

from ..deadlines import MAX_EXTENSION_DAYS, add_working_days, end_of_day
from ..errors import InvalidValueError
from ..reference import HOTLINE, RATINGS
from ..workflow import Action, Input, Workflow
from .aggregate import MAX_CONTENT, MAX_REPLY, MAX_TITLE, Ticket, ticket_id
from .states import OPEN_STATES, STATUS_LABELS, Status

OPERATOR, LEAD, SUPERVISOR, REVIEWER = ("operator",), ("handler",), ("supervisor",), ("reviewer",)
ROUTED = (Status.DISPATCHED, Status.HANDLING)


def _fresh_due(ctx, t) -> dict:
    due_date, due_at = ctx.policy.ticket_due(ctx.calendar, t.kind, t.urgency == "urgent",
                                             ctx.now, ctx.app.tz)
    return {"due_date": due_date, "due_at": due_at}


# --- commands: (context, ticket, inputs) -> None; the aggregate records the events ----------

def dispatch(ctx, t, d):
    t.dispatch(department=d["department"], co_departments=d["co_departments"] or [],
               **ctx.stamp)


def co_reply(ctx, t, d):
    department = d["department"] or ctx.actor.department
    if not department:
        raise InvalidValueError("请选择会办单位", field="department")
    if not ctx.actor.sees_all_departments and department != ctx.actor.department:
        raise InvalidValueError("只能提交本单位的会办意见", field="department")
    t.co_reply(department=department, opinion=d["opinion"], **ctx.stamp)


def request_extension(ctx, t, d):
    if d["days"] > ctx.policy.max_extension_days:
        raise InvalidValueError(f"延期不得超过{ctx.policy.max_extension_days}个工作日",
                                field="days")
    t.request_extension(days=d["days"], reason=d["reason"], today=ctx.today, **ctx.stamp)


def grant_extension(ctx, t, d):
    # Without a pending request the aggregate refuses (IllegalTransitionError).
    due = add_working_days(ctx.calendar, t.due_date, max(1, t.extension_days))
    t.grant_extension(due_date=due, due_at=end_of_day(due, ctx.app.tz), today=ctx.today,
                      **ctx.stamp)


def callback(ctx, t, d):
    """回访: a satisfied answer closes the ticket; unresolved or 差评 reopens it (重办)."""
    stands = t.call_back(reached=d["reached"], resolved=d["resolved"],
                         rating=d["rating"] or None, remark=d["remark"], **ctx.stamp)
    if stands:
        t.close(note="回访确认已解决", satisfied=True, **ctx.stamp)
    elif d["reached"]:
        t.reopen(reason="回访未解决或不满意", **_fresh_due(ctx, t), **ctx.stamp)


def reopen(ctx, t, d):
    t.reopen(reason=d["reason"], **_fresh_due(ctx, t), **ctx.stamp)


# --- inputs -------------------------------------------------------------------------------

def reason(label: str, required: bool = True) -> Input:
    return Input("reason", label, "textarea", required=required)


def reply(label: str = "答复内容") -> Input:
    return Input("reply", label, "textarea", max_length=MAX_REPLY)


DEPARTMENT = dict(widget="department", max_length=50)
YES_NO = {"true": "是", "false": "否"}

ACTIONS = (
    Action("dispatch", "派单", OPERATOR, dispatch, states=(Status.REGISTERED,),
           style="primary", main=True, success="已派单至{item.department}",
           inputs=(Input("department", "承办单位（主办）", **DEPARTMENT),
                   Input("co_departments", "会办单位", "departments", required=False,
                         hint="可多选"))),
    Action("resolve_on_spot", "直接办结", OPERATOR,
           lambda ctx, t, d: t.resolve_on_spot(reply=d["reply"], department=HOTLINE,
                                               keep=ctx.official_numbers,
                                               **ctx.stamp),
           states=(Status.REGISTERED,), success="已直接答复，待回访",
           inputs=(reply("当场答复内容"),)),
    Action("sign", "签收", LEAD, lambda ctx, t, d: t.sign(**ctx.stamp),
           states=(Status.DISPATCHED,), own_department=True, style="primary", group="quick",
           main=True, success="已签收，办理时限 {item.due_date}"),
    Action("return", "退单", LEAD,
           lambda ctx, t, d: t.return_to_operator(reason=d["reason"], **ctx.stamp),
           states=ROUTED, own_department=True, style="danger", success="已退单，待重新派单",
           inputs=(reason("退单理由"),)),
    Action("transfer", "转办", ("operator", "handler"),
           lambda ctx, t, d: t.transfer(department=d["department"], reason=d["reason"],
                                        **ctx.stamp),
           states=ROUTED, own_department=True, success="已转办至{item.department}",
           inputs=(Input("department", "转办至", **DEPARTMENT),
                   Input("reason", "转办理由", required=False))),
    Action("co_reply", "提交会办意见", LEAD, co_reply, states=ROUTED,
           departments=lambda t: t.pending_co, style="primary", success="会办意见已提交",
           inputs=(Input("opinion", "会办意见", "textarea", max_length=MAX_REPLY),
                   Input("department", "会办单位", required=False,
                         hint="代录时选择；承办人默认本单位", **DEPARTMENT))),
    Action("release_co", "解除会办", ("operator", "handler"),
           lambda ctx, t, d: t.release_co(department=d["department"], reason=d["reason"],
                                          **ctx.stamp),
           states=ROUTED, guard=lambda t: bool(t.pending_co), own_department=True,
           success="已解除会办",
           inputs=(Input("department", "解除的会办单位", **DEPARTMENT),
                   Input("reason", "理由", required=False))),
    Action("request_extension", "申请延期", LEAD, request_extension,
           states=(Status.HANDLING,), guard=lambda t: t.extension is None,
           own_department=True, success="延期申请已提交",
           inputs=(Input("days", "延期工作日数", "number", minimum=1,
                         maximum=MAX_EXTENSION_DAYS, hint="个工作日"),
                   reason("延期理由"))),
    Action("grant_extension", "批准延期", SUPERVISOR, grant_extension,
           states=(Status.HANDLING,), guard=lambda t: t.extension == "requested",
           style="primary", group="quick", success="已批准延期，新时限 {item.due_date}"),
    Action("decline_extension", "不予延期", SUPERVISOR,
           lambda ctx, t, d: t.decline_extension(reason=d["reason"], today=ctx.today,
                                                 **ctx.stamp),
           states=(Status.HANDLING,), guard=lambda t: t.extension == "requested",
           style="danger", success="已不予延期", inputs=(reason("理由", required=False),)),
    Action("resolve", "办结答复", LEAD,
           lambda ctx, t, d: t.resolve(reply=d["reply"], keep=ctx.official_numbers,
                                       **ctx.stamp),
           states=(Status.HANDLING,), own_department=True, style="primary", main=True,
           success="已办结，待回访", inputs=(reply(),)),
    Action("callback", "回访", OPERATOR, callback, states=(Status.RESOLVED,),
           style="primary", main=True, success="回访已记录",
           inputs=(Input("reached", "是否接通", "boolean", choices=YES_NO),
                   Input("resolved", "诉求是否解决", "boolean", required=False,
                         choices=YES_NO),
                   Input("rating", "满意度评价", "choice", required=False,
                         choices={r: r for r in RATINGS}),
                   Input("remark", "回访记录", required=False))),
    Action("reopen", "重办", ("operator", "supervisor"), reopen,
           states=(Status.RESOLVED, Status.CLOSED), success="已退回承办单位重办",
           inputs=(reason("重办理由", required=False),)),
    Action("close", "办结归档", OPERATOR,
           lambda ctx, t, d: t.close(note=d["note"], satisfied=False, **ctx.stamp),
           states=(Status.RESOLVED,), inputs=(Input("note", "说明", "textarea",
                                                    required=False),)),
    Action("publish", "审核公开", REVIEWER,
           lambda ctx, t, d: t.publish_reply(title=d["title"], content=d["content"],
                                             keep=ctx.official_numbers,
                                             reply=d["reply"], **ctx.stamp),
           states=(Status.RESOLVED, Status.CLOSED), guard=lambda t: t.publish,
           group="publication", success="已审核公开",
           inputs=(Input("title", "公开标题", max_length=MAX_TITLE, prefill="public_title"),
                   Input("content", "公开诉求内容", "textarea", max_length=MAX_CONTENT,
                         prefill="public_content"),
                   Input("reply", "公开答复内容", "textarea", max_length=MAX_REPLY,
                         prefill="public_reply"))),
    Action("withhold", "不予公开", REVIEWER,
           lambda ctx, t, d: t.withhold(reason=d["reason"], **ctx.stamp),
           guard=lambda t: not t.withheld, group="publication", style="danger",
           success="已设为不予公开", inputs=(reason("不予公开理由"),)),
)

EVENT_LABELS = {
    Ticket.Registered: "来电登记",
    Ticket.Dispatched: "派单",
    Ticket.Signed: "承办单位签收",
    Ticket.Returned: "承办单位退单",
    Ticket.Transferred: "转办",
    Ticket.CoReplied: "会办单位提交意见",
    Ticket.CoReleased: "解除会办",
    Ticket.ExtensionRequested: "申请延期",
    Ticket.ExtensionGranted: "批准延期",
    Ticket.ExtensionDeclined: "不予延期",
    Ticket.Resolved: "办结答复",
    Ticket.CalledBack: "回访",
    Ticket.Reopened: "重办",
    Ticket.Closed: "办结归档",
    Ticket.Published: "审核公开",
    Ticket.Withheld: "不予公开",
}

TICKETS = Workflow(
    kind="tickets", label="工单", aggregate=Ticket, id_for=ticket_id, number_label="工单编号",
    status_labels=STATUS_LABELS, open_states=OPEN_STATES, event_labels=EVENT_LABELS,
    actions=ACTIONS,
)
