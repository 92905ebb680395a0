"""The casework application: one event log for every item kind, the directory and staff.

Each item kind's own commands live in its package (mixed in below); staff actions on
any kind run through `act`, which reads the kind's workflow declaration. One
application means one notification log: one position per read model and no ordering
problems across logs (docs/architecture.md).
"""

import logging
from copy import deepcopy
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum
from functools import cached_property
from typing import Callable, Iterable
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from .actors import Actor
from .apikeys import ApiKeyCommands
from .categories import CategoryCommands
from .reply_templates import ReplyTemplateCommands
from .calendar import ScheduleCommands, ScheduledCalendar
from .comments import COMMENTS, CommentCommands
from .consultations import CONSULTATIONS, ConsultationCommands
from .deadlines import DeadlinePolicy, WorkingCalendar
from .directory import DirectoryCommands
from .errors import ConflictError, IllegalTransitionError, NotFoundError
from .group_commit import GroupCommit
from .incidents import INCIDENTS, IncidentCommands
from .lexicons import LexiconCommands
from .numbering import NumberBlocks
from .tickets import TICKETS, TicketCommands
from .workflow import Context, Registry, Workflow

# Every item kind the application knows; a new kind adds one line here.
log = logging.getLogger(__name__)

WORKFLOWS: tuple[Workflow, ...] = (COMMENTS, TICKETS, INCIDENTS, CONSULTATIONS)

# Event attributes a timeline never shows (bookkeeping and private data).
HIDDEN_IN_TIMELINE = frozenset((
    "originator_id", "originator_version", "timestamp", "actor", "at", "contact",
    "query_code_hash", "originator_topic", "due_at", "fingerprint"))


