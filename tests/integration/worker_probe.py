"""`python -m tests.integration.worker_probe worker [--burst] [QUEUE ...]`: the real worker
(`python -m workers`), with every projection batch it commits recorded in Redis for the
test that started it.

Each record (JSON, appended to the list PROBE_KEY) says which read model, which worker
process and RQ queue, when the batch started and ended (wall clock, one machine), and the
tracking position before and after it. PROBE_BATCH_DELAY (seconds) makes each batch take
that much longer, inside the read-model lock, so that tests can catch a worker mid
catch-up and give concurrent workers every chance to overlap if the lock let them.

A test-only wrapper: the product code has no hook for this. Below it, what the tests
that start such workers share: their environment, starting and stopping them, reading the
records, every row of every read model, and a second read-model store to compare with.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def install(key: str, redis_url: str, delay: float) -> None:
    from redis import Redis
    from rq import get_current_job

    from infrastructure.views.updater import ReadModelUpdater

    redis = Redis.from_url(redis_url)
    original = ReadModelUpdater.run_batch

    def run_batch(self, generation):
        before = self.position(generation)
        started = time.time()
        if delay:
            time.sleep(delay)
        count = original(self, generation)
        ended = time.time()
        if count:
            job = get_current_job()
            redis.rpush(key, json.dumps({
                "model": self.name, "pid": os.getpid(), "queue": job.origin if job else None,
                "job": job.id if job else None, "start": started, "end": ended, "before": before,
                "after": self.position(generation), "count": count}))
        return count

    ReadModelUpdater.run_batch = run_batch

    # The one pass over the log (CatchUp) writes a batch for several read models at once:
    # one record per read model whose position it moves.
    from infrastructure.views.store import ViewStoreMixin
    original_many = ViewStoreMixin.apply_many

    def apply_many(self, writes):
        names = [tracking.application_name for tracking, _ in writes]
        before = self.positions(names)
        started = time.time()
        if delay:
            time.sleep(delay)
        original_many(self, writes)
        ended = time.time()
        job = get_current_job()
        for tracking, statements in writes:
            name = tracking.application_name
            if tracking.notification_id > before[name]:
                redis.rpush(key, json.dumps({
                    "model": name.split(".v")[0], "pid": os.getpid(),
                    "queue": job.origin if job else None, "job": job.id if job else None,
                    "start": started, "end": ended, "before": before[name],
                    "after": tracking.notification_id, "count": len(statements)}))

    ViewStoreMixin.apply_many = apply_many


def main(argv: list[str]) -> int:
    install(os.environ["PROBE_KEY"], os.environ["REDIS_URL"],
            float(os.environ.get("PROBE_BATCH_DELAY") or 0))
    from workers.__main__ import main as worker_main
    return worker_main(argv)


# --- for the tests ----------------------------------------------------------------------


def worker_env(settings, var_dir, probe_key: str, **extra) -> dict:
    """The environment that makes `python -m workers` bootstrap the test's settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR",)}
    env.update({
        "DATABASE_URL": settings.database_url,
        "VIEWS_DATABASE_URL": settings.views_database_url, "REDIS_URL": settings.redis_url,
        "SECRET_KEY": settings.secret_key, "CIPHER_KEY": settings.cipher_key,
        "RQ_QUEUE": settings.queue_name, "REDIS_KEY_PREFIX": settings.key_prefix,
        "MINYI_VAR_DIR": str(var_dir), "PROJECTION_BATCH_SIZE": str(settings.batch_size),
        "CATCHUP_LINGER_MS": "0", "CATCHUP_BUSY_LINGER_MS": "0", "WORKER_NICE": "0",
        "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT), "PROBE_KEY": probe_key})
    if settings.read_model_queues:
        env["READ_MODEL_QUEUES"] = json.dumps(
            {q: list(names) for q, names in settings.read_model_queues.items()})
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Worker:
    """A real worker process; its JSON log lines go to a file beside the test's data."""

    def __init__(self, env: dict, queues: list[str], var_dir, burst: bool = False):
        self.queues = list(queues)
        self.log_path = Path(var_dir) / f"worker-{uuid.uuid4().hex[:8]}.log"
        self._log = open(self.log_path, "w")
        argv = [sys.executable, "-m", "tests.integration.worker_probe", "worker",
                *(["--burst"] if burst else []), *queues]
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def terminate(self) -> float:
        """SIGTERM (RQ's warm shutdown); returns when it was sent (time.monotonic())."""
        self.proc.send_signal(signal.SIGTERM)
        return time.monotonic()

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._log.close()

    def log_lines(self) -> list[str]:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text().splitlines()


def records(redis, key: str) -> list[dict]:
    return [json.loads(r) for r in redis.lrange(key, 0, -1)]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def all_rows(rt) -> dict:
    """Every row of every read-model table (as the views serve them), in a stable order."""
    snapshot = {}
    for updater in rt.updaters():
        for table in updater.model.tables:
            rows = rt.views.query(f"SELECT * FROM {table}")
            snapshot[f"{updater.name}.{table}"] = sorted(
                json.dumps(row, sort_keys=True, default=str) for row in rows)
    return snapshot


def single_consumer_rows(make_settings, make_runtime, settings, views_url: str) -> dict:
    """The read models as one consumer in this process builds them from the same log,
    into a store of their own."""
    reference = make_runtime(make_settings(settings.database_url, views_database_url=views_url,
                                           cipher_key=settings.cipher_key,
                                           secret_key=settings.secret_key))
    head = reference.app.recorder.max_notification_id()
    reference.catch_up_all()
    assert reference.app.recorder.max_notification_id() == head  # it recorded nothing
    return all_rows(reference)


@pytest.fixture
def reference_views_url(database_url, tmp_path):
    """A read-model store apart from the test's: a second SQLite file, or a second
    throwaway PostgreSQL database (dropped afterwards)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/reference-views.sqlite"
        return
    import psycopg

    from tests.conftest import POSTGRES_SERVER
    name = f"minyi_test_ref_{uuid.uuid4().hex}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES_SERVER}/{name}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
