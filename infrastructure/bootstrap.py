"""The one place that wires storage, queue, clock and calendar for web, workers and CLI."""

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Callable

from domain.actors import SYSTEM_ACTOR
from domain.casework import WORKFLOWS, Casework, utc_now
from domain.deadlines import DeadlinePolicy
from domain.reference import DEPARTMENTS

from .audit import Audit
from .config import Settings
from .credentials import Credentials
from .persistence import event_store_env, views_env
from .mail import MailSender, SmtpSettings
from .numbering import RedisNumberBlocks
from .pipeline import BackgroundPoker, Poker
from .security import Fingerprints
from .oversight import Oversight
from .views import DEADLINE_SOURCES, READ_MODELS, ViewQueries
from .views.store import open_view_store
from .views.updater import CatchUp, ReadModelUpdater
from .workcalendar import ChineseWorkingCalendar

SESSION_HOURS = 12  # a console session lasts a working day at most

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything a process needs, built lazily: nothing connects until first used."""

    settings: Settings
    clock: Callable[[], datetime] = utc_now
    calendar: object = None
    redis_client: object = None
    poke_enabled: bool = True
    workflows: tuple = ()  # extra item kinds (tests); the application's own are always there
    read_models: tuple = ()  # extra read models for those kinds
    _updaters: dict = field(default_factory=dict)

    @cached_property
    def redis(self):
        if self.redis_client is not None:
            return self.redis_client
        from redis import Redis
        return Redis.from_url(self.settings.redis_url, socket_connect_timeout=0.5,
                              socket_timeout=5, health_check_interval=30)

    @cached_property
    def poker(self) -> Poker:
        """Pokes every catch-up queue (READ_MODEL_QUEUES), from any process (CLI too)."""
        from .pipeline import catch_up_queues
        poker = Poker(lambda: self.redis, self.settings.queue_name, self.settings.key_prefix)
        poker.queues = list(catch_up_queues(self))
        return poker

    @cached_property
    def _save_poker(self):
        """What a save calls: the poker itself, or its background thread."""
        return BackgroundPoker(self.poker) if self.settings.background_pokes else self.poker

    def _poke(self, recordings) -> None:
        if self.poke_enabled:
            self._save_poker(recordings)

    @cached_property
    def app(self) -> Casework:
        s = self.settings
        policy = DeadlinePolicy(comment_days=dict(s.comment_days),
                                rectification_days=s.rectification_days,
                                ticket_days=dict(s.ticket_days),
                                urgent_hours=s.urgent_ticket_hours)
        app = Casework(env=event_store_env(s.database_url, s.cipher_key, s.aggregate_cache),
                       calendar=self.calendar or ChineseWorkingCalendar.from_file(
                           s.holidays_file),
                       clock=self.clock, policy=policy, timezone_name=s.timezone,
                       query_code_key=s.secret_key.encode(), on_saved=self._poke,
                       workflows=(*WORKFLOWS, *self.workflows),
                       number_blocks=RedisNumberBlocks(lambda: self.redis, s.key_prefix,
                                                       s.ticket_number_block))
        app.consultation_min_days = s.consultation_min_days  # CONSULTATION_MIN_DAYS
        return app

    @cached_property
    def views(self):
        return open_view_store(views_env(self.settings.database_url,
                                         self.settings.views_database_url))

    @cached_property
    def queries(self) -> ViewQueries:
        return ViewQueries(self.views)

    @cached_property
    def oversight(self) -> Oversight:
        """催办 and 督办 of overdue items (the scheduler runs it as an RQ job)."""
        return Oversight(self.app, self.views, DEADLINE_SOURCES)

    @cached_property
    def mail(self) -> MailSender:
        """The outbox's e-mail sender (a periodic RQ job runs it)."""
        s = self.settings
        return MailSender(self.app, self.views, SmtpSettings(
            host=s.smtp_host, port=s.smtp_port, user=s.smtp_user, password=s.smtp_password,
            sender=s.smtp_from, starttls=s.smtp_starttls, max_age_hours=s.mail_max_age_hours,
            site_url=s.site_url))

    @cached_property
    def photos(self):
        """Citizens' photos: checked, re-encoded, encrypted, in PHOTO_STORAGE (a local
        directory or S3-compatible object storage; nothing connects until first used)."""
        from .photos import Photos, open_storage
        s = self.settings
        return Photos(open_storage(s), s.cipher_key, max_bytes=s.photo_max_bytes,
                      max_pixels=s.photo_max_pixels)

    @cached_property
    def fingerprint(self) -> Fingerprints:
        return Fingerprints(self.settings.secret_key)

    @cached_property
    def audit(self) -> Audit:
        """Staff requests that change something, with their client address."""
        return Audit(self.views)

    @cached_property
    def credentials(self) -> Credentials:
        """Staff sessions and API tokens, server-side (listed, revoked, expiring)."""
        return Credentials(self.views, self.clock, {
            "session": SESSION_HOURS * 3600, "token": self.settings.token_max_age})

    @cached_property
    def read_model_instances(self) -> list:
        return [cls(self.settings.timezone, calendar=self.app.calendar, app=self.app)
                for cls in (*READ_MODELS, *self.read_models)]

    def updater(self, name: str) -> ReadModelUpdater:
        """The updater of one read model (one per process, kept)."""
        if name not in self._updaters:
            by_name = {m.name: m for m in self.read_model_instances}
            if name not in by_name:
                raise KeyError(f"unknown read model {name!r}; known: {sorted(by_name)}")
            self._updaters[name] = ReadModelUpdater(self.app, self.views, by_name[name],
                                                    self.settings.batch_size)
        return self._updaters[name]

    def updaters(self) -> list[ReadModelUpdater]:
        return [self.updater(m.name) for m in self.read_model_instances]

    def init_storage(self) -> None:
        """Create read-model tables and seed the reference departments (idempotent)."""
        for updater in self.updaters():
            updater.ensure()
        self.credentials.ensure()
        self.audit.ensure()
        for name in DEPARTMENTS:
            if not self.app.department_exists(name):
                self.app.register_department(name, SYSTEM_ACTOR)

    def catch_up_all(self) -> dict:
        """Drain every read model in this process (tests, CLI; workers use the job), in
        one pass over the log; raises the first read model's error after the others."""
        catch_up = CatchUp(self.app, self.views, self.updaters(), self.settings.batch_size)
        taken = catch_up.run()
        if catch_up.errors:
            raise catch_up.errors[0]
        return taken

    def close(self) -> None:
        audit = self.__dict__.pop("audit", None)
        if audit is not None:
            audit.close()
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
