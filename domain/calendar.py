"""The official working-day schedule of each year, as the State Council publishes it.

Every autumn the General Office of the State Council publishes the next year's public
holidays and the weekends worked in exchange (国务院办公厅关于 YYYY 年部分节假日安排的通知).
The `chinesecalendar` package carries those schedules only up to its release; items
accepted in December already have deadlines in the next year. An admin imports the
year's schedule (`minyi calendar import FILE`): it is recorded as an event, so every
process and every rebuild counts with the same days, and open deadlines that fall in
that year are recomputed (docs/rules.md, W1-W3).

A year with an imported schedule counts by it alone: a day is a working day if the
schedule lists it as a worked weekend, or it is a weekday the schedule does not list as
a holiday. Other years count by the injected calendar (the package's data, with the
optional local overrides file, and Monday-Friday beyond that).
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Callable, Iterable
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .deadlines import WorkingCalendar, add_working_days, working_days_between
from .errors import InvalidValueError
from .topics import pin_topics

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_HOLIDAYS = 60  # the statutory holidays plus the weekends inside them: about 30 a year
MAX_SOURCE = 200


def schedules_id() -> UUID:
    return uuid5(NAMESPACE_URL, "minyi:calendar")


@pin_topics("calendar")
class WorkSchedules(Aggregate):
    """Every imported year's schedule; an import of a year replaces its earlier one."""

    @staticmethod
    def create_id(**_) -> UUID:
        return schedules_id()

    @event("Opened")
    def __init__(self, actor: str, at: datetime):
        self.years: dict[int, dict] = {}  # year -> {"holidays", "workdays", "source", "at"}

    def publish(self, *, year: int, holidays: list[date], workdays: list[date], source: str,
                actor: str, at: datetime) -> bool:
        """Record the year's schedule; False (nothing recorded) if it is the one in force."""
        current = self.years.get(year)
        if current and current["holidays"] == holidays and current["workdays"] == workdays:
            return False
        self._published(year=year, holidays=holidays, workdays=workdays, source=source,
                         actor=actor, at=at)
        return True

    @event("Published")
    def _published(self, year: int, holidays: list, workdays: list, source: str, actor: str,
                   at: datetime) -> None:
        self.years[year] = {"holidays": list(holidays), "workdays": list(workdays),
                            "source": source, "at": at}


def validate_schedule(data) -> tuple[int, list[date], list[date], str]:
    """(year, holidays, workdays, source) from an import file's JSON:
    {"year": 2027, "holidays": ["2027-01-01", ...], "workdays": ["2027-02-06", ...],
     "source": "国办发明电〔2026〕…号"}; InvalidValueError with a Chinese message if wrong."""
    if not isinstance(data, dict):
        raise InvalidValueError("节假日安排须为 JSON 对象", field="schedule")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidValueError(f"年份须为 {MIN_YEAR}–{MAX_YEAR} 之间的整数", field="year")

    def days(name: str) -> list[date]:
        values = data.get(name, [])
        if not isinstance(values, list) or len(values) > MAX_HOLIDAYS:
            raise InvalidValueError(f"{name} 须为不超过 {MAX_HOLIDAYS} 个日期的列表", field=name)
        parsed = []
        for value in values:
            try:
                day = date.fromisoformat(value) if isinstance(value, str) else None
            except ValueError:
                day = None
            if day is None or len(value) != 10:
                raise InvalidValueError(f"日期格式须为 YYYY-MM-DD：{value!r}", field=name)
            if day.year != year:
                raise InvalidValueError(f"{value} 不在 {year} 年内", field=name)
            parsed.append(day)
        return sorted(set(parsed))

    holidays, workdays = days("holidays"), days("workdays")
    if not holidays:
        raise InvalidValueError("节假日列表不能为空（至少有元旦、春节、国庆等法定节假日）",
                                field="holidays")
    both = set(holidays) & set(workdays)
    if both:
        raise InvalidValueError(f"同一天不能既是假日又是调休上班日：{min(both)}",
                                field="workdays")
    weekday = [d for d in workdays if d.weekday() < 5]
    if weekday:
        raise InvalidValueError(f"调休上班日应为周末：{weekday[0]} 是工作日",
                                field="workdays")
    source = data.get("source", "")
    if not isinstance(source, str) or len(source) > MAX_SOURCE or not source.isprintable():
        raise InvalidValueError(f"来源须为不超过 {MAX_SOURCE} 字的文本", field="source")
    return year, holidays, workdays, source.strip()


