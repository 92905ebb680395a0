"""Catch-up and rebuild figures: the worker's side of the pipeline.

* catch_up_all - a log of realistic comment histories (submitted, accepted, dispatched,
  reply drafted, reply published: five events per comment), drained into every read
  model by one worker's catch-up (infrastructure/views/updater.py, CatchUp: one pass,
  each batch decoded once); the same log drained read model by read model beside it.
  Events per second are events of the log, all read models fed.
* rebuild - a large log rebuilt into every read model by `minyi rebuild all` in a process
  of its own, its resident memory sampled throughout (it must stay flat: the log is
  streamed in batches, never loaded).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .system import ROOT, System, temporary_postgres

EVENTS_PER_ITEM = 5
PLACES = ("永福路小区", "巨山街道文化广场", "临城街道农贸市场", "常庄镇中心小学", "沙沟镇卫生院",
          "光明路口", "新城区公交站", "泰山路菜市场", "黄河路公园", "周营镇政府门口")
PROBLEMS = ("路灯损坏", "井盖缺失", "垃圾堆积", "道路积水", "噪音扰民", "乱停车",
            "下水道堵塞", "广告牌松动", "绿化带毁坏", "电动车乱充电")


def _backend(backend: str):
    from contextlib import nullcontext
    return temporary_postgres() if backend == "postgres" else nullcontext(None)


def write_histories(app, events: int, per_save: int = 200, report=None) -> int:
    """Write about `events` events: whole comment histories, saved `per_save` at a time."""
    from domain.comments import Comment

    start = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
    items = max(1, events // EVENTS_PER_ITEM)
    written, batch = 0, []
    departments = ("区住建局", "区交运局", "区教育局", "区卫健局")
    for n in range(items):
        at = start + timedelta(minutes=n)
        # Every item its own words (as real comments have): caches must not flatter.
        place, problem = PLACES[n % len(PLACES)], PROBLEMS[(n // len(PLACES)) % len(PROBLEMS)]
        comment = Comment.submit(
            tracking_no=f"B{n:011d}", title=f"{place}{problem}", content=f"{place}{n % 97 + 1}"
            f"号楼附近{problem}已经{n % 13 + 2}天了，晚上出行不安全，希望尽快处理。第{n}号反映。",
            kind="投诉", category="城乡建设",
            requested_department=None, contact={"name": "张先生", "phone": "13812345678"},
            publish=True, query_code_hash="x", channel="portal", actor="citizen", at=at)
        comment.accept(due_date=date(2026, 3, 23), actor="staff:rev", at=at)
        comment.dispatch(department=departments[n % 4], actor="staff:rev", at=at)
        comment.draft_reply(content="已安排维修，三日内修复。", actor="staff:h1", at=at)
        comment.approve_reply(actor="staff:rev", at=at + timedelta(days=2))
        batch.append(comment)
        if len(batch) == per_save:
            app.save(*batch)
            written += len(batch) * EVENTS_PER_ITEM
            batch = []
            if report:
                report(written)
    if batch:
        app.save(*batch)
        written += len(batch) * EVENTS_PER_ITEM
    return written


def bench_catch_up_all(events: int, backend: str = "sqlite") -> dict:
    """One worker draining every read model: in one pass, then read model by read model."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.config import Settings
    from infrastructure.views.updater import CatchUp

    results = {}
    with _backend(backend) as url:
        for mode in ("one_pass", "per_read_model"):
            system = System(database_url=url)
            rt = bootstrap(Settings.from_env(system.env), poke_enabled=False)
            rt.init_storage()
            rt.catch_up_all()
            written = write_histories(rt.app, events)
            started = time.perf_counter()
            if mode == "one_pass":
                taken = CatchUp(rt.app, rt.views, rt.updaters(), rt.settings.batch_size).run()
            else:
                taken = {u.name: u.catch_up() for u in rt.updaters()}
            elapsed = time.perf_counter() - started
            rt.close()
            results[mode] = {"events_in_log": written, "seconds": round(elapsed, 2),
                             "log_events_per_s": round(written / elapsed),
                             "projections": sum(taken.values()),
                             "projections_per_s": round(sum(taken.values()) / elapsed),
                             "read_models": len(taken)}
            if url:  # a fresh database for the second mode
                _drop_tables(url)
    one, per = results["one_pass"], results["per_read_model"]
    # The target, 20,000 events per second across all read models together, read as
    # event-projections (an event taken by a read model) per second; log events beside.
    return {"backend": backend, "target_projections_per_s": 20000, **results,
            "speedup": round(one["log_events_per_s"] / per["log_events_per_s"], 2)}


def _drop_tables(url: str) -> None:
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _descendants(pid: int) -> list[int]:
    """The process and every process below it (a rebuild runs one process per group)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def bench_rebuild(events: int = 1_000_000, backend: str = "sqlite", jobs: int | None = None
                  ) -> dict:
    """`minyi rebuild all` over a log of `events` in its own process: time and memory."""
    from infrastructure.bootstrap import bootstrap
    from infrastructure.config import Settings

    with _backend(backend) as url:
        system = System(database_url=url)
        rt = bootstrap(Settings.from_env(system.env), poke_enabled=False)
        rt.init_storage()
        t0 = time.perf_counter()
        last = [0.0]

        def report(n):
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                print(f"  written {n:,} events", flush=True)
        written = write_histories(rt.app, events, per_save=500, report=report)
        write_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        rt.catch_up_all()  # the serving generations, as a running system has them
        catch_up_s = time.perf_counter() - t1
        rt.close()
        env = {**system.env, "PYTHONUNBUFFERED": "1"}
        started = time.perf_counter()
        jobs = jobs or min(4, os.cpu_count() or 1)
        proc = subprocess.Popen([sys.executable, "-m", "web.cli", "rebuild", "all",
                                 "--jobs", str(jobs)], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[float, float]] = []  # (when, the largest process's RSS)
        totals: list[float] = []  # every process of the rebuild together

        def sample():
            while proc.poll() is None:
                rss = [r for r in map(_rss_mb, _descendants(proc.pid)) if r is not None]
                if rss:
                    samples.append((time.perf_counter() - started, max(rss)))
                    totals.append(sum(rss))
                time.sleep(0.5)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate()
        elapsed = time.perf_counter() - started
        sampler.join(2)
        if proc.returncode != 0:
            raise RuntimeError(f"rebuild failed: {err.decode()[-2000:]}")
    rss = [r for _, r in samples]
    quarter = [round(rss[min(len(rss) - 1, int(len(rss) * q))], 1) for q in (0.25, 0.5, 0.75)] \
        if rss else []
    return {"backend": backend, "events_in_log": written, "write_seconds": round(write_s, 1),
            "first_catch_up_seconds": round(catch_up_s, 1), "processes": jobs,
            "rebuild_seconds": round(elapsed, 1), "target_seconds": 120,
            "log_events_per_s": round(written / elapsed),
            "rss_mb_max": round(max(rss), 1) if rss else None, "target_rss_mb": 200,
            "rss_mb_all_processes_max": round(max(totals), 1) if totals else None,
            "rss_mb_at_25_50_75_percent": quarter, "rss_samples": len(rss)}
