"""Working-day deadlines (docs/rules.md); the calendar itself is injected."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Mapping, Protocol

from .errors import InvalidValueError


class WorkingCalendar(Protocol):
    """Tells whether a day is a working day (holidays and adjusted weekends included)."""

    def is_workday(self, day: date) -> bool: ...


def add_working_days(calendar: WorkingCalendar, start: date, days: int) -> date:
    """The date `days` working days after `start`; counting starts the day after."""
    if days < 1:
        raise InvalidValueError("工作日天数必须为正整数", days=days)
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return day


def working_days_between(calendar: WorkingCalendar, start: date, end: date) -> int:
    """How many working days lie after `start` up to and including `end` (0 if end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if calendar.is_workday(day):
            count += 1
    return count


DEFAULT_COMMENT_DAYS = {"咨询": 5, "建议": 10, "投诉": 15, "求助": 15}
DEFAULT_TICKET_DAYS = {"咨询": 3, "求助": 3, "建议": 13, "投诉": 13, "举报": 13}
URGENT_TICKET_HOURS = 24
CALLBACK_DAYS = 1
MAX_EXTENSION_DAYS = 15


@dataclass(frozen=True)
class DeadlinePolicy:
    """Working-day limits by kind of comment, plus rectification and extension limits."""

    comment_days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_COMMENT_DAYS))
    rectification_days: int = 15
    max_extension_days: int = MAX_EXTENSION_DAYS
    ticket_days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_TICKET_DAYS))
    urgent_hours: int = URGENT_TICKET_HOURS
    callback_days: int = CALLBACK_DAYS

    def comment_due(self, calendar: WorkingCalendar, kind: str, accepted_on: date) -> date:
        """Due date of a comment of `kind` accepted on `accepted_on`."""
        try:
            days = self.comment_days[kind]
        except KeyError:
            raise InvalidValueError(f"未知的留言类型：{kind}", kind=kind) from None
        return add_working_days(calendar, accepted_on, days)

    def rectification_due(self, calendar: WorkingCalendar, reopened_on: date) -> date:
        """Due date of the rectification that answers a verified 差评."""
        return add_working_days(calendar, reopened_on, self.rectification_days)

    def ticket_due(self, calendar: WorkingCalendar, kind: str, urgent: bool,
                   start: datetime, tz: tzinfo) -> tuple[date, datetime]:
        """(due date, due moment) of a hotline ticket taken on at `start`: urgent tickets
        in real hours, the others in working days (due by the end of the due date)."""
        if urgent:
            due_at = start + timedelta(hours=self.urgent_hours)
            return due_at.astimezone(tz).date(), due_at
        try:
            days = self.ticket_days[kind]
        except KeyError:
            raise InvalidValueError(f"未知的诉求类型：{kind}", kind=kind) from None
        due = add_working_days(calendar, start.astimezone(tz).date(), days)
        return due, end_of_day(due, tz)


def end_of_day(day: date, tz: tzinfo) -> datetime:
    """The moment a date-only deadline passes: midnight after `day`, local time."""
    local = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return local.astimezone(timezone.utc)
