"""Read-side queries: plain dicts for pages, the API and the feeds."""

import json
from dataclasses import dataclass
from datetime import date

from domain.status import OPEN_STATES


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_dict(self) -> dict:
        return {"items": self.items, "total": self.total, "page": self.page,
                "per_page": self.per_page, "pages": self.pages}


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ViewQueries:
    """Queries over the read-model store; no writes here."""

    def __init__(self, store):
        self.store = store

    def _page(self, table: str, where: list[str], params: dict, order: str, columns: str,
              page: int, per_page: int) -> Page:
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        total = self.store.query(f"SELECT COUNT(*) AS n FROM {table} {clause}", params)[0]["n"]
        params = {**params, "limit": per_page, "offset": (page - 1) * per_page}
        rows = self.store.query(f"SELECT {columns} FROM {table} {clause} ORDER BY {order} "
                                "LIMIT :limit OFFSET :offset", params)
        return Page(rows, total, page, per_page)

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
            params["q"] = _like(q)
        return self._page("pub_replies", where, params, "replied_at DESC, tracking_no",
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
        open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
        if overdue:
            where.append(f"status IN ({open_states}) AND due_date < :today")
        if q:
            where.append("(title LIKE :q ESCAPE '\\' OR tracking_no = :qexact)")
            params.update(q=_like(q), qexact=q)
        columns = ("tracking_no, title, kind, category, channel, status, department, "
                   "requested_department, submitted_at, accepted_at, due_date, replied_at, "
                   "closed_at, rating, round, withheld, extension, updated_at, "
                   f"CASE WHEN status IN ({open_states}) AND due_date < :today THEN 1 "
                   "ELSE 0 END AS overdue")
        return self._page("inbox", where, params, "submitted_at DESC", columns, page, per_page)

    def inbox_counts(self, *, today: date, department=None) -> dict:
        """Items per status (and overdue) for the console's tabs."""
        where = "WHERE department = :department" if department else ""
        params = {"department": department, "today": today.isoformat()}
        rows = self.store.query(f"SELECT status, COUNT(*) AS n FROM inbox {where} "
                                "GROUP BY status", params)
        counts = {r["status"]: r["n"] for r in rows}
        open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
        clause = f"status IN ({open_states}) AND due_date < :today"
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

    # --- directory -------------------------------------------------------------

    def departments(self, active_only: bool = True) -> list[str]:
        where = "WHERE active = 1" if active_only else ""
        return [r["name"] for r in self.store.query(
            f"SELECT name FROM departments {where} ORDER BY created_at, name")]

    def staff(self) -> list[dict]:
        rows = self.store.query("SELECT username, display_name, roles, department, active "
                                "FROM staff ORDER BY username")
        for row in rows:
            row["roles"] = json.loads(row["roles"])
        return rows
