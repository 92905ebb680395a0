"""The incident board: every incident with its level, owners, linked count and what its
clocks need (the first statement of each kind); the clocks' colours are worked out at read
time from the domain's rules (domain/incidents/clocks.py), since they change with time."""

from datetime import datetime

from domain.incidents import LEVELS, STATUS_LABELS, Incident, clocks
from domain.incidents.states import Status

from ..base import ReadModel
from ..queries import Page, QueryBase, sql_list

STATEMENT_COLUMNS = {"authoritative": "authoritative_at", "press_conference": "press_at",
                     "written": "written_at"}


def statements_of(row: dict) -> list[dict]:
    """A board row's first statement of each kind, as the clocks take them."""
    return [{"kind": kind, "at": datetime.fromisoformat(row[column])}
            for kind, column in STATEMENT_COLUMNS.items() if row.get(column)]


class IncidentBoard(ReadModel):
    name = "incident_board"
    version = 2  # v2: incident_links (which incidents an item is linked to)
    tables = {"incident_links": """incident_no TEXT NOT NULL, item_kind TEXT NOT NULL,
            number TEXT NOT NULL, PRIMARY KEY (item_kind, number, incident_no)""",
              "incidents": """
            id TEXT PRIMARY KEY, incident_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL,
            topic TEXT, area TEXT, level TEXT NOT NULL, status TEXT NOT NULL,
            source TEXT NOT NULL, reasons TEXT NOT NULL, linked_count INTEGER NOT NULL DEFAULT 0,
            linked_departments TEXT NOT NULL DEFAULT '', handling_department TEXT,
            response_department TEXT, opened_at TEXT NOT NULL, authoritative_at TEXT,
            press_at TEXT, written_at TEXT, handling_done INTEGER NOT NULL DEFAULT 0,
            response_done INTEGER NOT NULL DEFAULT 0, closed_at TEXT,
            updated_at TEXT NOT NULL"""}
    indexes = (("incidents", "status", "(status, opened_at)"),)
    handlers = {Incident.Opened: "opened", Incident.LevelSet: "level_set",
                Incident.Assigned: "assigned", Incident.HandlingUpdated: "handling",
                Incident.ResponseStated: "stated", Incident.Linked: "linked",
                Incident.Unlinked: "unlinked", Incident.Closed: "closed"}

    def set(self, emit, e, assignments: str, **params) -> None:
        emit(f"UPDATE incidents SET {assignments}, updated_at = :updated_at WHERE id = :id",
             {"id": e.originator_id.hex, "updated_at": self.iso(e.at), **params})

    def opened(self, e, emit):
        emit("INSERT INTO incidents (id, incident_no, title, topic, area, level, status, "
             "source, reasons, opened_at, updated_at) VALUES (:id, :no, :title, :topic, :area, "
             ":level, :status, :source, :reasons, :at, :at)",
             {"id": e.originator_id.hex, "no": e.incident_no, "title": e.title,
              "topic": e.topic, "area": e.area, "level": e.level, "status": Status.OPEN,
              "source": e.source, "reasons": "\n".join(e.reasons), "at": self.iso(e.at)})

    def level_set(self, e, emit):
        self.set(emit, e, "level = :level", level=e.level)

    def assigned(self, e, emit):
        self.set(emit, e, "handling_department = :h, response_department = :r, status = :s",
                 h=e.handling_department, r=e.response_department, s=Status.HANDLING)

    def handling(self, e, emit):
        if e.completed:
            self.set(emit, e, "handling_done = 1")
        else:
            self.set(emit, e, "handling_done = handling_done")

    def stated(self, e, emit):
        column = STATEMENT_COLUMNS[e.kind]
        self.set(emit, e, f"{column} = COALESCE({column}, :at)"
                 + (", response_done = 1" if e.completed else ""), at=self.iso(e.at))

    def linked(self, e, emit):
        self.set(emit, e, "linked_count = linked_count + 1, linked_departments = "
                 "linked_departments || :bar", bar=f"|{e.department or ''}|")
        emit("INSERT INTO incident_links (incident_no, item_kind, number) SELECT "
             "incident_no, :kind, :number FROM incidents WHERE id = :id",
             {"id": e.originator_id.hex, "kind": e.item_kind, "number": e.number})

    def unlinked(self, e, emit):
        self.set(emit, e, "linked_count = linked_count - 1")
        emit("DELETE FROM incident_links WHERE item_kind = :kind AND number = :number AND "
             "incident_no = (SELECT incident_no FROM incidents WHERE id = :id)",
             {"id": e.originator_id.hex, "kind": e.item_kind, "number": e.number})

    def closed(self, e, emit):
        self.set(emit, e, "status = :s, closed_at = :at", s=Status.CLOSED, at=self.iso(e.at))


OPEN = sql_list((Status.OPEN, Status.HANDLING))
LEVEL_ORDER = "CASE level WHEN 'I' THEN 0 WHEN 'II' THEN 1 WHEN 'III' THEN 2 ELSE 3 END"


class IncidentQueries(QueryBase):
    def incident_board(self, *, now: datetime, status: str | None = None,
                       level: str | None = None, department: str | None = None,
                       page: int = 1, per_page: int = 50) -> Page:
        """Open incidents first, the most serious and oldest first; `department`: only
        incidents it owns or has items linked to (what a handler may see)."""
        where, params = [], {}
        if status == "open":
            where.append(f"status IN ({OPEN})")
        elif status:
            where.append("status = :status")
            params["status"] = status
        if level:
            where.append("level = :level")
            params["level"] = level
        if department:
            where.append("(handling_department = :d OR response_department = :d "
                         "OR linked_departments LIKE :bar)")
            params.update(d=department, bar=f"%|{department}|%")
        order = (f"CASE WHEN status IN ({OPEN}) THEN 0 ELSE 1 END, {LEVEL_ORDER}, opened_at")
        found = self.page("incidents", where, params, order=order, columns="*", page=page,
                          per_page=per_page)
        return Page([self._with_clocks(row, now) for row in found.items], found.total,
                    found.page, found.per_page)

    def incidents_of(self, item_kind: str, number: str) -> list[dict]:
        """The incidents an item is linked to, newest first (for its staff page)."""
        return self.store.query(
            "SELECT i.incident_no, i.title, i.level, i.status FROM incident_links l "
            "JOIN incidents i ON i.incident_no = l.incident_no WHERE l.item_kind = :kind "
            "AND l.number = :number ORDER BY i.opened_at DESC",
            {"kind": item_kind, "number": number})

    @staticmethod
    def _with_clocks(row: dict, now: datetime) -> dict:
        statements = statements_of(row)
        opened = datetime.fromisoformat(row["opened_at"])
        name, colour, word = LEVELS[row["level"]]
        row = {k: v for k, v in row.items() if k not in ("id", "linked_departments")}
        row.update(level_label=f"{name}（{row['level']}级）", level_colour=colour,
                   level_colour_label=word, status_label=STATUS_LABELS[row["status"]],
                   reasons=[r for r in row["reasons"].split("\n") if r],
                   handling_done=bool(row["handling_done"]),
                   response_done=bool(row["response_done"]))
        live = row["status"] != Status.CLOSED
        row["clocks"] = [{"name": c.name, "label": c.label, "due_at": c.due_at.isoformat(),
                          "met_at": c.met_at.isoformat() if c.met_at else None,
                          "state": c.state if (live or c.state == "done") else "closed",
                          "state_label": c.state_label, "late": c.late}
                         for c in clocks(row["level"], opened, statements, now)]
        return row
