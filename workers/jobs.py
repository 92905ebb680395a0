"""RQ jobs: module-level functions with primitive arguments, enqueued by dotted path."""

import logging
import time

from infrastructure.pipeline import read_model_lock
from infrastructure.views.updater import ReadModelError

from .context import runtime

log = logging.getLogger(__name__)


class CatchUpFailed(Exception):
    """One or more read models stopped; the others were drained. Fails the RQ job."""


# When this process last finished a catch-up job: a job that starts soon after one
# finished is part of a stream of submissions and waits longer, to take more of them in.
BUSY_WINDOW = 1.0  # seconds
_last_finished = float("-inf")


def catch_up_all() -> dict:
    """Drain every read model; a poke that arrives meanwhile enqueues the next job.

    The job first waits a little (CATCHUP_LINGER_MS, or CATCHUP_BUSY_LINGER_MS when jobs
    follow each other) so that a burst of submissions is projected in one batch: pokes
    during the wait find the flag still set and are folded into this job, which clears
    the flag only then, before it reads. A read model that cannot take an event stops
    there (recorded for /readyz and /metrics) while the others go on; the job then fails,
    naming what stopped.
    """
    global _last_finished
    rt = runtime()
    busy = time.monotonic() - _last_finished < BUSY_WINDOW
    linger = (rt.settings.catchup_busy_linger_ms if busy
              else rt.settings.catchup_linger_ms) / 1000
    if linger:
        time.sleep(linger)
    rt.poker.clear()
    drained, stopped = {}, []
    try:
        for updater in rt.updaters():
            try:
                drained[updater.name] = _drain(rt, updater)
            except ReadModelError as e:
                stopped.append(str(e))
    finally:
        _last_finished = time.monotonic()
    if stopped:
        raise CatchUpFailed("; ".join(stopped))
    return drained


def _drain(rt, updater) -> int:
    if not updater.pending():  # most jobs bring events for a few read models only
        return 0
    with read_model_lock(rt.redis, rt.settings.key_prefix, updater.name) as lock:
        if lock is None:
            log.info("%s is being drained by another worker", updater.name)
            return 0
        return updater.catch_up(on_batch=lambda n: lock.extend(60, replace_ttl=True))


def oversee() -> dict:
    """催办 and 督办 of overdue items of every kind; one run at a time across workers."""
    rt = runtime()
    with read_model_lock(rt.redis, rt.settings.key_prefix, "oversight", timeout=3600,
                         wait=1) as lock:
        if lock is None:
            log.info("the oversight job is already running elsewhere")
            return {}
        return rt.oversight.run()


def send_mail() -> dict:
    """Deliver the outbox by e-mail; one sender at a time across workers."""
    rt = runtime()
    with read_model_lock(rt.redis, rt.settings.key_prefix, "mail", timeout=600,
                         wait=1) as lock:
        if lock is None:
            return {}
        return rt.mail.run()
