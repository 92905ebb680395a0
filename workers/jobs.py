"""RQ jobs: module-level functions with primitive arguments, enqueued by dotted path.

Every job logs with its RQ job id in the log context; a catch-up job also with the ids of
the requests whose saves it is the first to read (infrastructure/pipeline.py)."""

import logging
import time

import structlog

from infrastructure.observability import get_logger
from redis.exceptions import RedisError

from infrastructure.pipeline import ReadModelLocks, catch_up_queues, read_model_lock
from infrastructure.views.updater import CatchUp

from . import shutdown
from .context import runtime

log = logging.getLogger(__name__)
events = get_logger(__name__)  # structured lines: key=value fields beside the message


class CatchUpFailed(Exception):
    """One or more read models stopped; the others were drained. Fails the RQ job."""


# When this process last finished a catch-up job: a job that starts soon after one
# finished is part of a stream of submissions and waits longer, to take more of them in.
BUSY_WINDOW = 1.0  # seconds
_last_finished = float("-inf")
# A stream of at least FAST_STREAM saves a second (as the last job counted them, from its
# clearing of the poke flag to this one's) waits CATCHUP_FAST_LINGER_MS: each job has a
# fixed cost (the queue's bookkeeping, the locks, a transaction), which a fast stream then
# shares among more events; a slow one keeps the shorter wait and its short lag.
FAST_STREAM = 200  # saves per second
_last_cleared, _last_rate = float("-inf"), 0.0
# A read model's lock lasts this long unless the job extends it after a batch; a worker
# waits this long for locks another worker holds before leaving those read models to it.
LOCK_SECONDS, LOCK_WAIT = 15.0, 2.0


def catch_up_all(queue: str | None = None) -> dict:
    """Drain every read model of this job's queue; a poke that arrives meanwhile enqueues
    the next job.

    The job first waits a little (CATCHUP_LINGER_MS; CATCHUP_BUSY_LINGER_MS when jobs
    follow each other, counted from when the last job read; CATCHUP_FAST_LINGER_MS from
    now when they follow a fast stream, where a job's fixed cost matters more than lag)
    so that a burst of submissions is projected in one batch: pokes during the wait find
    the flag still set and are folded into this job, which clears the flag only then,
    before it reads. A read model that cannot take an event stops there (recorded for /readyz and /metrics) while the others go on; the job then fails,
    naming what stopped.

    `queue` (the poker passes it; else the queue the job came from) selects the read
    models of that queue (READ_MODEL_QUEUES); all of them when it names no catch-up queue.
    On a warm shutdown the job stops after the batch under way and pokes its queue again,
    so that another worker takes up the rest.
    """
    global _last_finished, _last_cleared, _last_rate
    rt = runtime()
    settings = rt.settings
    busy = time.monotonic() - _last_finished < BUSY_WINDOW
    if not busy:
        linger = settings.catchup_linger_ms
    elif _last_rate >= FAST_STREAM:  # a whole wait from now: fewer, larger batches
        linger = max(settings.catchup_busy_linger_ms, settings.catchup_fast_linger_ms)
    else:  # what came since the last job read has waited since then: count from there
        linger = max(0.0, _last_cleared + settings.catchup_busy_linger_ms / 1000
                     - time.monotonic()) * 1000
    if linger:
        time.sleep(linger / 1000)
    job = _current_job()
    queue = queue or (job.origin if job is not None else None)
    # Clearing the flag also hands over the ids of the requests whose saves this job is
    # the first to read: bound in the log context and kept in the job's meta.
    taken = rt.poker.clear(queue) if queue else rt.poker.clear()
    request_ids, request_count = taken or ([], 0)
    cleared = time.monotonic()
    _last_rate = request_count / max(1e-3, cleared - _last_cleared) if busy else 0.0
    _last_cleared = cleared
    context = {"queue": queue} if queue else {}
    if request_count:
        context.update(request_ids=request_ids, request_count=request_count)
        _keep_in_meta(job, request_ids=request_ids, request_count=request_count)
    started = time.monotonic()
    drained, stopped, interrupted, skipped = {}, [], False, []
    with structlog.contextvars.bound_contextvars(**_job_ids(job), **context):
        try:
            drained, stopped, interrupted, skipped = _drain(rt, _updaters(rt, queue))
        finally:
            _last_finished = time.monotonic()
        if interrupted or skipped:  # the rest is another worker's (or the next job's)
            if interrupted:
                _keep_in_meta(job, interrupted=True)
            rt.poker(request_ids=request_ids, request_count=request_count,
                     queues=[queue or rt.settings.queue_name])
        if any(drained.values()) or stopped or interrupted or request_count:
            events.info("catch-up job", read={k: v for k, v in drained.items() if v},
                        stopped=len(stopped), interrupted=interrupted, skipped=skipped,
                        seconds=round(time.monotonic() - started, 4))
    if stopped:
        raise CatchUpFailed("; ".join(stopped))
    return drained


