"""Read models projected from the event log, on SQLite and on PostgreSQL (same test bodies).

Clock: Wed 2026-09-30 09:00 Beijing; a 咨询 accepted that day is due Tue 2026-10-13.
"""

from datetime import date

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from domain.comments import Comment, Status
from infrastructure.views import READ_MODELS
from tests.support import NAME, PHONE, local, replied, submit

DUE = date(2026, 10, 13)
EMAIL = "zhangsanfeng@example.com"


@pytest.fixture
def q(runtime):
    return runtime.queries


def dispatched(app, staff) -> str:
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    return no


def all_rows(runtime) -> dict:
    """Every row of every read-model table, in a stable order."""
    snapshot = {}
    for model in runtime.read_model_instances:
        for table in model.tables:
            order = "id, version" if table == "citizen_steps" else model.columns(table)[0]
            snapshot[table] = runtime.views.query(f"SELECT * FROM {table} ORDER BY {order}")
    return snapshot


# --- public listing ------------------------------------------------------------------------


def test_the_public_listing_shows_only_consented_visible_replied_comments(runtime, q, staff):
    app, rev = runtime.app, staff.reviewer
    public = replied(app, staff)["tracking_no"]
    private = replied(app, staff, publish=False)["tracking_no"]
    withheld = replied(app, staff)["tracking_no"]
    app.act("comments", withheld, "withhold", rev, reason="涉及个人隐私")
    released = replied(app, staff)["tracking_no"]
    app.act("comments", released, "withhold", rev, reason="待核实")
    app.act("comments", released, "release", rev)
    unanswered = dispatched(app, staff)
    runtime.catch_up_all()
    listed = [item["tracking_no"] for item in q.public_replies().items]
    assert sorted(listed) == sorted([public, released])
    assert q.public_reply(private) is None and q.public_reply(unanswered) is None
    assert q.public_reply(withheld) is None


def test_a_rejected_comment_never_reaches_the_public_table(runtime, staff):
    no = submit(runtime.app)["tracking_no"]
    runtime.catch_up_all()  # it was there while waiting for review, invisible
    runtime.app.act("comments", no, "reject", staff.reviewer, reason="abusive")
    runtime.catch_up_all()
    rows = runtime.views.query("SELECT * FROM pub_replies WHERE tracking_no = :t", {"t": no})
    assert rows == []


def test_a_public_reply_lists_receipt_date_reply_date_department_and_reply(runtime, q, staff,
                                                                           clock):
    app = runtime.app
    no = submit(app)["tracking_no"]
    app.act("comments", no, "accept", staff.reviewer)
    app.act("comments", no, "dispatch", staff.reviewer, department="区住建局")
    app.act("comments", no, "draft", staff.handler, content="已修复。")
    clock.set_local(2026, 10, 9)
    app.act("comments", no, "approve", staff.reviewer)
    runtime.catch_up_all()
    item = q.public_reply(no)
    assert (item["accepted_on"], item["replied_on"]) == ("2026-09-30", "2026-10-09")
    assert (item["reply_department"], item["reply"]) == ("区住建局", "已修复。")
    assert (item["kind"], item["category"], item["rating"]) == ("咨询", "城乡建设", None)


def test_dates_in_the_listing_are_beijing_dates(runtime, q, staff, clock):
    app = runtime.app
    no = submit(app)["tracking_no"]
    clock.now = local(2026, 10, 8, hour=1)  # still 10-07 in UTC
    app.act("comments", no, "accept", staff.reviewer)
    runtime.catch_up_all()
    row = runtime.views.query("SELECT accepted_on FROM pub_replies WHERE tracking_no = :t",
                              {"t": no})[0]
    assert row["accepted_on"] == "2026-10-08"


def test_personal_data_in_public_text_is_masked(runtime, q, staff):
    content = f"路灯坏了，电话{PHONE}，邮箱{EMAIL}"
    no = replied(runtime.app, staff, content=content)["tracking_no"]
    runtime.catch_up_all()
    item = q.public_reply(no)
    assert item["content"] == "路灯坏了，电话138****5678，邮箱***@***"


