"""Issue 9 (security probe): extensions are decided only while an item is being answered,
and rejected comments have no public visibility to withhold or release.

The rules are the aggregates' own: every test that drives an aggregate directly (not
through `Casework.act` and the workflow's states) shows a path the web does not take
but other code may. In-memory store; clock Wed 2026-09-30 09:00 Beijing.
"""

from datetime import date

import pytest

from domain.comments import COMMENTS, Status
from domain.errors import IllegalTransitionError
from domain.tickets import TICKETS
from domain.tickets import Status as TicketStatus
from tests.support import submit
from tests.unit.test_ticket_lifecycle import (CO, LEAD, OPERATOR, REVIEWER, SUPERVISOR, act,
                                              handling, register)


def dispatched(app, staff) -> str:
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    return no


def offered(workflow, item, actor) -> set:
    return {a.name for a in workflow.available(item, actor)}


def decide_directly(item, decision: str, clock) -> None:
    """Grant or decline on the aggregate itself, bypassing the workflow's states."""
    if decision == "grant_extension":
        extra = {"due_at": clock.now, "today": clock.today()} if hasattr(item, "ticket_no") else {}
        item.grant_extension(due_date=date(2026, 10, 30), actor="staff:x", at=clock.now, **extra)
    else:
        extra = {"today": clock.today()} if hasattr(item, "ticket_no") else {}
        item.decline_extension(reason="", actor="staff:x", at=clock.now, **extra)


# --- comments: extensions ------------------------------------------------------------------


def published_with_a_pending_request(app, staff) -> str:
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    app.act("comments", no, "draft", staff.handler, content="已修复。")
    app.act("comments", no, "approve", staff.reviewer)
    return no


def test_a_request_still_pending_when_the_reply_is_published_lapses(app, staff):
    no = published_with_a_pending_request(app, staff)
    comment = app.get_comment(no)  # replayed from the stored events
    assert (comment.status, comment.extension) == (Status.REPLIED, "lapsed")
    assert not {"grant_extension", "decline_extension"} & offered(COMMENTS, comment,
                                                                  staff.reviewer)


@pytest.mark.parametrize("decision", ["grant_extension", "decline_extension"])
def test_a_lapsed_request_is_decided_neither_through_the_workflow_nor_the_aggregate(
        app, staff, clock, decision):
    no = published_with_a_pending_request(app, staff)
    with pytest.raises(IllegalTransitionError):
        app.act("comments", no, decision, staff.reviewer)
    comment = app.get_comment(no)
    with pytest.raises(IllegalTransitionError, match="没有待审批的延期申请"):
        decide_directly(comment, decision, clock)
    assert comment.due_date == date(2026, 10, 13)


@pytest.mark.parametrize("decision", ["grant_extension", "decline_extension"])
def test_a_closed_comment_refuses_an_extension_decision_on_the_aggregate(app, staff, clock,
                                                                         decision):
    no = published_with_a_pending_request(app, staff)
    app.act("comments", no, "close", staff.reviewer, note="")
    comment = app.get_comment(no)
    with pytest.raises(IllegalTransitionError):
        decide_directly(comment, decision, clock)


@pytest.mark.parametrize("decision", ["grant_extension", "decline_extension"])
def test_a_returned_comment_waits_for_its_next_dispatch_before_a_decision(app, staff, clock,
                                                                        decision):
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    app.act("comments", no, "return", staff.handler, reason="非本单位职责")
    comment = app.get_comment(no)
    assert comment.status == Status.ACCEPTED
    with pytest.raises(IllegalTransitionError, match="已受理，待交办"):
        decide_directly(comment, decision, clock)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    assert app.act("comments", no, decision, staff.reviewer).extension in ("granted",
                                                                           "declined")


def test_a_request_decided_in_time_is_kept_after_publication(app, staff):
    no = dispatched(app, staff)
    app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    app.act("comments", no, "grant_extension", staff.reviewer)
    app.act("comments", no, "draft", staff.handler, content="已修复。")
    comment = app.act("comments", no, "approve", staff.reviewer)
    assert (comment.extension, comment.due_date) == ("granted", date(2026, 10, 16))


