"""Lifecycle states of a 12345 hotline ticket, with their Chinese display names."""


class Status:
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    HANDLING = "handling"
    RESOLVED = "resolved"
    CLOSED = "closed"


# In the order a ticket moves through them.
STATUS_LABELS = {
    Status.REGISTERED: "待派单",
    Status.DISPATCHED: "待签收",
    Status.HANDLING: "办理中",
    Status.RESOLVED: "已答复，待回访",
    Status.CLOSED: "已办结",
}

# The clock runs from registration until the answer: the ticket can be overdue.
OPEN_STATES = (Status.REGISTERED, Status.DISPATCHED, Status.HANDLING)

# Co-handling (会办) of one department.
CO_PENDING, CO_ANSWERED, CO_RELEASED = "pending", "answered", "released"
