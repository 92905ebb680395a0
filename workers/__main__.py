"""`python -m workers worker [--burst] [QUEUE ...] | scheduler`: the RQ worker and the
periodic scheduler.

A worker listens on the queues named (default: the main queue, RQ_QUEUE, which carries
the oversight and mail jobs, and every catch-up queue of READ_MODEL_QUEUES)."""

import os
import sys
import time

import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from infrastructure.config import Settings
from infrastructure.observability import configure_logging, get_logger
from infrastructure.pipeline import catch_up_queues

from . import shutdown
from .context import runtime

log = get_logger("workers")


def _worker_class():
    from rq import SimpleWorker

    class MinyiWorker(SimpleWorker):
        """A SimpleWorker (no fork per job: ~2.5 ms per job instead of ~13 ms) whose
        warm shutdown also reaches a catch-up job under way (workers/shutdown.py), and
        whose jobs log with their id."""

        def request_stop(self, signum, frame):
            shutdown.request()
            log.info("warm shutdown requested; finishing the batch under way",
                     signal=int(signum))
            super().request_stop(signum, frame)

        def perform_job(self, job, queue):
            with structlog.contextvars.bound_contextvars(job_id=job.id, job_func=job.func_name,
                                                         queue=queue.name):
                return super().perform_job(job, queue)

    return MinyiWorker


def worker_queues(rt) -> list[str]:
    """The main queue first, then each catch-up queue."""
    return list(dict.fromkeys([rt.settings.queue_name, *catch_up_queues(rt)]))


def open_storage(rt, attempts: int = 6) -> None:
    """Open the event store and the read-model store before taking jobs. On PostgreSQL
    every process that opens the event store runs the library's `CREATE OR REPLACE
    FUNCTION`; several starting at once can fail with "tuple concurrently updated" (it
    failed a worker's first job now and then): try again, a little later."""
    from eventsourcing.persistence import InternalError

    for attempt in range(attempts):
        try:
            rt.app, rt.views  # noqa: B018 - opened (and kept) by the runtime
            return
        except InternalError as e:
            if "concurrently" not in str(e) or attempt == attempts - 1:
                raise
            log.info("storage busy at start; trying again", error=str(e))
            time.sleep(0.1 * (attempt + 1))


def run_worker(burst: bool = False, queues: list[str] | None = None) -> None:
    from rq import Queue

    rt = runtime()
    open_storage(rt)
    if rt.settings.worker_nice:
        # Requests first: projections take the CPU the web leaves; under overload they lag
        # (visible in /metrics) and catch up after, and no submission waits for them.
        os.nice(rt.settings.worker_nice)
    names = queues or worker_queues(rt)
    backoff = 0.5
    while True:
        worker = _worker_class()([Queue(name, connection=rt.redis) for name in names],
                                 connection=rt.redis, worker_ttl=60, maintenance_interval=30)
        log.info("worker started", queues=names, burst=burst)
        try:
            worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
            break
        except (RedisConnectionError, RedisTimeoutError) as e:
            # Redis went away (RQ gives up on its own bookkeeping then): wait for it to
            # answer again and start over; jobs lost meanwhile are poked again by the
            # scheduler, and the tracking positions keep every event's effect once.
            if shutdown.requested():
                break
            log.warning("Redis unavailable; the worker waits for it", error=str(e))
            _wait_for_redis(rt, backoff)
            backoff = min(backoff * 2, 5.0)
    log.info("worker stopped", queues=names)


def _wait_for_redis(rt, first_wait: float) -> None:
    wait = first_wait
    while not shutdown.requested():
        time.sleep(wait)
        try:
            if rt.redis.ping():
                return
        except (RedisConnectionError, RedisTimeoutError):
            wait = min(wait * 2, 5.0)


def main(argv: list[str]) -> int:
    settings = Settings.from_env()
    configure_logging(settings.log_format, settings.log_level)
    command = argv[0] if argv else "worker"
    if command == "worker":
        options = argv[1:]
        unknown = [a for a in options if a.startswith("-") and a != "--burst"]
        if unknown:
            print(f"unknown option {unknown[0]}", file=sys.stderr)
            return 2
        run_worker(burst="--burst" in options,
                   queues=[a for a in options if not a.startswith("-")] or None)
    elif command == "scheduler":
        from .scheduler import run_scheduler
        run_scheduler()
    else:
        print("usage: python -m workers worker [--burst] [QUEUE ...] | scheduler",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
