"""Queries over the comment read models: plain dicts for pages and the API."""

from datetime import date

from domain.comments import OPEN_STATES

from ..queries import Page, QueryBase, like_pattern

OPEN = ", ".join(f"'{s}'" for s in OPEN_STATES)


class CommentQueries(QueryBase):
    """The public listing, the staff inbox and the citizen's own view."""

    # --- public ----------------------------------------------------------------

    PUBLIC_COLUMNS = ("tracking_no, title, content, kind, category, accepted_on, replied_on, "
                      "reply_department, reply, rating")

    def public_replies(self, *, department=None, category=None, kind=None, date_from=None,
                       date_to=None, q=None, page: int = 1, per_page: int = 20) -> Page:
        """Published replies, newest first, filtered as the portal and the API allow."""
        where, params = ["visible = 1"], {}
        for column, value in (("reply_department", department), ("category", category),
                              ("kind", kind)):
            if value:
                where.append(f"{column} = :{column}")
                params[column] = value
        if date_from:
            where.append("replied_on >= :date_from")
            params["date_from"] = date_from.isoformat()
        if date_to:
            where.append("replied_on <= :date_to")
            params["date_to"] = date_to.isoformat()
        if q:
            where.append("(title LIKE :q ESCAPE '\\' OR content LIKE :q ESCAPE '\\' "
                         "OR reply LIKE :q ESCAPE '\\')")
            params["q"] = like_pattern(q)
        return self.page("pub_replies", where, params, "replied_at DESC, tracking_no",
                          self.PUBLIC_COLUMNS, page, per_page)

    def public_reply(self, tracking_no: str) -> dict | None:
        rows = self.store.query(f"SELECT {self.PUBLIC_COLUMNS} FROM pub_replies "
                                "WHERE tracking_no = :t AND visible = 1", {"t": tracking_no})
        return rows[0] if rows else None

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
                   "closed_at, rating, round, withheld, extension, updated_at, "
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
