"""Working days from the maintained chinese-calendar package, with local overrides."""

import json
import logging
from datetime import date
from functools import lru_cache
from pathlib import Path

import chinese_calendar

log = logging.getLogger(__name__)


class ChineseWorkingCalendar:
    """Statutory holidays and adjusted working weekends (调休) of mainland China.

    Years the package does not cover yet fall back to Monday-Friday, plus whatever the
    optional holidays file adds: {"holidays": ["2027-01-01", ...], "workdays": [...]}.
    """

    def __init__(self, holidays: set[date] = frozenset(), workdays: set[date] = frozenset()):
        self.holidays, self.workdays = set(holidays), set(workdays)
        self._warned: set[int] = set()
        self.is_workday = lru_cache(maxsize=4096)(self._is_workday)

    @classmethod
    def from_file(cls, path: str | None) -> "ChineseWorkingCalendar":
        if not path:
            return cls()
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls({date.fromisoformat(d) for d in data.get("holidays", [])},
                   {date.fromisoformat(d) for d in data.get("workdays", [])})

    def covers(self, year: int) -> bool:
        """Whether the official schedule of `year` is known here (package data, or days
        of that year in the overrides file); otherwise Monday-Friday is assumed."""
        if any(d.year == year for d in self.holidays | self.workdays):
            return True
        try:
            chinese_calendar.is_workday(date(year, 12, 31))
            chinese_calendar.is_workday(date(year, 1, 1))
        except NotImplementedError:
            return False
        return True

    def _is_workday(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning("chinese-calendar has no data for %s; counting Mon-Fri only "
                            "until its schedule is imported (minyi calendar import FILE)",
                            day.year)
            return day.weekday() < 5


def import_schedule(runtime, actor, data, *, settle_seconds: float | None = None,
                    report=lambda message: None) -> dict:
    """Record a year's official schedule and move the open deadlines it changes.

    Every process reads the recorded schedules again within the calendar's refresh time;
    the deadlines are recomputed once that has passed, so that every deadline set before
    is moved and every one set after was counted with the new schedule already. Items
    are found through their kind's queue read model (open, due in or after the year)."""
    import time

    from domain.errors import ConflictError

    from .views import DEADLINE_SOURCES

    app = runtime.app
    year, changed, before, at = app.import_schedule(actor, data)
    result = {"year": year, "changed": changed, "moved": {}}
    if not changed:
        return result
    wait = app.calendar.refresh_seconds + 1 if settle_seconds is None else settle_seconds
    if wait > 0:
        report(f"已记录 {year} 年安排；等待各进程读取（{wait:.0f} 秒）后重算办理期限")
        time.sleep(wait)
    runtime.catch_up_all()
    for kind, (table, column) in DEADLINE_SOURCES.items():
        states = ", ".join(f"'{s}'" for s in app.workflows[kind].open_states)
        rows = runtime.views.query(
            f"SELECT {column} AS number FROM {table} WHERE status IN ({states}) "
            "AND due_date >= :first ORDER BY due_date", {"first": f"{year}-01-01"})
        moved = 0
        for row in rows:
            for _ in range(3):  # someone acted on the item meanwhile: load it again
                try:
                    moved += app.recompute_deadline(kind, row["number"], year=year,
                                                    before=before, since=at, actor=actor)
                    break
                except ConflictError:
                    continue
        result["moved"][kind] = moved
    return result
