"""The pre-publication column and the catalogue: one row per major decision, one per
citizen's opinion (public wording only: no contact details ever reach these tables).

The public status (未开始 / 征集中 / 已结束 / 已公布采纳情况) depends on today's local date,
so the rows keep the dates and the stored status and queries work the phase out
(domain/consultations/states.py `phase`; the SQL below says the same)."""

from datetime import date

from domain.consultations import (ADOPTION, PARTICIPATION, PHASE_LABELS, STATUS_LABELS,
                                  Consultation, ConsultationOpinion, Phase, Status, days_left,
                                  phase)

from ..base import ReadModel
from ..queries import Page, QueryBase


class ConsultationListing(ReadModel):
    name = "consultations"
    version = 1
    tables = {
        "consultations": """
            id TEXT PRIMARY KEY, consultation_no TEXT NOT NULL UNIQUE, year INTEGER NOT NULL,
            title TEXT NOT NULL, department TEXT NOT NULL, planned_on TEXT NOT NULL,
            participation TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL, opens_on TEXT, closes_on TEXT,
            extended INTEGER NOT NULL DEFAULT 0, draft_published_at TEXT,
            opinion_count INTEGER NOT NULL DEFAULT 0, answered_count INTEGER NOT NULL DEFAULT 0,
            meeting_count INTEGER NOT NULL DEFAULT 0, summary TEXT,
            received INTEGER, adopted INTEGER, partly INTEGER, not_adopted INTEGER,
            representative INTEGER, adoption_published_at TEXT, decided_on TEXT,
            listed_at TEXT NOT NULL, updated_at TEXT NOT NULL""",
        "consultation_opinions": """
            opinion_no TEXT PRIMARY KEY, oid TEXT NOT NULL UNIQUE,
            consultation_no TEXT NOT NULL, seq INTEGER NOT NULL,
            public_content TEXT NOT NULL, publish INTEGER NOT NULL, submitted_at TEXT NOT NULL,
            adoption TEXT, public_reason TEXT, answered_at TEXT""",
    }
    indexes = (("consultations", "phase", "(status, opens_on, closes_on)"),
               ("consultations", "year", "(year, department)"),
               ("consultation_opinions", "of", "(consultation_no, seq)"))
    handlers = {
        Consultation.Listed: "listed", Consultation.DraftPublished: "draft_published",
        Consultation.Extended: "extended", Consultation.MeetingRecorded: "meeting",
        Consultation.SummarySubmitted: "summary", Consultation.SummarySentBack: "sent_back",
        Consultation.AdoptionPublished: "adoption", Consultation.DecisionRecorded: "decided",
        ConsultationOpinion.Submitted: "opinion", ConsultationOpinion.Answered: "answered",
    }

    def set(self, emit, e, assignments: str, **params) -> None:
        emit(f"UPDATE consultations SET {assignments}, updated_at = :updated_at WHERE id = :id",
             {"id": e.originator_id.hex, "updated_at": self.iso(e.at), **params})

    def listed(self, e, emit):
        emit("INSERT INTO consultations (id, consultation_no, year, title, department, "
             "planned_on, participation, description, status, listed_at, updated_at) VALUES "
             "(:id, :no, :year, :title, :department, :planned_on, :participation, "
             ":description, :status, :at, :at)",
             {"id": e.originator_id.hex, "no": e.consultation_no, "year": e.year,
              "title": e.title, "department": e.department,
              "planned_on": e.planned_on.isoformat(), "participation": ",".join(e.participation),
              "description": e.description, "status": Status.PLANNED, "at": self.iso(e.at)})

    def draft_published(self, e, emit):
        self.set(emit, e, "status = :s, opens_on = :o, closes_on = :c, draft_published_at = :at",
                 s=Status.CONSULTING, o=e.opens_on.isoformat(), c=e.closes_on.isoformat(),
                 at=self.iso(e.at))

    def extended(self, e, emit):
        self.set(emit, e, "closes_on = :c, extended = extended + 1", c=e.closes_on.isoformat())

    def meeting(self, e, emit):
        self.set(emit, e, "meeting_count = meeting_count + 1")

    def summary(self, e, emit):
        self.set(emit, e, "status = :s, summary = :summary", s=Status.REVIEWING,
                 summary=e.summary)

    def sent_back(self, e, emit):
        self.set(emit, e, "status = CASE WHEN opens_on IS NULL THEN :p ELSE :c END",
                 p=Status.PLANNED, c=Status.CONSULTING)

    def adoption(self, e, emit):
        c = e.counts
        self.set(emit, e, "status = :s, received = :r, adopted = :a, partly = :p, "
                 "not_adopted = :n, representative = :rep, adoption_published_at = :at",
                 s=Status.PUBLISHED, r=c["received"], a=c["adopted"], p=c["partly"],
                 n=c["not_adopted"], rep=c.get("representative", 0), at=self.iso(e.at))

    def decided(self, e, emit):
        self.set(emit, e, "decided_on = :d", d=e.decided_on.isoformat())

    def opinion(self, e, emit):
        emit("INSERT INTO consultation_opinions (opinion_no, oid, consultation_no, seq, "
             "public_content, publish, submitted_at) VALUES (:no, :oid, :c, :seq, :content, "
             ":publish, :at)",
             {"no": e.opinion_no, "oid": e.originator_id.hex, "c": e.consultation_no, "seq": e.seq,
              "content": e.public_content, "publish": 1 if e.publish else 0,
              "at": self.iso(e.at)})
        emit("UPDATE consultations SET opinion_count = opinion_count + 1 "
             "WHERE consultation_no = :c", {"c": e.consultation_no})

    def answered(self, e, emit):
        # Counted once per opinion: a second answer (a correction) changes only the answer.
        emit("UPDATE consultations SET answered_count = answered_count + 1 WHERE "
             "consultation_no = (SELECT consultation_no FROM consultation_opinions WHERE "
             "oid = :oid AND answered_at IS NULL)", {"oid": e.originator_id.hex})
        emit("UPDATE consultation_opinions SET adoption = :a, public_reason = :r, "
             "answered_at = :at WHERE oid = :oid",
             {"a": e.adoption, "r": e.public_reason, "at": self.iso(e.at),
              "oid": e.originator_id.hex})


