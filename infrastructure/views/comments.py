"""Read models of portal comments: public replies, staff inbox, the citizen's view.

Rows are keyed by the aggregate id (later events carry only that); the tracking number
is a unique column for lookups.
"""

from domain.comment import Comment
from domain.masking import mask_personal_data
from domain.status import CITIZEN_VISIBLE_EVENTS, EVENT_LABELS, Status

from .projection import Projection

C = Comment


class CommentProjection(Projection):
    """Shared helper: update one comment's row in this projection's main table."""

    table = ""

    def set(self, emit, e, assignments: str, **params) -> None:
        emit(f"UPDATE {self.table} SET {assignments} WHERE id = :id",
             {"id": e.originator_id.hex, **params})


class PublicReplies(CommentProjection):
    """The public listing: only masked text, never personal data or rejected items."""

    name = "public_replies"
    table = "pub_replies"
    tables = {"pub_replies": """
        CREATE TABLE IF NOT EXISTS pub_replies (
            id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL, content TEXT NOT NULL,
            kind TEXT NOT NULL, category TEXT NOT NULL, channel TEXT,
            submitted_at TEXT NOT NULL, accepted_on TEXT, replied_on TEXT, replied_at TEXT,
            reply_department TEXT, reply TEXT, rating TEXT,
            consent INTEGER NOT NULL, withheld INTEGER NOT NULL DEFAULT 0,
            visible INTEGER NOT NULL DEFAULT 0)"""}
    indexes = (
        "CREATE INDEX IF NOT EXISTS pub_replies_visible ON pub_replies (visible, replied_at)",
        "CREATE INDEX IF NOT EXISTS pub_replies_dept ON pub_replies (reply_department, replied_at)",
    )
    handlers = {C.Submitted: "submitted", C.Accepted: "accepted", C.Rejected: "rejected",
                C.ReplyPublished: "published", C.Rated: "rated", C.Reopened: "reopened",
                C.Withheld: "withheld", C.Released: "released", C.Redacted: "redacted"}

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
              "title": mask_personal_data(e.title), "content": mask_personal_data(e.content),
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
        self.set(emit, e, "title = :title, content = :content", title=e.title, content=e.content)


class StaffInbox(CommentProjection):
    """What staff work from: status, department, due date (overdue is derived at read time)."""

    name = "staff_inbox"
    table = "inbox"
    tables = {"inbox": """
        CREATE TABLE IF NOT EXISTS inbox (
            id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            kind TEXT NOT NULL, category TEXT NOT NULL, channel TEXT,
            status TEXT NOT NULL, department TEXT, requested_department TEXT,
            submitted_at TEXT NOT NULL, accepted_at TEXT, due_date TEXT,
            replied_at TEXT, closed_at TEXT, rating TEXT, round INTEGER NOT NULL DEFAULT 1,
            withheld INTEGER NOT NULL DEFAULT 0, extension TEXT, updated_at TEXT NOT NULL)"""}
    indexes = (
        "CREATE INDEX IF NOT EXISTS inbox_status ON inbox (status, due_date)",
        "CREATE INDEX IF NOT EXISTS inbox_dept ON inbox (department, status, due_date)",
        "CREATE INDEX IF NOT EXISTS inbox_submitted ON inbox (submitted_at)",
    )
    handlers = {C.Submitted: "submitted", C.Accepted: "accepted", C.Rejected: "rejected",
                C.Dispatched: "dispatched", C.Transferred: "transferred", C.Returned: "returned",
                C.ReplyDrafted: "drafted", C.ReplySentBack: "sent_back",
                C.ReplyPublished: "published", C.Rated: "rated", C.Reopened: "reopened",
                C.Closed: "closed", C.Withheld: "withheld", C.Released: "released",
                C.ExtensionRequested: "ext_requested", C.ExtensionGranted: "ext_granted",
                C.ExtensionDeclined: "ext_declined", C.Redacted: "touched"}

    def set(self, emit, e, assignments: str, **params) -> None:
        super().set(emit, e, assignments + ", updated_at = :updated_at",
                    updated_at=self.iso(e.at), **params)

    def submitted(self, e, emit):
        emit("INSERT INTO inbox (id, tracking_no, title, kind, category, channel, status, "
             "requested_department, submitted_at, updated_at) VALUES (:id, :t, :title, :kind, "
             ":category, :channel, :status, :req, :at, :at)",
             {"id": e.originator_id.hex, "t": e.tracking_no, "title": mask_personal_data(e.title),
              "kind": e.kind, "category": e.category, "channel": e.channel,
              "status": Status.SUBMITTED, "req": e.requested_department, "at": self.iso(e.at)})

    def accepted(self, e, emit):
        self.set(emit, e, "status = :s, accepted_at = :at, due_date = :due",
                 s=Status.ACCEPTED, at=self.iso(e.at), due=e.due_date.isoformat())

    def rejected(self, e, emit):
        self.set(emit, e, "status = :s, closed_at = :at", s=Status.REJECTED, at=self.iso(e.at))

    def dispatched(self, e, emit):
        self.set(emit, e, "status = :s, department = :d", s=Status.DISPATCHED, d=e.department)

    def transferred(self, e, emit):
        self.set(emit, e, "status = :s, department = :d", s=Status.DISPATCHED, d=e.department)

    def returned(self, e, emit):
        self.set(emit, e, "status = :s, department = NULL", s=Status.ACCEPTED)

    def drafted(self, e, emit):
        self.set(emit, e, "status = :s", s=Status.DRAFTED)

    def sent_back(self, e, emit):
        self.set(emit, e, "status = :s", s=Status.DISPATCHED)

    def published(self, e, emit):
        self.set(emit, e, "status = :s, replied_at = :at", s=Status.REPLIED, at=self.iso(e.at))

    def rated(self, e, emit):
        if e.closes:
            self.set(emit, e, "rating = :r, status = :s, closed_at = :at",
                     r=e.level, s=Status.CLOSED, at=self.iso(e.at))
        else:
            self.set(emit, e, "rating = :r", r=e.level)

    def reopened(self, e, emit):
        self.set(emit, e, "status = :s, department = :d, due_date = :due, rating = NULL, "
                 "closed_at = NULL, extension = NULL, round = round + 1",
                 s=Status.DISPATCHED, d=e.department, due=e.due_date.isoformat())

    def closed(self, e, emit):
        self.set(emit, e, "status = :s, closed_at = :at", s=Status.CLOSED, at=self.iso(e.at))

    def withheld(self, e, emit):
        self.set(emit, e, "withheld = 1")

    def released(self, e, emit):
        self.set(emit, e, "withheld = 0")

    def ext_requested(self, e, emit):
        self.set(emit, e, "extension = :x", x="requested")

    def ext_granted(self, e, emit):
        self.set(emit, e, "extension = :x, due_date = :due", x="granted",
                 due=e.due_date.isoformat())

    def ext_declined(self, e, emit):
        self.set(emit, e, "extension = :x", x="declined")

    def touched(self, e, emit):
        # Staff keep the citizen's own (masked) title; the redaction is the public one.
        emit("UPDATE inbox SET updated_at = :at WHERE id = :id",
             {"id": e.originator_id.hex, "at": self.iso(e.at)})


