"""The oversight job: 催办 the first working day after an item's due date, 督办 once it is
five working days overdue, for every item kind (domain/oversight.py).

Candidates come from each kind's queue read model (open items by due date). The job keeps,
per kind and level, the latest due date it has dealt with, so each run reads only the due
dates that have come of age since: it costs the same with a hundred thousand open items as
with ten. Recording is idempotent (once per due date, decided by the aggregate), so a run
repeated or interrupted half-way changes nothing twice.
"""

import logging
import uuid
from datetime import date, datetime, timedelta

from domain.actors import SYSTEM_ACTOR
from domain.deadlines import working_days_between
from domain.errors import ConflictError
from domain.oversight import REMIND, SUPERVISE, SUPERVISE_AFTER_DAYS, Standing

from .views.incidents.board import statements_of
from .views.queries import sql_list

log = logging.getLogger(__name__)

POSITIONS = "minyi_oversight_positions"
POSITIONS_DDL = (f"CREATE TABLE IF NOT EXISTS {POSITIONS} (kind TEXT NOT NULL, "
                 "level TEXT NOT NULL, upto TEXT NOT NULL, PRIMARY KEY (kind, level))")
SAVE_BATCH = 2000  # items per transaction: about 0.2 s of the write lock at most


def latest_working_days(calendar, today: date, count: int) -> list[date]:
    """The `count` latest working days up to and including today, newest first."""
    days, day = [], today
    while len(days) < count:
        if calendar.is_workday(day):
            days.append(day)
        day -= timedelta(days=1)
    return days


def thresholds(calendar, today: date) -> dict:
    """Level -> the latest due date that has come of age for it today.

    A reminder is due from the first working day after the due date, i.e. when a working
    day lies after the due date and up to today; supervision when five do."""
    recent = latest_working_days(calendar, today, SUPERVISE_AFTER_DAYS)
    return {REMIND: recent[0] - timedelta(days=1), SUPERVISE: recent[-1] - timedelta(days=1)}


