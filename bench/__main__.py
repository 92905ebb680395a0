"""`make bench`: the issue's targets, measured on this machine, written as JSON.

1. submissions   - comment submissions per second over HTTP (gunicorn, SQLite default), for
                   1, 4 and 8 closed-loop clients, each also against the bare ceiling app
                   (bench/ceiling_app.py: parse JSON, commit one row) under the same gunicorn
                   settings and load generator; `ratio` = system / ceiling in the same run
2. catch_up      - read-model catch-up events per second in one worker process
                   (and catch_up_postgres: the same on a temporary PostgreSQL database)
3. latency       - time from a submission's 201 to its staff-inbox row, at 50/s (p50/p99)
4. tickets       - hotline ticket registrations per second over HTTP (an operator's bearer
                   token), against the same ceiling, as `submissions`
   actions       - a staff action on an existing item over HTTP: a handler's 保存草稿 (bearer
                   token) in turn on 200 comments dispatched to the handler's department (the
                   item loaded, checked and saved; the generic action route), against the same
                   ceiling, as `submissions`
5. oversight     - the 催办/督办 job over 100,000 open tickets: a day when a few come of age,
                   and the worst case when every one is overdue at once
6. catch_up_all  - one worker feeding every read model from a log of whole comment histories,
                   in one pass and (for comparison) read model by read model; SQLite and
                   PostgreSQL (bench/pipeline.py)
7. rebuild       - `minyi rebuild all` over a million events in a process of its own: seconds
                   and resident memory sampled throughout; SQLite and PostgreSQL
8. search        - the public listing and its full-text search with 100,000 published items:
                   server time (p50/p95/p99) of plain pages, filters and searches from rare
                   to common words (bench/search.py); `--database postgres` for PostgreSQL
"""

import argparse
import itertools
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

from .pipeline import bench_catch_up_all, bench_rebuild
from .search import bench_search
from .system import Ceiling, System, temporary_postgres

WEB_WORKERS, THREADS = 2, 4  # gunicorn -w and --threads, for the system and the ceiling

BODY = json.dumps({"title": "小区路灯损坏", "content": "永福路小区东门路灯坏了一个多月，晚上出行不安全，"
                   "希望尽快维修。" * 3, "kind": "投诉", "category": "城乡建设",
                   "name": "张先生", "phone": "13812345678"}, ensure_ascii=False).encode()
HEADERS = {"Content-Type": "application/json"}
COMMENT = ("/api/v1/comments", BODY, HEADERS)
TICKET_BODY = json.dumps({"channel": "电话", "caller_name": "张先生", "caller_phone": "13812345678",
                          "area": "临城街道", "address": "永福路8号", "category": "城乡建设",
                          "kind": "投诉", "urgency": "一般", "title": "小区路灯损坏",
                          "content": "永福路小区东门路灯坏了一个多月，晚上出行不安全。" * 3,
                          "publish": True}, ensure_ascii=False).encode()
OPERATOR = ("bench-op", "bench-operator-pass")
ACTION_STAFF, DEPARTMENT = ("bench-reviewer", "bench-handler"), "区住建局"
ACTION_ITEMS = 200  # comments a handler's 保存草稿 goes round
DRAFT_BODY = json.dumps({"content": "经现场核查，该路段路灯线路老化，已安排维修班组更换，预计三个工作日内修复。"},
                        ensure_ascii=False).encode()


