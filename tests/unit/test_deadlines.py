"""Working-day deadlines with the real Chinese calendar (chinese-calendar 1.11, 2026 data).

The 2026 schedule used below, checked with chinese_calendar.get_holidays / get_workdays:
  - Mid-Autumn: Fri 2026-09-25 .. Sun 09-27 off; National Day: Thu 10-01 .. Wed 10-07 off.
  - Adjusted working weekends (调休): Sun 2026-09-20 and Sat 2026-10-10 are working days.
  - Nothing is special in November 2026.

Years the package does not cover and the HOLIDAYS_FILE override are tested against a
stand-in for the package (see `package` below), whatever the installed version knows.
"""

import json
import logging
from datetime import date

import chinese_calendar
import pytest

from domain.deadlines import (DEFAULT_COMMENT_DAYS, DeadlinePolicy, add_working_days,
                              working_days_between)
from domain.errors import InvalidValueError
from infrastructure.workcalendar import ChineseWorkingCalendar
from tests.support import FixedCalendar


@pytest.fixture
def cal():
    return ChineseWorkingCalendar()


# --- the data the expectations rest on ----------------------------------------------------


def test_the_installed_calendar_has_the_2026_national_day_holiday():
    holidays = set(chinese_calendar.get_holidays(date(2026, 10, 1), date(2026, 10, 7)))
    assert holidays == {date(2026, 10, d) for d in range(1, 8)}


def test_the_installed_calendar_has_the_2026_adjusted_working_weekends():
    workdays = chinese_calendar.get_workdays(date(2026, 9, 1), date(2026, 10, 31),
                                             include_weekends=True)
    assert [d for d in workdays if d.weekday() >= 5] == [date(2026, 9, 20), date(2026, 10, 10)]


# --- holidays and adjusted weekends ------------------------------------------------------


def test_an_inquiry_accepted_before_national_day_is_due_after_the_holiday_week(cal):
    # accepted Wed 09-30; 10-01..10-07 holiday;
    # Thu 10-08 (1), Fri 10-09 (2), Sat 10-10 adjusted (3), [Sun 10-11 off], Mon 10-12 (4),
    # Tue 10-13 (5)
    assert DeadlinePolicy().comment_due(cal, "咨询", date(2026, 9, 30)) == date(2026, 10, 13)


def test_a_week_with_mid_autumn_and_national_day_skips_both_holidays(cal):
    # accepted Thu 09-24; Fri 09-25..Sun 09-27 Mid-Autumn; Mon 09-28 (1), Tue 09-29 (2),
    # Wed 09-30 (3), 10-01..10-07 National Day, Thu 10-08 (4), Fri 10-09 (5)
    assert add_working_days(cal, date(2026, 9, 24), 5) == date(2026, 10, 9)


def test_an_adjusted_working_saturday_counts_as_a_working_day(cal):
    assert cal.is_workday(date(2026, 10, 10))  # a Saturday
    # from Fri 10-09: Sat 10-10 adjusted (1), [Sun 10-11 off], Mon 10-12 (2)
    assert add_working_days(cal, date(2026, 10, 9), 2) == date(2026, 10, 12)


def test_an_adjusted_working_sunday_is_the_first_day_counted_after_a_friday(cal):
    # from Fri 09-18: [Sat 09-19 off], Sun 09-20 adjusted (1)
    assert add_working_days(cal, date(2026, 9, 18), 1) == date(2026, 9, 20)


def test_an_ordinary_weekend_is_not_a_working_day(cal):
    assert not cal.is_workday(date(2026, 10, 11))  # a Sunday
    assert not cal.is_workday(date(2026, 11, 7))  # a Saturday


def test_a_statutory_holiday_on_a_weekday_is_not_a_working_day(cal):
    assert not cal.is_workday(date(2026, 10, 5))  # a Monday in the National Day week


# --- counting rules -------------------------------------------------------------------


def test_counting_starts_the_day_after_acceptance(cal):
    # accepted Mon 11-02: the first working day counted is Tue 11-03, not the 2nd itself
    assert add_working_days(cal, date(2026, 11, 2), 1) == date(2026, 11, 3)


def test_an_acceptance_on_a_weekend_counts_from_the_next_monday(cal):
    # accepted Sat 11-07: [Sun 11-08 off], Mon 11-09 (1)
    assert add_working_days(cal, date(2026, 11, 7), 1) == date(2026, 11, 9)


def test_zero_working_days_is_refused(cal):
    with pytest.raises(InvalidValueError):
        add_working_days(cal, date(2026, 11, 2), 0)