class DateAsISO(Transcoding):
    """Dates (not datetimes) in events, as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class SetAsList(Transcoding):
    """Sets (an incident's clock warnings) in snapshots, as sorted lists."""

    type = set
    name = "set_list"

    def encode(self, obj: set) -> list:
        return sorted(obj, key=str)

    def decode(self, data: list) -> set:
        return set(data)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def mutate_in_turn(aggregate, events):
    """eventsourcing's `project_aggregate` without its `assert isinstance(event,
    CanMutateProtocol)`: on Python 3.11 a runtime-checkable Protocol check walks the
    protocol's attributes on every call and cost more than the mutation itself (14% of a
    staff action's CPU). Every event this application stores is an aggregate event."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


# Values a copy may share with the cached aggregate: nothing can change them in place.
IMMUTABLE = (str, int, float, bool, type(None), bytes, date, datetime, time, timedelta,
             UUID, Decimal, Enum, frozenset)


def fresh_copy(aggregate):
    """A copy of a cached aggregate that a command may change without touching the cached
    one: what `copy.deepcopy` gives, but values of IMMUTABLE types are shared rather than
    rebuilt (a fifth of deepcopy's time on an item)."""
    copied, memo = object.__new__(type(aggregate)), {}  # one memo: shared values stay shared
    copied.__dict__ = {name: value if isinstance(value, IMMUTABLE) else deepcopy(value, memo)
                       for name, value in aggregate.__dict__.items()}
    return copied


class Items(Repository):
    """The library's repository, projecting aggregates with `mutate_in_turn` and handing
    out cached aggregates as `fresh_copy`s."""

    def get(self, aggregate_id, *, version=None, projector_func=mutate_in_turn,
            fastforward_skipping=False, deepcopy_from_cache=True):
        aggregate = super().get(aggregate_id, version=version, projector_func=projector_func,
                                fastforward_skipping=fastforward_skipping,
                                deepcopy_from_cache=False)
        if self.cache and version is None and deepcopy_from_cache and self.deepcopy_from_cache:
            aggregate = fresh_copy(aggregate)
        return aggregate


class Casework(CommentCommands, TicketCommands, IncidentCommands, ConsultationCommands,
               LexiconCommands,
               DirectoryCommands, ApiKeyCommands, CategoryCommands, ScheduleCommands,
               ReplyTemplateCommands, Application):
    """Records and handles the public's items; every event carries `actor` and `at`."""

    name = "minyi"  # names the PostgreSQL tables; stable across renames of this class

    def __init__(self, env=None, *, calendar: WorkingCalendar,
                 clock: Callable[[], datetime] = utc_now, policy: DeadlinePolicy | None = None,
                 timezone_name: str = "Asia/Shanghai", query_code_key: bytes = b"",
                 on_saved: Callable[[list], None] | None = None,
                 workflows: Iterable[Workflow] = WORKFLOWS,
                 number_blocks: NumberBlocks | None = None):
        super().__init__(env)
        self.number_blocks = number_blocks
        self._group_commit = GroupCommit(self.events.put)
        # Deadlines count with the imported official schedules first (domain/calendar.py).
        self.calendar = ScheduledCalendar(calendar, self.official_schedules)
        self.clock = clock
        self.policy = policy or DeadlinePolicy()
        self.tz = ZoneInfo(timezone_name)
        self.query_code_key = query_code_key
        self.on_saved = on_saved
        self.workflows = Registry(workflows)

    @cached_property
    def _snapshots(self):
        """Snapshots of the aggregates that declare `snapshot_every` (incidents): kept
        apart, so loading any other item costs no snapshot lookup."""
        return self.construct_snapshot_store()

    @cached_property
    def _snapshotted(self) -> Repository:
        return Items(event_store=self.events, snapshot_store=self._snapshots)

    def construct_repository(self) -> Repository:
        """The library's repository as it would be configured, as `Items`."""
        plain = super().construct_repository()
        return Items(event_store=plain.event_store, snapshot_store=plain.snapshot_store,
                     cache_maxsize=None if plain.cache is None else getattr(
                         plain.cache, "maxsize", 0),
                     fastforward=plain.fastforward,
                     fastforward_skipping=plain.fastforward_skipping,
                     deepcopy_from_cache=plain.deepcopy_from_cache)

    def load(self, aggregate_class, aggregate_id):
        """An aggregate by id, from its latest snapshot if its class keeps them."""
        if not getattr(aggregate_class, "snapshot_every", 0):
            return self.repository.get(aggregate_id)
        try:
            return self._snapshotted.get(aggregate_id)
        except AggregateNotFoundError:
            raise
        except Exception:  # noqa: BLE001 - a snapshot is only a cache: replay everything
            log.exception("snapshot of %s unreadable; replaying its events", aggregate_id)
            return self.repository.get(aggregate_id)

    def _take_snapshots(self, objs, events) -> None:
        """A snapshot of each saved aggregate whose events just crossed a multiple of its
        `snapshot_every`; failing to take one never fails the command."""
        for obj in objs:
            every = getattr(type(obj), "snapshot_every", 0)
            if not every:
                continue
            versions = [e.originator_version for e in events if e.originator_id == obj.id]
            if versions and max(versions) // every > (min(versions) - 1) // every:
                try:
                    snapshot_class = getattr(type(obj), "Snapshot", None) or self.snapshot_class
                    self._snapshots.put([snapshot_class.take(obj)])
                except Exception:  # noqa: BLE001
                    log.exception("could not take a snapshot of %s", obj.id)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        transcoder.register(SetAsList())

    def save(self, *objs, **kwargs):
        """Save atomically (with whatever other threads of this process save at the same
        moment: domain/group_commit.py), then tell the read models (never failing the
        command)."""
        events = [event for obj in objs if obj is not None
                  for event in (obj.collect_events() if hasattr(obj, "collect_events")
                                else (obj,))]
        if kwargs:  # the library's own extras (tracking): no grouping
            recordings = self._stored(lambda: super(Casework, self).save(*events, **kwargs))
        else:
            recordings = self._stored(lambda: self._group_commit.save(events) if events else [])
        self._take_snapshots(objs, events)
        return recordings

    def record(self, events: list):
        """Save events built outside their aggregates (the oversight job's batches), all or
        none: ConflictError if any aggregate has moved past the version they follow."""
        return self._stored(lambda: self.events.put(events))

    def _stored(self, write):
        """Run a write; a refused one is a ConflictError; the read models are told."""
        try:
            recordings = write()
        except IntegrityError as e:
            raise ConflictError("该事项已被他人修改，请刷新后重试") from e
        if self.on_saved is not None and recordings:
            self.on_saved(recordings)
        return recordings

    def today(self) -> date:
        return self.local_date(self.clock())

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    # --- every item kind ---------------------------------------------------------------

    def act(self, kind: str, number: str, action: str, actor: Actor, **data):
        """Run a staff action declared in the kind's workflow; returns the saved item."""
        workflow = self.workflows[kind]
        step = workflow.action(action)
        actor.require_role(*step.roles)
        values = step.complete(data)
        for spec in step.inputs:
            if spec.widget == "department" and values[spec.name]:
                self.require_department(values[spec.name])
            elif spec.widget == "departments":
                for name in values[spec.name] or ():
                    self.require_department(name)
        item = self.get_item(kind, number)
        workflow.require_visible(item, actor)
        step.authorise(actor, item)
        if step.states and item.status not in step.states:
            raise IllegalTransitionError(
                f"当前状态为“{workflow.status_label(item.status)}”，不能{step.label}",
                status=item.status, action=step.label)
        step.run(Context(self, actor, self.clock()), item, values)
        try:
            self.save(item)
        except ConflictError as e:  # someone else acted first: say where the item stands now
            current = self.get_item(kind, number)
            raise ConflictError(e.message, status=current.status,
                                status_label=workflow.status_label(current.status)) from e
        return item

    def get_item(self, kind: str, number: str):
        """The aggregate behind a kind's number (for the application and its adapters)."""
        workflow = self.workflows[kind]
        try:
            item = self.load(workflow.aggregate, workflow.id_for(str(number)))
        except (AggregateNotFoundError, ValueError):
            item = None
        if not isinstance(item, workflow.aggregate):
            raise NotFoundError(
                f"未找到{workflow.number_label}为 {number} 的{workflow.label}")
        return item

    def timeline(self, kind: str, number: str) -> list[dict]:
        """Every recorded step of an item, oldest first, with who and when."""
        workflow = self.workflows[kind]
        steps = [{"event": type(e).__name__, "label": workflow.event_label(type(e)),
                  "actor": e.actor, "at": e.at, "version": e.originator_version,
                  "details": {k: v for k, v in e.__dict__.items()
                              if k not in HIDDEN_IN_TIMELINE}}
                 for e in self.events.get(workflow.id_for(str(number)))]
        if not steps:
            raise NotFoundError(f"未找到{workflow.number_label}为 {number} 的{workflow.label}")
        return steps
