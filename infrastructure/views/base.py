"""A read model turns domain events into rows, one event at a time.

Subclasses list the events they handle in `handlers` (event class -> method name), the
tables they own in `tables` (logical name -> column definitions) and `indexes`, and emit
SQL through `emit` using the logical table names. The store builds each generation of a
read model in physical tables of its own (`<table>__g<n>`) and serves the current one
through views named after the logical tables, so a rebuild never shows readers a gap;
the updater rewrites the logical names to the generation it feeds. Table names must not
be used as column names.

Handlers must be deterministic: the updater may replay a batch, and the tracking
position makes sure only one of the replays takes effect.
"""

import re
from datetime import datetime
from functools import cached_property
from typing import Callable
from zoneinfo import ZoneInfo

from domain.topics import topics_of

Emit = Callable[[str, dict], None]
Query = Callable[[str, dict], list]


class ReadModel:
    """Base class: maps event types to handlers and declares its tables."""

    name: str = ""
    version: int = 1  # bump when tables or handlers change: a new generation builds itself
    handlers: dict = {}
    tables: dict[str, str] = {}  # logical name -> "col TYPE ..., PRIMARY KEY (...)"
    indexes: tuple[tuple[str, str, str], ...] = ()  # (table, suffix, "(col, col)")
    # A generation being built gets its secondary indexes only when it is swapped in (one
    # bulk build instead of index upkeep on every row); a model whose handlers query its
    # own tables through an index keeps them from the start.
    indexes_while_building: bool = False

    def __init__(self, timezone: str = "Asia/Shanghai", calendar=None, app=None):
        self.tz = ZoneInfo(timezone)
        self.calendar = calendar  # the working calendar, for models that count working days
        self.app = app  # the application, for processes that issue commands (escalation)

    @cached_property
    def topics(self) -> tuple[str, ...]:
        """Every topic the handled events may be stored under (pinned and legacy)."""
        return tuple(t for cls in self.handlers for t in topics_of(cls))

    def columns(self, table: str) -> list[str]:
        """The column names of one of this model's tables, from its declaration."""
        parts, depth, current = [], 0, ""
        for char in self.tables[table]:
            depth += {"(": 1, ")": -1}.get(char, 0)
            if char == "," and depth == 0:
                parts.append(current)
                current = ""
            else:
                current += char
        parts.append(current)
        constraints = ("PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "CONSTRAINT")
        return [p.split()[0] for p in parts if p.split() and p.split()[0] not in constraints]

    def handle(self, event, emit: Emit) -> None:
        method = self.handlers.get(type(event))
        if method is not None:
            getattr(self, method)(event, emit)

    def handle_batch(self, events: list, emit: Emit, query: Query) -> None:
        """Project one batch. `query(sql, params)` reads this generation's tables as they
        stand before the batch: a model that keeps running totals reads what it adds to,
        works the batch out in memory and emits the new rows (the tracking position makes
        sure no other consumer wrote in between). Most models handle event by event."""
        for event in events:
            self.handle(event, emit)

    def local_date(self, moment: datetime | None) -> str | None:
        return moment.astimezone(self.tz).date().isoformat() if moment else None

    @staticmethod
    def iso(moment) -> str | None:
        return moment.isoformat() if moment is not None else None


def physical(table: str, generation: int) -> str:
    """The physical table that holds `table` in one generation."""
    return f"{table}__g{generation}"


class Generation:
    """One build of a read model: its physical tables, DDL and SQL rewriting."""

    def __init__(self, model: ReadModel, generation: int, version: int, state: str):
        self.model, self.number, self.version, self.state = model, generation, version, state
        self.names = {t: physical(t, generation) for t in model.tables}
        self._pattern = re.compile(r"\b(" + "|".join(map(re.escape, self.names)) + r")\b")
        self._rewritten: dict[str, str] = {}

    @property
    def tracking_name(self) -> str:
        return f"{self.model.name}.v{self.version}.g{self.number}"

    @property
    def current(self) -> bool:
        """Built by this code's handlers (an older version's generation is only served)."""
        return self.version == self.model.version

    def rewrite(self, sql: str) -> str:
        """`sql` with the logical table names replaced by this generation's tables."""
        try:
            return self._rewritten[sql]
        except KeyError:
            out = self._rewritten[sql] = self._pattern.sub(lambda m: self.names[m[1]], sql)
            return out

    def ddl(self, indexes: bool = True) -> list[str]:
        statements = [f"CREATE TABLE IF NOT EXISTS {self.names[t]} ({columns})"
                      for t, columns in self.model.tables.items()]
        return statements + (self.index_ddl() if indexes else [])

    def index_ddl(self) -> list[str]:
        return [f"CREATE INDEX IF NOT EXISTS {self.names[t]}_{suffix} "
                f"ON {self.names[t]} {columns}" for t, suffix, columns in self.model.indexes]
