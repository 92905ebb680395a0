"""A projection turns domain events into read-model rows, one event at a time.

Subclasses list the events they handle in `handlers` (event class -> method name), the
tables they own in `tables` (name -> DDL) and emit SQL through `emit`. Handlers must be
deterministic: the runner may replay a batch, and the tracking position makes sure
only one of the replays takes effect.
"""

from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from eventsourcing.utils import get_topic

Emit = Callable[[str, dict], None]


class Projection:
    """Base class: maps event types to handlers and declares its tables."""

    name: str = ""
    version: int = 1
    handlers: dict = {}
    tables: dict[str, str] = {}
    indexes: tuple[str, ...] = ()

    def __init__(self, timezone: str = "Asia/Shanghai"):
        self.tz = ZoneInfo(timezone)

    @property
    def tracking_name(self) -> str:
        """The position is kept per projection version, so a new version rebuilds."""
        return f"{self.name}.v{self.version}"

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(get_topic(cls) for cls in self.handlers)

    def ddl(self) -> list[str]:
        return [*self.tables.values(), *self.indexes]

    def handle(self, event, emit: Emit) -> None:
        method = self.handlers.get(type(event))
        if method is not None:
            getattr(self, method)(event, emit)

    def local_date(self, moment: datetime | None) -> str | None:
        return moment.astimezone(self.tz).date().isoformat() if moment else None

    @staticmethod
    def iso(moment) -> str | None:
        return moment.isoformat() if moment is not None else None
