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
                            "(add the year's schedule to HOLIDAYS_FILE)", day.year)
            return day.weekday() < 5
