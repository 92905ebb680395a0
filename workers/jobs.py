"""RQ jobs: module-level functions with primitive arguments, enqueued by dotted path."""

import logging
import time

from infrastructure.pipeline import projection_lock

from .context import runtime

log = logging.getLogger(__name__)


def catch_up_all() -> dict:
    """Drain every projection; a poke that arrives meanwhile enqueues the next job."""
    rt = runtime()
    rt.poker.clear()
    linger = rt.settings.catchup_linger_ms / 1000
    if linger:
        time.sleep(linger)  # let a burst of submissions gather into one batch
    return {r.projection.name: _drain(rt, r) for r in rt.runners()}


def catch_up(name: str) -> int:
    """Drain one projection."""
    rt = runtime()
    return _drain(rt, rt.runner(name))


def _drain(rt, runner) -> int:
    prefix = rt.settings.key_prefix
    with projection_lock(rt.redis, prefix, runner.projection.name) as lock:
        if lock is None:
            log.info("%s is being drained by another worker", runner.projection.name)
            return 0
        return runner.catch_up(on_batch=lambda n: lock.extend(60, replace_ttl=True))