def _post(conn: HTTPConnection, request=COMMENT) -> dict:
    """One request of a closed loop; its path and body may be callables (a new one each)."""
    path, body, headers = request
    conn.request("POST", path() if callable(path) else path,
                 body=body() if callable(body) else body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    if resp.status not in (200, 201):
        raise RuntimeError(f"unexpected {resp.status}: {data[:200]!r}")
    return json.loads(data)


def closed_loop(port: int, seconds: float, clients: int, warmup: float = 1.0,
                request=COMMENT) -> dict:
    """The load generator: `clients` threads, each POSTing back to back on one keep-alive
    connection to 127.0.0.1:`port`. Requests that complete in the `seconds` window after a
    `warmup` are counted. Used for the system and the ceiling alike."""
    counts, latencies, errors = [0] * clients, [[] for _ in range(clients)], []
    timeline = [0] * (int(seconds) + 1)  # completions per whole second of the window
    began = time.monotonic()
    measure_from, stop = began + warmup, began + warmup + seconds

    def client(i):
        conn = HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            while (sent := time.monotonic()) < stop:  # bounded: no request starts after `stop`
                _post(conn, request)
                done = time.monotonic()
                if measure_from <= done < stop:
                    counts[i] += 1
                    latencies[i].append(done - sent)
                    timeline[int(done - measure_from)] += 1
        except Exception as e:  # noqa: BLE001 - reported in the result
            errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=warmup + seconds + 30)
    total = sum(counts)
    ms = sorted(x * 1000 for xs in latencies for x in xs)
    q = [round(v, 1) for v in statistics.quantiles(ms, n=100)] if len(ms) > 1 else [None] * 99
    return {"clients": clients, "requests": total, "seconds": seconds, "warmup_s": warmup,
            "per_s": round(total / seconds, 1), "p50_ms": q[49], "p99_ms": q[98],
            "per_second": timeline[:max(1, int(seconds))], "errors": errors[:5]}


@contextmanager
def _database(backend: str):
    """None (the server's own temporary SQLite file) or a throwaway PostgreSQL database."""
    if backend == "postgres":
        with temporary_postgres() as url:
            yield url
    else:
        yield None


def operator_request(system) -> tuple:
    """The ticket request with a bearer token of an operator created in `system`."""
    username, password = OPERATOR
    system.run_cli("create-staff", username, "--role", "operator", "--password", password)
    conn = HTTPConnection("127.0.0.1", system.port, timeout=10)
    conn.request("POST", "/api/v1/auth/token", headers=HEADERS,
                 body=json.dumps({"username": username, "password": password}))
    token = json.loads(conn.getresponse().read())["token"]
    conn.close()
    return ("/api/v1/staff/tickets", TICKET_BODY,
            {**HEADERS, "Authorization": f"Bearer {token}"})


def _token(system, username: str, password: str) -> dict:
    conn = HTTPConnection("127.0.0.1", system.port, timeout=10)
    try:
        conn.request("POST", "/api/v1/auth/token", headers=HEADERS,
                     body=json.dumps({"username": username, "password": password}))
        return {**HEADERS, "Authorization": f"Bearer {json.loads(conn.getresponse().read())['token']}"}
    finally:
        conn.close()


def _cycling(paths: list[str]):
    """A path callable giving the paths in turn, safely across client threads."""
    turn = itertools.cycle(paths)
    lock = threading.Lock()

    def path() -> str:
        with lock:
            return next(turn)
    return path


def handler_request(system, items: int = ACTION_ITEMS) -> tuple:
    """A handler's 保存草稿 on comments dispatched to the handler's department, in turn over
    `items` comments: a reviewer accepts and dispatches each over HTTP first (not timed)."""
    (reviewer, handler), password = ACTION_STAFF, OPERATOR[1]
    system.run_cli("create-staff", reviewer, "--role", "reviewer", "--password", password)
    system.run_cli("create-staff", handler, "--role", "handler", "--department", DEPARTMENT,
                   "--password", password)
    as_reviewer = _token(system, reviewer, password)
    conn = HTTPConnection("127.0.0.1", system.port, timeout=10)
    paths = []
    try:
        for _ in range(items):
            number = _post(conn, COMMENT)["tracking_no"]
            _post(conn, (f"/api/v1/staff/comments/{number}/accept_dispatch",
                         json.dumps({"department": DEPARTMENT}, ensure_ascii=False).encode(),
                         as_reviewer))
            paths.append(f"/api/v1/staff/comments/{number}/save_draft")
    finally:
        conn.close()
    return (_cycling(paths), DRAFT_BODY, _token(system, handler, password))


