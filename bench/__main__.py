"""`make bench`: the issue's targets, measured on this machine, written as JSON.

1. submissions   - comment submissions per second over HTTP (gunicorn, SQLite default)
2. catch_up      - projection catch-up events per second in one worker process
                   (and catch_up_postgres: the same on a temporary PostgreSQL database)
3. latency       - time from a submission's 201 to its staff-inbox row, at 50/s (p50/p99)
"""

import argparse
import json
import os
import platform
import sqlite3
import statistics
import threading
from contextlib import contextmanager
import time
from datetime import datetime, timezone
from http.client import HTTPConnection
from pathlib import Path

from .system import System

BODY = json.dumps({"title": "小区路灯损坏", "content": "永福路小区东门路灯坏了一个多月，晚上出行不安全，"
                   "希望尽快维修。" * 3, "kind": "投诉", "category": "城乡建设",
                   "name": "张先生", "phone": "13812345678"}, ensure_ascii=False).encode()
HEADERS = {"Content-Type": "application/json"}


def _post(conn: HTTPConnection) -> dict:
    conn.request("POST", "/api/v1/comments", body=BODY, headers=HEADERS)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 201:
        raise RuntimeError(f"unexpected {resp.status}: {data[:200]!r}")
    return json.loads(data)


def bench_submissions(seconds: float, clients: int) -> dict:
    """Closed-loop load from `clients` keep-alive connections for `seconds`."""
    with System(web_workers=2, threads=4) as system:
        counts, errors = [0] * clients, []
        stop = time.monotonic() + seconds

        def client(i):
            conn = HTTPConnection("127.0.0.1", system.port, timeout=10)
            try:
                while time.monotonic() < stop:
                    _post(conn)
                    counts[i] += 1
            except Exception as e:  # noqa: BLE001 - reported in the result
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        total = sum(counts)
        return {"target_per_s": 300, "requests": total, "seconds": round(elapsed, 2),
                "per_s": round(total / elapsed, 1), "clients": clients,
                "errors": errors[:5], "web_workers": 2, "threads_per_worker": 4}


def bench_catch_up(events: int, database_url: str | None = None) -> dict:
    """Write `events` comment events, then time one worker process draining every projection."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.config import Settings

    system = System(database_url=database_url)
    rt = bootstrap(Settings.from_env(system.env), poke_enabled=False)
    rt.init_storage()
    rt.catch_up_all()
    app = rt.app
    from domain.comment import Comment
    from datetime import datetime as dt
    per_save = 500
    written = 0
    while written < events:
        batch = []
        for _ in range(min(per_save, events - written)):
            no = f"BENCH{written:09d}"
            batch.append(Comment(tracking_no=no, title="小区路灯损坏", content="路灯坏了" * 20,
                                 kind="投诉", category="城乡建设", requested_department=None,
                                 contact={"name": "张先生"}, publish=True, query_code_hash="x",
                                 channel="portal", actor="citizen", at=dt.now(timezone.utc)))
            written += 1
        app.save(*batch)
    results = {}
    started = time.perf_counter()
    for runner in rt.runners():
        t0 = time.perf_counter()
        n = runner.catch_up()
        results[runner.projection.name] = {"events": n, "per_s": round(n / max(1e-9, time.perf_counter() - t0))}
    elapsed = time.perf_counter() - started
    processed = sum(r["events"] for r in results.values())
    rt.close()
    return {"backend": "postgres" if database_url else "sqlite",
            "target_per_s": 5000, "events_in_log": events, "event_projections": processed,
            "seconds": round(elapsed, 2), "per_s": round(processed / elapsed),
            "batch_size": rt.settings.batch_size, "by_projection": results}


def bench_latency(rate: float, seconds: float) -> dict:
    """Paced submissions at `rate`/s; a poller notes when each row appears in the inbox."""
    with System(web_workers=2, threads=4, rq_workers=1) as system:
        db = system.env["DATABASE_URL"][len("sqlite:///"):]
        sent: dict[str, float] = {}
        seen: dict[str, float] = {}
        done = threading.Event()

        def poller():
            conn = sqlite3.connect(db, timeout=5)
            while not done.is_set() or len(seen) < len(sent):
                pending = [k for k in list(sent) if k not in seen]
                if pending:
                    marks = ",".join("?" * len(pending))
                    rows = conn.execute(f"SELECT tracking_no FROM inbox WHERE tracking_no IN ({marks})",
                                        pending).fetchall()
                    now = time.monotonic()
                    for (no,) in rows:
                        seen[no] = now
                time.sleep(0.002)
                if done.is_set() and time.monotonic() > deadline_after_done[0]:
                    break
            conn.close()

        deadline_after_done = [float("inf")]
        poll = threading.Thread(target=poller)
        poll.start()
        conn = HTTPConnection("127.0.0.1", system.port, timeout=10)
        total = int(rate * seconds)
        start = time.monotonic()
        for i in range(total):
            target = start + i / rate
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            created = _post(conn)
            sent[created["tracking_no"]] = time.monotonic()
        deadline_after_done[0] = time.monotonic() + 10
        done.set()
        poll.join()
        latencies = sorted((seen[k] - sent[k]) * 1000 for k in sent if k in seen)
        q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
        return {"target_p99_ms": 500, "rate_per_s": rate, "submissions": total,
                "projected": len(latencies), "p50_ms": round(q[49], 1), "p90_ms": round(q[89], 1),
                "p99_ms": round(q[98], 1), "max_ms": round(latencies[-1], 1) if latencies else None,
                "poll_resolution_ms": 2}


@contextmanager
def temporary_postgres(server: str = "postgresql://postgres@127.0.0.1:5432"):
    """A throwaway PostgreSQL database, dropped afterwards."""
    import secrets

    import psycopg
    name = f"minyi_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def catch_up_on_postgres(events: int) -> dict:
    with temporary_postgres() as url:
        return bench_catch_up(events, url)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", choices=("submissions", "catch_up", "catch_up_postgres",
                                           "latency"))
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--events", type=int, default=30000)
    args = parser.parse_args()
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform()},
               "started_at": datetime.now(timezone.utc).isoformat()}
    runs = {"submissions": lambda: bench_submissions(args.seconds, args.clients),
            "catch_up": lambda: bench_catch_up(args.events),
            "catch_up_postgres": lambda: catch_up_on_postgres(args.events),
            "latency": lambda: bench_latency(50, args.seconds)}
    for name, run in runs.items():
        if args.only and name != args.only:
            continue
        print(f"running {name} ...", flush=True)
        results[name] = run()
        print(json.dumps(results[name], ensure_ascii=False, indent=2), flush=True)
    out = Path(__file__).parent / "results" / f"bench-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
