"""催办 and 督办 for every item kind with a deadline (docs/rules.md).

An item kind's aggregate derives from `Overseen`: the oversight job records a reminder
(催办) the first working day after the item's due date, and supervision (督办) once it is
`SUPERVISE_AFTER_DAYS` working days overdue. Both are recorded once per due date: running
the job again changes nothing, and a new due date (an extension, a reopening) starts over.
"""

from datetime import date, datetime

from eventsourcing.domain import Aggregate, event

from .topics import pin_topics

SUPERVISE_AFTER_DAYS = 5
REMIND, SUPERVISE = "remind", "supervise"


@pin_topics("oversight", base=True)
class Overseen(Aggregate):
    """Base of aggregates with a due date and open states."""

    # Plain class attributes (no annotations: the library would make them constructor
    # arguments): the due date the last reminder and supervision were for.
    reminded_for = None
    supervised_for = None
    reminders = 0

    def remind(self, *, actor: str, at: datetime) -> bool:
        """催办 for the current due date; False if it was already recorded."""
        if self.due_date is None or self.reminded_for == self.due_date:
            return False
        self._reminded(due_date=self.due_date, actor=actor, at=at)
        return True

    @event("Reminded")
    def _reminded(self, due_date: date, actor: str, at: datetime) -> None:
        self.reminded_for, self.reminders = due_date, self.reminders + 1

    def supervise(self, *, overdue_days: int, actor: str, at: datetime) -> bool:
        """督办 for the current due date; False if it was already recorded."""
        if self.due_date is None or self.supervised_for == self.due_date:
            return False
        self._supervised(due_date=self.due_date, overdue_days=overdue_days, actor=actor, at=at)
        return True

    @event("Supervised")
    def _supervised(self, due_date: date, overdue_days: int, actor: str, at: datetime) -> None:
        self.supervised_for = due_date

    @property
    def supervised(self) -> bool:
        return self.supervised_for is not None and self.supervised_for == self.due_date