def measure_system(seconds: float, clients: int, backend: str = "sqlite", warmup: float = 1.0,
                   kind: str = "comments") -> dict:
    with _database(backend) as url, System(database_url=url, web_workers=WEB_WORKERS,
                                           threads=THREADS) as system:
        request = (operator_request(system) if kind == "tickets"
                   else handler_request(system) if kind == "actions" else COMMENT)
        return closed_loop(system.port, seconds, clients, warmup, request)


def measure_ceiling(seconds: float, clients: int, backend: str = "sqlite", warmup: float = 1.0,
                    kind: str = "comments") -> dict:
    with _database(backend) as url, Ceiling(database_url=url, web_workers=WEB_WORKERS,
                                            threads=THREADS) as ceiling:
        request = (("/api/v1/staff/tickets", TICKET_BODY, HEADERS) if kind == "tickets"
                   else (_cycling([f"/api/v1/staff/comments/{n}/save_draft"
                                   for n in range(ACTION_ITEMS)]), DRAFT_BODY, HEADERS)
                   if kind == "actions" else COMMENT)
        return closed_loop(ceiling.port, seconds, clients, warmup, request)


def bench_submissions(seconds: float, clients_list: list[int], backend: str = "sqlite",
                      warmup: float = 1.0, rounds: int = 1, kind: str = "comments") -> dict:
    """Closed-loop HTTP submissions, each client count against the ceiling app and then the
    system, each on a fresh server and database; ratio = system / ceiling of the same round.
    With several rounds the figures are medians (the machine is shared and noisy)."""
    runs = []
    for clients in clients_list:
        pairs = []
        for _ in range(rounds):
            ceiling = measure_ceiling(seconds, clients, backend, warmup, kind)
            system = measure_system(seconds, clients, backend, warmup, kind)
            ratio = round(system["per_s"] / ceiling["per_s"], 3) if ceiling["per_s"] else None
            pairs.append({"system_per_s": system["per_s"], "ceiling_per_s": ceiling["per_s"],
                          "ratio": ratio, "system": system, "ceiling": ceiling})
            print(f"  {clients} clients: system {system['per_s']}/s, ceiling "
                  f"{ceiling['per_s']}/s, ratio {ratio}", flush=True)
        ratios = [p["ratio"] for p in pairs if p["ratio"] is not None]
        runs.append({"clients": clients,
                     "system_per_s": statistics.median(p["system_per_s"] for p in pairs),
                     "ceiling_per_s": statistics.median(p["ceiling_per_s"] for p in pairs),
                     "ratio": round(statistics.median(ratios), 3) if ratios else None,
                     "ratio_range": [min(ratios), max(ratios)] if ratios else None,
                     "rounds": pairs})
    target = {"target_ratio": 0.6} if kind in ("tickets", "actions") else {"target_ratio": 0.7}
    return {"kind": kind, "backend": backend, **target, "web_workers": WEB_WORKERS,
            "threads_per_worker": THREADS, "seconds": seconds, "warmup_s": warmup,
            "rounds": rounds, "statistic": "median over rounds" if rounds > 1 else "single round",
            "ceiling": "bench/ceiling_app.py: parse JSON, commit one row, 201 JSON",
            "runs": runs}