def test_no_read_model_holds_contact_details(runtime, staff):
    receipt = replied(runtime.app, staff, email=EMAIL)
    runtime.app.rate_reply(receipt["tracking_no"], receipt["query_code"], "满意")
    runtime.catch_up_all()
    text = repr(all_rows(runtime))
    assert receipt["tracking_no"] in text  # the rows are there ...
    for secret in (NAME, PHONE, EMAIL, receipt["query_code"]):  # ... the secrets are not
        assert secret not in text


def test_a_rating_shows_in_the_public_listing(runtime, q, staff):
    receipt = replied(runtime.app, staff)
    runtime.app.rate_reply(receipt["tracking_no"], receipt["query_code"], "非常满意")
    runtime.catch_up_all()
    assert q.public_reply(receipt["tracking_no"])["rating"] == "非常满意"


def test_the_public_listing_filters_by_department_and_search_text(runtime, q, staff):
    app = runtime.app
    ours = replied(app, staff, title="主干道路灯不亮")["tracking_no"]
    replied(app, staff, department="区交运局", title="公交站牌缺失")
    runtime.catch_up_all()
    assert [i["tracking_no"] for i in q.public_replies(department="区住建局").items] == [ours]
    assert [i["tracking_no"] for i in q.public_replies(q="主干道").items] == [ours]


def test_a_percent_sign_in_the_search_text_is_taken_literally(runtime, q, staff):
    replied(runtime.app, staff)
    runtime.catch_up_all()
    assert q.public_replies().total == 1
    assert q.public_replies(q="%").total == 0


# --- staff inbox ---------------------------------------------------------------------------


def test_the_inbox_shows_status_department_and_due_date(runtime, q, staff):
    no = dispatched(runtime.app, staff)
    runtime.catch_up_all()
    item = q.inbox_item(no)
    assert (item["status"], item["department"], item["due_date"]) == (
        Status.DISPATCHED, "区住建局", DUE.isoformat())


def test_an_open_item_is_not_overdue_on_its_due_date(runtime, q, staff):
    dispatched(runtime.app, staff)
    runtime.catch_up_all()
    assert [i["overdue"] for i in q.inbox(today=DUE).items] == [0]


def test_an_open_item_is_overdue_the_day_after_its_due_date(runtime, q, staff):
    no = dispatched(runtime.app, staff)
    runtime.catch_up_all()
    page = q.inbox(today=date(2026, 10, 14), overdue=True)
    assert [(i["tracking_no"], i["overdue"]) for i in page.items] == [(no, 1)]


def test_a_replied_item_is_never_overdue(runtime, q, staff):
    no = replied(runtime.app, staff)["tracking_no"]
    runtime.catch_up_all()
    assert q.inbox(today=date(2026, 12, 1), overdue=True).total == 0
    assert q.inbox_item(no)["status"] == Status.REPLIED


def test_inbox_counts_by_status_and_overdue(runtime, q, staff):
    app = runtime.app
    dispatched(app, staff)
    dispatched(app, staff)
    replied(app, staff)
    submit(app)
    runtime.catch_up_all()
    counts = q.inbox_counts(today=date(2026, 10, 14))
    assert counts == {Status.DISPATCHED: 2, Status.REPLIED: 1, Status.SUBMITTED: 1,
                      "overdue": 2}


def test_the_inbox_filters_by_department(runtime, q, staff):
    app = runtime.app
    ours = dispatched(app, staff)
    other = submit(app)["tracking_no"]
    app.act("comments", other, "accept", staff.reviewer)
    app.act("comments", other, "dispatch", staff.reviewer, department="区交运局")
    runtime.catch_up_all()
    assert [i["tracking_no"] for i in q.inbox(today=DUE, department="区住建局").items] == [ours]