class CitizenView(CommentProjection):
    """The citizen's own view: status, dates, reply and the citizen-visible steps."""

    name = "citizen_view"
    table = "citizen_items"
    tables = {
        "citizen_items": """
        CREATE TABLE IF NOT EXISTS citizen_items (
            id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            content TEXT NOT NULL, kind TEXT NOT NULL, category TEXT NOT NULL,
            status TEXT NOT NULL, publish INTEGER NOT NULL, submitted_at TEXT NOT NULL,
            accepted_on TEXT, due_date TEXT, department TEXT, reject_reason TEXT,
            replied_on TEXT, reply_department TEXT, reply TEXT, rating TEXT,
            can_rate INTEGER NOT NULL DEFAULT 0)""",
        "citizen_steps": """
        CREATE TABLE IF NOT EXISTS citizen_steps (
            id TEXT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL,
            event TEXT NOT NULL, label TEXT NOT NULL, department TEXT,
            PRIMARY KEY (id, version))""",
    }
    handlers = {C.Submitted: "submitted", C.Accepted: "accepted", C.Rejected: "rejected",
                C.Dispatched: "dispatched", C.Transferred: "dispatched",
                C.Returned: "returned", C.ReplyPublished: "published", C.Rated: "rated",
                C.Reopened: "reopened", C.Closed: "closed", C.ExtensionGranted: "extended"}

    def handle(self, event, emit):
        super().handle(event, emit)
        name = type(event).__name__
        if name in CITIZEN_VISIBLE_EVENTS:
            emit("INSERT INTO citizen_steps (id, version, at, event, label, department) "
                 "VALUES (:id, :v, :at, :event, :label, :dep)",
                 {"id": event.originator_id.hex, "v": event.originator_version,
                  "at": self.iso(event.at), "event": name, "label": EVENT_LABELS[name],
                  "dep": getattr(event, "department", None)})

    def submitted(self, e, emit):
        emit("INSERT INTO citizen_items (id, tracking_no, title, content, kind, category, "
             "status, publish, submitted_at) VALUES (:id, :t, :title, :content, :kind, "
             ":category, :status, :publish, :at)",
             {"id": e.originator_id.hex, "t": e.tracking_no, "title": mask_personal_data(e.title),
              "content": mask_personal_data(e.content), "kind": e.kind, "category": e.category,
              "status": Status.SUBMITTED, "publish": int(bool(e.publish)), "at": self.iso(e.at)})

    def accepted(self, e, emit):
        self.set(emit, e, "status = :s, accepted_on = :d, due_date = :due",
                 s=Status.ACCEPTED, d=self.local_date(e.at), due=e.due_date.isoformat())

    def rejected(self, e, emit):
        self.set(emit, e, "status = :s, reject_reason = :r", s=Status.REJECTED, r=e.reason)

    def dispatched(self, e, emit):
        self.set(emit, e, "status = :s, department = :d", s=Status.DISPATCHED, d=e.department)

    def returned(self, e, emit):
        self.set(emit, e, "status = :s, department = NULL", s=Status.ACCEPTED)

    def published(self, e, emit):
        self.set(emit, e, "status = :s, replied_on = :d, reply_department = :dep, reply = :reply, "
                 "rating = NULL, can_rate = 1", s=Status.REPLIED, d=self.local_date(e.at),
                 dep=e.department, reply=e.content)

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