class Oversight:
    """Runs the oversight of every item kind against the read models and the event log."""

    def __init__(self, app, store, sources: dict):
        self.app, self.store = app, store
        self.sources = sources  # kind -> (queue table, number column)

    def position(self, kind: str, level: str) -> str | None:
        rows = self.store.query(f"SELECT upto FROM {POSITIONS} WHERE kind = :k AND level = :l",
                                {"k": kind, "l": level})
        return rows[0]["upto"] if rows else None

    def _move(self, kind: str, level: str, upto: date) -> None:
        self.store.execute(f"INSERT INTO {POSITIONS} (kind, level, upto) VALUES (:k, :l, :u) "
                           "ON CONFLICT (kind, level) DO UPDATE SET upto = :u",
                           {"k": kind, "l": level, "u": upto.isoformat()})

    def incident_clocks(self) -> int:
        """Warn of incident clocks in their last hour and of missed ones, once each (the
        notifications read model tells the opinion team and the response owner)."""
        if "incidents" not in self.app.workflows.by_kind:
            return 0
        from domain.incidents import clocks
        now, warned = self.app.clock(), 0
        try:
            rows = self.store.query("SELECT incident_no, level, opened_at, authoritative_at, "
                                    "press_at, written_at FROM incidents "
                                    "WHERE status <> 'closed'")
        except Exception as e:  # noqa: BLE001 - the board is not built yet: next run
            log.warning("incident clocks skipped: %s", e)
            return 0
        for row in rows:
            statements = statements_of(row)
            due = [(c.name, {"amber": "due_soon", "red": "missed"}[c.state], c.due_at)
                   for c in clocks(row["level"], datetime.fromisoformat(row["opened_at"]),
                                   statements, now) if c.state in ("amber", "red")]
            if not due:
                continue
            incident = self.app.get_item("incidents", row["incident_no"])
            recorded = [incident.warn_clock(clock=name, stage=stage, due_at=due_at,
                                            actor=SYSTEM_ACTOR.id, at=now)
                        for name, stage, due_at in due]
            if any(recorded):
                try:
                    self.app.save(incident)
                    warned += sum(recorded)
                except ConflictError:
                    log.info("incident %s changed meanwhile; its clocks next run",
                             row["incident_no"])
        return warned

    def run(self) -> dict:
        """One pass over every kind; returns how many items each level recorded."""
        self.store.run([POSITIONS_DDL])
        today = self.app.today()
        limits = {level: upto.isoformat()
                  for level, upto in thresholds(self.app.calendar, today).items()}
        done = {}
        for kind, source in self.sources.items():
            windows = {}  # level -> (after, upto): due dates come of age since the last run
            for level, upto in limits.items():
                after = self.position(kind, level)
                if after is None or after < upto:
                    windows[level] = (after, upto)
            counts, complete = self._record(kind, source, windows, today)
            done.update({f"{kind}.{level}": counts.get(level, 0) for level in limits})
            if complete:  # otherwise the next run looks at the same due dates again
                for level, (_, upto) in windows.items():
                    self._move(kind, level, date.fromisoformat(upto))
        done["incidents.clock_warnings"] = self.incident_clocks()
        return done

    def _candidates(self, kind: str, source: tuple, windows: dict) -> list:
        """(number, levels due, standing or None) of the open items whose due date lies in a
        window; the standing is what the read model knows of the item's oversight."""
        table, column = source
        open_states = sql_list(self.app.workflows[kind].open_states)
        afters = [after for after, _ in windows.values()]
        where = [f"status IN ({open_states})", "due_date <= :upto"]
        if None not in afters:
            where.append("due_date > :after")
        rows = self.store.query(
            f"SELECT id, {column} AS number, version, due_date, reminded_for, supervised_for "
            f"FROM {table} WHERE {' AND '.join(where)} ORDER BY due_date",
            {"upto": max(u for _, u in windows.values()),
             "after": min(afters) if None not in afters else None})
        candidates = []
        for row in rows:
            levels = [level for level, (after, upto) in windows.items()
                      if (after is None or row["due_date"] > after) and row["due_date"] <= upto]
            if levels:
                candidates.append((row["number"], levels, _standing(row)))
        return candidates

    def _record(self, kind: str, source: tuple, windows: dict,
                today: date) -> tuple[dict, bool]:
        """Record the levels due on each item still open: ({level: how many}, all done).

        Batches are built from the read model's standing of each item and written without
        loading the items; a batch the store refuses (an item moved on meanwhile) and items
        the read model does not know well enough are loaded and asked one by one."""
        if not windows:
            return {}, True
        workflow, counts, complete = self.app.workflows[kind], {}, True
        overdue = _Overdue(self.app.calendar, today)
        candidates = self._candidates(kind, source, windows)
        for start in range(0, len(candidates), SAVE_BATCH):
            batch = candidates[start:start + SAVE_BATCH]
            recorded, slow = self._record_standing(workflow, batch, overdue)
            if slow:
                more, done = self._record_loaded(workflow, slow, overdue)
                recorded += more
                complete = complete and done
            for levels in recorded:
                for level in levels:
                    counts[level] = counts.get(level, 0) + 1
        return counts, complete

    def _record_standing(self, workflow, batch: list, overdue) -> tuple[list, list]:
        """([levels recorded per item], [(number, levels) left to the loaded path])."""
        built, slow, at = [], [], self.app.clock()
        for number, levels, standing in batch:
            if standing is None:
                slow.append((number, levels))
                continue
            events = workflow.aggregate.oversight_events(
                standing, _supervisable(levels, overdue(standing.due_date)),
                overdue_days=overdue(standing.due_date), actor=SYSTEM_ACTOR.id, at=at)
            if events:
                built.append((number, levels, events))
        if not built:
            return [], slow
        try:
            self.app.record([event for _, _, events in built for event in events])
        except ConflictError:
            return [], slow + [(number, levels) for number, levels, _ in built]
        return [[LEVEL_OF[type(e).__name__] for e in events] for _, _, events in built], slow

    def _record_loaded(self, workflow, items: list, overdue) -> tuple[list, bool]:
        """Load each item and let it decide; ([levels recorded per item], all done)."""
        marked = [m for m in (self._mark(workflow, number, levels, overdue)
                              for number, levels in items) if m is not None]
        complete = True
        try:
            if marked:
                self.app.save(*(item for item, _ in marked))
        except ConflictError:  # someone acted meanwhile: one at a time, reloaded
            retried = [self._retry(workflow, item.number, levels, overdue)
                       for item, levels in marked]
            complete = all(r is not False for r in retried)
            marked = [r for r in retried if r]
        return [levels for _, levels in marked], complete

    def _mark(self, workflow, number: str, levels: list, overdue):
        """(item, levels recorded) if anything was recorded on the item, else None."""
        item = self.app.get_item(workflow.kind, number)
        if item.status not in workflow.open_states or item.due_date is None:
            return None
        now, recorded, days = self.app.clock(), [], overdue(item.due_date)
        levels = _supervisable(levels, days)
        if REMIND in levels and item.remind(actor=SYSTEM_ACTOR.id, at=now):
            recorded.append(REMIND)
        if SUPERVISE in levels and item.supervise(overdue_days=days, actor=SYSTEM_ACTOR.id,
                                                  at=now):
            recorded.append(SUPERVISE)
        return (item, recorded) if recorded else None

    def _retry(self, workflow, number: str, levels: list, overdue):
        """(item, levels) recorded, None if nothing is due any more, False if it failed again."""
        marked = self._mark(workflow, number, levels, overdue)
        if marked is None:
            return None
        try:
            self.app.save(marked[0])
        except ConflictError:
            log.warning("oversight: %s %s changed twice meanwhile; next run", workflow.kind,
                        number)
            return False
        return marked


LEVEL_OF = {"Reminded": REMIND, "Supervised": SUPERVISE}


def _supervisable(levels: list, overdue_days: int) -> list:
    """The levels the item's own due date calls for now: a reminder once it is overdue, and
    supervision once it is far enough overdue. The levels come from a read model's due
    date, which may be older than the item's (an extension not yet projected); the item
    loaded has the last word."""
    return [level for level in levels
            if (level == REMIND and overdue_days >= 1)
            or (level == SUPERVISE and overdue_days >= SUPERVISE_AFTER_DAYS)]


class _Overdue:
    """Working days overdue as of today, per due date (many items share one)."""

    def __init__(self, calendar, today: date):
        self.calendar, self.today, self.known = calendar, today, {}

    def __call__(self, due_date: date) -> int:
        if due_date not in self.known:
            self.known[due_date] = working_days_between(self.calendar, due_date, self.today)
        return self.known[due_date]


def _standing(row: dict) -> Standing | None:
    """The read model's standing of an item; None where it cannot be trusted (a row from
    an older generation without versions)."""
    if row.get("version") is None:
        return None
    day = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
    return Standing(id=uuid.UUID(hex=row["id"]), version=row["version"],
                    due_date=day(row["due_date"]), reminded_for=day(row["reminded_for"]),
                    supervised_for=day(row["supervised_for"]))