def test_a_granted_extension_moves_the_due_date_in_the_inbox(runtime, q, staff):
    no = dispatched(runtime.app, staff)
    runtime.app.act("comments", no, "request_extension", staff.handler, days=3, reason="需现场勘查")
    runtime.app.act("comments", no, "grant_extension", staff.reviewer)
    runtime.catch_up_all()
    item = q.inbox_item(no)
    assert (item["extension"], item["due_date"]) == ("granted", "2026-10-16")


def test_a_reopened_item_is_back_in_the_inbox_for_a_second_round(runtime, q, staff, clock):
    receipt = replied(runtime.app, staff)
    no = receipt["tracking_no"]
    runtime.app.rate_reply(no, receipt["query_code"], "不满意")
    clock.set_local(2026, 10, 12)
    runtime.app.act("comments", no, "reopen", staff.reviewer, reason="核实属实")
    runtime.catch_up_all()
    item = q.inbox_item(no)
    assert (item["status"], item["round"], item["due_date"], item["rating"]) == (
        Status.DISPATCHED, 2, "2026-11-02", None)


# --- the citizen's view ------------------------------------------------------------------------


def test_the_citizen_sees_the_public_steps_but_not_internal_ones(runtime, q, staff):
    app = runtime.app
    no = dispatched(app, staff)
    app.act("comments", no, "draft", staff.handler, content="初稿")
    app.act("comments", no, "send_back", staff.reviewer, reason="内部意见")
    app.act("comments", no, "draft", staff.handler, content="已修复。")
    app.act("comments", no, "withhold", staff.reviewer, reason="内部原因")
    app.act("comments", no, "approve", staff.reviewer)
    runtime.catch_up_all()
    view = q.citizen_view(no)
    assert [s["event"] for s in view["steps"]] == [
        "Submitted", "Accepted", "Dispatched", "ReplyPublished"]
    assert view["steps"][2]["department"] == "区住建局"
    assert "内部意见" not in repr(view)


def test_the_citizen_sees_the_reply_and_may_rate_it_once(runtime, q, staff):
    receipt = replied(runtime.app, staff)
    no = receipt["tracking_no"]
    runtime.catch_up_all()
    view = q.citizen_view(no)
    assert (view["status"], view["reply"], view["can_rate"]) == (
        Status.REPLIED, "已安排维修，三日内修复。", 1)
    runtime.app.rate_reply(no, receipt["query_code"], "满意")
    runtime.catch_up_all()
    view = q.citizen_view(no)
    assert (view["status"], view["rating"], view["can_rate"]) == (Status.CLOSED, "满意", 0)


def test_the_citizen_sees_the_reject_reason(runtime, q, staff):
    no = submit(runtime.app)["tracking_no"]
    runtime.app.act("comments", no, "reject", staff.reviewer, reason="out_of_scope")
    runtime.catch_up_all()
    view = q.citizen_view(no)
    assert (view["status"], view["reject_reason"]) == (Status.REJECTED, "out_of_scope")


def test_an_unknown_tracking_number_has_no_citizen_view(runtime, q):
    runtime.catch_up_all()
    assert q.citizen_view("LY20260930000000") is None


# --- directory -----------------------------------------------------------------------------


def test_the_seeded_departments_are_listed(runtime, q):
    runtime.catch_up_all()
    departments = q.departments()
    assert len(departments) == 33 and "区住建局" in departments and "陶庄镇" in departments


# --- exactly once --------------------------------------------------------------------------


@pytest.fixture
def reopened(runtime, staff):
    """A comment whose last event is Reopened (round + 1), projected; returns its number."""
    receipt = replied(runtime.app, staff)
    no = receipt["tracking_no"]
    runtime.app.rate_reply(no, receipt["query_code"], "不满意")
    runtime.catch_up_all()
    runtime.app.act("comments", no, "reopen", staff.reviewer, reason="核实属实")
    return no


def last_batch(runtime, updater, start: int) -> tuple[list, list]:
    """The notifications after `start` and the statements the read model makes of them."""
    notifications = runtime.app.recorder.select_notifications(
        start, 100, topics=updater.model.topics, inclusive_of_start=False)
    statements, generation = [], updater.serving()
    for n in notifications:
        updater.model.handle(runtime.app.mapper.to_domain_event(n),
                             lambda sql, params: statements.append(
                                 (generation.rewrite(sql), params)))
    return notifications, statements


