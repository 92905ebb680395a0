"""Shared fixtures: a fake clock, settings, real PostgreSQL / Redis, runtimes and staff.

Tiers: tests/unit run on the in-memory event store (tests/unit/conftest.py pins
`database_url` to "memory://"); tests/integration run every test body once on a
SQLite file and once on a throwaway PostgreSQL database. Nothing here edits
os.environ: settings are always passed explicitly.
"""

import os
import uuid

import pytest
from eventsourcing.cryptography import AESCipher

from infrastructure.bootstrap import Runtime, bootstrap
from infrastructure.config import Settings
from infrastructure.workcalendar import ChineseWorkingCalendar
from tests.support import FakeClock, FixedCalendar, Staff, local

REDIS_URL = "redis://127.0.0.1:6379/14"  # database 14 belongs to the test suite
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"


def _unavailable(message: str) -> None:
    """A missing service fails the run on CI and skips the test on a workstation."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def clock() -> FakeClock:
    """Wednesday 2026-09-30, 09:00 in Beijing: the day before the National Day holiday."""
    return FakeClock(local(2026, 9, 30))


@pytest.fixture
def calendar() -> ChineseWorkingCalendar:
    """The real calendar (chinese-calendar package): the default for every runtime."""
    return ChineseWorkingCalendar()


@pytest.fixture
def fixed_calendar() -> FixedCalendar:
    return FixedCalendar()


# --- settings ------------------------------------------------------------------------


@pytest.fixture
def unique_names() -> list:
    """Every queue name / key prefix handed out in this test (for Redis clean-up)."""
    return []


@pytest.fixture
def make_settings(unique_names):
    """make_settings(database_url, **overrides) -> Settings with a per-test queue and prefix."""

    def make(database_url: str, **overrides) -> Settings:
        name = f"minyi-test-{uuid.uuid4().hex}"
        unique_names.append(name)
        values = dict(database_url=database_url, redis_url=REDIS_URL, secret_key="test-secret",
                      cipher_key=AESCipher.create_key(32), queue_name=name, key_prefix=name,
                      catchup_linger_ms=0, catchup_busy_linger_ms=0, background_pokes=False)
        values.update(overrides)
        return Settings(**values)

    return make


# --- services ------------------------------------------------------------------------


@pytest.fixture
def opened_runtimes() -> list:
    """Runtimes built in this test; closed before their database is dropped."""
    runtimes: list[Runtime] = []
    yield runtimes
    for rt in runtimes:
        close_runtime(rt)


def close_runtime(rt: Runtime) -> None:
    rt.close()  # idempotent: it forgets what it closed
    client = rt.__dict__.pop("redis", None)
    if client is not None and rt.redis_client is None:
        client.close()


@pytest.fixture
def postgres_url(opened_runtimes):
    """A fresh PostgreSQL database for this test, dropped (connections and all) afterwards."""
    import psycopg

    try:
        admin = psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as e:
        _unavailable(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {e}")
    name = f"minyi_test_{uuid.uuid4().hex}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES_SERVER}/{name}"
    for rt in opened_runtimes:
        close_runtime(rt)
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> str:
    """The suite's Redis database (index 14); tests delete only keys they created."""
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except (RedisError, OSError) as e:
        _unavailable(f"Redis is not reachable at {REDIS_URL}: {e}")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture
def redis_client(redis_url, unique_names):
    """A client on the test database; at teardown it removes this test's queues and keys."""
    from redis import Redis

    client = Redis.from_url(redis_url)
    yield client
    for name in unique_names:
        purge_queue(client, name)
        for key in client.scan_iter(match=f"*{name}*", count=500):
            client.delete(key)
    client.close()


def purge_queue(client, name: str) -> None:
    """Delete an RQ queue, every job it ever held and its registries."""
    from rq import Queue
    from rq.job import Job
    from rq.results import Result

    queue = Queue(name, connection=client)
    registries = (queue.finished_job_registry, queue.failed_job_registry,
                  queue.started_job_registry, queue.deferred_job_registry,
                  queue.scheduled_job_registry, queue.canceled_job_registry)
    job_ids = set(queue.get_job_ids())
    for registry in registries:
        job_ids.update(registry.get_job_ids())
    for job_id in job_ids:
        client.delete(Job.key_for(job_id), Result.get_key(job_id), Job.dependents_key_for(job_id))
    queue.delete(delete_jobs=True)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path) -> str:
    """The same test body runs on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/minyi.sqlite"
    return request.getfixturevalue("postgres_url")


# --- runtimes ------------------------------------------------------------------------


@pytest.fixture
def make_runtime(clock, opened_runtimes):
    """make_runtime(settings, poke_enabled=False, init=True, **parts) -> a bootstrapped Runtime.

    Storage is initialised (read-model tables, seeded departments) unless init=False;
    the calendar is the real ChineseWorkingCalendar unless a test passes another.
    """

    def make(settings: Settings, *, poke_enabled: bool = False, init: bool = True,
             **parts) -> Runtime:
        parts.setdefault("clock", clock)
        rt = bootstrap(settings, poke_enabled=poke_enabled, **parts)
        opened_runtimes.append(rt)
        if init:
            rt.init_storage()
        return rt

    return make


@pytest.fixture
def settings(make_settings, database_url) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def runtime(make_runtime, settings) -> Runtime:
    """A runtime on this tier's database, without Redis pokes."""
    return make_runtime(settings)


@pytest.fixture
def app(runtime):
    return runtime.app


# --- people --------------------------------------------------------------------------


@pytest.fixture
def staff() -> Staff:
    """reviewer (all departments), handler of 区住建局, handler of 区交运局, admin."""
    return Staff()


# --- cheap password hashing (autouse, whole session) ---------------------------------

from tests.cheap_hashing import cheap_password_hashing  # noqa: E402,F401