def test_after_a_lapse_a_reopened_round_may_ask_again(app, staff):
    receipt = submit(app)
    no = receipt["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    app.act("comments", no, "request_extension", staff.handler, days=1, reason="需现场勘查")
    app.act("comments", no, "draft", staff.handler, content="已修复。")
    app.act("comments", no, "approve", staff.reviewer)
    app.rate_reply(no, receipt["query_code"], "不满意")
    app.act("comments", no, "reopen", staff.reviewer, reason="核实属实")
    comment = app.act("comments", no, "request_extension", staff.handler, days=2,
                      reason="需更换灯杆")
    assert comment.extension == "requested"
    assert app.act("comments", no, "grant_extension", staff.reviewer).extension == "granted"


# --- comments: public visibility of a rejected comment ---------------------------------------


def rejected(app, staff, *, withheld_first: bool = False) -> str:
    no = submit(app)["tracking_no"]
    if withheld_first:  # a reviewer may withhold while the comment waits for review
        app.act("comments", no, "withhold", staff.reviewer, reason="涉及个人隐私")
    app.act("comments", no, "reject", staff.reviewer, reason="abusive")
    return no


def test_a_rejected_comment_cannot_be_withheld(app, staff, clock):
    no = rejected(app, staff)
    with pytest.raises(IllegalTransitionError, match="不予受理的留言不公开"):
        app.act("comments", no, "withhold", staff.reviewer, reason="涉及个人隐私")
    comment = app.get_comment(no)
    with pytest.raises(IllegalTransitionError):
        comment.withhold(reason="涉及个人隐私", actor="staff:rev", at=clock.now)
    assert "withhold" not in offered(COMMENTS, comment, staff.reviewer)


def test_a_rejected_comment_withheld_before_review_cannot_be_released(app, staff, clock):
    no = rejected(app, staff, withheld_first=True)
    with pytest.raises(IllegalTransitionError, match="不予受理的留言不公开"):
        app.act("comments", no, "release", staff.reviewer)
    comment = app.get_comment(no)
    with pytest.raises(IllegalTransitionError):
        comment.release(actor="staff:rev", at=clock.now)
    assert comment.withheld and not comment.is_public
    assert not {"release", "withhold", "redact"} & offered(COMMENTS, comment, staff.reviewer)


def test_a_rejected_comment_cannot_be_redacted_on_the_aggregate(app, staff, clock):
    comment = app.get_comment(rejected(app, staff))
    with pytest.raises(IllegalTransitionError):
        comment.redact(title="标题", content="内容", actor="staff:rev", at=clock.now)


def test_a_withheld_comment_that_was_accepted_can_still_be_released(app, staff):
    no = submit(app)["tracking_no"]
    app.act("comments", no, "withhold", staff.reviewer, reason="待核实")
    app.act("comments", no, "accept", staff.reviewer)
    assert app.act("comments", no, "release", staff.reviewer).withheld is False


# --- tickets -------------------------------------------------------------------------------


def resolved_with_a_pending_request(app) -> str:
    no = handling(app, kind="咨询")
    act(app, no, "co_reply", CO, opinion="同意")
    act(app, no, "request_extension", LEAD, days=2, reason="需现场勘查")
    act(app, no, "resolve", LEAD, reply="已修复")
    return no


def test_a_ticket_request_still_pending_when_the_ticket_is_answered_lapses(app):
    ticket = app.get_item("tickets", resolved_with_a_pending_request(app))
    assert (ticket.status, ticket.extension) == (TicketStatus.RESOLVED, "lapsed")
    assert not {"grant_extension", "decline_extension"} & offered(TICKETS, ticket, SUPERVISOR)


@pytest.mark.parametrize("decision", ["grant_extension", "decline_extension"])
def test_a_lapsed_ticket_request_is_decided_neither_through_the_workflow_nor_the_aggregate(
        app, clock, decision):
    no = resolved_with_a_pending_request(app)
    with pytest.raises(IllegalTransitionError):
        act(app, no, decision, SUPERVISOR, **({"reason": ""} if "decline" in decision else {}))
    ticket = app.get_item("tickets", no)
    with pytest.raises(IllegalTransitionError, match="没有待审批的延期申请"):
        decide_directly(ticket, decision, clock)
    assert ticket.due_date == date(2026, 10, 10)


def test_an_answer_on_the_spot_after_a_return_lapses_the_pending_request(app):
    no = handling(app, kind="咨询")
    act(app, no, "request_extension", LEAD, days=2, reason="需现场勘查")
    act(app, no, "return", LEAD, reason="不属于本单位职责")
    assert app.get_item("tickets", no).extension == "requested"
    ticket = act(app, no, "resolve_on_spot", OPERATOR, reply="已当场答复")
    assert ticket.extension == "lapsed"


def test_a_reopened_ticket_may_ask_again_after_a_lapse(app, clock):
    no = resolved_with_a_pending_request(app)
    clock.set_local(2026, 10, 9)
    act(app, no, "callback", OPERATOR, reached=True, resolved=False, rating="不满意")
    ticket = act(app, no, "request_extension", LEAD, days=1, reason="需更换灯杆")
    assert (ticket.status, ticket.extension) == (TicketStatus.HANDLING, "requested")


def test_a_reopened_ticket_cannot_publish_the_answer_being_reworked(app, clock):
    no = register(app, kind="咨询")
    act(app, no, "resolve_on_spot", OPERATOR, reply="已答复")
    act(app, no, "callback", OPERATOR, reached=True, resolved=False, rating="不满意")
    ticket = app.get_item("tickets", no)
    assert ticket.status == TicketStatus.HANDLING and ticket.reply == "已答复"
    with pytest.raises(IllegalTransitionError):
        act(app, no, "publish", REVIEWER, title="t", content="c", reply="r")
    with pytest.raises(IllegalTransitionError, match="办理中"):
        ticket.publish_reply(title="t", content="c", reply="r", actor="staff:rev",
                             at=clock.now)
    assert not ticket.published
