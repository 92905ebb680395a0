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
        """One pass over every kind and level; returns how many items were recorded."""
        self.store.run([POSITIONS_DDL])
        today = self.app.today()
        done = {}
        for level, upto in thresholds(self.app.calendar, today).items():
            for kind, (table, column) in self.sources.items():
                after = self.position(kind, level)
                if after is not None and after >= upto.isoformat():
                    done[f"{kind}.{level}"] = 0
                    continue
                numbers = self._candidates(kind, table, column, after, upto)
                recorded, complete = self._record(kind, level, numbers, today)
                done[f"{kind}.{level}"] = recorded
                if complete:  # otherwise the next run looks at the same due dates again
                    self._move(kind, level, upto)
        return done

    def _candidates(self, kind, table, column, after, upto) -> list[str]:
        open_states = ", ".join(f"'{s}'" for s in self.app.workflows[kind].open_states)
        where = [f"status IN ({open_states})", "due_date <= :upto"]
        if after is not None:
            where.append("due_date > :after")
        rows = self.store.query(f"SELECT {column} AS number FROM {table} "
                                f"WHERE {' AND '.join(where)} ORDER BY due_date",
                                {"upto": upto.isoformat(), "after": after})
        return [r["number"] for r in rows]

    def _record(self, kind: str, level: str, numbers: list[str],
                today: date) -> tuple[int, bool]:
        """Record the level on each item that is still open; (how many, all dealt with)."""
        workflow, recorded, complete = self.app.workflows[kind], 0, True
        for start in range(0, len(numbers), SAVE_BATCH):
            changed = []
            for number in numbers[start:start + SAVE_BATCH]:
                item = self._mark(workflow, number, level, today)
                if item is not None:
                    changed.append(item)
            try:
                if changed:
                    self.app.save(*changed)
            except ConflictError:  # someone acted meanwhile: one at a time, reloaded
                retried = [self._retry(workflow, i.number, level, today) for i in changed]
                complete = complete and all(r is not False for r in retried)
                changed = [item for item in retried if item]
            recorded += len(changed)
        return recorded, complete

    def _mark(self, workflow, number: str, level: str, today: date):
        item = self.app.get_item(workflow.kind, number)
        if item.status not in workflow.open_states or item.due_date is None:
            return None
        now = self.app.clock()
        if level == REMIND:
            marked = item.remind(actor=SYSTEM_ACTOR.id, at=now)
        else:
            overdue = working_days_between(self.app.calendar, item.due_date, today)
            marked = overdue >= SUPERVISE_AFTER_DAYS and item.supervise(
                overdue_days=overdue, actor=SYSTEM_ACTOR.id, at=now)
        return item if marked else None

    def _retry(self, workflow, number: str, level: str, today: date):
        """The item recorded, None if nothing is due any more, False if it failed again."""
        item = self._mark(workflow, number, level, today)
        if item is None:
            return None
        try:
            self.app.save(item)
        except ConflictError:
            log.warning("oversight: %s %s changed twice meanwhile; next run", workflow.kind,
                        number)
            return False
        return item
