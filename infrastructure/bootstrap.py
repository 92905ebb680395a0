"""The one place that wires storage, queue, clock and calendar for web, workers and CLI."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Callable

from domain.actors import SYSTEM_ACTOR
from domain.application import Minyi, utc_now
from domain.deadlines import DeadlinePolicy
from domain.reference import DEPARTMENTS

from .config import Settings
from .persistence import event_store_env, views_env
from .pipeline import Poker, ProjectionRunner
from .security import TokenSigner
from .views import PROJECTIONS
from .views.queries import ViewQueries
from .views.store import open_view_store
from .workcalendar import ChineseWorkingCalendar

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything a process needs, built lazily: nothing connects until first used."""

    settings: Settings
    clock: Callable[[], datetime] = utc_now
    calendar: object = None
    redis_client: object = None
    poke_enabled: bool = True
    _runners: dict = field(default_factory=dict)

    @cached_property
    def redis(self):
        if self.redis_client is not None:
            return self.redis_client
        from redis import Redis
        return Redis.from_url(self.settings.redis_url, socket_connect_timeout=0.5,
                              socket_timeout=5, health_check_interval=30)

    @cached_property
    def poker(self) -> Poker:
        return Poker(lambda: self.redis, self.settings.queue_name, self.settings.key_prefix)

    def _poke(self, recordings) -> None:
        if self.poke_enabled:
            self.poker(recordings)

    @cached_property
    def app(self) -> Minyi:
        s = self.settings
        policy = DeadlinePolicy(comment_days=dict(s.comment_days),
                                rectification_days=s.rectification_days)
        return Minyi(env=event_store_env(s.database_url, s.cipher_key),
                     calendar=self.calendar or ChineseWorkingCalendar.from_file(s.holidays_file),
                     clock=self.clock, policy=policy, timezone_name=s.timezone,
                     query_code_key=s.secret_key.encode(), on_saved=self._poke)

    @cached_property
    def views(self):
        return open_view_store(views_env(self.settings.database_url))

    @cached_property
    def queries(self) -> ViewQueries:
        return ViewQueries(self.views)

    @cached_property
    def tokens(self) -> TokenSigner:
        return TokenSigner(self.settings.secret_key, self.settings.token_max_age)

    @cached_property
    def projections(self) -> list:
        return [cls(self.settings.timezone) for cls in PROJECTIONS]

    def runner(self, name: str) -> ProjectionRunner:
        if name not in self._runners:
            by_name = {p.name: p for p in self.projections}
            if name not in by_name:
                raise KeyError(f"unknown projection {name!r}; known: {sorted(by_name)}")
            self._runners[name] = ProjectionRunner(self.app, self.views, by_name[name],
                                                   self.settings.batch_size)
        return self._runners[name]

    def runners(self) -> list[ProjectionRunner]:
        return [self.runner(p.name) for p in self.projections]

    def init_storage(self) -> None:
        """Create read-model tables and seed the reference departments (idempotent)."""
        for runner in self.runners():
            runner.ensure_tables()
        for name in DEPARTMENTS:
            if not self.app.department_exists(name):
                self.app.register_department(name, SYSTEM_ACTOR)

    def catch_up_all(self) -> dict:
        """Drain every projection in this process (tests, CLI; workers use the job)."""
        return {r.projection.name: r.catch_up() for r in self.runners()}

    def close(self) -> None:
        for name in ("app", "views"):
            obj = self.__dict__.pop(name, None)
            if obj is not None:
                closer = getattr(obj, "close", None) or getattr(
                    getattr(obj, "datastore", None), "close", None)
                if closer:
                    closer()


def bootstrap(settings: Settings | None = None, **parts) -> Runtime:
    """Build the runtime; tests pass other parts (clock, calendar, redis_client)."""
    settings = settings or Settings.from_env().with_local_secrets()
    return Runtime(settings=settings, **parts)
