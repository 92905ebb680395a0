"""Feeds one read model from the notification log, exactly once, loudly on failure.

Each batch is decoded once, turned into SQL by the read model's handlers and written
with the new tracking position in one transaction. A batch refused because the position
already stands at or past it is a genuine replay (another consumer was first) and is
dropped. Anything else stops this read model where it is: the batch is retried one event
at a time so everything before the bad event is kept, the error names the read model and
the event, it is recorded for /readyz and /metrics, and the job fails. Nothing is ever
skipped.

A read model may have two generations at once: the serving one and one being built
(after `minyi rebuild` or a version bump). Both are fed; the building one is swapped in
as soon as it has caught up with the log.
"""

import logging
from typing import Callable

from eventsourcing.persistence import IntegrityError, Tracking

from .store import BUILDING

log = logging.getLogger(__name__)


class ReadModelError(Exception):
    """A read model cannot take an event; it stays where it is until fixed."""

    def __init__(self, model: str, generation: int, notification_id: int, event: str,
                 cause: BaseException):
        self.model, self.generation = model, generation
        self.notification_id, self.event = notification_id, event
        super().__init__(f"read model {model} (g{generation}) stopped at event "
                         f"{notification_id} ({event}): {type(cause).__name__}: {cause}")


class ReadModelUpdater:
    """Drives one read model against one application's notification log."""

    def __init__(self, app, store, model, batch_size: int = 1000):
        self.app, self.store, self.model = app, store, model
        self.batch_size = batch_size
        self._ensured = False

    @property
    def name(self) -> str:
        return self.model.name

    # --- generations ------------------------------------------------------------------

    def ensure(self) -> None:
        """A serving generation exists; a version bump starts building the new version."""
        generations = self.store.generations(self.model)
        if not generations:
            self.store.start_generation(self.model, serve=True)
        elif not any(g.current for g in generations):
            log.info("read model %s: version %s builds beside the serving one",
                     self.name, self.model.version)
            self.store.start_generation(self.model)
            for old in generations:  # readers keep the old data, in the new shape
                if old.state != BUILDING:
                    self.store.adapt_views(old)
        self._ensured = True

    def fed(self) -> list:
        """The generations this code feeds: those built by this version's handlers."""
        if not self._ensured:
            self.ensure()
        return [g for g in self.store.generations(self.model) if g.current]

    def serving(self):
        return next((g for g in self.store.generations(self.model) if g.state != BUILDING),
                    None)

    # --- feeding ----------------------------------------------------------------------

    def position(self, generation=None) -> int:
        generation = generation or self.serving()
        return self.store.position(generation.tracking_name) if generation else 0

    def _notifications(self, start: int, limit: int):
        return self.app.recorder.select_notifications(
            start, limit, topics=self.model.topics, inclusive_of_start=False)

    def run_batch(self, generation) -> int:
        """Project the next batch after the generation's position; returns how many were read."""
        notifications = self._notifications(self.position(generation), self.batch_size)
        if not notifications:
            return 0
        try:
            self._apply(generation, notifications)
        except _Replayed:
            return 0
        except Exception as e:  # noqa: BLE001 - narrowed down to the one bad event below
            if len(notifications) == 1:
                self._stop(generation, notifications[0], e)
            for notification in notifications:  # keep everything before the bad event
                try:
                    self._apply(generation, [notification])
                except _Replayed:
                    continue
                except Exception as single:  # noqa: BLE001
                    self._stop(generation, notification, single)
        return len(notifications)

    def _apply(self, generation, notifications) -> None:
        statements: list = []

        def emit(sql: str, params: dict) -> None:
            statements.append((generation.rewrite(sql), params))

        def query(sql: str, params: dict | None = None) -> list:
            return self.store.query(generation.rewrite(sql), params or {})

        to_event = self.app.mapper.to_domain_event
        self.model.handle_batch([to_event(n) for n in notifications], emit, query)
        statements.append(self.store.clear_failure_statement(generation))
        last = notifications[-1].id
        try:
            self.store.apply(Tracking(generation.tracking_name, last), statements)
        except IntegrityError:
            if self.store.position(generation.tracking_name) >= last:
                raise _Replayed() from None
            raise

    def _stop(self, generation, notification, cause: Exception):
        error = ReadModelError(self.name, generation.number, notification.id,
                               notification.topic, cause)
        log.error("%s", error)
        self.store.record_failure(generation, str(error))
        raise error from cause

    def pending(self) -> bool:
        """Whether any generation this code feeds has events waiting (one query each)."""
        return any(self._notifications(self.position(g), 1) for g in self.fed())

    def catch_up(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Feed every current generation until the log is drained; swap in a finished
        build. Returns the number of events read."""
        total = 0
        for generation in self.fed():
            while True:
                count = self.run_batch(generation)
                total += count
                if on_batch and count:
                    on_batch(count)
                if count < self.batch_size:
                    break
            if generation.state == BUILDING and not self._notifications(
                    self.position(generation), 1):
                if self.store.swap(generation):
                    log.info("read model %s now serves generation %s", self.name,
                             generation.number)
        return total

    def rebuild(self, on_batch: Callable[[int], None] | None = None) -> int:
        """Build the read model again beside the serving one and swap it in when done."""
        generation = self.store.start_generation(self.model)
        total = 0
        while generation.state == BUILDING:
            count = self.run_batch(generation)
            total += count
            if on_batch and count:
                on_batch(count)
            if count < self.batch_size and not self._notifications(
                    self.position(generation), 1):
                if not self.store.swap(generation):
                    break
        return total

    def backlog(self, cap: int = 10000) -> int:
        """Events of this read model's topics the serving generation has not taken yet."""
        return len(self._notifications(self.position(), cap))


class _Replayed(Exception):
    """Another consumer recorded this position first; its rows stand, ours are dropped."""
