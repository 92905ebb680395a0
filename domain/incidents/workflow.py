"""The incident workflow, declared once: states, event labels and every staff action."""

from ..errors import InvalidValueError
from ..workflow import Action, Input, Workflow
from .aggregate import ITEM_KINDS, MAX_TEXT, Incident, incident_id
from .states import LEVELS, OPEN_STATES, STATEMENTS, STATUS_LABELS, Status

OPINION = ("opinion",)
ITEM_KIND_LABELS = {"comments": "网民留言", "tickets": "热线工单"}
DEPARTMENT = {"widget": "department"}
YES_NO = {"true": "是", "false": "否"}
LIVE = (Status.OPEN, Status.HANDLING)


def link(ctx, incident, d):
    item = ctx.app.get_item(d["item_kind"], d["item_no"])  # NotFoundError if unknown
    if not incident.link(item_kind=d["item_kind"], number=item.number,
                         department=item.department, **ctx.stamp):
        raise InvalidValueError("该事项已关联本事件", field="number")


ACTIONS = (
    Action("set_level", "调整等级", OPINION,
           lambda ctx, i, d: i.set_level(level=d["level"], reason=d["reason"], **ctx.stamp),
           states=LIVE, success="等级已调整",
           inputs=(Input("level", "舆情等级", "choice",
                         choices={code: f"{name}（{code}级，{word}）"
                                  for code, (name, _, word) in LEVELS.items()}),
                   Input("reason", "调整理由"))),
    Action("assign", "同步安排处置和回应", OPINION,
           lambda ctx, i, d: i.assign(handling_department=d["handling_department"],
                                      response_department=d["response_department"],
                                      **ctx.stamp),
           states=LIVE, style="primary", main=True, success="已安排：处置 {item.handling_department}，"
                                                  "回应 {item.response_department}",
           inputs=(Input("handling_department", "处置单位", **DEPARTMENT),
                   Input("response_department", "回应单位（新闻发言人或部门）", **DEPARTMENT))),
    Action("handling_update", "报送处置进展", ("opinion", "handler"),
           lambda ctx, i, d: i.update_handling(text=d["text"], completed=bool(d["completed"]),
                                               **ctx.stamp),
           states=(Status.HANDLING,), departments=lambda i: (i.handling_department,),
           success="处置进展已记录",
           inputs=(Input("text", "处置进展", "textarea", max_length=MAX_TEXT),
                   Input("completed", "处置是否完成", "boolean", required=False,
                         choices=YES_NO))),
    Action("response_statement", "发布回应", ("opinion", "handler"),
           lambda ctx, i, d: i.state_response(kind=d["statement"], text=d["text"],
                                              channel=d["channel"],
                                              completed=bool(d["completed"]), **ctx.stamp),
           states=(Status.HANDLING,), departments=lambda i: (i.response_department,),
           success="回应已记录",
           inputs=(Input("statement", "回应方式", "choice", choices=STATEMENTS),
                   Input("text", "回应内容", "textarea", max_length=MAX_TEXT),
                   Input("channel", "发布渠道", required=False, max_length=100,
                         hint="如：区政府网站、政务微博、新闻发布会"),
                   Input("completed", "回应是否完成", "boolean", required=False,
                         choices=YES_NO))),
    Action("link", "关联事项", OPINION, link, states=LIVE, success="已关联",
           inputs=(Input("item_kind", "事项类型", "choice", choices=ITEM_KIND_LABELS),
                   Input("item_no", "留言编号或工单编号", max_length=40))),
    Action("unlink", "取消关联", OPINION,
           lambda ctx, i, d: i.unlink(item_kind=d["item_kind"], number=d["item_no"],
                                      reason=d["reason"], **ctx.stamp),
           states=LIVE, guard=lambda i: bool(i.links), style="danger", success="已取消关联",
           inputs=(Input("item_kind", "事项类型", "choice", choices=ITEM_KIND_LABELS),
                   Input("item_no", "留言编号或工单编号", max_length=40),
                   Input("reason", "取消理由"))),
    Action("close", "办结", OPINION,
           lambda ctx, i, d: i.close(summary=d["summary"], **ctx.stamp),
           states=(Status.HANDLING,), guard=lambda i: i.handling_done and i.response_done,
           style="primary", success="事件已办结",
           inputs=(Input("summary", "办结总结", "textarea", max_length=MAX_TEXT),)),
)

EVENT_LABELS = {
    Incident.Opened: "事件建立",
    Incident.LevelSet: "调整等级",
    Incident.Assigned: "同步安排处置和回应",
    Incident.HandlingUpdated: "处置进展",
    Incident.ResponseStated: "发布回应",
    Incident.Linked: "关联事项",
    Incident.Unlinked: "取消关联",
    Incident.Closed: "办结",
    Incident.ClockWarned: "时限提醒",
}

INCIDENTS = Workflow(
    kind="incidents", label="舆情事件", aggregate=Incident, id_for=incident_id,
    number_label="事件编号", status_labels=STATUS_LABELS, open_states=OPEN_STATES,
    event_labels=EVENT_LABELS, actions=ACTIONS,
)

__all__ = ["INCIDENTS", "ITEM_KINDS"]
