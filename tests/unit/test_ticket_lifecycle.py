"""A 12345 hotline ticket's lifecycle through the Casework application (in-memory store)."""

from datetime import date

import pytest

from domain.actors import Actor
from domain.errors import (AccessDeniedError, ConflictError, IllegalTransitionError,
                           InvalidValueError, NotFoundError)
from domain.tickets import Status
from tests.support import local

OPERATOR = Actor("op", ("operator",))
SUPERVISOR = Actor("sup", ("supervisor",))
REVIEWER = Actor("rev", ("reviewer",))
LEAD = Actor("h1", ("handler",), "区住建局")
CO = Actor("h2", ("handler",), "区交运局")
OTHER = Actor("h3", ("handler",), "区民政局")


def register(app, **extra):
    values = dict(channel="phone", caller_name="张三", caller_phone="13812345678",
                  area="临城街道", address="永福路8号", category="城乡建设", kind="投诉",
                  urgency="normal", title="路灯不亮", content="永福路路灯坏了，电话13812345678",
                  publish=True)
    values.update(extra)
    return app.register_ticket(OPERATOR, **values).ticket_no


def act(app, no, action, actor, **data):
    return app.act("tickets", no, action, actor, **data)


def handling(app, **extra) -> str:
    """A ticket dispatched to 区住建局 with 区交运局 co-handling, signed for."""
    no = register(app, **extra)
    act(app, no, "dispatch", OPERATOR, department="区住建局", co_departments=["区交运局"])
    act(app, no, "sign", LEAD)
    return no


def test_numbers_are_the_date_and_a_sequence_in_digits(app):
    first, second = register(app), register(app)
    assert first == "2026093000001" and second == "2026093000002"
    assert first.isdigit()


def test_the_deadline_runs_in_working_days_across_the_national_day_holiday(app):
    ticket = app.get_item("tickets", register(app, kind="咨询"))
    # Wed 30 Sep + 3 working days: 1-7 Oct are holidays, Sat 10 Oct is a working day.
    assert ticket.due_date == date(2026, 10, 10)
    ticket = app.get_item("tickets", register(app, kind="举报"))
    assert ticket.due_date == date(2026, 10, 23)


def test_urgent_tickets_run_in_real_hours(app, clock):
    ticket = app.get_item("tickets", register(app, urgency="urgent"))
    assert ticket.due_at == local(2026, 10, 1)  # 24 h, holiday or not
    assert ticket.due_date == date(2026, 10, 1)


def test_the_lead_cannot_resolve_until_every_co_handler_answered_or_was_released(app):
    no = handling(app)
    with pytest.raises(IllegalTransitionError, match="区交运局"):
        act(app, no, "resolve", LEAD, reply="已修复")
    with pytest.raises(NotFoundError):  # not involved: the ticket does not exist for them
        act(app, no, "co_reply", OTHER, opinion="无关")
    with pytest.raises(AccessDeniedError):  # the lead is not a co-handler
        act(app, no, "co_reply", LEAD, opinion="自己会办")
    act(app, no, "co_reply", CO, opinion="道路照明由住建局负责")
    with pytest.raises(AccessDeniedError):  # no longer a pending co-handler
        act(app, no, "co_reply", CO, opinion="再答一次")
    act(app, no, "resolve", LEAD, reply="已修复")
    assert app.get_item("tickets", no).status == Status.RESOLVED


def test_a_co_handler_can_be_released(app):
    no = handling(app)
    act(app, no, "release_co", OPERATOR, department="区交运局", reason="不涉及")
    act(app, no, "resolve", LEAD, reply="已修复")
    assert app.get_item("tickets", no).co == {"区交运局": "released"}


def test_a_return_goes_back_to_the_operator_who_dispatches_again(app):
    no = register(app)
    act(app, no, "dispatch", OPERATOR, department="区交运局")
    act(app, no, "return", CO, reason="不属于本单位职责")
    ticket = app.get_item("tickets", no)
    assert ticket.status == Status.REGISTERED and ticket.department is None
    act(app, no, "dispatch", OPERATOR, department="区住建局")
    act(app, no, "sign", LEAD)
    assert app.get_item("tickets", no).status == Status.HANDLING


