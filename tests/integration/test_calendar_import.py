"""Importing a year's official schedule (SQLite and PostgreSQL): recorded as an event that
every process reads, open deadlines in that year moved, the read models following."""

import json
from datetime import date

import pytest

from domain.actors import SYSTEM_ACTOR, Actor
from domain.calendar import moved_due_date, validate_schedule
from domain.errors import AccessDeniedError, InvalidValueError
from infrastructure.workcalendar import ChineseWorkingCalendar, import_schedule
from tests.support import replied, submit

# A schedule shaped like the State Council's (not its real text): New Year's Day on the
# Friday, a Spring Festival week with a worked Saturday after it.
SCHEDULE = {"year": 2027, "source": "测试用安排",
            "holidays": ["2027-01-01", "2027-01-02", "2027-01-03",
                         *[f"2027-02-{d:02d}" for d in range(5, 12)]],
            "workdays": ["2027-02-13"]}
OPERATOR = Actor("op", ("operator",))


@pytest.fixture
def december(clock):
    clock.set_local(2026, 12, 21)  # a Monday
    return clock


def _inbox_due(runtime, no: str) -> str:
    runtime.catch_up_all()
    return runtime.views.query("SELECT due_date FROM inbox WHERE tracking_no = :n",
                               {"n": no})[0]["due_date"]


def test_an_import_moves_open_deadlines_and_every_process_counts_with_it(
        make_settings, make_runtime, database_url, december, staff):
    settings = make_settings(database_url)
    first = make_runtime(settings)
    second = make_runtime(settings, init=False)
    app = first.app
    assert not app.calendar.official(2027) and app.calendar.official(2026)

    open_no = submit(app, kind="投诉")["tracking_no"]
    app.act("comments", open_no, "accept", staff.reviewer)
    # 15 working days from Monday 21 December, counting 1 January as a weekday.
    assert app.get_comment(open_no).due_date == date(2027, 1, 11)
    closed_no = replied(app, staff, kind="投诉")["tracking_no"]  # answered: no clock
    short_no = submit(app, kind="咨询")["tracking_no"]
    app.act("comments", short_no, "accept", staff.reviewer)
    assert app.get_comment(short_no).due_date == date(2026, 12, 28)  # all in 2026
    ticket = app.register_ticket(OPERATOR, channel="phone", area="临城街道",
                                 category="城乡建设", kind="投诉", urgency="normal",
                                 title="路灯", content="路灯坏了")
    urgent = app.register_ticket(OPERATOR, channel="phone", area="临城街道",
                                 category="城乡建设", kind="投诉", urgency="urgent",
                                 title="燃气", content="闻到燃气味")
    ticket_due, urgent_due = ticket.due_date, urgent.due_at
    assert _inbox_due(first, open_no) == "2027-01-11"

    december.advance(minutes=5)
    result = import_schedule(first, SYSTEM_ACTOR, SCHEDULE, settle_seconds=0)
    december.advance(minutes=5)
    assert result["changed"] and result["moved"] == {"comments": 1, "tickets": 1}

    moved = app.get_comment(open_no)
    assert moved.due_date == date(2027, 1, 12)
    assert app.get_comment(closed_no).due_date == date(2027, 1, 11)  # answered: left
    assert app.get_comment(short_no).due_date == date(2026, 12, 28)
    assert app.get_item("tickets", ticket.number).due_date == moved_due_date(
        ChineseWorkingCalendar(), app.calendar, 2027, ticket_due)
    assert app.get_item("tickets", ticket.number).due_date > ticket_due
    assert app.get_item("tickets", urgent.number).due_at == urgent_due  # real hours
    events = [type(e).__name__ for e in app.events.get(moved.id)]
    assert events[-1] == "DeadlineRecomputed"
    assert _inbox_due(first, open_no) == "2027-01-12"
    queue = first.views.query("SELECT due_date FROM tickets WHERE ticket_no = :n",
                              {"n": ticket.number})
    assert queue[0]["due_date"] == app.get_item("tickets", ticket.number).due_date.isoformat()

    # Another process reads the recorded schedule (within its refresh time).
    second.app.calendar.refresh()
    assert second.app.calendar.official(2027)
    assert not second.app.calendar.is_workday(date(2027, 1, 1))
    assert second.app.calendar.is_workday(date(2027, 2, 13))  # the worked Saturday
    later = submit(second.app, kind="投诉")["tracking_no"]
    second.app.act("comments", later, "accept", staff.reviewer)
    assert second.app.get_comment(later).due_date == date(2027, 1, 12)

    # Importing the same schedule again changes nothing; a deadline set after the
    # import is not moved by a corrected one.
    assert not import_schedule(first, SYSTEM_ACTOR, SCHEDULE, settle_seconds=0)["changed"]

    # A full rebuild of the read models gives the moved deadlines too.
    for updater in first.updaters():
        updater.rebuild()
    assert _inbox_due(first, open_no) == "2027-01-12"


def test_only_an_admin_imports_and_bad_files_are_refused(runtime):
    with pytest.raises(AccessDeniedError):
        runtime.app.import_schedule(Actor("rev", ("reviewer",)), SCHEDULE)
    for change in ({"year": "2027"}, {"year": 1999}, {"holidays": []},
                   {"holidays": ["2028-01-01"]}, {"holidays": ["2027-1-1"]},
                   {"workdays": ["2027-02-15"]},  # a Monday is no worked weekend
                   {"workdays": ["2027-01-02"]},  # both a holiday and a working day
                   {"source": "x" * 300}, {"holidays": "2027-01-01"}):
        with pytest.raises(InvalidValueError):
            validate_schedule({**SCHEDULE, **change})
    with pytest.raises(InvalidValueError):
        validate_schedule(["2027-01-01"])
    assert runtime.app.schedule_listing() == []


def test_the_command_line_imports_a_file(runtime, tmp_path):
    from web import create_app
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(SCHEDULE, ensure_ascii=False), encoding="utf-8")
    cli = create_app({"TESTING": True}, runtime=runtime).test_cli_runner()
    result = cli.invoke(args=["calendar", "import", "--no-wait", str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入 2027 年节假日安排" in result.output
    status = cli.invoke(args=["calendar", "status"])
    assert "2027\t已导入（测试用安排）" in status.output
    path.write_text("{not json", encoding="utf-8")
    bad = cli.invoke(args=["calendar", "import", "--no-wait", str(path)])
    assert bad.exit_code != 0 and "JSON" in bad.output
