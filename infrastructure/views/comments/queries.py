"""Queries over the comment read models: plain dicts for pages and the API."""

from datetime import date

from domain.comments import OPEN_STATES
from domain.reference import BAD_RATINGS

from ..queries import Page, QueryBase, sql_list

OPEN = sql_list(OPEN_STATES)


class CommentQueries(QueryBase):
    """The staff inbox and the citizen's own view."""

    # --- staff -----------------------------------------------------------------

    def inbox(self, *, today: date, status=None, department=None, overdue: bool = False,
              q=None, page: int = 1, per_page: int = 50) -> Page:
        """The staff inbox with overdue derived from today's date."""
        where, params = [], {"today": today.isoformat()}
        if status:
            where.append("status = :status")
            params["status"] = status
        if department:
            where.append("department = :department")
            params["department"] = department
        if overdue:
            where.append(f"status IN ({OPEN}) AND due_date < :today")
        columns = ("tracking_no, title, kind, category, channel, status, department, "
                   "requested_department, submitted_at, accepted_at, due_date, replied_at, "
                   "closed_at, rating, round, withheld, extension, reminders, supervised, updated_at, "
                   f"CASE WHEN status IN ({OPEN}) AND due_date < :today THEN 1 "
                   "ELSE 0 END AS overdue")
        if q:  # a tracking number, else the words of the title and content
            return self.search_or_number("inbox", "inbox_search", "tracking_no", q, where,
                                         params, "submitted_at DESC", columns, page, per_page)
        return self.page("inbox", where, params, "submitted_at DESC", columns, page, per_page)

    def inbox_counts(self, *, today: date, department=None) -> dict:
        """Items per status (and overdue) for the console's tabs."""
        where = "WHERE department = :department" if department else ""
        params = {"department": department, "today": today.isoformat()}
        rows = self.store.query(f"SELECT status, COUNT(*) AS n FROM inbox {where} "
                                "GROUP BY status", params)
        counts = {r["status"]: r["n"] for r in rows}
        clause = f"status IN ({OPEN}) AND due_date < :today"
        clause += " AND department = :department" if department else ""
        counts["overdue"] = self.store.query(
            f"SELECT COUNT(*) AS n FROM inbox WHERE {clause}", params)[0]["n"]
        return counts

    # --- the to-do inbox: what each role must do now ------------------------------------

    # Each to-do queue: (key, label, the roles it is for, its condition on the inbox row).
    TODO_QUEUES = (
        ("review", "待受理", ("reviewer",), "status = 'submitted'"),
        ("route", "待交办", ("reviewer",), "status = 'accepted'"),
        ("answer", "待答复", ("handler",), "status = 'dispatched'"),
        ("approve", "待审签", ("reviewer",), "status = 'drafted'"),
        ("extension", "延期待审批", ("reviewer",),
         f"extension = 'requested' AND status IN ({OPEN})"),
        ("bad_rating", "差评待核实", ("reviewer",),
         f"status = 'replied' AND rating IN ({sql_list(sorted(BAD_RATINGS))})"),
        ("supervise", "超期待督办", ("supervisor",),
         f"status IN ({OPEN}) AND due_date < :today"),
    )

    def todo_queues(self, roles) -> list[tuple[str, str, str]]:
        """(key, label, condition) of the to-do queues for someone with these roles (an
        admin sees the reviewer's)."""
        mine = set(roles) | ({"reviewer"} if "admin" in roles else set())
        return [(key, label, where) for key, label, for_roles, where in self.TODO_QUEUES
                if mine & set(for_roles)]

    def todo_counts(self, *, today: date, roles, department=None) -> dict:
        """Items waiting in each of the role's to-do queues (one query)."""
        queues = self.todo_queues(roles)
        if not queues:
            return {}
        sums = ", ".join(f"SUM(CASE WHEN {where} THEN 1 ELSE 0 END) AS {key}"
                         for key, _, where in queues)
        clause = "WHERE department = :department" if department else ""
        row = self.store.query(f"SELECT {sums} FROM inbox {clause}",
                               {"today": today.isoformat(), "department": department})[0]
        return {key: int(row[key] or 0) for key, _, _ in queues}

    def todo(self, *, today: date, roles, queue: str | None = None, department=None,
             page: int = 1, per_page: int = 50) -> Page:
        """What the role must do now, the nearest deadline first (items without one yet,
        waiting for 受理, by how long they have waited), in one queue or all of them."""
        queues = [q for q in self.todo_queues(roles) if queue in (None, q[0])]
        if not queues:
            return Page([], 0, page, per_page)
        where = [f"({' OR '.join(f'({w})' for _, _, w in queues)})"]
        params = {"today": today.isoformat()}
        if department:
            where.append("department = :department")
            params["department"] = department
        which = "CASE " + " ".join(f"WHEN {w} THEN '{key}'" for key, _, w in queues) + " END"
        columns = ("tracking_no, title, kind, category, channel, status, department, "
                   "requested_department, submitted_at, accepted_at, due_date, replied_at, "
                   "closed_at, rating, round, withheld, extension, reminders, supervised, "
                   f"updated_at, {which} AS todo, "
                   f"CASE WHEN status IN ({OPEN}) AND due_date < :today THEN 1 "
                   "ELSE 0 END AS overdue")
        order = ("CASE WHEN due_date IS NULL THEN 1 ELSE 0 END, due_date, submitted_at, "
                 "tracking_no")
        return self.page("inbox", where, params, order, columns, page, per_page)

    def inbox_item(self, tracking_no: str) -> dict | None:
        rows = self.store.query("SELECT * FROM inbox WHERE tracking_no = :t", {"t": tracking_no})
        return rows[0] if rows else None

    # --- citizen ---------------------------------------------------------------

    def citizen_view(self, tracking_no: str) -> dict | None:
        """The citizen's own item with its visible steps (callers check the query code)."""
        rows = self.store.query("SELECT * FROM citizen_items WHERE tracking_no = :t",
                                {"t": tracking_no})
        if not rows:
            return None
        item = rows[0]
        item["steps"] = self.store.query(
            "SELECT at, event, label, department FROM citizen_steps WHERE id = :id "
            "ORDER BY version", {"id": item["id"]})
        return item
