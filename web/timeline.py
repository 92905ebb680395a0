"""A timeline step's details as readable (label, value) pairs, for any item kind."""

from domain.consultations.states import ADOPTION, FILE_ROLES, PARTICIPATION
from domain.reference import CHANNELS, URGENCIES

# Field names in events and forms -> Chinese labels for the timeline and form errors.
FIELD_LABELS = {
    "department": "单位", "from_department": "原承办单位", "requested_department": "指定单位",
    "reason": "理由", "note": "说明", "content": "内容", "title": "标题",
    "due_date": "办理时限", "level": "评价", "remark": "评价意见", "days": "延期天数",
    "kind": "类型", "category": "分类", "channel": "渠道", "publish": "同意公开",
    "area": "所在镇街", "address": "详细地址", "urgency": "紧急程度", "reply": "答复内容",
    "reached": "是否接通", "resolved": "是否解决", "rating": "评价", "opinion": "会办意见",
    "co_departments": "会办单位", "satisfied": "回访满意", "overdue_days": "超期工作日",
    "photos": "照片", "_schema": "提交内容", "_form": "提交内容",
    "public_note": "告知留言人的说明", "reasons": "差评原因",
    # consultations (重大决策预公开)
    "year": "年度", "planned_on": "计划决策时间", "participation": "公众参与方式",
    "description": "事项说明", "draft": "征求意见稿", "basis": "起草说明及依据",
    "opens_on": "征集开始日期", "closes_on": "征集截止日期", "previous": "原截止日期",
    "name": "文件名", "content_type": "文件类型", "size": "文件大小", "role": "文件用途",
    "meeting_no": "会议序号", "held_on": "召开日期", "attendees": "参加人员",
    "decisions": "会议结论", "opinion_no": "意见序号", "representative": "代表",
    "adoption": "采纳情况", "summary": "采纳情况说明", "counts": "意见统计",
    "decision": "决策结果", "decided_on": "决策日期",
}
# Bookkeeping and wording that the item page shows elsewhere.
HIDDEN = {"tracking_no", "ticket_no", "number", "public_title", "public_content",
          "public_reply", "closes", "replied_at", "photo", "consultation_no", "file_id",
          "sha256", "public_reason", "seq"}
COUNT_LABELS = {"received": "收到意见", "adopted": "采纳", "partly": "部分采纳",
                "not_adopted": "未采纳", "representative": "代表意见"}
SHOWN_ABOVE = {"title", "content", "kind", "category", "channel"}  # the question itself


def choice_labels(workflow) -> dict:
    """Input name -> {value: label} for every choice input of the kind's actions."""
    labels: dict = {}
    for action in workflow.actions:
        for spec in action.inputs:
            if spec.choices:
                labels.setdefault(spec.name, {}).update(spec.choices)
    return labels


def describe(step: dict, first: bool, choices: dict) -> list[tuple[str, str]]:
    """The step's details worth showing, labelled in Chinese."""
    pairs = []
    for key, value in step["details"].items():
        if key in HIDDEN or value in (None, "", [], {}) or (first and key in SHOWN_ABOVE):
            continue
        if key in choices and isinstance(value, str):
            value = choices[key].get(value, value)
        elif key == "publish":
            value = "是" if value else "否（不同意公开）"
        elif key == "channel":
            value = CHANNELS.get(value, value)
        elif key == "photos" and isinstance(value, list):
            value = f"{len(value)} 张"
        elif key == "urgency":
            value = URGENCIES.get(value, value)
        elif key == "participation" and isinstance(value, list):
            value = "、".join(PARTICIPATION.get(v, str(v)) for v in value)
        elif key == "adoption":
            value = ADOPTION.get(value, value)
        elif key == "role":
            value = FILE_ROLES.get(value, value)
        elif key == "counts" and isinstance(value, dict):
            value = "，".join(f"{COUNT_LABELS.get(k, k)} {v} 条" for k, v in value.items())
        elif key == "size" and isinstance(value, int):
            value = f"{value / 1024:.0f} KB" if value >= 1024 else f"{value} 字节"
        elif isinstance(value, list):
            value = "、".join(map(str, value))
        elif key == "days":
            value = f"{value} 个工作日"
        elif isinstance(value, bool):
            value = "是" if value else "否"
        pairs.append((FIELD_LABELS.get(key, key), str(value)))
    if step["details"].get("closes"):
        pairs.append(("结果", "满意评价，自动办结"))
    return pairs