def inbox_round(runtime, no) -> int:
    return runtime.queries.inbox_item(no)["round"]


@pytest.mark.parametrize("replay_at", ["same position", "lower position"])
def test_a_replayed_batch_is_refused_and_counts_nothing_twice(runtime, reopened, replay_at):
    runner = runtime.updater("staff_inbox")
    start = runner.position()
    runner.catch_up()
    end = runner.position()
    notifications, statements = last_batch(runtime, runner, start)
    assert [n.topic for n in notifications] == [get_topic(Comment.Reopened)]
    assert inbox_round(runtime, reopened) == 2
    position = end if replay_at == "same position" else start
    with pytest.raises(IntegrityError):
        runtime.views.apply(Tracking(runner.serving().tracking_name, position), statements)
    assert inbox_round(runtime, reopened) == 2
    assert runner.position() == end


def test_the_replayed_statements_would_count_twice_without_the_tracking_position(
        runtime, reopened):
    # The control for the test above: the batch is not harmless by itself.
    runner = runtime.updater("staff_inbox")
    start = runner.position()
    runner.catch_up()
    _, statements = last_batch(runtime, runner, start)
    runtime.views.apply(Tracking("some-other-consumer", runner.position()), statements)
    assert inbox_round(runtime, reopened) == 3


def test_a_runner_with_a_stale_position_projects_nothing(runtime, reopened, monkeypatch):
    runner = runtime.updater("staff_inbox")
    stale = runner.position()
    runner.catch_up()
    end = runner.position()
    before = all_rows(runtime)
    generation = runner.serving()
    monkeypatch.setattr(runner, "position", lambda g=None: stale)  # read the same batch again
    assert runner.run_batch(generation) == 0
    assert all_rows(runtime) == before
    assert runtime.views.position(generation.tracking_name) == end


def test_catching_up_twice_changes_nothing(runtime, reopened):
    runtime.catch_up_all()
    before = all_rows(runtime)
    assert set(runtime.catch_up_all().values()) == {0}
    assert all_rows(runtime) == before


def test_every_projection_handles_only_the_events_it_subscribes_to(runtime, staff):
    submit(runtime.app)
    counts = runtime.catch_up_all()
    assert counts == {"public_replies": 1, "staff_inbox": 1, "citizen_view": 1,
                      "ticket_queue": 0, "directory": 33, "statistics": 1,
                      "incident_board": 0, "escalation": 1, "notifications": 1,
                      "consultations": 0, "comment_photos": 0}


# --- rebuild -------------------------------------------------------------------------------


def build_history(rt, staff, clock) -> None:
    """A varied history, projected a little at a time as it is made."""
    app, rev = rt.app, staff.reviewer
    app.register_staff(username="h1", display_name="住建局承办人", password_hash="x",
                       roles=["handler"], department="区住建局", actor=staff.admin)
    for kind in ("咨询", "投诉"):
        receipt = replied(app, staff, kind=kind)
        rt.catch_up_all()
        app.rate_reply(receipt["tracking_no"], receipt["query_code"], "不满意")
        clock.advance(days=1)
        app.act("comments", receipt["tracking_no"], "reopen", rev, reason="核实属实")
        rt.catch_up_all()
    rejected = submit(app)["tracking_no"]
    app.act("comments", rejected, "reject", rev, reason="duplicate")
    redacted = replied(app, staff)["tracking_no"]
    app.act("comments", redacted, "redact", rev, title="路灯维修", content="路灯坏了，电话13912345678")
    app.act("comments", redacted, "withhold", rev, reason="待核实")
    rt.catch_up_all()
    extended = dispatched(app, staff)
    app.act("comments", extended, "request_extension", staff.handler, days=2, reason="需勘查")
    app.act("comments", extended, "grant_extension", rev)
    app.act("comments", extended, "transfer", rev, department="区交运局")
    rt.catch_up_all()


