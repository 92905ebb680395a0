"""催办 and 督办 for every item kind with a deadline (docs/rules.md).

An item kind's aggregate derives from `Overseen`: the oversight job records a reminder
(催办) the first working day after the item's due date, and supervision (督办) once it is
`SUPERVISE_AFTER_DAYS` working days overdue. Both are recorded once per due date: running
the job again changes nothing, and a new due date (an extension, a reopening) starts over.
"""

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from .deadlines import end_of_day
from .topics import pin_topics

SUPERVISE_AFTER_DAYS = 5
REMIND, SUPERVISE = "remind", "supervise"


@dataclass(frozen=True)
class Standing:
    """What the oversight job knows of an item without loading it: the item's oversight
    state as of `version`, as a read model projected it. Events built from it are
    recorded at `version + 1` onwards, so the store refuses them if the item has moved
    on since; the job then loads the item and asks it instead."""

    id: UUID
    version: int
    due_date: date | None
    reminded_for: date | None
    supervised_for: date | None


@pin_topics("oversight", base=True)
class Overseen(Aggregate):
    """Base of aggregates with a due date and open states."""

    # Plain class attributes (no annotations: the library would make them constructor
    # arguments): the due date the last reminder and supervision were for.
    reminded_for = None
    supervised_for = None
    reminders = 0

    @staticmethod
    def owes(level: str, due_date: date | None, reminded_for: date | None,
             supervised_for: date | None) -> bool:
        """Whether `level` is still to be recorded for the current due date."""
        done = reminded_for if level == REMIND else supervised_for
        return due_date is not None and done != due_date

    @classmethod
    def oversight_events(cls, standing: Standing, levels, *, overdue_days: int, actor: str,
                         at: datetime) -> list:
        """The events `remind()` and `supervise()` would record on an item in `standing`
        (the caller has checked that the item is open and the levels have come of age)."""
        events, version = [], standing.version
        owed = [level for level in (REMIND, SUPERVISE) if level in levels and cls.owes(
            level, standing.due_date, standing.reminded_for, standing.supervised_for)]
        for level in owed:
            version += 1
            fields = dict(originator_id=standing.id, originator_version=version,
                          timestamp=Overseen.Reminded.create_timestamp(),
                          due_date=standing.due_date, actor=actor, at=at)
            # The shared classes: a subclass's copies are not what the store resolves.
            events.append(Overseen.Reminded(**fields) if level == REMIND
                          else Overseen.Supervised(overdue_days=overdue_days, **fields))
        return events

    def remind(self, *, actor: str, at: datetime) -> bool:
        """催办 for the current due date; False if it was already recorded."""
        if not self.owes(REMIND, self.due_date, self.reminded_for, self.supervised_for):
            return False
        self._reminded(due_date=self.due_date, actor=actor, at=at)
        return True

    @event("Reminded")
    def _reminded(self, due_date: date, actor: str, at: datetime) -> None:
        self.reminded_for, self.reminders = due_date, self.reminders + 1

    def supervise(self, *, overdue_days: int, actor: str, at: datetime) -> bool:
        """督办 for the current due date; False if it was already recorded."""
        if not self.owes(SUPERVISE, self.due_date, self.reminded_for, self.supervised_for):
            return False
        self._supervised(due_date=self.due_date, overdue_days=overdue_days, actor=actor, at=at)
        return True

    @event("Supervised")
    def _supervised(self, due_date: date, overdue_days: int, actor: str, at: datetime) -> None:
        self.supervised_for = due_date

    def recompute_deadline(self, *, due_date: date, year: int, tz: tzinfo, actor: str,
                           at: datetime) -> None:
        """The due date moved by a newly imported schedule of `year` (domain/calendar.py).
        An item counted in real hours (an urgent ticket) keeps its deadline."""
        if getattr(self, "urgency", None) == "urgent":
            return
        due_at = end_of_day(due_date, tz) if hasattr(self, "due_at") else None
        self._deadline_recomputed(due_date=due_date, due_at=due_at, previous=self.due_date,
                                  year=year, actor=actor, at=at)

    @event("DeadlineRecomputed")
    def _deadline_recomputed(self, due_date: date, due_at: datetime | None, previous: date,
                             year: int, actor: str, at: datetime) -> None:
        self.due_date = due_date
        if due_at is not None:
            self.due_at = due_at

    @property
    def supervised(self) -> bool:
        return self.supervised_for is not None and self.supervised_for == self.due_date