def test_working_days_between_counts_after_the_start_up_to_and_including_the_end(cal):
    # after Wed 09-30 up to Mon 10-12: 10-08, 10-09, 10-10 (adjusted), 10-12
    assert working_days_between(cal, date(2026, 9, 30), date(2026, 10, 12)) == 4
    assert working_days_between(cal, date(2026, 10, 12), date(2026, 10, 12)) == 0


# --- defaults and configuration ---------------------------------------------------------


def test_the_default_limits_are_5_10_15_and_15_working_days():
    assert DEFAULT_COMMENT_DAYS == {"咨询": 5, "建议": 10, "投诉": 15, "求助": 15}


@pytest.mark.parametrize("kind, due", [
    # accepted Mon 11-02, a plain month: 5 -> Mon 11-09, 10 -> Mon 11-16, 15 -> Mon 11-23
    ("咨询", date(2026, 11, 9)),
    ("建议", date(2026, 11, 16)),
    ("投诉", date(2026, 11, 23)),
    ("求助", date(2026, 11, 23)),
])
def test_the_default_due_date_follows_from_the_kind(cal, kind, due):
    assert DeadlinePolicy().comment_due(cal, kind, date(2026, 11, 2)) == due


def test_configured_limits_replace_the_defaults(cal):
    policy = DeadlinePolicy(comment_days={"咨询": 3, "建议": 7, "投诉": 20, "求助": 20})
    # accepted Mon 11-02: 3 -> Thu 11-05; 7 -> Wed 11-11
    assert policy.comment_due(cal, "咨询", date(2026, 11, 2)) == date(2026, 11, 5)
    assert policy.comment_due(cal, "建议", date(2026, 11, 2)) == date(2026, 11, 11)


def test_an_unknown_kind_has_no_deadline(cal):
    with pytest.raises(InvalidValueError):
        DeadlinePolicy().comment_due(cal, "表扬", date(2026, 11, 2))


def test_a_rectification_is_due_in_15_working_days(cal):
    # reopened Mon 10-12: 10-13..16 (4), 10-19..23 (9), 10-26..30 (14), Mon 11-02 (15)
    assert DeadlinePolicy().rectification_due(cal, date(2026, 10, 12)) == date(2026, 11, 2)


def test_a_configured_rectification_limit_is_used(cal):
    policy = DeadlinePolicy(rectification_days=2)
    assert policy.rectification_due(cal, date(2026, 10, 12)) == date(2026, 10, 14)


# --- years the package does not cover, and the holidays file ---------------------------------
#
# These tests do not depend on which years the installed package knows: the `package`
# fixture stands a FixedCalendar in for chinese_calendar.is_workday. The stand-in covers
# 2026 only, with a made-up schedule, and raises NotImplementedError for any other year,
# as the real package does for a year it has no data for.

PACKAGE_HOLIDAY = date(2026, 11, 5)  # a Thursday the stand-in package calls a holiday
PACKAGE_WORKDAY = date(2026, 11, 14)  # a Saturday it calls a working day


@pytest.fixture
def package(monkeypatch):
    """chinese_calendar.is_workday -> a FixedCalendar for 2026, no data for other years."""
    known = FixedCalendar(holidays={PACKAGE_HOLIDAY}, workdays={PACKAGE_WORKDAY})

    def is_workday(day: date) -> bool:
        if day.year != 2026:
            raise NotImplementedError(f"no available data for year {day.year}")
        return known.is_workday(day)

    monkeypatch.setattr(chinese_calendar, "is_workday", is_workday)


@pytest.fixture
def calendar_warnings(caplog):
    """The warnings the calendar logged, as messages."""
    caplog.set_level(logging.WARNING, logger="infrastructure.workcalendar")
    return lambda: [r.getMessage() for r in caplog.records
                    if r.name == "infrastructure.workcalendar" and r.levelno == logging.WARNING]


def test_the_package_decides_in_a_year_it_covers(package, calendar_warnings):
    cal = ChineseWorkingCalendar()
    assert not cal.is_workday(PACKAGE_HOLIDAY)
    assert cal.is_workday(PACKAGE_WORKDAY)
    assert cal.is_workday(date(2026, 11, 6))  # an ordinary Friday
    assert calendar_warnings() == []


