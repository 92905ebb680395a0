"""RQ jobs: module-level functions with primitive arguments, enqueued by dotted path."""

import logging
import time

from infrastructure.pipeline import read_model_lock
from infrastructure.views.updater import ReadModelError

from .context import runtime

log = logging.getLogger(__name__)


class CatchUpFailed(Exception):
    """One or more read models stopped; the others were drained. Fails the RQ job."""


def catch_up_all() -> dict:
    """Drain every read model; a poke that arrives meanwhile enqueues the next job.

    A read model that cannot take an event stops there (recorded for /readyz and
    /metrics) while the others go on; the job then fails, naming what stopped.
    """
    rt = runtime()
    rt.poker.clear()
    linger = rt.settings.catchup_linger_ms / 1000
    if linger:
        time.sleep(linger)  # let a burst of submissions gather into one batch
    drained, stopped = {}, []
    for updater in rt.updaters():
        try:
            drained[updater.name] = _drain(rt, updater)
        except ReadModelError as e:
            stopped.append(str(e))
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
