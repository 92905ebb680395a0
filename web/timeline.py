"""A timeline step's details as readable (label, value) pairs, for any item kind."""

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
}
# Bookkeeping and wording that the item page shows elsewhere.
HIDDEN = {"tracking_no", "ticket_no", "number", "public_title", "public_content",
          "public_reply", "closes", "replied_at", "photo"}
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