def bench_catch_up(events: int, database_url: str | None = None) -> dict:
    """Write `events` comment events, then time one worker process draining every read model."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.config import Settings

    system = System(database_url=database_url)
    rt = bootstrap(Settings.from_env(system.env), poke_enabled=False)
    rt.init_storage()
    rt.catch_up_all()
    app = rt.app
    from datetime import datetime as dt

    from domain.comments import Comment
    per_save = 500
    written = 0
    while written < events:
        batch = []
        for _ in range(min(per_save, events - written)):
            no = f"BENCH{written:09d}"
            batch.append(Comment.submit(
                tracking_no=no, title="小区路灯损坏", content="路灯坏了" * 20, kind="投诉",
                category="城乡建设", requested_department=None, contact={"name": "张先生"},
                publish=True, query_code_hash="x", channel="portal", actor="citizen",
                at=dt.now(timezone.utc)))
            written += 1
        app.save(*batch)
    results = {}
    started = time.perf_counter()
    for updater in rt.updaters():
        t0 = time.perf_counter()
        n = updater.catch_up()
        results[updater.name] = {"events": n, "per_s": round(n / max(1e-9, time.perf_counter() - t0))}
    elapsed = time.perf_counter() - started
    processed = sum(r["events"] for r in results.values())
    rt.close()
    return {"backend": "postgres" if database_url else "sqlite",
            "target_per_s": 5000, "events_in_log": events, "event_projections": processed,
            "seconds": round(elapsed, 2), "per_s": round(processed / elapsed),
            "batch_size": rt.settings.batch_size, "by_read_model": results}


def bench_latency(rate: float, seconds: float) -> dict:
    """Paced submissions at `rate`/s; a poller notes when each row appears in the inbox."""
    with System(web_workers=WEB_WORKERS, threads=THREADS, rq_workers=1) as system:
        from infrastructure.persistence import views_database_url
        db = views_database_url(system.env["DATABASE_URL"])[len("sqlite:///"):]
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
        return {"target_p99_ms": 250, "rate_per_s": rate, "submissions": total,
                "projected": len(latencies), "p50_ms": round(q[49], 1), "p90_ms": round(q[89], 1),
                "p99_ms": round(q[98], 1), "max_ms": round(latencies[-1], 1) if latencies else None,
                "poll_resolution_ms": 2}


def catch_up_on_postgres(events: int) -> dict:
    with temporary_postgres() as url:
        return bench_catch_up(events, url)


def _clients(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or any(v < 1 or v > 64 for v in values):
        raise argparse.ArgumentTypeError("clients: comma-separated counts between 1 and 64")
    return values


def bench_oversight(items: int = 100_000, days: int = 100) -> dict:
    """The 催办/督办 job over `items` open tickets with due dates spread over `days` days:
    a day when about 1/`days` of them come of age, then every one overdue at once."""
    import tempfile
    from datetime import timedelta

    from domain.tickets import Ticket
    from infrastructure.bootstrap import bootstrap
    from infrastructure.config import Settings

    with tempfile.TemporaryDirectory(prefix="minyi-bench-") as tmp:
        start = datetime(2026, 3, 2, 1, tzinfo=timezone.utc)
        now = [start]
        rt = bootstrap(Settings(database_url=f"sqlite:///{tmp}/m.sqlite", var_dir=tmp,
                                secret_key="bench", redis_url="redis://127.0.0.1:6399/0")
                       .with_local_secrets(), poke_enabled=False, clock=lambda: now[0])
        rt.init_storage()
        t0 = time.perf_counter()
        for first in range(0, items, 1000):
            batch = []
            for i in range(first, min(items, first + 1000)):
                due = (start + timedelta(days=1 + i * days // items)).date()
                batch.append(Ticket.register(
                    ticket_no=f"{i:013d}", channel="phone", contact={}, area="临城街道",
                    address="", category="城乡建设", kind="投诉", urgency="normal",
                    title="路灯", content="路灯坏了", publish=False, due_date=due,
                    due_at=datetime.combine(due, datetime.min.time(), timezone.utc),
                    actor="staff:op", at=start))
            rt.app.save(*batch)
        rt.catch_up_all()
        setup = time.perf_counter() - t0

        def run_on(day) -> tuple[float, dict]:
            now[0] = day
            began = time.perf_counter()
            recorded = rt.oversight.run()
            return round(time.perf_counter() - began, 2), recorded

        rt.oversight.run()  # the first run: nothing is due yet; positions recorded
        typical = run_on(start + timedelta(days=3))
        rt.catch_up_all()
        every = run_on(start + timedelta(days=days + 10))
        rt.close()
    return {"open_items": items, "setup_s": round(setup, 1),
            "typical_day": {"seconds": typical[0], "recorded": typical[1]},
            "all_overdue_at_once": {"seconds": every[0], "recorded": every[1]},
            "target_s": 10}


def _statistics_store(tmp: str, items: int, months: int = 24) -> tuple:
    """A store of `items` hotline tickets over `months` months and 30 departments: a fifth
    answered during the call, a tenth dispatched, signed and resolved, the rest waiting.
    Only the statistics and the directory are projected (the feed reads nothing else)."""
    import random
    from datetime import timedelta

    from domain.reference import CATEGORIES, DEPARTMENTS, TICKET_KINDS
    from domain.tickets import Ticket
    from infrastructure.bootstrap import bootstrap
    from infrastructure.config import Settings

    rt = bootstrap(Settings(database_url=f"sqlite:///{tmp}/m.sqlite", var_dir=tmp,
                            secret_key="bench", redis_url="redis://127.0.0.1:6399/0")
                   .with_local_secrets(), poke_enabled=False)
    rt.init_storage()
    rng, start = random.Random(7), datetime(2025, 1, 1, 1, tzinfo=timezone.utc)
    departments, channels = list(DEPARTMENTS)[:30], ("phone", "web", "wechat", "app", "email")
    minutes, events = months * 30 * 24 * 60, 0
    for first in range(0, items, 1000):
        batch = []
        for i in range(first, min(items, first + 1000)):
            at = start + timedelta(minutes=i * minutes // items)
            due = (at + timedelta(days=18)).date()
            ticket = Ticket.register(
                ticket_no=f"{i:013d}", channel=rng.choice(channels), contact={},
                area="临城街道", address="", category=rng.choice(CATEGORIES),
                kind=rng.choice(TICKET_KINDS), urgency="normal", title="来电", content="内容",
                publish=False, due_date=due,
                due_at=datetime.combine(due, datetime.max.time(), timezone.utc),
                actor="staff:op", at=at)
            roll = rng.random()
            later = at + timedelta(minutes=rng.randint(5, 20 * 24 * 60))
            if roll < 0.2:
                ticket.resolve_on_spot(reply="已解答", department="12345热线", actor="staff:op",
                                       at=at + timedelta(minutes=rng.randint(1, 30)))
            elif roll < 0.3:
                department = rng.choice(departments)
                ticket.dispatch(department=department, co_departments=[], actor="staff:op",
                                at=at + timedelta(minutes=5))
                ticket.sign(actor="staff:h", at=at + timedelta(hours=2))
                ticket.resolve(reply="已办理", actor="staff:h", at=later)
            batch.append(ticket)
        events += len(rt.app.save(*batch))
    return rt, events


def _feed_latency(rt, requests: int = 300) -> dict:
    """/feeds/stats.json through the WSGI app: the query itself (cache off) and as a
    polling client sees it (the 5 s cache on), over a mix of periods and departments."""
    from web import create_app

    paths = ["/feeds/stats.json", "/feeds/stats.json?period=2025",
             "/feeds/stats.json?period=2026-03", "/feeds/stats.json?from=2025-04&to=2025-09",
             "/feeds/stats.json?department=区住建局", "/feeds/stats.json?period=2025&department=区交运局"]
    out = {}
    for label, seconds in (("uncached", 0), ("cached", 5)):
        client = create_app({"FEEDS_CACHE_SECONDS": seconds}, runtime=rt).test_client()
        for path in paths:
            assert client.get(path).status_code == 200
        samples = []
        for n in range(requests):
            began = time.perf_counter()
            response = client.get(paths[n % len(paths)])
            samples.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        samples.sort()
        out[label] = {"p50_ms": round(samples[len(samples) // 2], 2),
                      "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 2)}
    return out


def bench_statistics(large: int = 1_000_000, small: int = 10_000) -> dict:
    """The statistics feed's latency with `small` and `large` items in the store, and the
    statistics read model built from scratch (a rebuild) over the large store's events."""
    import tempfile

    result = {"target": {"p99_ms": 20, "large_over_small": 1.5, "rebuild_per_million_s": 180}}
    for label, items in (("small", small), ("large", large)):
        with tempfile.TemporaryDirectory(prefix="minyi-stats-") as tmp:
            began = time.perf_counter()
            rt, events = _statistics_store(tmp, items)
            generated = time.perf_counter() - began
            rt.updater("directory").catch_up()
            began = time.perf_counter()
            read = rt.updater("statistics").rebuild()
            built = time.perf_counter() - began
            cells = rt.views.query("SELECT COUNT(*) AS n FROM stat_cells")[0]["n"]
            result[label] = {"items": items, "events": events, "generated_s": round(generated, 1),
                             "rebuild_s": round(built, 1), "rebuild_events": read,
                             "rebuild_events_per_s": round(read / built),
                             "rebuild_per_million_s": round(built * 1_000_000 / read, 1),
                             "cells": cells, "latency": _feed_latency(rt)}
            rt.close()
    for kind in ("uncached", "cached"):
        result[f"{kind}_p99_large_over_small"] = round(
            result["large"]["latency"][kind]["p99_ms"]
            / max(result["small"]["latency"][kind]["p99_ms"], 0.01), 2)
    return result


