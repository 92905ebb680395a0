"""The public listing of replies: only public wording, never personal data."""

from domain.comments import Comment

from .base import CommentReadModel


class PublicReplies(CommentReadModel):
    """The public listing: only masked text, never personal data or rejected items."""

    name = "public_replies"
    table = "pub_replies"
    tables = {"pub_replies": """
            id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL UNIQUE,
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
    handlers = {Comment.Submitted: "submitted", Comment.Accepted: "accepted",
                Comment.Rejected: "rejected", Comment.ReplyPublished: "published",
                Comment.Rated: "rated", Comment.Reopened: "reopened",
                Comment.Withheld: "withheld", Comment.Released: "released",
                Comment.Redacted: "redacted"}

    def set(self, emit, e, assignments: str, **params) -> None:
        super().set(emit, e, assignments, **params)
        # Visibility is derived in SQL after every change of its inputs.
        super().set(emit, e, "visible = CASE WHEN consent = 1 AND withheld = 0 "
                    "AND replied_on IS NOT NULL THEN 1 ELSE 0 END")

    def submitted(self, e, emit):
        emit("INSERT INTO pub_replies (id, tracking_no, title, content, kind, category, "
             "channel, submitted_at, consent) VALUES (:id, :t, :title, :content, :kind, "
             ":category, :channel, :at, :consent)",
             {"id": e.originator_id.hex, "t": e.tracking_no,
              "title": e.public_title, "content": e.public_content,
              "kind": e.kind, "category": e.category, "channel": e.channel,
              "at": self.iso(e.at), "consent": int(bool(e.publish))})

    def accepted(self, e, emit):
        self.set(emit, e, "accepted_on = :d", d=self.local_date(e.at))

    def rejected(self, e, emit):
        emit("DELETE FROM pub_replies WHERE id = :id", {"id": e.originator_id.hex})

    def published(self, e, emit):
        self.set(emit, e, "replied_on = :d, replied_at = :at, reply_department = :dep, "
                 "reply = :reply, rating = NULL", d=self.local_date(e.at), at=self.iso(e.at),
                 dep=e.department, reply=e.public_content)

    def rated(self, e, emit):
        self.set(emit, e, "rating = :r", r=e.level)

    def reopened(self, e, emit):
        self.set(emit, e, "rating = NULL")

    def withheld(self, e, emit):
        self.set(emit, e, "withheld = 1")

    def released(self, e, emit):
        self.set(emit, e, "withheld = 0")

    def redacted(self, e, emit):
        self.set(emit, e, "title = :title, content = :content", title=e.title,
                 content=e.content)
