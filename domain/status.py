"""Lifecycle states of a portal comment, with their Chinese display names."""


class Status:
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISPATCHED = "dispatched"
    DRAFTED = "drafted"
    REPLIED = "replied"
    CLOSED = "closed"


# Accepted but not yet answered: the deadline runs and the item can be overdue.
OPEN_STATES = (Status.ACCEPTED, Status.DISPATCHED, Status.DRAFTED)

STATUS_LABELS = {
    Status.SUBMITTED: "待审看",
    Status.ACCEPTED: "已受理，待交办",
    Status.REJECTED: "不予受理",
    Status.DISPATCHED: "办理中",
    Status.DRAFTED: "答复待审签",
    Status.REPLIED: "已答复",
    Status.CLOSED: "已办结",
}

# Event class name -> what the citizen and staff see in a timeline.
EVENT_LABELS = {
    "Submitted": "网民提交留言",
    "Accepted": "受理",
    "Rejected": "不予受理",
    "Dispatched": "交办至承办单位",
    "Transferred": "转办",
    "Returned": "承办单位退回",
    "ReplyDrafted": "承办单位拟写答复",
    "ReplySentBack": "答复退回修改",
    "ReplyPublished": "答复经审签后发布",
    "Rated": "网民评价",
    "Reopened": "差评核实后重新办理",
    "Closed": "办结",
    "Withheld": "不予公开",
    "Released": "恢复公开",
    "Redacted": "公开内容经审核处理",
    "ExtensionRequested": "申请延期",
    "ExtensionGranted": "批准延期",
    "ExtensionDeclined": "不予延期",
}

# Events whose details are internal: a citizen sees the step, never the note.
CITIZEN_VISIBLE_EVENTS = frozenset((
    "Submitted", "Accepted", "Rejected", "Dispatched", "Transferred",
    "ReplyPublished", "Rated", "Reopened", "Closed", "ExtensionGranted",
))
