"""The pipeline's Redis side: pokes that enqueue catch-up jobs, and one lock per read model.

A command saves events and pokes; a poke sets a flag in Redis and enqueues one catch-up
job only if no job is already waiting. The job clears the flag, then drains every read
model (infrastructure/views/updater.py). A Redis lock keeps one consumer per read model
at a time; the tracking position keeps every event's effect exactly once regardless.
"""

import logging
import threading
import time
from contextlib import contextmanager

log = logging.getLogger(__name__)

CATCH_UP_JOB = "workers.jobs.catch_up_all"


class Poker:
    """Asks the workers to catch up, at most one queued job at a time, never raising."""

    def __init__(self, redis_factory, queue_name: str, prefix: str, flag_ttl: int = 30,
                 backoff: float = 5.0):
        self.redis_factory, self.queue_name = redis_factory, queue_name
        self.flag = f"{prefix}:catchup:pending"
        self.flag_ttl, self.backoff = flag_ttl, backoff
        self._down_until = 0.0
        self._queue = None

    def _get_queue(self):
        if self._queue is None:
            from rq import Queue
            self._queue = Queue(self.queue_name, connection=self.redis_factory())
        return self._queue

    def __call__(self, recordings=None) -> bool:
        """True if a job was enqueued; False if one was waiting or Redis is unreachable."""
        if time.monotonic() < self._down_until:
            return False
        try:
            queue = self._get_queue()
            if not queue.connection.set(self.flag, "1", nx=True, ex=self.flag_ttl):
                return False
        except Exception as e:  # the citizen's request must not fail for a lost poke
            return self._failed(e)
        try:
            queue.enqueue(CATCH_UP_JOB, job_timeout=600, result_ttl=0, failure_ttl=3600)
            return True
        except Exception as e:
            try:  # without a job behind it the flag would silence pokes until it expires
                queue.connection.delete(self.flag)
            except Exception:  # noqa: BLE001 - Redis is already failing; the TTL cleans up
                pass
            return self._failed(e)

    def _failed(self, error: Exception) -> bool:
        self._down_until = time.monotonic() + self.backoff
        log.warning("could not enqueue catch-up (%s); the periodic catch-up will cover it",
                    error)
        return False

    def clear(self) -> None:
        """Called by the job before it reads, so later pokes enqueue a new job."""
        self.redis_factory().delete(self.flag)


class BackgroundPoker:
    """Pokes from a thread of its own, so that a request never waits on Redis: a save only
    sets an event; pokes that come while one is under way, or within `interval` seconds
    after it, are folded into the next. Under load that is a few dozen Redis calls a second
    per process instead of one per save, for at most `interval` more latency."""

    def __init__(self, poker: Poker, interval: float = 0.025):
        self.poker, self.interval = poker, interval
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, recordings=None) -> None:
        self._wanted.set()
        if self._thread is None or not self._thread.is_alive():
            with self._lock:  # started lazily: after any fork, in the process that pokes
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="minyi-poker",
                                                    daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            self.poker()
            time.sleep(self.interval)

    def clear(self) -> None:
        self.poker.clear()


@contextmanager
def read_model_lock(redis, prefix: str, name: str, timeout: int = 60, wait: float = 30):
    """One consumer per read model across all workers; yields None if not acquired."""
    lock = redis.lock(f"{prefix}:lock:projection:{name}", timeout=timeout,
                      blocking_timeout=wait)
    acquired = lock.acquire()
    try:
        yield lock if acquired else None
    finally:
        if acquired:
            try:
                lock.release()
            except Exception:  # expired while we worked; the tracking position still holds
                log.warning("read-model lock for %s expired before release", name)