def bench_scoring(terms: int = 10_000, items: int = 20_000) -> dict:
    """The sensitivity policy over `items` texts of about 150 characters with a lexicon of
    `terms` terms (the default one plus generated ones), in one thread (one worker)."""
    import random

    from domain.sensitivity import HOT_TOPICS, Lexicon, SensitivityPolicy

    rng = random.Random(3)
    alphabet = "".join(chr(c) for c in range(0x4E00, 0x4E00 + 3000))
    topics = {topic: {term: 0.5 for term in words} for topic, words in HOT_TOPICS.items()}
    names = list(topics)
    while sum(len(t) for t in topics.values()) < terms:
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(2, 4)))
        topics[rng.choice(names)][word] = 0.5
    lexicon = Lexicon(topics=topics)
    began = time.perf_counter()
    policy = SensitivityPolicy(lexicon)
    built = time.perf_counter() - began
    samples = ("小区燃气泄漏，楼道里气味很重，请尽快处理。", "化工厂夜里偷排污水，河里大量死鱼。",
               "咨询今年的养老金调整标准和领取时间。", "路灯坏了一个多月，晚上出行不安全。")
    texts = ["".join(rng.choice(alphabet) for _ in range(120)) + rng.choice(samples)
             for _ in range(items)]
    began = time.perf_counter()
    sensitive = sum(policy.assess(text).sensitive for text in texts)
    seconds = time.perf_counter() - began
    return {"lexicon_terms": lexicon.terms(), "build_s": round(built, 3), "items": items,
            "chars_per_item": round(sum(map(len, texts)) / items), "seconds": round(seconds, 2),
            "items_per_s": round(items / seconds), "sensitive": sensitive,
            "target_items_per_s": 5000}


