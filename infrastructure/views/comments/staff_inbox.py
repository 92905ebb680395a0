"""The comment inbox staff work from: status, department, due date."""

from domain.comments import Comment, Status
from domain.oversight import Overseen

from ...search import index_terms
from .base import CommentReadModel


class StaffInbox(CommentReadModel):
    """What staff work from: status, department, due date (overdue is derived at read time)."""

    name = "staff_inbox"
    version = 5  # v2: reminders and supervision; v3: the oversight standing; v4: lapsed;
    # v5: inbox_search, full-text terms of the (masked) title and content; every photo
    # and draft event keeps the version too
    table = "inbox"
    tables = {"inbox": """
            id TEXT PRIMARY KEY, tracking_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            kind TEXT NOT NULL, category TEXT NOT NULL, channel TEXT,
            status TEXT NOT NULL, department TEXT, requested_department TEXT,
            submitted_at TEXT NOT NULL, accepted_at TEXT, due_date TEXT,
            replied_at TEXT, closed_at TEXT, rating TEXT, round INTEGER NOT NULL DEFAULT 1,
            withheld INTEGER NOT NULL DEFAULT 0, extension TEXT,
            reminders INTEGER NOT NULL DEFAULT 0, supervised INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL, version INTEGER NOT NULL, reminded_for TEXT,
            supervised_for TEXT""",
              # Search terms of the masked title and content; never contact details.
              "inbox_search": "id TEXT PRIMARY KEY, title TEXT, content TEXT"}
    full_text = {"inbox_search": ("title", "content")}
    indexes = (
        ("inbox", "status", "(status, due_date)"),
        ("inbox", "dept", "(department, status, due_date)"),
        ("inbox", "submitted", "(submitted_at)"),
    )
    handlers = {Comment.Submitted: "submitted", Comment.Accepted: "accepted",
                Comment.Rejected: "rejected", Comment.Dispatched: "dispatched",
                Comment.Transferred: "transferred", Comment.Returned: "returned",
                Comment.ReplyDrafted: "drafted", Comment.ReplySentBack: "sent_back",
                Comment.ReplyPublished: "published", Comment.Rated: "rated",
                Comment.Reopened: "reopened", Comment.Closed: "closed",
                Comment.Withheld: "withheld", Comment.Released: "released",
                Comment.ExtensionRequested: "ext_requested",
                Comment.ExtensionGranted: "ext_granted",
                Comment.ExtensionDeclined: "ext_declined", Comment.Redacted: "touched",
                Comment.QueryCodeReset: "touched", Comment.DraftSaved: "touched",
                Comment.PhotosAttached: "touched", Comment.PhotosPublished: "touched",
                Comment.PhotoWithheld: "touched",
                Overseen.Reminded: "reminded", Overseen.Supervised: "supervised",
                Overseen.DeadlineRecomputed: "recomputed"}

    def set(self, emit, e, assignments: str, **params) -> None:
        # Every event of a comment comes here: `version` stays the aggregate's (the
        # oversight job relies on it, see domain.oversight.Standing).
        stamp = "updated_at = :updated_at, version = :version"
        super().set(emit, e, f"{assignments}, {stamp}" if assignments else stamp,
                    updated_at=self.iso(e.at), version=e.originator_version, **params)

    def submitted(self, e, emit):
        emit("INSERT INTO inbox (id, tracking_no, title, kind, category, channel, status, "
             "requested_department, submitted_at, updated_at, version) VALUES (:id, :t, :title, "
             ":kind, :category, :channel, :status, :req, :at, :at, :version)",
             {"id": e.originator_id.hex, "t": e.tracking_no, "title": e.public_title,
              "kind": e.kind, "category": e.category, "channel": e.channel,
              "status": Status.SUBMITTED, "req": e.requested_department, "at": self.iso(e.at),
              "version": e.originator_version})
        emit("INSERT INTO inbox_search (id, title, content) VALUES (:id, :title, :content)",
             {"id": e.originator_id.hex, "title": index_terms(e.public_title),
              "content": index_terms(e.public_content)})

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
        # An extension request still pending lapses with the reply (as in the aggregate).
        self.set(emit, e, "status = :s, replied_at = :at, extension = CASE WHEN extension = "
                 "'requested' THEN 'lapsed' ELSE extension END", s=Status.REPLIED,
                 at=self.iso(e.at))

    def rated(self, e, emit):
        if e.closes:
            self.set(emit, e, "rating = :r, status = :s, closed_at = :at",
                     r=e.level, s=Status.CLOSED, at=self.iso(e.at))
        else:
            self.set(emit, e, "rating = :r", r=e.level)

    def reopened(self, e, emit):
        self.set(emit, e, "status = :s, department = :d, due_date = :due, rating = NULL, "
                 "closed_at = NULL, extension = NULL, supervised = 0, round = round + 1",
                 s=Status.DISPATCHED, d=e.department, due=e.due_date.isoformat())

    def closed(self, e, emit):
        self.set(emit, e, "status = :s, closed_at = :at", s=Status.CLOSED, at=self.iso(e.at))

    def withheld(self, e, emit):
        self.set(emit, e, "withheld = 1")

    def released(self, e, emit):
        self.set(emit, e, "withheld = 0")

    def recomputed(self, e, emit):  # a new official schedule moved the due date
        self.set(emit, e, "due_date = :due", due=e.due_date.isoformat())

    def ext_requested(self, e, emit):
        self.set(emit, e, "extension = :x", x="requested")

    def ext_granted(self, e, emit):
        self.set(emit, e, "extension = :x, due_date = :due, supervised = 0", x="granted",
                 due=e.due_date.isoformat())

    def reminded(self, e, emit):
        self.set(emit, e, "reminders = reminders + 1, reminded_for = :due",
                 due=e.due_date.isoformat())

    def supervised(self, e, emit):
        self.set(emit, e, "supervised = 1, supervised_for = :due", due=e.due_date.isoformat())

    def ext_declined(self, e, emit):
        self.set(emit, e, "extension = :x", x="declined")

    def touched(self, e, emit):
        # Staff keep the citizen's own (masked) title; the redaction is the public one.
        self.set(emit, e, "")