def test_an_extension_is_granted_or_declined_by_a_supervisor_before_the_due_date(app, clock):
    no = handling(app, kind="咨询")
    with pytest.raises(AccessDeniedError):
        act(app, no, "grant_extension", LEAD)
    act(app, no, "request_extension", LEAD, days=2, reason="需现场勘查")
    act(app, no, "grant_extension", SUPERVISOR)
    assert app.get_item("tickets", no).due_date == date(2026, 10, 13)  # Sun 11 Oct is off
    with pytest.raises(IllegalTransitionError):
        act(app, no, "request_extension", LEAD, days=1, reason="再延")

    late = handling(app, kind="咨询")
    act(app, late, "request_extension", LEAD, days=2, reason="需现场勘查")
    clock.set_local(2026, 10, 12)  # the due date (Sat 10 Oct) has passed
    with pytest.raises(IllegalTransitionError, match="到期前"):
        act(app, late, "grant_extension", SUPERVISOR)
    clock.set_local(2026, 10, 10)
    act(app, late, "decline_extension", SUPERVISOR, reason="可按期办结")
    assert app.get_item("tickets", late).due_date == date(2026, 10, 10)


def test_an_unsatisfied_callback_reopens_the_ticket_with_a_fresh_clock(app, clock):
    no = handling(app, kind="咨询")
    act(app, no, "co_reply", CO, opinion="同意")
    act(app, no, "resolve", LEAD, reply="已修复")
    with pytest.raises(InvalidValueError):
        act(app, no, "callback", OPERATOR, reached=True, resolved=True, rating="还行")
    clock.set_local(2026, 10, 9)
    act(app, no, "callback", OPERATOR, reached=True, resolved=True, rating="不满意")
    ticket = app.get_item("tickets", no)
    assert ticket.status == Status.HANDLING and ticket.round == 2
    assert ticket.due_date == date(2026, 10, 13)  # 3 working days from Fri 9 Oct (Sat 10 works)
    act(app, no, "resolve", LEAD, reply="已更换灯具")
    act(app, no, "callback", OPERATOR, reached=False)
    assert app.get_item("tickets", no).status == Status.RESOLVED  # try again later
    act(app, no, "callback", OPERATOR, reached=True, resolved=True, rating="满意")
    ticket = app.get_item("tickets", no)
    assert ticket.status == Status.CLOSED and ticket.rating == "满意"
    labels = [step["label"] for step in app.timeline("tickets", no)]
    assert labels.count("回访") == 3 and "重办" in labels and labels[-1] == "办结归档"


def test_an_answer_on_the_spot_needs_no_department(app):
    no = register(app, kind="咨询")
    act(app, no, "resolve_on_spot", OPERATOR, reply="办理地点在区政务服务中心")
    ticket = app.get_item("tickets", no)
    assert ticket.status == Status.RESOLVED and ticket.reply_department == "12345热线"


def test_illegal_steps_are_refused(app):
    no = register(app)
    with pytest.raises(IllegalTransitionError):
        act(app, no, "callback", OPERATOR, reached=True, resolved=True)
    with pytest.raises(InvalidValueError):
        act(app, no, "dispatch", OPERATOR, department="区某某局")
    act(app, no, "resolve_on_spot", OPERATOR, reply="已答复")
    act(app, no, "callback", OPERATOR, reached=True, resolved=True, rating="满意")
    with pytest.raises(IllegalTransitionError):
        act(app, no, "dispatch", OPERATOR, department="区住建局")
    with pytest.raises(AccessDeniedError):
        app.register_ticket(LEAD, channel="phone", area="临城街道", category="其他", kind="咨询",
                            urgency="normal", title="t", content="c")


def test_another_departments_ticket_is_not_found_for_a_handler(app):
    no = handling(app)
    with pytest.raises(NotFoundError):
        act(app, no, "resolve", OTHER, reply="越权")
    act(app, no, "co_reply", CO, opinion="可以看到并提交意见")


def test_publication_needs_consent_and_an_approved_wording(app):
    no = register(app, publish=False, kind="咨询")
    act(app, no, "resolve_on_spot", OPERATOR, reply="请拨打13812345678咨询")
    with pytest.raises(IllegalTransitionError, match="不同意公开"):
        act(app, no, "publish", REVIEWER, title="t", content="c", reply="r")
    no = register(app, kind="咨询")
    act(app, no, "resolve_on_spot", OPERATOR, reply="请拨打13812345678咨询")
    act(app, no, "publish", REVIEWER, title="路灯", content="路灯坏了", reply="电话13812345678")
    ticket = app.get_item("tickets", no)
    assert ticket.published and "13812345678" not in ticket.public_reply


def test_two_handlers_signing_at_once_one_wins_and_the_other_conflicts(app):
    no = register(app)
    act(app, no, "dispatch", OPERATOR, department="区住建局")
    first, second = app.get_item("tickets", no), app.get_item("tickets", no)
    first.sign(actor="staff:h1", at=app.clock())
    second.sign(actor="staff:h1b", at=app.clock())
    app.save(first)
    with pytest.raises(ConflictError):
        app.save(second)
