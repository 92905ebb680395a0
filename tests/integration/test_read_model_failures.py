"""A read model that cannot take an event stops there, visibly, while the others go on.

Same test body on SQLite and PostgreSQL; the catch-up runs as the real RQ job on a real
Redis (burst SimpleWorker in-process).
"""

import pytest
from rq import Queue, SimpleWorker

from tests.support import submit
from web import create_app
from workers.context import use_runtime

pytestmark = pytest.mark.redis


@pytest.fixture
def rt(make_settings, make_runtime, database_url, redis_client):
    runtime = make_runtime(make_settings(database_url))
    use_runtime(runtime)
    yield runtime
    use_runtime(None)


def run_catch_up_job(rt, redis_client):
    """Enqueue and run the real catch-up job; returns the finished (or failed) job."""
    queue = Queue(rt.settings.queue_name, connection=redis_client)
    job = queue.enqueue("workers.jobs.catch_up_all")
    SimpleWorker([queue], connection=redis_client).work(burst=True, logging_level="CRITICAL")
    job.refresh()
    return job


def poison_inbox_row(rt, tracking_no: str) -> str:
    """A row that will clash with the comment's own inbox row (tracking_no is unique)."""
    table = rt.updater("staff_inbox").serving().names["inbox"]
    rt.views.run([f"INSERT INTO {table} (id, tracking_no, title, kind, category, status, "
                  f"submitted_at, updated_at, version) VALUES ('poison', '{tracking_no}', 'x', "
                  "'咨询', '其他', 'submitted', '2026-01-01', '2026-01-01', 1)"])
    return table


def test_a_poison_row_stops_its_read_model_visibly_while_the_others_go_on(
        rt, redis_client, monkeypatch):
    first = submit(rt.app)["tracking_no"]
    rt.catch_up_all()
    before = rt.app.recorder.max_notification_id()
    # The next tracking number is known in advance, so a clashing row can wait for it.
    monkeypatch.setattr(rt.app, "_new_tracking_no", lambda now: "LY20260930000777")
    table = poison_inbox_row(rt, "LY20260930000777")
    second = submit(rt.app)["tracking_no"]
    monkeypatch.undo()
    third = submit(rt.app)["tracking_no"]

    job = run_catch_up_job(rt, redis_client)

    assert job.is_failed
    assert "staff_inbox" in job.latest_result().exc_string
    assert f"event {before + 1}" in job.latest_result().exc_string
    # The others went on: the citizen view has all three, the inbox stopped before the second.
    assert all(rt.queries.citizen_view(no) for no in (first, second, third))
    inbox = rt.updater("staff_inbox")
    assert inbox.position() == before
    assert rt.queries.inbox_item(first) is not None and rt.queries.inbox_item(third) is None
    client = create_app({"TESTING": True}, runtime=rt).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["read_models"]["staff_inbox"]["ready"] is False
    assert ready.get_json()["checks"]["read_models"]["public_replies"]["ready"] is True
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'minyi_read_model_failed{read_model="staff_inbox"} 1' in metrics
    assert 'minyi_read_model_lag{read_model="staff_inbox"} 2' in metrics
    assert 'minyi_read_model_failed{read_model="public_replies"} 0' in metrics
    assert "minyi_failed_jobs 1" in metrics

    # Nothing was skipped: once the bad row is gone, the inbox takes both events.
    rt.views.run([f"DELETE FROM {table} WHERE id = 'poison'"])
    assert run_catch_up_job(rt, redis_client).is_finished
    assert rt.queries.inbox_item(second) and rt.queries.inbox_item(third)
    assert client.get("/readyz").status_code == 200