def _updaters(rt, queue: str | None) -> list:
    """The read models a job on `queue` drains, in their usual order (escalation first)."""
    names = catch_up_queues(rt).get(queue) if queue is not None else None
    return rt.updaters() if names is None else [rt.updater(name) for name in names]


def _drain(rt, updaters: list) -> tuple[dict, list, bool, list]:
    """Take the read models' locks, feed them in one pass over the log (CatchUp), and
    release the locks. Returns (events each took, errors of those that stopped, whether a
    shutdown cut it short, read models left to a worker that held their lock)."""
    if shutdown.requested():
        return {}, [], True, []
    if not updaters:
        return {}, [], False, []
    locks = ReadModelLocks(rt.redis, rt.settings.key_prefix, [u.name for u in updaters],
                           ttl=LOCK_SECONDS)
    try:
        held = set(locks.acquire(wait=LOCK_WAIT, give_up=shutdown.requested))
    except RedisError as e:  # Redis went away: the scheduler pokes again once it is back
        log.warning("catch-up skipped: read-model locks unavailable (%s)", e)
        return {}, [], False, []
    skipped = [u.name for u in updaters if u.name not in held]
    if skipped:
        log.info("drained by another worker meanwhile: %s", ", ".join(skipped))
    catch_up = CatchUp(rt.app, rt.views, [u for u in updaters if u.name in held],
                       rt.settings.batch_size)

    def after_batch(count: int) -> None:
        """Called once a batch's transaction has committed: keep the locks."""
        try:
            locks.extend()
        except RedisError as e:  # the positions keep every event's effect exactly once
            log.warning("read-model locks not extended (%s)", e)

    try:
        # A pass that ends at its first short batch leaves what came meanwhile to the next
        # job, which the saves' pokes enqueue; a runtime that does not poke follows the tail.
        drained = catch_up.run(on_batch=after_batch, should_stop=shutdown.requested,
                               follow=not rt.poke_enabled)
    finally:
        locks.release()
    return (drained, [str(e) for e in catch_up.errors], shutdown.requested(), skipped)


def _current_job():
    from rq import get_current_job
    return get_current_job()


def _job_ids(job) -> dict:
    return {"job_id": job.id} if job is not None else {}


def _keep_in_meta(job, **values) -> None:
    if job is None:
        return
    try:
        job.meta.update(values)
        job.save_meta()
    except Exception:  # noqa: BLE001 - bookkeeping only; the projection matters
        log.warning("could not save the job's meta", exc_info=True)


def oversee() -> dict:
    """催办 and 督办 of overdue items of every kind; one run at a time across workers."""
    rt = runtime()
    with structlog.contextvars.bound_contextvars(**_job_ids(_current_job())), \
            read_model_lock(rt.redis, rt.settings.key_prefix, "oversight", timeout=3600,
                            wait=1) as lock:
        if lock is None:
            log.info("the oversight job is already running elsewhere")
            return {}
        result = rt.oversight.run()
        events.info("oversight job", result=result)
        return result


def send_mail() -> dict:
    """Deliver the outbox by e-mail; one sender at a time across workers."""
    rt = runtime()
    with structlog.contextvars.bound_contextvars(**_job_ids(_current_job())), \
            read_model_lock(rt.redis, rt.settings.key_prefix, "mail", timeout=600,
                            wait=1) as lock:
        if lock is None:
            return {}
        result = rt.mail.run()
        if result:
            events.info("mail job", result=result)
        return result