def test_a_year_without_data_falls_back_to_monday_to_friday(package):
    cal = ChineseWorkingCalendar()
    assert cal.is_workday(date(2027, 1, 1))  # a Friday (New Year's Day, unknown to the package)
    assert not cal.is_workday(date(2027, 1, 2))  # a Saturday
    assert not cal.is_workday(date(2027, 1, 3))  # a Sunday
    # from Thu 2026-12-31: Fri 2027-01-01 (1)
    assert add_working_days(cal, date(2026, 12, 31), 1) == date(2027, 1, 1)
    # from Fri 2027-01-08: [weekend], Mon 01-11 (1)
    assert add_working_days(cal, date(2027, 1, 8), 1) == date(2027, 1, 11)


def test_the_fallback_warns_once_per_year_and_points_to_the_import(package,
                                                                  calendar_warnings):
    cal = ChineseWorkingCalendar()
    for day in range(1, 15):
        cal.is_workday(date(2027, 1, day))
    cal.is_workday(date(2028, 1, 3))
    messages = calendar_warnings()
    assert len(messages) == 2
    assert "2027" in messages[0] and "2028" in messages[1]
    assert all("minyi calendar import" in m for m in messages)


def test_the_holidays_file_adds_holidays_and_working_weekends(package, tmp_path):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]}),
                    encoding="utf-8")
    cal = ChineseWorkingCalendar.from_file(str(path))
    assert not cal.is_workday(date(2027, 1, 1))
    assert cal.is_workday(date(2027, 1, 9))  # a Saturday
    # from Thu 2026-12-31: [Fri 01-01 holiday, weekend], Mon 01-04 (1)
    assert add_working_days(cal, date(2026, 12, 31), 1) == date(2027, 1, 4)
    # from Fri 01-08: Sat 01-09 declared working (1)
    assert add_working_days(cal, date(2027, 1, 8), 1) == date(2027, 1, 9)


def test_the_holidays_file_overrides_the_package_in_a_covered_year(package, tmp_path):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"holidays": ["2026-11-03"], "workdays": ["2026-11-05"]}),
                    encoding="utf-8")
    cal = ChineseWorkingCalendar.from_file(str(path))
    # from Mon 11-02: [Tue 11-03 declared off], Wed 11-04 (1)
    assert add_working_days(cal, date(2026, 11, 2), 1) == date(2026, 11, 4)
    assert cal.is_workday(PACKAGE_HOLIDAY)  # declared a working day in the file
    assert cal.is_workday(PACKAGE_WORKDAY)  # what the file does not mention, the package decides


def test_no_holidays_file_means_the_package_alone(package):
    for cal in (ChineseWorkingCalendar.from_file(""), ChineseWorkingCalendar.from_file(None)):
        assert not cal.is_workday(PACKAGE_HOLIDAY)
        assert cal.is_workday(PACKAGE_WORKDAY)


def test_the_runtime_reads_the_holidays_file_from_settings(package, tmp_path, make_settings,
                                                           make_runtime, clock, staff):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"holidays": ["2027-01-01"]}), encoding="utf-8")
    rt = make_runtime(make_settings("memory://", holidays_file=str(path)))
    clock.set_local(2026, 12, 31)
    no = rt.app.submit_comment(title="元旦前咨询", content="请问办事时间，特此反映，望予处理。", kind="咨询",
                               category="政务服务")["tracking_no"]
    # accepted Thu 12-31: [Fri 01-01 holiday, weekend], Mon 01-04 (1) .. Fri 01-08 (5)
    assert rt.app.act("comments", no, "accept", staff.reviewer).due_date == date(2027, 1, 8)


def test_the_runtime_takes_deadline_days_from_settings(make_settings, make_runtime, clock, staff):
    rt = make_runtime(make_settings("memory://", comment_days={"咨询": 2, "建议": 10,
                                                               "投诉": 15, "求助": 15}))
    clock.set_local(2026, 11, 2)
    no = rt.app.submit_comment(title="咨询", content="请问，特此反映，望予处理。", kind="咨询",
                               category="政务服务")["tracking_no"]
    # accepted Mon 11-02: Tue 11-03 (1), Wed 11-04 (2)
    assert rt.app.act("comments", no, "accept", staff.reviewer).due_date == date(2026, 11, 4)


def test_a_fixed_calendar_can_stand_in_for_the_real_one():
    cal = FixedCalendar(holidays={date(2026, 11, 3)})
    assert add_working_days(cal, date(2026, 11, 2), 1) == date(2026, 11, 4)
    # and, unlike the real calendar, knows nothing of National Day
    assert add_working_days(cal, date(2026, 9, 30), 1) == date(2026, 10, 1)
