"""Queries over the ticket queue: department queues, due today, overdue, callbacks."""

from datetime import date, datetime, timezone

from domain.tickets import OPEN_STATES

from ..queries import Page, QueryBase, like_pattern, sql_list

OPEN = sql_list(OPEN_STATES)

# The tickets each role must act on now (their to-do list in the console).
TODO = {"operator": "status IN ('registered', 'resolved')",  # 派单, 回访
        "admin": "status IN ('registered', 'resolved')",
        "handler": "status IN ('dispatched', 'handling')",  # 签收, 办结答复
        "supervisor": f"status IN ({OPEN}) AND due_at < :now"}  # 超期: 督办
COLUMNS = ("ticket_no, title, channel, area, category, kind, urgency, status, department, "
           "co_departments, co_pending, registered_at, due_date, due_at, signed_at, "
           "resolved_at, reply_department, called_back_at, callbacks, closed_at, rating, "
           "round, extension, publish, published, reminders, supervised, updated_at, "
           f"CASE WHEN status IN ({OPEN}) AND due_at < :now THEN 1 ELSE 0 END AS overdue")


class TicketQueries(QueryBase):
    """The ticket queues staff work from."""

    def ticket_queue(self, *, today: date, now: datetime, department=None, status=None,
                     overdue: bool = False, due_today: bool = False, callbacks: bool = False,
                     supervised: bool = False, q=None, page: int = 1,
                     per_page: int = 50, mine: tuple = ()) -> Page:
        """A department's tickets (as lead or co-handler), or all; most urgent first.

        `callbacks`: resolved tickets not yet closed, oldest resolution first."""
        where = []
        params = {"today": today.isoformat(), "now": now.astimezone(timezone.utc).isoformat()}
        if department:
            where.append("(department = :department OR co_departments LIKE :co)")
            params.update(department=department, co=like_pattern(f"|{department}|"))
        if status:
            where.append("status = :status")
            params["status"] = status
        if overdue:
            where.append(f"status IN ({OPEN}) AND due_at < :now")
        if due_today:
            where.append(f"status IN ({OPEN}) AND due_date = :today")
        if callbacks:
            where.append("status = 'resolved'")
        if supervised:
            where.append(f"status IN ({OPEN}) AND supervised = 1")
        todo = [TODO[role] for role in mine if role in TODO]
        if todo:  # what these roles must do now (an admin does the operators' part)
            where.append("(" + " OR ".join(f"({w})" for w in todo) + ")")
        order = ("resolved_at, ticket_no" if callbacks else
                 f"CASE WHEN status IN ({OPEN}) THEN 0 ELSE 1 END, due_at, ticket_no")
        if q:  # a ticket number, else the words of the title and content
            return self.search_or_number("tickets", "ticket_search", "ticket_no", q, where,
                                         params, order, COLUMNS, page, per_page)
        return self.page("tickets", where, params, order, COLUMNS, page, per_page)