# The phases in SQL, as domain/consultations/states.py `phase` decides them (`:today` is
# the local date as ISO text; ISO dates compare as text).
PHASE_SQL = {
    Phase.PLANNED: f"status = '{Status.PLANNED}'",
    Phase.UPCOMING: f"(status = '{Status.CONSULTING}' AND opens_on > :today)",
    Phase.OPEN: f"(status = '{Status.CONSULTING}' AND opens_on <= :today "
                "AND closes_on >= :today)",
    Phase.CLOSED: f"((status = '{Status.CONSULTING}' AND closes_on < :today) "
                  f"OR (status = '{Status.REVIEWING}' AND opens_on IS NOT NULL))",
    Phase.PUBLISHED: f"status = '{Status.PUBLISHED}'",
}
PHASE_ORDER = (f"CASE WHEN {PHASE_SQL[Phase.OPEN]} THEN 0 WHEN {PHASE_SQL[Phase.UPCOMING]} "
               f"THEN 1 WHEN {PHASE_SQL[Phase.CLOSED]} THEN 2 ELSE 3 END")
PUBLIC_COLUMNS = (
    "consultation_no, year, title, department, planned_on, participation, description, "
    "status, opens_on, closes_on, extended, draft_published_at, opinion_count, "
    "answered_count, meeting_count, received, adopted, partly, not_adopted, representative, "
    "adoption_published_at, decided_on, listed_at")