class ScheduledCalendar:
    """The calendar deadlines count with: an imported year's schedule, else `base`.

    `schedules()` returns {year: (holidays, workdays)} as recorded; it is read again at
    most every `refresh_seconds`, so another process's import is in force here within
    that time."""

    def __init__(self, base: WorkingCalendar, schedules: Callable[[], dict],
                 refresh_seconds: float = 5.0):
        self.base, self._load = base, schedules
        self.refresh_seconds = refresh_seconds
        self._years: dict[int, tuple[frozenset, frozenset]] = {}
        self._read_at = float("-inf")

    def refresh(self) -> None:
        self._read_at = float("-inf")

    def years(self) -> dict[int, tuple[frozenset, frozenset]]:
        now = time.monotonic()
        if now - self._read_at >= self.refresh_seconds:
            self._years = {year: (frozenset(h), frozenset(w))
                           for year, (h, w) in self._load().items()}
            self._read_at = now
        return self._years

    def is_workday(self, day: date) -> bool:
        return _workday(day, self.years(), self.base)

    def official(self, year: int) -> bool:
        """Whether the year's days are the official ones (imported, or in the base data)."""
        if year in self.years():
            return True
        covers = getattr(self.base, "covers", None)
        return covers(year) if covers else True


class FixedYears:
    """A calendar fixed to given schedules for some years and `base` for the others (the
    calendar in force before an import, for recomputing deadlines)."""

    def __init__(self, base: WorkingCalendar, years: dict):
        self.base, self.years = base, years

    def is_workday(self, day: date) -> bool:
        return _workday(day, self.years, self.base)


def _workday(day: date, years: dict, base: WorkingCalendar) -> bool:
    """A listed worked weekend, or a weekday not listed as a holiday, in a year with a
    schedule; the base calendar's answer in any other year."""
    schedule = years.get(day.year)
    if schedule is None:
        return base.is_workday(day)
    holidays, workdays = schedule
    return day in workdays or (day.weekday() < 5 and day not in holidays)


def moved_due_date(before: WorkingCalendar, after: WorkingCalendar, year: int,
                   due: date) -> date:
    """The due date an item would have had under `after`, given the one it got under
    `before`, where the two calendars differ only in `year`.

    A due date is a count of working days from a start; both calendars agree up to the
    last day of the previous year, so counting the working days from that day to the old
    due date under `before` and laying them out again under `after` gives the new due
    date without knowing the start."""
    anchor = date(year, 1, 1) - timedelta(days=1)
    if due <= anchor:
        return due
    return add_working_days(after, anchor, working_days_between(before, anchor, due))


class ScheduleCommands:
    """Mixed into the application: the imported schedules and the import itself."""

    def _recorded_schedules(self) -> dict[int, dict]:
        try:
            return self.repository.get(schedules_id()).years
        except AggregateNotFoundError:
            return {}

    def official_schedules(self) -> dict[int, tuple[list[date], list[date]]]:
        return {year: (s["holidays"], s["workdays"])
                for year, s in self._recorded_schedules().items()}

    def schedule_listing(self) -> list[dict]:
        return [{"year": year, "holidays": len(s["holidays"]), "workdays": len(s["workdays"]),
                 "source": s["source"], "at": s["at"]}
                for year, s in sorted(self._recorded_schedules().items())]

    def import_schedule(self, actor: Actor, data) -> tuple[int, bool, FixedYears, datetime]:
        """Record a year's schedule. Returns (year, whether it changed anything, the
        calendar in force before, the moment recorded), for recomputing the open
        deadlines in that year."""
        actor.require_role("admin")
        year, holidays, workdays, source = validate_schedule(data)
        now = self.clock()
        before = FixedYears(self.calendar.base, dict(self.calendar.years()))
        try:
            register = self.repository.get(schedules_id())
        except AggregateNotFoundError:
            register = WorkSchedules(actor=actor.id, at=now)
        changed = register.publish(year=year, holidays=holidays, workdays=workdays,
                                   source=source, actor=actor.id, at=now)
        if changed:
            self.save(register)
            self.calendar.refresh()
        return year, changed, before, now

    def recompute_deadline(self, kind: str, number: str, *, year: int, before: WorkingCalendar,
                           since: datetime, actor: Actor) -> bool:
        """Move an open item's due date to the one `year`'s new schedule gives, if its due
        date was set before `since` (the import) and falls in or after that year."""
        workflow = self.workflows[kind]
        item = self.get_item(kind, number)
        due = getattr(item, "due_date", None)
        if due is None or item.status not in workflow.open_states or due.year < year:
            return False
        set_at = _due_set_at(self.events.get(item.id))
        if set_at is not None and set_at >= since:
            return False  # counted with the new schedule already
        moved = moved_due_date(before, self.calendar, year, due)
        if moved == due or not hasattr(item, "recompute_deadline"):
            return False
        item.recompute_deadline(due_date=moved, year=year, tz=self.tz, actor=actor.id,
                                at=self.clock())
        self.save(item)
        return True


def _due_set_at(events: Iterable) -> datetime | None:
    """When the item's current due date was set: the last event that set one (reminders
    and supervision only repeat it)."""
    when = None
    for e in events:
        if hasattr(e, "due_date") and type(e).__name__ not in ("Reminded", "Supervised"):
            when = getattr(e, "at", when)
    return when
