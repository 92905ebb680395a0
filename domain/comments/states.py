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

# In the order an item moves through them (the console's inbox tabs follow it).
STATUS_LABELS = {
    Status.SUBMITTED: "待审看",
    Status.ACCEPTED: "已受理，待交办",
    Status.DISPATCHED: "办理中",
    Status.DRAFTED: "答复待审签",
    Status.REPLIED: "已答复",
    Status.CLOSED: "已办结",
    Status.REJECTED: "不予受理",
}
