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

from eventsourcing.persistence import (IntegrityError, InterfaceError, OperationalError,
                                      Tracking)

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
        except (OperationalError, InterfaceError):
            raise  # the database went away: no event is to blame; the next job retries
        except Exception as e:  # noqa: BLE001 - narrowed down to the one bad event below
            if len(notifications) == 1:
                self._stop(generation, notifications[0], e)
            for notification in notifications:  # keep everything before the bad event
                try:
                    self._apply(generation, [notification])
                except _Replayed:
                    continue
                except (OperationalError, InterfaceError):
                    raise
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

    def catch_up(self, on_batch: Callable[[int], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> int:
        """Feed every current generation until the log is drained (or `should_stop()`
        after a batch); swap in a finished build. Returns the number of events read."""
        total = 0
        for generation in self.fed():
            while True:
                count = self.run_batch(generation)
                total += count
                if on_batch and count:
                    on_batch(count)
                if count < self.batch_size:
                    break
                if should_stop and should_stop():
                    return total
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


class CatchUp:
    """Feeds several read models from one pass over the log.

    Each batch of notifications is selected and decoded once; every serving generation
    takes the events of its topics past its own position, and all their rows and new
    positions are written in one transaction. Ten read models then cost one read, one
    decode and one commit per batch instead of ten of each. Whatever this pass does not
    take on (a generation being built, a read model that has stopped on an event, a batch
    refused because another consumer moved a position) is left to each read model's own
    `ReadModelUpdater.catch_up`, which tells replays from failures as before.
    """

    def __init__(self, app, store, updaters: list, batch_size: int = 1000):
        self.app, self.store, self.updaters = app, store, list(updaters)
        self.batch_size = batch_size
        self.errors: list[ReadModelError] = []  # read models that stopped in the last run

    def run(self, on_batch: Callable[[int], None] | None = None,
            should_stop: Callable[[], bool] | None = None, follow: bool = True
            ) -> dict[str, int]:
        """Drain every read model; returns the events each read model took.

        With `follow` false the one pass ends at its first short batch instead of
        following the log's tail: a worker's job does that, since every save pokes (the
        web's and the handlers' own) and the next job takes what came meanwhile in one
        batch, where following the tail under a steady stream of submissions meant many
        batches of a few events, each paying a transaction and a commit."""
        taken = {u.name: 0 for u in self.updaters}
        failed = self.store.failures()
        fed = {u.name: u.fed() for u in self.updaters}
        together = [u for u in self.updaters if u.name not in failed]
        serving = [(u, g) for u in together for g in fed[u.name] if g.state != BUILDING]
        positions = self.store.positions([g.tracking_name for _, g in serving])
        feeds = [(u, g, positions[g.tracking_name]) for u, g in serving]
        stopped = should_stop or (lambda: False)
        drained: set = set()
        if feeds:
            try:
                self._together(feeds, taken, on_batch, stopped, follow)
                drained = {u.name for u in together}
            except _Diverged as e:
                log.info("one pass over the log gave way to each read model on its own: %s",
                         e)
        self.errors: list[ReadModelError] = []
        if stopped():
            return taken
        for updater in self.updaters:  # builds, stopped read models, whatever is left
            if updater.name in drained and all(g.state != BUILDING
                                               for g in fed[updater.name]):
                continue
            if stopped():
                break
            try:
                if updater.pending():
                    taken[updater.name] += updater.catch_up(on_batch=on_batch,
                                                            should_stop=stopped)
            except ReadModelError as e:  # recorded; the others go on
                self.errors.append(e)
        return taken

    def rebuild(self, on_batch: Callable[[int], None] | None = None) -> dict[str, int]:
        """Build every read model again beside its serving one in one pass over the log
        (decoded once for all of them), then swap each in; a worker feeding the same
        generations meanwhile only makes this pass give way to the per-model one."""
        feeds = [(u, self.store.start_generation(u.model), 0) for u in self.updaters]
        taken = {u.name: 0 for u in self.updaters}
        try:
            self._together(feeds, taken, on_batch, lambda: False, True)
        except _Diverged as e:
            log.info("the rebuild goes on per read model: %s", e)
        for updater, generation, _ in feeds:
            while generation.state == BUILDING:  # what came meanwhile, then the swap
                count = updater.run_batch(generation)
                taken[updater.name] += count
                if count < updater.batch_size and not updater._notifications(
                        updater.position(generation), 1):
                    if not self.store.swap(generation):
                        break
        return taken

    def _together(self, feeds: list, taken: dict, on_batch, stopped, follow: bool) -> None:
        positions = [position for _, _, position in feeds]
        topics = sorted({t for u, _, _ in feeds for t in u.model.topics})
        wanted = [(u, g, frozenset(u.model.topics)) for u, g, _ in feeds]
        to_event = self.app.mapper.to_domain_event
        while not stopped():
            start = min(positions)
            notifications = self.app.recorder.select_notifications(
                start, self.batch_size, topics=topics, inclusive_of_start=False)
            if not notifications:
                return
            events = [to_event(n) for n in notifications]
            last = notifications[-1].id
            writes, counts = [], {}
            for n, (updater, generation, topics_of_model) in enumerate(wanted):
                mine = [e for note, e in zip(notifications, events)
                        if note.id > positions[n] and note.topic in topics_of_model]
                statements: list = []
                if mine:
                    try:
                        self._handle(updater, generation, mine, statements)
                    except (OperationalError, InterfaceError):
                        raise
                    except Exception as e:  # noqa: BLE001 - the updater narrows it down
                        raise _Diverged(f"{updater.name}: {type(e).__name__}: {e}") from e
                    counts[updater.name] = counts.get(updater.name, 0) + len(mine)
                statements.append(self.store.clear_failure_statement(generation))
                writes.append((Tracking(generation.tracking_name, last), statements))
            try:
                self.store.apply_many(writes)
            except IntegrityError as e:  # another consumer moved a position meanwhile
                raise _Diverged(f"a position moved: {e}") from e
            for name, count in counts.items():
                taken[name] += count
            positions = [last] * len(positions)
            if on_batch:
                on_batch(len(notifications))
            # Following the tail, a short batch does not end the pass: handlers may have
            # recorded events meanwhile (the escalation process opens incidents), which
            # the next select finds; the pass ends when the log has nothing more.
            if not follow and len(notifications) < self.batch_size:
                return

    def _handle(self, updater, generation, events: list, statements: list) -> None:
        def emit(sql: str, params: dict) -> None:
            statements.append((generation.rewrite(sql), params))

        def query(sql: str, params: dict | None = None) -> list:
            return self.store.query(generation.rewrite(sql), params or {})

        updater.model.handle_batch(events, emit, query)


class _Diverged(Exception):
    """The one pass cannot go on; each read model's own updater takes over."""


def events_by_topic(app) -> dict[str, int]:
    """How many events of each topic the log holds (one scan; a rebuild's plan)."""
    table = app.recorder.events_table_name
    with app.recorder.datastore.transaction(commit=False) as c:
        c.execute(f"SELECT topic AS topic, COUNT(*) AS n FROM {table} GROUP BY topic")
        return {row["topic"]: int(row["n"]) for row in c.fetchall()}


def rebuild_plan(updaters: list, counts: dict[str, int], jobs: int) -> list[list[str]]:
    """Read models split into at most `jobs` groups of about equal work, each rebuilt by a
    process of its own in one pass over the log (each group decodes the log once).

    A read model's work is taken as the events of its topics times its `rebuild_cost` (a
    handler's relative cost per event); the heaviest go first to the lightest group."""
    work = sorted(((sum(counts.get(t, 0) for t in u.model.topics)
                    * getattr(u.model, "rebuild_cost", 1.0), u.name) for u in updaters),
                  reverse=True)
    groups: list[tuple[float, list[str]]] = [(0.0, []) for _ in range(max(1, jobs))]
    for weight, name in work:
        load, names = min(groups, key=lambda g: g[0])
        groups.remove((load, names))
        groups.append((load + weight, names + [name]))
    return [names for _, names in groups if names]
