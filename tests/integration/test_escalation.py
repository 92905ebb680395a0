"""Escalation end to end on SQLite and PostgreSQL: scored arrivals open or feed incidents;
replays and a crash mid-batch change nothing twice."""

from datetime import timedelta

import pytest

from domain.actors import Actor

OPERATOR = Actor("op", ("operator",))
SMELL = "临城街道化工园区附近有很重的化学异味，已经持续一个晚上"


def complain(app, clock, text=SMELL, category="生态环境", area="临城街道", title=None):
    clock.advance(minutes=2)
    return app.submit_comment(title=title or text[:12], content=text, kind="投诉",
                              category=category, area=area)["tracking_no"]


def incidents(runtime):
    return runtime.queries.incident_board(now=runtime.app.clock()).items


def test_a_burst_of_complaints_opens_one_incident_with_all_of_them(runtime, clock):
    app = runtime.app
    burst = [complain(app, clock) for _ in range(4)]
    runtime.catch_up_all()
    assert incidents(runtime) == []  # four are not yet a spike
    burst += [complain(app, clock) for _ in range(16)]
    unrelated = complain(app, clock, "小区门口路灯坏了好几天", category="城乡建设")
    runtime.catch_up_all()
    runtime.catch_up_all()  # the board sees what the escalation opened
    (board,) = incidents(runtime)
    incident = app.get_item("incidents", board["incident_no"])
    assert board["linked_count"] == 20 and board["topic"] == "生态环境"
    assert board["area"] == "临城街道" and board["source"] == "escalation"
    assert sorted(link["number"] for link in incident.links.values()) == sorted(burst)
    assert f"comments:{unrelated}" not in incident.links
    assert any("2小时内临城街道" in reason for reason in incident.reasons)


def test_an_emergency_opens_an_incident_at_once_and_replays_change_nothing(runtime, clock):
    app = runtime.app
    first = complain(app, clock, "小区燃气泄漏，楼道里气味很重", category="公共安全")
    runtime.catch_up_all()
    (board,) = incidents(runtime)
    assert board["level"] == "III" and board["incident_no"] == f"YQ{first}"
    head = app.recorder.max_notification_id()
    runtime.updater("escalation").rebuild()  # every arrival scored again
    runtime.catch_up_all()
    assert len(incidents(runtime)) == 1
    assert app.recorder.max_notification_id() == head  # no command recorded anything new


def test_a_crash_after_the_commands_and_before_the_position_is_harmless(runtime, clock,
                                                                        monkeypatch):
    app = runtime.app
    complain(app, clock, "化工厂发生爆炸，有人员伤亡")
    store, calls = runtime.views, []
    original = store.apply

    def crash_once(tracking, statements):
        if tracking.application_name.startswith("escalation") and not calls:
            calls.append(tracking)
            raise RuntimeError("worker killed")
        return original(tracking, statements)
    monkeypatch.setattr(store, "apply", crash_once)
    with pytest.raises(Exception):
        runtime.updater("escalation").catch_up()
    runtime.views.run(["UPDATE minyi_read_models SET last_error = NULL"])
    runtime.catch_up_all()
    (board,) = incidents(runtime)
    incident = app.get_item("incidents", board["incident_no"])
    assert len(incident.links) == 1 and board["linked_count"] == 1


def test_an_item_after_its_incident_closed_opens_a_new_one(runtime, clock):
    app = runtime.app
    first = complain(app, clock, "食堂饭菜导致多人中毒", category="食品药品")
    runtime.catch_up_all()
    number = f"YQ{first}"
    team = Actor("yq", ("opinion",))
    app.act("incidents", number, "assign", team, handling_department="区卫健局",
            response_department="区政府办公室")
    app.act("incidents", number, "handling_update", team, text="已救治", completed=True)
    app.act("incidents", number, "response_statement", team, statement="written",
            text="情况通报", completed=True)
    app.act("incidents", number, "close", team, summary="已处置")
    clock.advance(hours=3)
    second = complain(app, clock, "今天又有学生食物中毒了", category="食品药品")
    runtime.catch_up_all()
    assert app.get_item("incidents", f"YQ{second}").status == "open"
    assert len(app.get_item("incidents", number).links) == 1


def test_ordinary_items_in_one_place_make_no_spike(runtime, clock):
    app = runtime.app
    for _ in range(8):
        complain(app, clock, "小区门口路灯坏了，晚上看不见", category="城乡建设")
    runtime.catch_up_all()
    assert incidents(runtime) == []


def test_emergencies_in_one_place_share_an_incident_only_when_of_one_kind(runtime, clock):
    app = runtime.app
    fire = complain(app, clock, "永福路一家饭店起火，浓烟很大", category="公共安全")
    again = complain(app, clock, "永福路饭店着火了，消防车还没到", category="公共安全")
    flood = complain(app, clock, "永福路地下通道内涝，车辆被困", category="公共安全")
    runtime.catch_up_all()
    runtime.catch_up_all()
    board = {row["topic"]: row for row in incidents(runtime)}
    assert sorted(board) == ["突发事件（洪涝）", "突发事件（火灾爆炸）"]
    fires = app.get_item("incidents", board["突发事件（火灾爆炸）"]["incident_no"])
    assert sorted(link["number"] for link in fires.links.values()) == sorted([fire, again])
    assert board["突发事件（洪涝）"]["incident_no"] == f"YQ{flood}"


@pytest.mark.parametrize("minutes_after_first, spike", [(119, True), (120, False)])
def test_a_spike_counts_stored_items_within_the_window_and_not_one_window_old(
        runtime, clock, minutes_after_first, spike):
    """Four complaints stored in earlier batches, a fifth in a batch of its own: within
    two hours of the first it makes a spike of five; exactly two hours after, the first no
    longer counts."""
    app = runtime.app
    first = complain(app, clock)
    runtime.catch_up_all()
    others = [complain(app, clock) for _ in range(3)]  # 2, 4 and 6 minutes after the first
    runtime.catch_up_all()
    clock.advance(minutes=minutes_after_first - 8)
    fifth = complain(app, clock)  # complain() moves the clock 2 minutes on
    runtime.catch_up_all()
    runtime.catch_up_all()
    board = incidents(runtime)
    if not spike:
        assert board == []
        return
    (only,) = board
    linked = app.get_item("incidents", only["incident_no"]).links.values()
    assert sorted(link["number"] for link in linked) == sorted([first, *others, fifth])


@pytest.mark.parametrize("second_at, spike", [(119, True), (120, False)])
def test_arrivals_of_one_batch_each_count_the_stored_items_of_their_own_window(
        runtime, clock, second_at, spike):
    """Three complaints stored (at 0, 2 and 4 minutes), then two in one batch, the second
    `second_at` minutes after the first complaint: at 119 minutes all five are in its
    window (a spike); at 120 the first is exactly one window old and no longer counts."""
    app = runtime.app
    stored = [complain(app, clock) for _ in range(3)]
    runtime.catch_up_all()
    clock.advance(minutes=second_at - 1 - 4 - 2)  # complain() moves the clock 2 minutes on
    batch = [complain(app, clock)]  # one minute before the second: never five on its own
    clock.advance(minutes=-1)
    batch.append(complain(app, clock))
    runtime.catch_up_all()
    runtime.catch_up_all()
    board = incidents(runtime)
    assert len(board) == (1 if spike else 0)
    if spike:
        linked = app.get_item("incidents", board[0]["incident_no"]).links.values()
        assert sorted(link["number"] for link in linked) == sorted([*stored, *batch])
