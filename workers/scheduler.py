"""Periodic duties: a catch-up poke every few seconds (to every catch-up queue) covers jobs
lost while Redis was down; the oversight job (催办/督办) every OVERSIGHT_INTERVAL seconds.
SIGTERM stops it after the tick under way."""

import logging
import os
import signal
import socket
import threading
import time

from .context import runtime

log = logging.getLogger(__name__)


def run_scheduler(stop_after: float | None = None) -> None:
    """Poke the read models every CATCHUP_INTERVAL seconds and enqueue the oversight job
    every OVERSIGHT_INTERVAL seconds; only one scheduler is active."""
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
                enqueue_oversight(rt)
                enqueue_mail(rt)
        except Exception as e:  # Redis down: try again next tick
            log.warning("scheduler tick failed: %s", e)
        stopping.wait(interval)


def enqueue_oversight(rt) -> bool:
    """Enqueue the oversight job at most once per OVERSIGHT_INTERVAL (across schedulers)."""
    from rq import Queue

    every = max(1, rt.settings.oversight_interval)
    if not rt.redis.set(f"{rt.settings.key_prefix}:oversight:due", "1", nx=True, ex=every):
        return False
    job = Queue(rt.settings.queue_name, connection=rt.redis).enqueue(
        OVERSIGHT_JOB, job_timeout=3600, result_ttl=3600, failure_ttl=86400)
    log.info("enqueued the oversight job %s", job.id, extra={"job_id": job.id})
    return True


OVERSIGHT_JOB = "workers.jobs.oversee"
MAIL_JOB = "workers.jobs.send_mail"


def enqueue_mail(rt) -> bool:
    """Enqueue the mail sender at most once per MAIL_INTERVAL, when SMTP is configured."""
    from rq import Queue

    if not rt.settings.smtp_host:
        return False
    every = max(1, rt.settings.mail_interval)
    if not rt.redis.set(f"{rt.settings.key_prefix}:mail:due", "1", nx=True, ex=every):
        return False
    job = Queue(rt.settings.queue_name, connection=rt.redis).enqueue(
        MAIL_JOB, job_timeout=600, result_ttl=3600, failure_ttl=86400)
    log.info("enqueued the mail job %s", job.id, extra={"job_id": job.id})
    return True
