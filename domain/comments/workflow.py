"""The comment workflow, declared once: states, event labels and every staff action."""

from ..errors import InvalidValueError
from ..deadlines import MAX_EXTENSION_DAYS, add_working_days
from ..reference import REJECT_REASONS
from ..workflow import Action, Input, Workflow
from .aggregate import ANSWERING, MAX_CONTENT, MAX_REPLY, MAX_TITLE, Comment, comment_id
from .states import OPEN_STATES, STATUS_LABELS, Status

REVIEWER, HANDLER = ("reviewer",), ("handler", "reviewer")


# --- commands: (context, comment, inputs) -> None; the aggregate records the event ----------

def accept(ctx, c, d):
    due = ctx.policy.comment_due(ctx.calendar, c.kind, ctx.today)
    c.accept(due_date=due, **ctx.stamp)


def accept_and_dispatch(ctx, c, d):
    """受理并交办: both events in one save, so the item is never left accepted but unrouted."""
    accept(ctx, c, d)
    c.dispatch(department=d["department"], **ctx.stamp)


def grant_extension(ctx, c, d):
    # Without a pending request the aggregate refuses (IllegalTransitionError).
    due = (add_working_days(ctx.calendar, c.due_date, c.extension_days)
           if c.extension == "requested" else c.due_date)
    c.grant_extension(due_date=due, **ctx.stamp)


def reopen(ctx, c, d):
    due = ctx.policy.rectification_due(ctx.calendar, ctx.today)
    c.reopen(reason=d["reason"], due_date=due, **ctx.stamp)


def request_extension(ctx, c, d):
    if d["days"] > ctx.policy.max_extension_days:
        raise InvalidValueError(f"延期不得超过{ctx.policy.max_extension_days}个工作日",
                                field="days")
    c.request_extension(days=d["days"], reason=d["reason"], today=ctx.today, **ctx.stamp)


# --- inputs -------------------------------------------------------------------------------

def reason(label: str, required: bool = True) -> Input:
    return Input("reason", label, "textarea", required=required)


DEPARTMENT = dict(widget="department", max_length=50)

