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
    # Full-text tables among `tables`: name -> its text columns, the most telling first
    # (declared "id TEXT PRIMARY KEY, <column> TEXT, ..."). They hold space-separated search
    # terms (infrastructure/search.py) and the store indexes them with its engine: on SQLite
    # an FTS5 table of every column but id, kept by triggers in the same transaction and
    # served as `<name>_fts` (position, id, fts, rank) — other columns hold filter tokens
    # (position: the FTS rowid, the order rows came in); on
    # PostgreSQL a generated tsvector column `vector` of the text columns, with a GIN index.
    full_text: dict[str, tuple[str, ...]] = {}

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

    def ddl(self, indexes: bool = True, dialect: str = "") -> list[str]:
        """The tables; with `indexes`, their indexes kept row by row from the start, else
        (a build) left to `index_ddl` at the swap, where they are made in bulk."""
        statements = [s for t in self.model.tables
                      for s in self.table_ddl(t, dialect, triggers=indexes)]
        return statements + (self.index_ddl(dialect) if indexes else [])

    def table_ddl(self, table: str, dialect: str = "", triggers: bool = True) -> list[str]:
        """One table, with its engine's full-text index when it is a full-text table (on
        SQLite without `triggers` the FTS5 index stays empty until `index_ddl` fills it)."""
        statements = [f"CREATE TABLE IF NOT EXISTS {self.names[table]} "
                      f"({self.model.tables[table]})"]
        if table in self.model.full_text:
            statements += full_text_ddl(self.names[table], self._indexed(table),
                                        self.model.full_text[table], dialect)
            if triggers and dialect == "sqlite":
                statements += full_text_triggers(self.names[table], self._indexed(table))
        return statements

    def _indexed(self, table: str) -> tuple[str, ...]:
        return tuple(c for c in self.model.columns(table) if c != "id")

    def index_ddl(self, dialect: str = "") -> list[str]:
        """The secondary indexes, made in bulk (one transaction: nothing is written in
        between, so a full-text index filled here and then kept by its triggers misses no
        row)."""
        statements = [f"CREATE INDEX IF NOT EXISTS {self.names[t]}_{suffix} "
                      f"ON {self.names[t]} {columns}" for t, suffix, columns in self.model.indexes]
        if dialect == "postgres":  # the GIN index, built in bulk like the others
            statements += [f"CREATE INDEX IF NOT EXISTS {self.names[t]}_vector ON "
                           f"{self.names[t]} USING gin (vector)" for t in self.model.full_text]
        if dialect == "sqlite":  # FTS5 from the rows in one pass, then kept row by row
            for t in self.model.full_text:
                fts = f"{self.names[t]}_fts"
                statements += [f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
                               *full_text_triggers(self.names[t], self._indexed(t))]
        return statements


# The first column of a full-text table (a title) counts most: bm25's column weight 3 on
# SQLite; on PostgreSQL (whose vectors carry no positions, so no weights) the queries add
# the title's own standing (infrastructure/views/queries.py, public_replies.py).
def full_text_ddl(table: str, columns: tuple[str, ...], text: tuple[str, ...],
                  dialect: str) -> list[str]:
    """The full-text index of `table` (a physical name) on one engine: FTS5 over
    `columns` (kept by `full_text_triggers`), a tsvector of the `text` columns among them."""
    if dialect == "postgres":
        return [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS vector tsvector "
                f"GENERATED ALWAYS AS ({terms_vector(*text)}) STORED"]
    if dialect != "sqlite":
        return []
    fts, names = f"{table}_fts", ", ".join(columns)
    weights = ", ".join("3.0" if c == text[0] else "1.0" if c in text else "0.0"
                        for c in columns)
    return [
        # Terms are single tokens for unicode61 (letters and digits only, lower case).
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5(id UNINDEXED, {names}, "
        f"content='{table}', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 0', detail=column)",
        f"INSERT INTO {fts} ({fts}, rank) VALUES ('rank', 'bm25(0.0, {weights})')",
    ]


def full_text_triggers(table: str, columns: tuple[str, ...]) -> list[str]:
    """SQLite: the triggers that keep `table`'s FTS5 index in step with its rows."""
    fts, names = f"{table}_fts", ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    delete = (f"INSERT INTO {fts} ({fts}, rowid, id, {names}) "
              f"VALUES ('delete', old.rowid, old.id, {old});")
    insert = f"INSERT INTO {fts} (rowid, id, {names}) VALUES (new.rowid, new.id, {new});"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_au AFTER UPDATE ON {table} "
        f"BEGIN {delete} {insert} END",
    ]


def terms_vector(*columns: str) -> str:
    """PostgreSQL: a tsvector of the space-separated terms in `columns` (immutable, so it
    may define a generated column; the terms are lexemes as they are)."""
    joined = " || ' ' || ".join(f"coalesce({c}, '')" for c in columns)
    return f"array_to_tsvector(array_remove(string_to_array({joined}, ' '), ''))"
