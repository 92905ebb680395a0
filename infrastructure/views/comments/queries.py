"""Queries over the comment read models: plain dicts for pages and the API."""

from datetime import date

from domain.comments import OPEN_STATES

from ..queries import Page, QueryBase, like_pattern, sql_list

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
        if q:
            where.append("(title LIKE :q ESCAPE '\\' OR tracking_no = :qexact)")
            params.update(q=like_pattern(q), qexact=q)
        columns = ("tracking_no, title, kind, category, channel, status, department, "
                   "requested_department, submitted_at, accepted_at, due_date, replied_at, "
                   "closed_at, rating, round, withheld, extension, reminders, supervised, updated_at, "
                   f"CASE WHEN status IN ({OPEN}) AND due_date < :today THEN 1 "
                   "ELSE 0 END AS overdue")
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