ACTIONS = (
    Action("accept", "受理", REVIEWER, accept, states=(Status.SUBMITTED,),
           style="primary", group="quick"),
    Action("reject", "不予受理", REVIEWER,
           lambda ctx, c, d: c.reject(reason=d["reason"], note=d["note"],
                                      public_note=d.get("public_note", ""), **ctx.stamp),
           states=(Status.SUBMITTED,), style="danger", success="已作不予受理处理",
           inputs=(Input("reason", "不予受理理由", "choice", choices=REJECT_REASONS),
                   Input("public_note", "告知留言人的说明", "textarea", required=False,
                         hint="将在留言查询页向留言人显示（电话、证件号等自动隐去）"),
                   Input("note", "内部说明", required=False,
                         hint="仅工作人员可见，不告知留言人"))),
    Action("accept_dispatch", "受理并交办", REVIEWER, accept_and_dispatch,
           states=(Status.SUBMITTED,), style="primary", main=True,
           success="已受理并交办至{item.department}",
           inputs=(Input("department", "交办至", prefill="requested_department",
                         **DEPARTMENT),)),
    Action("dispatch", "交办", REVIEWER,
           lambda ctx, c, d: c.dispatch(department=d["department"], **ctx.stamp),
           states=(Status.ACCEPTED,), style="primary", success="已交办至{item.department}",
           inputs=(Input("department", "交办至", prefill="requested_department",
                         **DEPARTMENT),)),
    Action("transfer", "转办", REVIEWER,
           lambda ctx, c, d: c.transfer(department=d["department"], reason=d["reason"],
                                        **ctx.stamp),
           states=(Status.DISPATCHED,), success="已转办至{item.department}",
           inputs=(Input("department", "转办至", **DEPARTMENT),
                   Input("reason", "转办理由", required=False))),
    Action("return", "退单", HANDLER,
           lambda ctx, c, d: c.return_to_reviewer(reason=d["reason"], **ctx.stamp),
           states=(Status.DISPATCHED,), own_department=True, style="danger",
           success="已退单，待重新交办", inputs=(reason("退单理由"),)),
    Action("draft", "提交审签", HANDLER,
           lambda ctx, c, d: c.draft_reply(content=d["content"], **ctx.stamp),
           states=ANSWERING, own_department=True, style="primary", main=True,
           success="答复已提交审签",
           inputs=(Input("content", "答复内容", "textarea", max_length=MAX_REPLY,
                         prefill="working_draft"),)),
    Action("save_draft", "保存草稿", HANDLER,
           lambda ctx, c, d: c.save_draft(content=d["content"], **ctx.stamp),
           states=(Status.DISPATCHED,), own_department=True, success="草稿已保存（尚未提交审签）",
           inputs=(Input("content", "答复内容", "textarea", max_length=MAX_REPLY,
                         prefill="working_draft"),)),
    Action("send_back", "退回答复", REVIEWER,
           lambda ctx, c, d: c.send_back_reply(reason=d["reason"], **ctx.stamp),
           states=(Status.DRAFTED,), style="danger", success="答复已退回承办单位修改",
           inputs=(reason("退回理由", required=False),)),
    Action("approve", "审签发布", REVIEWER,
           lambda ctx, c, d: c.approve_reply(keep=ctx.official_numbers, **ctx.stamp),
           states=(Status.DRAFTED,), style="primary", group="quick", main=True,
           success="答复已审签发布"),
    Action("reopen", "差评重办", REVIEWER, reopen, states=(Status.REPLIED, Status.CLOSED),
           guard=lambda c: c.rating_is_bad, success="已重新交办办理",
           inputs=(reason("重办理由", required=False),)),
    Action("close", "办结", REVIEWER,
           lambda ctx, c, d: c.close(note=d["note"], **ctx.stamp),
           states=(Status.REPLIED,), style="primary",
           inputs=(Input("note", "办结说明", "textarea", required=False),)),
    Action("withhold", "不予公开", REVIEWER,
           lambda ctx, c, d: c.withhold(reason=d["reason"], **ctx.stamp),
           guard=lambda c: not c.withheld and c.status != Status.REJECTED, style="danger",
           group="publication", success="已设为不予公开", inputs=(reason("不予公开理由"),)),
    Action("release", "恢复公开", REVIEWER, lambda ctx, c, d: c.release(**ctx.stamp),
           guard=lambda c: c.withheld and c.status != Status.REJECTED, group="publication"),
    Action("redact", "编辑公开内容", REVIEWER,
           lambda ctx, c, d: c.redact(title=d["title"], content=d["content"], **ctx.stamp),
           guard=lambda c: c.status != Status.REJECTED, group="publication",
           success="公开内容已更新",
           inputs=(Input("title", "公开标题", max_length=MAX_TITLE, prefill="public_title"),
                   Input("content", "公开内容", "textarea", max_length=MAX_CONTENT,
                         prefill="public_content"))),
    # Photos: drawn by the comment's photo block on the item page (group "photos").
    Action("publish_photos", "公开照片", REVIEWER,
           lambda ctx, c, d: c.publish_photos(keys=d["photos"], **ctx.stamp),
           guard=lambda c: c.photos_to_publish, style="primary", group="photos",
           success="照片已公开，随答复在公开页面显示",
           inputs=(Input("photos", "公开的照片", "photos", required=False,
                         hint="不选则公开全部未公开的照片"),)),
    Action("withhold_photo", "撤回照片公开", REVIEWER,
           lambda ctx, c, d: c.withhold_photo(key=d["photo"], reason=d["reason"],
                                              **ctx.stamp),
           guard=lambda c: bool(c.public_photos), style="danger", group="photos",
           success="照片已撤回公开",
           inputs=(Input("photo", "照片", max_length=64),
                   reason("撤回理由", required=False))),
    Action("request_extension", "申请延期", HANDLER, request_extension, states=ANSWERING,
           guard=lambda c: c.extension is None, own_department=True,
           success="延期申请已提交",
           inputs=(Input("days", "延期工作日数", "number", minimum=1,
                         maximum=MAX_EXTENSION_DAYS, hint="个工作日"),
                   reason("延期理由"))),
    Action("grant_extension", "批准延期", REVIEWER, grant_extension, states=ANSWERING,
           guard=lambda c: c.extension == "requested", style="primary", group="quick"),
    Action("decline_extension", "不予延期", REVIEWER,
           lambda ctx, c, d: c.decline_extension(reason=d["reason"], **ctx.stamp),
           states=ANSWERING, guard=lambda c: c.extension == "requested", style="danger",
           success="已不予延期", inputs=(reason("不予延期理由", required=False),)),
)

EVENT_LABELS = {
    Comment.Submitted: "网民提交留言",
    Comment.Accepted: "受理",
    Comment.Rejected: "不予受理",
    Comment.Dispatched: "交办至承办单位",
    Comment.Transferred: "转办",
    Comment.Returned: "承办单位退回",
    Comment.ReplyDrafted: "承办单位拟写答复",
    Comment.ReplySentBack: "答复退回修改",
    Comment.ReplyPublished: "答复经审签后发布",
    Comment.Rated: "网民评价",
    Comment.Reopened: "差评核实后重新办理",
    Comment.Closed: "办结",
    Comment.Withheld: "不予公开",
    Comment.Released: "恢复公开",
    Comment.Redacted: "公开内容经审核处理",
    Comment.ExtensionRequested: "申请延期",
    Comment.ExtensionGranted: "批准延期",
    Comment.ExtensionDeclined: "不予延期",
    Comment.QueryCodeReset: "网民通过邮箱找回查询码",
    Comment.DraftSaved: "保存答复草稿",
    Comment.PhotosAttached: "网民上传照片",
    Comment.PhotosPublished: "公开照片",
    Comment.PhotoWithheld: "撤回照片公开",
}

# Steps a citizen sees on the follow page (never their notes).
CITIZEN_VISIBLE = frozenset((
    Comment.Submitted, Comment.Accepted, Comment.Rejected, Comment.Dispatched,
    Comment.Transferred, Comment.ReplyPublished, Comment.Rated, Comment.Reopened,
    Comment.Closed, Comment.ExtensionGranted,
))

COMMENTS = Workflow(
    kind="comments", label="留言", aggregate=Comment, id_for=comment_id,
    number_label="留言编号", status_labels=STATUS_LABELS, open_states=OPEN_STATES,
    event_labels=EVENT_LABELS, citizen_visible=CITIZEN_VISIBLE, actions=ACTIONS,
)