def bench_escalation(rate: float = 50, seconds: float = 10, every: int = 5) -> dict:
    """Paced comments at `rate`/s, every `every`-th reporting an emergency in one of the
    townships; a poller reads the incident board (the read-model file) and notes when each
    escalated comment is counted on it. Latency: submission to board."""
    from infrastructure.persistence import views_database_url
    from domain.reference import AREAS

    with System(web_workers=WEB_WORKERS, threads=THREADS, rq_workers=1) as system:
        db = views_database_url(system.env["DATABASE_URL"])[len("sqlite:///"):]
        sent: list[tuple[str, float]] = []  # (area, time) of each escalated submission
        seen: dict[int, float] = {}
        done = threading.Event()

        def poller():
            conn = sqlite3.connect(db, timeout=5)
            while True:
                try:
                    rows = conn.execute("SELECT area, linked_count FROM incidents").fetchall()
                except sqlite3.Error:
                    rows = []
                counts = {area: n for area, n in rows}
                now = time.monotonic()
                tally: dict[str, int] = {}
                for index, (area, _) in enumerate(list(sent)):
                    tally[area] = tally.get(area, 0) + 1
                    if index not in seen and counts.get(area, 0) >= tally[area]:
                        seen[index] = now
                if done.is_set() and (len(seen) == len(sent) or now > give_up[0]):
                    break
                time.sleep(0.005)
            conn.close()

        give_up = [float("inf")]
        poll = threading.Thread(target=poller)
        poll.start()
        conn = HTTPConnection("127.0.0.1", system.port, timeout=10)
        total, start = int(rate * seconds), time.monotonic()
        for i in range(total):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            area = AREAS[(i // every) % len(AREAS)]
            emergency = i % every == 0
            body = json.dumps({
                "title": "紧急情况" if emergency else "咨询办事流程",
                "content": (f"{area}一处厂房起火，浓烟很大" if emergency
                            else "请问社区证明去哪里开，需要带什么材料"),
                "kind": "求助" if emergency else "咨询",
                "category": "公共安全" if emergency else "政务服务", "area": area},
                ensure_ascii=False).encode()
            _post(conn, ("/api/v1/comments", body, HEADERS))
            if emergency:
                sent.append((area, time.monotonic()))
        give_up[0] = time.monotonic() + 15
        done.set()
        poll.join()
        latencies = sorted((seen[i] - sent[i][1]) * 1000 for i in range(len(sent)) if i in seen)
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) \
        if latencies else None  # noqa: E731
    return {"rate_per_s": rate, "submissions": total, "escalated": len(sent),
            "on_board": len(latencies), "p50_ms": pick(0.5), "p99_ms": pick(0.99),
            "max_ms": round(latencies[-1], 1) if latencies else None, "target_p99_ms": 2000}


_UNIQUE = itertools.count()


def _unique_comments():
    """Comment bodies that differ each time, across calls too (none folds into another)."""
    counter = _UNIQUE
    lock = threading.Lock()

    def body() -> str:
        with lock:
            n = next(counter)
        return json.dumps({**json.loads(BODY),
                           "content": f"第{n}次：" + json.loads(BODY)["content"]}).encode()
    return ("/api/v1/comments", body, HEADERS)


def bench_abuse_limits(seconds: float, clients_list: list[int], rounds: int = 3) -> dict:
    """Comment intake with the abuse limits and duplicate folding on (limits set high enough
    never to refuse: what is measured is their cost) against the same with both off.

    Both systems run side by side for the whole measurement and take turns: `rounds`
    pairs of windows of `seconds` each, on then off, so that the machine's drifting
    background load falls on both alike; ratio = on / off over all windows."""
    limits = json.dumps({"submit": "1000000/minute;100000000/hour"})
    runs = []
    with System(web_workers=WEB_WORKERS, threads=THREADS, rate_limits=limits,
                duplicate_window=600) as on, \
            System(web_workers=WEB_WORKERS, threads=THREADS) as off:
        for clients in clients_list:
            totals, pairs = {"on": 0.0, "off": 0.0}, []
            for turn in range(rounds):
                measured = {}
                order = (("on", on), ("off", off)) if turn % 2 == 0 else (("off", off),
                                                                           ("on", on))
                for name, system in order:
                    measured[name] = closed_loop(system.port, seconds, clients, 0.5,
                                                 _unique_comments())
                    totals[name] += measured[name]["per_s"]
                ratio = round(measured["on"]["per_s"] / measured["off"]["per_s"], 3) \
                    if measured["off"]["per_s"] else None
                pairs.append({"on_per_s": measured["on"]["per_s"],
                              "off_per_s": measured["off"]["per_s"], "ratio": ratio,
                              "errors": measured["on"]["errors"] + measured["off"]["errors"]})
                print(f"  {clients} clients: on {measured['on']['per_s']}/s, off "
                      f"{measured['off']['per_s']}/s, ratio {ratio}", flush=True)
            ratios = [p["ratio"] for p in pairs if p["ratio"] is not None]
            runs.append({"clients": clients,
                         "ratio": round(totals["on"] / totals["off"], 3) if totals["off"]
                         else None,
                         "median_window_ratio": statistics.median(ratios) if ratios else None,
                         "ratio_range": [min(ratios), max(ratios)] if ratios else None,
                         "windows": pairs})
    return {"target_ratio": 0.9, "statistic": "sum over alternating windows",
            "seconds_per_window": seconds, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", choices=("submissions", "catch_up", "catch_up_postgres",
                                           "catch_up_all", "rebuild", "latency", "tickets",
                                           "oversight", "statistics", "scoring",
                                           "escalation", "abuse_limits", "search", "actions"))
    parser.add_argument("--seconds", type=float, default=15,
                        help="measured seconds per HTTP run (submissions: per client count "
                             "and per server; latency: paced run)")
    parser.add_argument("--warmup", type=float, default=1.0,
                        help="seconds of load before each submissions window starts")
    parser.add_argument("--clients", type=_clients, default=[1, 4, 8],
                        help="submissions: comma-separated client counts (default 1,4,8)")
    parser.add_argument("--rounds", type=int, default=1, choices=range(1, 11), metavar="1..10",
                        help="submissions: ceiling/system pairs per client count (medians)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite",
                        help="submissions: the backend of the system and of the ceiling app")
    parser.add_argument("--events", type=int, default=30000)
    parser.add_argument("--rebuild-events", type=int, default=1_000_000,
                        help="rebuild: events in the log rebuilt by `minyi rebuild all`")
    parser.add_argument("--rebuild-jobs", type=int, default=None,
                        help="rebuild: processes of `minyi rebuild all --jobs` (default: CPUs, ≤ 4)")
    parser.add_argument("--items", type=int, default=100_000,
                        help="oversight: open tickets")
    parser.add_argument("--stats-items", type=int, default=1_000_000,
                        help="statistics: items in the large store (the small one has 10,000)")
    parser.add_argument("--search-items", type=int, default=100_000,
                        help="search: published items in the listing")
    args = parser.parse_args()
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "platform": platform.platform()},
               "started_at": datetime.now(timezone.utc).isoformat()}
    runs = {"submissions": lambda: bench_submissions(args.seconds, args.clients, args.database,
                                                     args.warmup, args.rounds),
            "catch_up": lambda: bench_catch_up(args.events),
            "catch_up_postgres": lambda: catch_up_on_postgres(args.events),
            "catch_up_all": lambda: {backend: bench_catch_up_all(args.events * 3, backend)
                                     for backend in ("sqlite", "postgres")},
            "rebuild": lambda: {backend: bench_rebuild(args.rebuild_events, backend,
                                                       args.rebuild_jobs)
                                for backend in ("sqlite", "postgres")},
            "latency": lambda: bench_latency(50, args.seconds),
            "tickets": lambda: bench_submissions(args.seconds, args.clients, args.database,
                                                 args.warmup, args.rounds, kind="tickets"),
            "actions": lambda: bench_submissions(args.seconds, args.clients, args.database,
                                                 args.warmup, args.rounds, kind="actions"),
            "oversight": lambda: bench_oversight(args.items),
            "statistics": lambda: bench_statistics(args.stats_items),
            "scoring": bench_scoring,
            "escalation": lambda: bench_escalation(50, args.seconds),
            "abuse_limits": lambda: bench_abuse_limits(args.seconds, args.clients[:2],
                                                       max(args.rounds, 6)),
            "search": lambda: bench_search(args.search_items, args.database)}
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
