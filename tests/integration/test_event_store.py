"""The event store on a real SQLite file and a real PostgreSQL database (same test bodies)."""

import sqlite3

import pytest

from domain.errors import ConflictError
from domain.comments import Status
from tests.support import NAME, PHONE, submit


def raw_event_rows(runtime) -> list[tuple[str, bytes]]:
    """(topic, state) of every stored event, read past the application, as stored."""
    url = runtime.settings.database_url
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///"):]) as db:
            rows = db.execute("SELECT topic, state FROM stored_events").fetchall()
    else:
        import psycopg
        with psycopg.connect(url) as db:
            rows = db.execute("SELECT topic, state FROM minyi_events").fetchall()
    return [(topic, bytes(state)) for topic, state in rows]


def comment_states(runtime) -> list[bytes]:
    return [state for topic, state in raw_event_rows(runtime)
            if topic.startswith("minyi/comments:")]


def test_a_submitted_comment_reads_back_from_another_application_instance(
        runtime, make_runtime):
    receipt = submit(runtime.app, department="区住建局")
    other = make_runtime(runtime.settings, init=False)
    comment = other.app.comment_for_citizen(receipt["tracking_no"], receipt["query_code"])
    assert comment.status == Status.SUBMITTED
    assert comment.contact["name"] == NAME
    assert comment.requested_department == "区住建局"
    assert comment.submitted_at == receipt["submitted_at"]


def test_dates_survive_the_round_trip_as_dates(runtime, make_runtime, staff):
    no = submit(runtime.app)["tracking_no"]
    due = runtime.app.act("comments", no, "accept", staff.reviewer).due_date
    other = make_runtime(runtime.settings, init=False)
    assert other.app.get_comment(no).due_date == due
    assert type(other.app.get_comment(no).due_date) is type(due)


def test_the_raw_event_table_holds_the_comment_events(runtime):
    submit(runtime.app)
    topics = [topic for topic, _ in raw_event_rows(runtime)]
    assert "minyi/comments:Comment.Submitted" in topics


def test_personal_data_is_not_stored_in_plaintext(runtime):
    submit(runtime.app, email="zhangsanfeng@example.com")
    states = comment_states(runtime)
    assert states
    for secret in (NAME, PHONE, "zhangsanfeng@example.com", "小区路灯"):
        assert not any(secret.encode() in state for state in states), secret


def test_without_a_cipher_key_the_same_data_would_be_readable(make_settings, make_runtime,
                                                              database_url):
    # The control for the test above: it would see plaintext if encryption were off.
    runtime = make_runtime(make_settings(database_url, cipher_key=""), init=False)
    submit(runtime.app)
    states = comment_states(runtime)
    assert any(PHONE.encode() in state for state in states)


def test_a_stale_copy_of_a_comment_cannot_be_saved(runtime, make_runtime, staff, clock):
    no = submit(runtime.app)["tracking_no"]
    other = make_runtime(runtime.settings, init=False)
    stale = other.app.get_comment(no)
    runtime.app.act("comments", no, "accept", staff.reviewer)
    stale.reject(reason="duplicate", note="", actor=staff.reviewer.id, at=clock())
    with pytest.raises(ConflictError):
        other.app.save(stale)
    assert runtime.app.get_comment(no).status == Status.ACCEPTED


def test_the_losing_command_changes_nothing(runtime, make_runtime, staff, clock):
    no = submit(runtime.app)["tracking_no"]
    other = make_runtime(runtime.settings, init=False)
    stale = other.app.get_comment(no)
    runtime.app.act("comments", no, "reject", staff.reviewer, reason="out_of_scope")
    stale.accept(due_date=clock.today(), actor=staff.reviewer.id, at=clock())
    with pytest.raises(ConflictError):
        other.app.save(stale)
    assert [t["event"] for t in other.app.timeline("comments", no)] == ["Submitted", "Rejected"]


def test_notification_positions_increase_with_every_save(runtime, staff):
    positions = []
    for _ in range(3):
        no = submit(runtime.app)["tracking_no"]
        positions.append(runtime.app.recorder.max_notification_id())
        runtime.app.act("comments", no, "accept", staff.reviewer)
        positions.append(runtime.app.recorder.max_notification_id())
    assert positions == sorted(set(positions))


def test_the_notification_log_reads_back_in_increasing_order(runtime, staff):
    for _ in range(3):
        runtime.app.act("comments", submit(runtime.app)["tracking_no"], "accept", staff.reviewer)
    ids = [n.id for n in runtime.app.recorder.select_notifications(0, 1000)]
    assert len(ids) == 33 + 6  # seeded departments, then three comments of two events each
    assert all(a < b for a, b in zip(ids, ids[1:]))


def test_seeding_departments_twice_adds_nothing(runtime):
    before = runtime.app.recorder.max_notification_id()
    runtime.init_storage()
    assert runtime.app.recorder.max_notification_id() == before
