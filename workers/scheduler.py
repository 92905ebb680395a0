"""Periodic duties: a catch-up poke every few seconds covers jobs lost while Redis was down."""

import logging
import os
import signal
import socket
import threading
import time

from .context import runtime

log = logging.getLogger(__name__)


def run_scheduler(stop_after: float | None = None) -> None:
    """Poke the projections every CATCHUP_INTERVAL seconds; only one scheduler is active."""
    rt = runtime()
    interval = max(1, rt.settings.catchup_interval)
    me = f"{socket.gethostname()}:{os.getpid()}"
    key = f"{rt.settings.key_prefix}:scheduler:leader"
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    started = time.monotonic()
    while not stopping.is_set() and (stop_after is None or time.monotonic() - started < stop_after):
        try:
            leader = rt.redis.set(key, me, nx=True, ex=interval * 3) or \
                rt.redis.get(key) == me.encode()
            if leader:
                rt.redis.expire(key, interval * 3)
                rt.poker()
        except Exception as e:  # Redis down: try again next tick
            log.warning("scheduler tick failed: %s", e)
        stopping.wait(interval)
