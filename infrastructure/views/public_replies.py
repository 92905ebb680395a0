"""The public listing of replies, every item kind alike: only public wording, never
personal data, and only what was approved for publication.

Each kind contributes its rows (a mixin in its package); a row is visible when the
citizen consented, it is not withheld and an approved reply exists.
"""

from .base import ReadModel
from .comments.public_rows import CommentPublicRows
from .queries import Page, QueryBase, like_pattern
from .tickets.public_rows import TicketPublicRows


class PublicReplies(CommentPublicRows, TicketPublicRows, ReadModel):
    name = "public_replies"
    version = 2  # v2: hotline tickets, item_kind
    tables = {"pub_replies": """
            id TEXT PRIMARY KEY, item_kind TEXT NOT NULL, tracking_no TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL, content TEXT NOT NULL,
            kind TEXT NOT NULL, category TEXT NOT NULL, channel TEXT,
            submitted_at TEXT NOT NULL, accepted_on TEXT, replied_on TEXT, replied_at TEXT,
            reply_department TEXT, reply TEXT, rating TEXT,
            consent INTEGER NOT NULL, withheld INTEGER NOT NULL DEFAULT 0,
            visible INTEGER NOT NULL DEFAULT 0"""}
    indexes = (
        ("pub_replies", "visible", "(visible, replied_at)"),
        ("pub_replies", "dept", "(reply_department, replied_at)"),
    )
    handlers = {**CommentPublicRows.comment_handlers, **TicketPublicRows.ticket_handlers}

    def set(self, emit, e, assignments: str, **params) -> None:
        """Update the item's row; visibility is derived in SQL after every change."""
        emit(f"UPDATE pub_replies SET {assignments} WHERE id = :id",
             {"id": e.originator_id.hex, **params})
        emit("UPDATE pub_replies SET visible = CASE WHEN consent = 1 AND withheld = 0 "
             "AND replied_on IS NOT NULL THEN 1 ELSE 0 END WHERE id = :id",
             {"id": e.originator_id.hex})


class PublicReplyQueries(QueryBase):
    """The listing the portal, the API and the feeds read."""

    PUBLIC_COLUMNS = ("tracking_no, item_kind, title, content, kind, category, channel, "
                      "accepted_on, replied_on, reply_department, reply, rating")

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
