"""The citizen's own view of a comment: status, dates, reply and the visible steps.

Whoever holds the query code reads these rows, so they keep only what may be shown to
them: the citizen's own question in its public (masked) wording, and of what staff write
only what was published, in its public wording: the reply as approved
(`ReplyPublished.public_content`, never a draft or the unmasked reply) and the standard
rejection reason with the note the reviewer wrote for the citizen (`public_note`, masked
in the domain). Internal notes, internal reasons and drafts are never stored.
"""

from domain.comments import Comment, Status
from domain.comments import COMMENTS
from domain.oversight import Overseen
from domain.masking import mask_personal_data
from domain.reference import REJECT_REASONS

from .base import CommentReadModel


class CitizenView(CommentReadModel):
    """The citizen's own view: status, dates, reply and the citizen-visible steps."""

    name = "citizen_view"
    version = 2  # v2: the rejection's note to the citizen (public_note)
    table = "citizen_items"
    tables = {
        "citizen_items": """
            id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            content TEXT NOT NULL, kind TEXT NOT NULL, category TEXT NOT NULL,
            status TEXT NOT NULL, publish INTEGER NOT NULL, submitted_at TEXT NOT NULL,
            accepted_on TEXT, due_date TEXT, department TEXT, reject_reason TEXT,
            reject_note TEXT,
            replied_on TEXT, reply_department TEXT, reply TEXT, rating TEXT,
            can_rate INTEGER NOT NULL DEFAULT 0""",
        "citizen_steps": """
            id TEXT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL,
            event TEXT NOT NULL, label TEXT NOT NULL, department TEXT,
            PRIMARY KEY (id, version)""",
    }
    handlers = {Comment.Submitted: "submitted", Comment.Accepted: "accepted",
                Comment.Rejected: "rejected", Comment.Dispatched: "dispatched",
                Comment.Transferred: "dispatched", Comment.Returned: "returned",
                Comment.ReplyPublished: "published", Comment.Rated: "rated",
                Comment.Reopened: "reopened", Comment.Closed: "closed",
                Comment.ExtensionGranted: "extended", Overseen.DeadlineRecomputed: "extended"}

    def handle(self, event, emit):
        super().handle(event, emit)
        if type(event) in COMMENTS.citizen_visible:
            emit("INSERT INTO citizen_steps (id, version, at, event, label, department) "
                 "VALUES (:id, :v, :at, :event, :label, :dep)",
                 {"id": event.originator_id.hex, "v": event.originator_version,
                  "at": self.iso(event.at), "event": type(event).__name__,
                  "label": COMMENTS.event_label(type(event)),
                  "dep": getattr(event, "department", None)})

    def submitted(self, e, emit):
        emit("INSERT INTO citizen_items (id, tracking_no, title, content, kind, category, "
             "status, publish, submitted_at) VALUES (:id, :t, :title, :content, :kind, "
             ":category, :status, :publish, :at)",
             {"id": e.originator_id.hex, "t": e.tracking_no, "title": e.public_title,
              "content": e.public_content, "kind": e.kind, "category": e.category,
              "status": Status.SUBMITTED, "publish": int(bool(e.publish)), "at": self.iso(e.at)})

    def accepted(self, e, emit):
        self.set(emit, e, "status = :s, accepted_on = :d, due_date = :due",
                 s=Status.ACCEPTED, d=self.local_date(e.at), due=e.due_date.isoformat())

    def rejected(self, e, emit):
        # The reason is one of the standard codes (the aggregate checks; the note is never
        # shown). Were anything else ever recorded, it is staff's text: shown masked.
        reason = e.reason if e.reason in REJECT_REASONS else mask_personal_data(e.reason)
        self.set(emit, e, "status = :s, reject_reason = :r, reject_note = :n",
                 s=Status.REJECTED, r=reason, n=getattr(e, "public_note", "") or None)

    def dispatched(self, e, emit):
        self.set(emit, e, "status = :s, department = :d", s=Status.DISPATCHED, d=e.department)

    def returned(self, e, emit):
        self.set(emit, e, "status = :s, department = NULL", s=Status.ACCEPTED)

    def published(self, e, emit):
        self.set(emit, e, "status = :s, replied_on = :d, reply_department = :dep, reply = :reply, "
                 "rating = NULL, can_rate = 1", s=Status.REPLIED, d=self.local_date(e.at),
                 dep=e.department, reply=e.public_content)

    def rated(self, e, emit):
        status = Status.CLOSED if e.closes else Status.REPLIED
        self.set(emit, e, "rating = :r, can_rate = 0, status = :s", r=e.level, s=status)

    def reopened(self, e, emit):
        self.set(emit, e, "status = :s, due_date = :due, can_rate = 0",
                 s=Status.DISPATCHED, due=e.due_date.isoformat())

    def closed(self, e, emit):
        self.set(emit, e, "status = :s, can_rate = 0", s=Status.CLOSED)

    def extended(self, e, emit):
        self.set(emit, e, "due_date = :due", due=e.due_date.isoformat())
