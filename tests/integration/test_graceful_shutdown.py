"""SIGTERM to a real RQ worker in the middle of a long catch-up: it finishes the batch it is
in, releases its read-model lock and exits promptly, leaving the tracking position at a
batch boundary; a second worker takes up the rest and ends where one uninterrupted
consumer would (SQLite and PostgreSQL).

The workers are real processes (`python -m workers worker`, through
tests/integration/worker_probe.py, which records each batch in Redis and slows it down so
that the signal lands mid catch-up).
"""

import json
import time

import pytest
from rq import Queue

from tests.integration.worker_probe import (Worker, all_rows, records,  # noqa: F401
                                            reference_views_url, single_consumer_rows,
                                            wait_for, worker_env)
from tests.support import submit

pytestmark = pytest.mark.redis

BATCH = 20
ITEMS = 160  # 8 batches for each read model a comment feeds
DELAY = 0.25  # seconds added to each batch: draining everything would take > 10 s


@pytest.fixture
def settings(make_settings, database_url, redis_client):
    return make_settings(database_url, batch_size=BATCH)


def test_a_terminated_worker_stops_after_its_batch_and_another_finishes_the_work(
        settings, make_settings, make_runtime, redis_client, reference_views_url, tmp_path):
    rt = make_runtime(settings)
    for _ in range(ITEMS):
        submit(rt.app)
    assert rt.poker() is True  # one catch-up job waits on the queue
    probe = f"{settings.key_prefix}:probe"
    env = worker_env(settings, tmp_path, probe)
    first = Worker({**env, "PROBE_BATCH_DELAY": str(DELAY)}, [settings.queue_name], tmp_path)
    try:
        wait_for(lambda: len(records(redis_client, probe)) >= 2, 60, "two batches")
        signalled = first.terminate()
        assert first.wait(timeout=15) == 0
        stopped_after = time.monotonic() - signalled
    finally:
        first.kill()
    assert stopped_after < 3, f"took {stopped_after:.1f} s to stop"

    done = records(redis_client, probe)
    model = done[-1]["model"]
    updater = rt.updater(model)
    # It stopped at the end of a batch it committed: every read model is fed in one pass
    # over the log, so each stands at the same batch boundary of the events they read.
    topics = sorted({t for u in rt.updaters() for t in u.model.topics})
    ids = [n.id for n in rt.app.recorder.select_notifications(0, 10_000, topics=topics)]
    boundaries = {ids[k - 1] for k in range(BATCH, len(ids) + 1, BATCH)}
    assert updater.position() == done[-1]["after"]
    assert updater.position() in boundaries and updater.position() < ids[-1]
    assert len({r["after"] for r in done}) < len(ids) // BATCH
    assert {u.position() for u in rt.updaters() if u.position()} == {updater.position()}
    stopped_at = updater.position()
    # Its lock is gone, and it handed the rest over: a job waits for the next worker.
    assert list(redis_client.scan_iter(f"{settings.key_prefix}:lock:*")) == []
    queue = Queue(settings.queue_name, connection=redis_client)
    assert queue.count == 1
    logged = [json.loads(line) for line in first.log_lines()]  # every line is JSON
    job_lines = [line for line in logged if line["event"] == "catch-up job"]
    assert job_lines and job_lines[-1]["interrupted"] is True and job_lines[-1]["job_id"]

    second = Worker(env, [settings.queue_name], tmp_path, burst=True)
    try:
        assert second.wait(timeout=120) == 0
    finally:
        second.kill()
    assert all(u.backlog() == 0 for u in rt.updaters())
    assert queue.failed_job_registry.count == 0
    taken_up = [r for r in records(redis_client, probe)
                if r["pid"] == second.pid and r["model"] == model]
    assert taken_up[0]["before"] == stopped_at  # from where the first one stopped
    assert all_rows(rt) == single_consumer_rows(make_settings, make_runtime, settings,
                                                reference_views_url)