def with_phase(row: dict, today: date) -> dict:
    """A listing row with its public phase, labels and days left on `today`."""
    opens = date.fromisoformat(row["opens_on"]) if row.get("opens_on") else None
    closes = date.fromisoformat(row["closes_on"]) if row.get("closes_on") else None
    current = phase(row["status"], opens, closes, today)
    methods = [m for m in (row.get("participation") or "").split(",") if m]
    row = dict(row)
    row.update(phase=current, phase_label=PHASE_LABELS[current],
               status_label=STATUS_LABELS.get(row["status"], row["status"]),
               participation=methods,
               participation_labels=[PARTICIPATION.get(m, m) for m in methods],
               days_left=days_left(closes, today, opens) if current in (Phase.OPEN,
                                                                 Phase.UPCOMING) else None,
               extended=bool(row.get("extended")))
    if current != Phase.PUBLISHED:  # the numbers are public once the adoption is
        for key in ("received", "adopted", "partly", "not_adopted", "representative"):
            row[key] = None
    return row


class ConsultationQueries(QueryBase):
    def consultations(self, *, today: date, status: str | None = None,
                      department: str | None = None, year: int | None = None,
                      catalogue: bool = False, page: int = 1, per_page: int = 20) -> Page:
        """The pre-publication column (drafts published; `status` one phase), or with
        `catalogue` the year's whole catalogue of major decisions."""
        where, params = [], {"today": today.isoformat()}
        if status:
            where.append(PHASE_SQL[status])
        elif not catalogue:
            where.append("opens_on IS NOT NULL")
        if department:
            where.append("department = :department")
            params["department"] = department
        if year:
            where.append("year = :year")
            params["year"] = year
        order = (f"{PHASE_ORDER}, closes_on, consultation_no" if not catalogue
                 else "year DESC, planned_on, consultation_no")
        found = self.page("consultations", where, params, order=order,
                          columns=PUBLIC_COLUMNS, page=page, per_page=per_page)
        return Page([with_phase(r, today) for r in found.items], found.total, found.page,
                    found.per_page)

    def consultation(self, consultation_no: str, today: date) -> dict | None:
        rows = self.store.query(f"SELECT {PUBLIC_COLUMNS} FROM consultations "
                                "WHERE consultation_no = :no", {"no": consultation_no})
        return with_phase(rows[0], today) if rows else None

    def consultation_opinions(self, consultation_no: str, *, published: bool = True,
                              unanswered: bool = False, page: int = 1,
                              per_page: int = 50) -> Page:
        """`published`: the opinions the public sees once the adoption is published (the
        citizen consented to publication); otherwise every opinion (staff)."""
        where, params = ["o.consultation_no = :no"], {"no": consultation_no}
        if published:
            where += ["o.publish = 1", "c.status = :published"]
            params["published"] = Status.PUBLISHED
        if unanswered:
            where.append("o.answered_at IS NULL")
        clause = " AND ".join(where)
        joined = ("consultation_opinions o JOIN consultations c "
                  "ON c.consultation_no = o.consultation_no")
        total = self.store.query(f"SELECT COUNT(*) AS n FROM {joined} WHERE {clause}",
                                 params)[0]["n"]
        rows = self.store.query(
            "SELECT o.opinion_no, o.public_content, o.publish, o.submitted_at, o.adoption, "
            f"o.public_reason, o.answered_at FROM {joined} WHERE {clause} ORDER BY o.seq "
            "LIMIT :limit OFFSET :offset",
            {**params, "limit": per_page, "offset": (page - 1) * per_page})
        items = [{"opinion_no": r["opinion_no"], "content": r["public_content"],
                  "publish": bool(r["publish"]), "submitted_at": r["submitted_at"],
                  "adoption": r["adoption"], "adoption_label": ADOPTION.get(r["adoption"]),
                  "reason": r["public_reason"], "answered_at": r["answered_at"]}
                 for r in rows]
        return Page(items, total, page, per_page)

    def consultation_years(self) -> list[int]:
        return [r["year"] for r in self.store.query(
            "SELECT DISTINCT year FROM consultations ORDER BY year DESC", {})]
