"""The projection pipeline: catch up read models from the notification log, exactly once.

A command saves events and pokes; a poke sets a flag in Redis and enqueues one catch-up
job only if no job is already waiting. The job clears the flag, then drains every
projection in batches. Each batch writes its rows and the new tracking position in one
transaction, so a replayed batch is refused as a whole (IntegrityError) and nothing is
counted twice. A Redis lock keeps one consumer per projection at a time.
"""

import logging
import time
from contextlib import contextmanager
from typing import Callable

from eventsourcing.persistence import IntegrityError, Tracking

log = logging.getLogger(__name__)

CATCH_UP_JOB = "workers.jobs.catch_up_all"


class ProjectionRunner:
    """Drives one projection against one application's notification log."""

    def __init__(self, app, store, projection, batch_size: int = 1000):
        self.app, self.store, self.projection = app, store, projection
        self.batch_size = batch_size
        self.topics = projection.topics

    def ensure_tables(self) -> None:
        self.store.run(self.projection.ddl())

    def position(self) -> int:
        return self.store.position(self.projection.tracking_name)

    def run_batch(self) -> int:
        """Project the next batch after the tracked position; returns how many were read."""
        start = self.position()
        notifications = self.app.recorder.select_notifications(
            start, self.batch_size, topics=self.topics, inclusive_of_start=False)
        if not notifications:
            return 0
        statements: list = []
        emit = lambda sql, params: statements.append((sql, params))  # noqa: E731
        to_event = self.app.mapper.to_domain_event
        for notification in notifications:
            self.projection.handle(to_event(notification), emit)
        tracking = Tracking(self.projection.tracking_name, notifications[-1].id)
        try:
            self.store.apply(tracking, statements)
        except IntegrityError:
            # Another consumer recorded this position first; its rows stand, ours are dropped.
            log.warning("batch up to %s of %s already projected", tracking.notification_id,
                        self.projection.name)
            return 0
        return len(notifications)

    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Run batches until the log is drained; returns the number of events read."""
        total = 0
        while True:
            count = self.run_batch()
            total += count
            if on_batch and count:
                on_batch(count)
            if count < self.batch_size:
                return total

    def rebuild(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Drop the read model and project the whole log again."""
        self.store.reset(self.projection.tracking_name, self.projection.tables)
        self.ensure_tables()
        return self.catch_up(on_batch)

    def backlog(self, cap: int = 10000) -> int:
        """Events of this projection's topics not yet projected (counted up to `cap`)."""
        return len(self.app.recorder.select_notifications(
            self.position(), cap, topics=self.topics, inclusive_of_start=False))


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


@contextmanager
def projection_lock(redis, prefix: str, name: str, timeout: int = 60, wait: float = 30):
    """One consumer per projection across all workers; yields False if not acquired."""
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
                log.warning("projection lock for %s expired before release", name)
