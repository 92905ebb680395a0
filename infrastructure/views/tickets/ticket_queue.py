"""The ticket queues: each department's work with due dates and overdue marks, the
operators' callback list, and the times the statistics will need.

Co-handling departments are kept as `|a|b|` so that a department's queue can find the
tickets it co-handles with one LIKE.
"""

from datetime import timezone

from domain.oversight import Overseen
from domain.tickets import Status, Ticket

from ...search import index_terms
from ..base import ReadModel


def bars(departments) -> str:
    return "|" + "|".join(departments) + "|" if departments else ""


class TicketQueue(ReadModel):
    name = "ticket_queue"
    version = 4  # v2: the oversight standing (version, reminded_for, supervised_for);
    # v3: a request pending at 办结 lapses; v4: ticket_search, full-text terms of the
    # (masked) title and content, never the caller's details
    tables = {"tickets": """
            id TEXT PRIMARY KEY, ticket_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            channel TEXT NOT NULL, area TEXT NOT NULL, category TEXT NOT NULL,
            kind TEXT NOT NULL, urgency TEXT NOT NULL, status TEXT NOT NULL,
            department TEXT, co_departments TEXT NOT NULL DEFAULT '',
            co_pending TEXT NOT NULL DEFAULT '', registered_at TEXT NOT NULL,
            due_date TEXT, due_at TEXT, dispatched_at TEXT, signed_at TEXT,
            resolved_at TEXT, reply_department TEXT, called_back_at TEXT,
            callbacks INTEGER NOT NULL DEFAULT 0, closed_at TEXT, rating TEXT,
            round INTEGER NOT NULL DEFAULT 1, extension TEXT, publish INTEGER NOT NULL,
            published INTEGER NOT NULL DEFAULT 0, reminders INTEGER NOT NULL DEFAULT 0,
            supervised INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
            version INTEGER NOT NULL, reminded_for TEXT, supervised_for TEXT""",
              "ticket_search": "id TEXT PRIMARY KEY, title TEXT, content TEXT"}
    full_text = {"ticket_search": ("title", "content")}
    indexes = (
        ("tickets", "dept", "(department, status, due_at)"),
        ("tickets", "status", "(status, due_at)"),
        ("tickets", "callback", "(status, resolved_at)"),
    )
    handlers = {Ticket.Registered: "registered", Ticket.Dispatched: "dispatched",
                Ticket.Signed: "signed", Ticket.Returned: "returned",
                Ticket.Transferred: "transferred", Ticket.CoReplied: "co_done",
                Ticket.CoReleased: "co_done", Ticket.ExtensionRequested: "ext_requested",
                Ticket.ExtensionGranted: "ext_granted", Ticket.ExtensionDeclined: "ext_declined",
                Ticket.Resolved: "resolved", Ticket.CalledBack: "called_back",
                Ticket.Reopened: "reopened", Ticket.Closed: "closed",
                Ticket.Published: "published", Ticket.Withheld: "withheld",
                Overseen.Reminded: "reminded", Overseen.Supervised: "supervised",
                Overseen.DeadlineRecomputed: "recomputed"}

    def set(self, emit, e, assignments: str, **params) -> None:
        # Every event of a ticket comes here: `version` stays the aggregate's (the
        # oversight job relies on it, see domain.oversight.Standing).
        emit(f"UPDATE tickets SET {assignments}, updated_at = :updated_at, "
             "version = :version WHERE id = :id",
             {"id": e.originator_id.hex, "updated_at": self.iso(e.at),
              "version": e.originator_version, **params})

    @staticmethod
    def moment(value) -> str | None:
        """Moments as UTC ISO strings, so that they compare as text."""
        return value.astimezone(timezone.utc).isoformat() if value is not None else None

    def registered(self, e, emit):
        emit("INSERT INTO tickets (id, ticket_no, title, channel, area, category, kind, "
             "urgency, status, registered_at, due_date, due_at, publish, updated_at, version) "
             "VALUES (:id, :no, :title, :channel, :area, :category, :kind, :urgency, :status, "
             ":at, :due, :due_at, :publish, :at, :version)",
             {"id": e.originator_id.hex, "no": e.ticket_no, "title": e.public_title,
              "channel": e.channel, "area": e.area, "category": e.category, "kind": e.kind,
              "urgency": e.urgency, "status": Status.REGISTERED, "at": self.moment(e.at),
              "due": e.due_date.isoformat(), "due_at": self.moment(e.due_at),
              "publish": int(bool(e.publish)), "version": e.originator_version})
        emit("INSERT INTO ticket_search (id, title, content) VALUES (:id, :title, :content)",
             {"id": e.originator_id.hex, "title": index_terms(e.public_title),
              "content": index_terms(e.public_content)})

    def dispatched(self, e, emit):
        co = bars(e.co_departments)
        self.set(emit, e, "status = :s, department = :d, co_departments = :co, "
                 "co_pending = :co, dispatched_at = :at, signed_at = NULL",
                 s=Status.DISPATCHED, d=e.department, co=co, at=self.moment(e.at))

    def signed(self, e, emit):
        self.set(emit, e, "status = :s, signed_at = :at", s=Status.HANDLING,
                 at=self.moment(e.at))

    def returned(self, e, emit):
        self.set(emit, e, "status = :s, department = NULL, co_departments = '', "
                 "co_pending = '', signed_at = NULL", s=Status.REGISTERED)

    def transferred(self, e, emit):
        self.set(emit, e, "status = :s, department = :d, signed_at = NULL, "
                 "co_departments = REPLACE(co_departments, :bar, '|'), "
                 "co_pending = REPLACE(co_pending, :bar, '|')",
                 s=Status.DISPATCHED, d=e.department, bar=f"|{e.department}|")

    def co_done(self, e, emit):
        self.set(emit, e, "co_pending = REPLACE(co_pending, :bar, '|')",
                 bar=f"|{e.department}|")

    def ext_requested(self, e, emit):
        self.set(emit, e, "extension = 'requested'")

    def ext_granted(self, e, emit):
        self.set(emit, e, "extension = 'granted', due_date = :due, due_at = :due_at, "
                 "supervised = 0",
                 due=e.due_date.isoformat(), due_at=self.moment(e.due_at))

    def recomputed(self, e, emit):  # a new official schedule moved the due date
        self.set(emit, e, "due_date = :due, due_at = :due_at", due=e.due_date.isoformat(),
                 due_at=self.moment(e.due_at))

    def ext_declined(self, e, emit):
        self.set(emit, e, "extension = 'declined'")

    def resolved(self, e, emit):
        self.set(emit, e, "status = :s, resolved_at = :at, reply_department = :dep, "
                 "extension = CASE WHEN extension = 'requested' THEN 'lapsed' "
                 "ELSE extension END", s=Status.RESOLVED, at=self.moment(e.at),
                 dep=e.department)

    def called_back(self, e, emit):
        rating = e.rating if e.reached else None
        self.set(emit, e, "called_back_at = :at, callbacks = callbacks + 1, "
                 "rating = COALESCE(:rating, rating)", at=self.moment(e.at), rating=rating)

    def reopened(self, e, emit):
        self.set(emit, e, "status = :s, department = :d, due_date = :due, due_at = :due_at, "
                 "round = round + 1, extension = NULL, closed_at = NULL, supervised = 0",
                 s=Status.HANDLING, d=e.department, due=e.due_date.isoformat(),
                 due_at=self.moment(e.due_at))

    def closed(self, e, emit):
        self.set(emit, e, "status = :s, closed_at = :at", s=Status.CLOSED,
                 at=self.moment(e.at))

    def published(self, e, emit):
        self.set(emit, e, "published = 1")

    def withheld(self, e, emit):
        self.set(emit, e, "published = 0")

    def reminded(self, e, emit):
        self.set(emit, e, "reminders = reminders + 1, reminded_for = :due",
                 due=e.due_date.isoformat())

    def supervised(self, e, emit):
        self.set(emit, e, "supervised = 1, supervised_for = :due", due=e.due_date.isoformat())
