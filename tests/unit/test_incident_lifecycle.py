"""Public-opinion incidents: levels, the two owners together, both tracks, links, the close
rule and the clocks of 国办发〔2016〕61号 / 80号 at their boundaries."""

from datetime import timedelta

import pytest

from domain.actors import Actor
from domain.errors import AccessDeniedError, IllegalTransitionError, InvalidValueError
from domain.incidents import clocks
from tests.support import local

OPINION = Actor("yq", ("opinion",))
HANDLER = Actor("h1", ("handler",), "区住建局")
SPOKESPERSON = Actor("xw", ("handler",), "区政府办公室")


def opened(app, level="IV"):
    return app.open_incident(OPINION, title="临城街道化工异味", topic="生态环境", area="临城街道",
                             level=level, reasons=["生态环境：异味、刺鼻"]).incident_no


def assigned(app, level="IV"):
    no = opened(app, level)
    app.act("incidents", no, "assign", OPINION, handling_department="区住建局",
            response_department="区政府办公室")
    return no


def test_an_incident_needs_both_owners_before_either_track_moves(app):
    no = opened(app)
    with pytest.raises(IllegalTransitionError):
        app.act("incidents", no, "handling_update", OPINION, text="已派员核查")
    with pytest.raises(InvalidValueError):
        app.act("incidents", no, "assign", OPINION, handling_department="区住建局")
    app.act("incidents", no, "assign", OPINION, handling_department="区住建局",
            response_department="区政府办公室")
    assert app.get_item("incidents", no).status == "handling"


def test_it_closes_only_when_handling_and_response_are_both_complete(app):
    no = assigned(app)
    app.act("incidents", no, "handling_update", HANDLER, text="已封控现场", completed=True)
    with pytest.raises(IllegalTransitionError, match="回应尚未完成"):
        app.act("incidents", no, "close", OPINION, summary="处置完毕")
    app.act("incidents", no, "response_statement", SPOKESPERSON, statement="written",
            text="经查，系企业排放异常，已责令停产整改。", channel="区政府网站", completed=True)
    app.act("incidents", no, "close", OPINION, summary="处置与回应均已完成")
    incident = app.get_item("incidents", no)
    assert incident.status == "closed" and incident.summary == "处置与回应均已完成"


def test_each_track_is_reported_by_its_own_owner(app):
    no = assigned(app)
    with pytest.raises(AccessDeniedError):
        app.act("incidents", no, "response_statement", HANDLER, statement="written", text="x")
    with pytest.raises(AccessDeniedError):
        app.act("incidents", no, "handling_update", SPOKESPERSON, text="x")


def test_levels_change_with_a_reason_and_only_to_another_level(app):
    no = opened(app)
    app.act("incidents", no, "set_level", OPINION, level="II", reason="伤亡情况不明，关注度上升")
    assert app.get_item("incidents", no).level == "II"
    with pytest.raises(InvalidValueError):
        app.act("incidents", no, "set_level", OPINION, level="II", reason="重复")
    with pytest.raises(InvalidValueError):
        app.act("incidents", no, "set_level", OPINION, level="V", reason="未知")


def test_an_item_is_linked_once_and_can_be_unlinked(app):
    no = opened(app)
    ticket = app.register_ticket(Actor("op", ("operator",)), channel="phone", area="临城街道",
                                 category="生态环境", kind="投诉", urgency="normal",
                                 title="化工厂异味", content="气味刺鼻").number
    app.act("incidents", no, "link", OPINION, item_kind="tickets", item_no=ticket)
    with pytest.raises(InvalidValueError, match="已关联"):
        app.act("incidents", no, "link", OPINION, item_kind="tickets", item_no=ticket)
    incident = app.get_item("incidents", no)
    assert list(incident.links) == [f"tickets:{ticket}"]
    assert incident.link(item_kind="tickets", number=ticket, department=None, actor="system",
                         at=app.clock()) is False  # what the escalation process relies on
    app.act("incidents", no, "unlink", OPINION, item_kind="tickets", item_no=ticket,
            reason="与本事件无关")
    assert app.get_item("incidents", no).links == {}


def test_the_clocks_turn_amber_in_their_last_hour_and_red_when_missed():
    opened_at = local(2026, 10, 12, 9)
    at = lambda hours: opened_at + timedelta(hours=hours)  # noqa: E731
    states = lambda level, now, statements=(): [  # noqa: E731
        (c.name, c.state) for c in clocks(level, opened_at, list(statements), now)]
    assert states("IV", at(46.99)) == [("response", "green")]
    assert states("IV", at(47)) == [("response", "amber")]
    assert states("IV", at(48)) == [("response", "amber")]
    assert states("IV", at(48) + timedelta(seconds=1)) == [("response", "red")]
    assert states("II", at(4)) == [("authoritative", "amber"), ("press_conference", "green")]
    assert states("I", at(5.5)) == [("authoritative", "red"), ("press_conference", "green")]
    done = states("II", at(30), [{"kind": "authoritative", "at": at(6)},
                                 {"kind": "press_conference", "at": at(20)}])
    assert done == [("authoritative", "done"), ("press_conference", "done")]
    late = clocks("II", opened_at, [{"kind": "authoritative", "at": at(6)}], at(7))[0]
    assert late.late and late.state_label == "已超时完成"