def test_a_rebuild_gives_the_same_rows_as_incremental_projection(make_settings, make_runtime,
                                                                 database_url, staff, clock):
    rt = make_runtime(make_settings(database_url, batch_size=3))
    build_history(rt, staff, clock)
    incremental = all_rows(rt)
    assert len(incremental["inbox"]) == 5 and len(incremental["staff"]) == 1
    for updater in rt.updaters():
        updater.rebuild()
    assert all_rows(rt) == incremental


def test_a_rebuild_reads_the_whole_log_again(make_settings, make_runtime, database_url, staff,
                                             clock):
    rt = make_runtime(make_settings(database_url, batch_size=3))
    build_history(rt, staff, clock)
    assert rt.updater("directory").rebuild() == 33 + 1  # departments and one staff account


def test_no_two_read_models_share_a_table_that_a_rebuild_would_drop():
    tables = [table for cls in READ_MODELS for table in cls.tables]
    assert len(tables) == len(set(tables))


def test_one_pass_rebuild_of_every_read_model_gives_the_same_rows(make_settings, make_runtime,
                                                                  database_url, staff, clock):
    """`minyi rebuild all`: every read model built again in one pass over the log (each
    batch decoded once), with batches that cut across every read model's events."""
    from infrastructure.views.updater import CatchUp
    rt = make_runtime(make_settings(database_url, batch_size=4))
    build_history(rt, staff, clock)
    incremental = all_rows(rt)
    before = {u.name: u.serving().number for u in rt.updaters()}
    taken = CatchUp(rt.app, rt.views, rt.updaters(), batch_size=4).rebuild()
    assert taken["staff_inbox"] > 0 and all(u.serving().number > before[u.name]
                                      for u in rt.updaters())
    assert all_rows(rt) == incremental


def test_rebuild_all_in_two_processes_gives_the_same_rows(make_settings, make_runtime,
                                                          database_url, staff, clock):
    """`minyi rebuild all --jobs 2`: the read models split into two groups, each rebuilt
    by a process of its own (every history inside one batch, so updates fold into inserts),
    writing into the same read-model database."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    settings = make_settings(database_url)
    rt = make_runtime(settings)
    build_history(rt, staff, clock)
    incremental = all_rows(rt)
    before = {u.name: u.serving().number for u in rt.updaters()}
    env = {**os.environ, "DATABASE_URL": database_url, "CIPHER_KEY": settings.cipher_key,
           "SECRET_KEY": settings.secret_key, "REDIS_URL": settings.redis_url,
           "REDIS_KEY_PREFIX": settings.key_prefix, "RQ_QUEUE": settings.queue_name}
    done = subprocess.run([sys.executable, "-m", "web.cli", "rebuild", "all", "--jobs", "2"],
                          cwd=Path(__file__).resolve().parents[2], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert all(f"{u.name}: 已重建" in done.stdout for u in rt.updaters())
    assert all(u.serving().number > before[u.name] for u in rt.updaters())
    assert all_rows(rt) == incremental


@pytest.mark.parametrize("follow, expected", [(True, 5), (False, 3)])
def test_a_pass_that_does_not_follow_the_tail_ends_at_its_first_short_batch(
        runtime, follow, expected):
    """A worker's job (follow=False) takes what the log holds when it reads and leaves what
    is saved meanwhile to the next job, which those saves' pokes enqueue; a pass that
    follows the tail (tests, the CLI) reads on until the log has nothing more."""
    from infrastructure.views.updater import CatchUp
    runtime.catch_up_all()
    for _ in range(3):
        submit(runtime.app)
    saved_meanwhile = []

    def after_batch(count: int) -> None:
        if not saved_meanwhile:  # two submissions land while the first batch is written
            saved_meanwhile.extend(submit(runtime.app) for _ in range(2))

    taken = CatchUp(runtime.app, runtime.views, [runtime.updater("staff_inbox")],
                    batch_size=100).run(on_batch=after_batch, follow=follow)
    assert taken["staff_inbox"] == expected
    assert runtime.catch_up_all()["staff_inbox"] == 5 - expected
