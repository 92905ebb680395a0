"""The oversight job: 催办 the first working day after an item's due date, 督办 once it is
five working days overdue, for every item kind (domain/oversight.py).

Candidates come from each kind's queue read model (open items by due date). The job keeps,
per kind and level, the latest due date it has dealt with, so each run reads only the due
dates that have come of age since: it costs the same with a hundred thousand open items as
with ten. Recording is idempotent (once per due date, decided by the aggregate), so a run
repeated or interrupted half-way changes nothing twice.
"""

import logging
from datetime import date, timedelta

from domain.actors import SYSTEM_ACTOR
from domain.deadlines import working_days_between
from domain.errors import ConflictError
from domain.oversight import REMIND, SUPERVISE, SUPERVISE_AFTER_DAYS

from .views.queries import sql_list

log = logging.getLogger(__name__)

POSITIONS = "minyi_oversight_positions"
POSITIONS_DDL = (f"CREATE TABLE IF NOT EXISTS {POSITIONS} (kind TEXT NOT NULL, "
                 "level TEXT NOT NULL, upto TEXT NOT NULL, PRIMARY KEY (kind, level))")
SAVE_BATCH = 500


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
        return done

    def _candidates(self, kind: str, source: tuple, windows: dict) -> list[tuple]:
        """(number, levels due) of the open items whose due date lies in a window."""
        table, column = source
        open_states = sql_list(self.app.workflows[kind].open_states)
        afters = [after for after, _ in windows.values()]
        where = [f"status IN ({open_states})", "due_date <= :upto"]
        if None not in afters:
            where.append("due_date > :after")
        rows = self.store.query(
            f"SELECT {column} AS number, due_date FROM {table} WHERE {' AND '.join(where)} "
            "ORDER BY due_date", {"upto": max(u for _, u in windows.values()),
                                  "after": min(afters) if None not in afters else None})
        candidates = []
        for row in rows:
            levels = [level for level, (after, upto) in windows.items()
                      if (after is None or row["due_date"] > after) and row["due_date"] <= upto]
            if levels:
                candidates.append((row["number"], levels))
        return candidates

    def _record(self, kind: str, source: tuple, windows: dict,
                today: date) -> tuple[dict, bool]:
        """Record the levels due on each item still open: ({level: how many}, all done).

        Each item is loaded once for every level it is due for."""
        if not windows:
            return {}, True
        workflow, counts, complete = self.app.workflows[kind], {}, True
        candidates = self._candidates(kind, source, windows)
        for start in range(0, len(candidates), SAVE_BATCH):
            marked = [m for m in (self._mark(workflow, number, levels, today)
                                  for number, levels in candidates[start:start + SAVE_BATCH])
                      if m is not None]
            try:
                if marked:
                    self.app.save(*(item for item, _ in marked))
            except ConflictError:  # someone acted meanwhile: one at a time, reloaded
                retried = [self._retry(workflow, item.number, levels, today)
                           for item, levels in marked]
                complete = complete and all(r is not False for r in retried)
                marked = [r for r in retried if r]
            for _, levels in marked:
                for level in levels:
                    counts[level] = counts.get(level, 0) + 1
        return counts, complete

    def _mark(self, workflow, number: str, levels: list, today: date):
        """(item, levels recorded) if anything was recorded on the item, else None."""
        item = self.app.get_item(workflow.kind, number)
        if item.status not in workflow.open_states or item.due_date is None:
            return None
        now, recorded = self.app.clock(), []
        if REMIND in levels and item.remind(actor=SYSTEM_ACTOR.id, at=now):
            recorded.append(REMIND)
        if SUPERVISE in levels:
            overdue = working_days_between(self.app.calendar, item.due_date, today)
            if overdue >= SUPERVISE_AFTER_DAYS and item.supervise(
                    overdue_days=overdue, actor=SYSTEM_ACTOR.id, at=now):
                recorded.append(SUPERVISE)
        return (item, recorded) if recorded else None

    def _retry(self, workflow, number: str, levels: list, today: date):
        """(item, levels) recorded, None if nothing is due any more, False if it failed again."""
        marked = self._mark(workflow, number, levels, today)
        if marked is None:
            return None
        try:
            self.app.save(marked[0])
        except ConflictError:
            log.warning("oversight: %s %s changed twice meanwhile; next run", workflow.kind,
                        number)
            return False
        return marked
