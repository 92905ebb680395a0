"""Read-model storage: rows and the tracking position written in one transaction, and the
generations of each read model (built beside the serving tables, swapped in at once).

SQL is written once with :name placeholders; the PostgreSQL store rewrites them to
psycopg's %(name)s. Keep statements portable (TEXT dates, INTEGER flags, upserts).
"""

import os
import re
from contextlib import nullcontext
from functools import lru_cache
from itertools import groupby
from typing import Iterable, Sequence

from eventsourcing.persistence import (InfrastructureFactory, IntegrityError, Tracking)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

from .base import Generation, physical

Statement = tuple[str, dict]


def _batched(statements: Sequence[Statement]):
    """Runs of the same SQL, so each run can go to the driver as one executemany."""
    for sql, group in groupby(statements, key=lambda s: s[0]):
        yield sql, [params for _, params in group]


# A statement that touches one row by its `id` and nothing else (UPDATE ... WHERE id = :id,
# or an INSERT whose first column is id): such statements on different ids commute.
_ONE_ROW = re.compile(r"^(UPDATE \S+ SET .* WHERE id = :id|INSERT INTO \S+ \(id,.*)$", re.S)
_TABLE = re.compile(r"^(?:UPDATE|INSERT INTO) (\S+)")
_INSERT = re.compile(r"^INSERT INTO \S+ \((id,[^()]*)\) VALUES \((:id,[^()]*)\)$", re.S)
_UPDATE = re.compile(r"^UPDATE \S+ SET (.*) WHERE id = :id$", re.S)
_ASSIGNMENT = re.compile(r"^\s*(\w+)\s*=\s*:(\w+)\s*$")
_NAME = re.compile(r"^\w+$")
BARRIER, ROW, INSERT, UPDATE = "barrier", "row", "insert", "update"


@lru_cache(maxsize=4096)
def _shape(sql: str) -> tuple[str, str | None, tuple]:
    """What grouping needs to know of a statement: (BARRIER, None, ()) for one that may
    touch any row; (INSERT, table, ((column, parameter), ...)) for a plain insert of bare
    parameters; (UPDATE, table, ((column, parameter), ...)) for an update of one row by id
    to bare parameters; (ROW, table, ()) for any other statement on one row by id."""
    if not _ONE_ROW.match(sql):
        return BARRIER, None, ()
    table = _TABLE.match(sql).group(1)
    found = _INSERT.match(sql)
    if found:
        columns = [c.strip() for c in found.group(1).split(",")]
        values = [v.strip() for v in found.group(2).split(",")]
        if len(columns) == len(values) and len(set(columns)) == len(columns) and all(
                _NAME.match(c) for c in columns) and all(
                v[:1] == ":" and _NAME.match(v[1:]) for v in values):
            return INSERT, table, tuple(zip(columns, (v[1:] for v in values)))
        return ROW, table, ()
    found = _UPDATE.match(sql)
    if found:
        pairs = [_ASSIGNMENT.match(part) for part in found.group(1).split(",")]
        if all(pairs):
            return UPDATE, table, tuple((m.group(1), m.group(2)) for m in pairs)
    return ROW, table, ()


@lru_cache(maxsize=4096)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})")


def _folded(statements: Sequence[Statement]) -> list[Statement]:
    """The batch with each update of bare values folded into the insert of its row, where
    this batch inserts the row and nothing else touched it in between (no barrier, no
    other statement on it): a whole history in one batch (as in a rebuild) is then one
    insert per row instead of an insert and an update per event. The insert keeps its
    place; a column only an update sets is added to it (its default would be replaced)."""
    out: list = []  # (sql, params), or (None, table, {column: value}) for an insert
    rows: dict = {}  # (table, id) -> {column: value} of its insert, while foldable
    for sql, params in statements:
        kind, table, pairs = _shape(sql)
        if kind is BARRIER:
            rows.clear()
            out.append((sql, params))
            continue
        key = (table, params.get("id"))
        if kind is UPDATE and key in rows:
            row = rows[key]
            for column, name in pairs:
                row[column] = params[name]
            continue
        if kind is INSERT:
            row = rows[key] = {column: params[name] for column, name in pairs}
            out.append((None, table, row))
            continue
        rows.pop(key, None)
        out.append((sql, params))
    return [(_insert_sql(entry[1], tuple(entry[2])), entry[2]) if entry[0] is None else entry
            for entry in out]


def _grouped(statements: Sequence[Statement]):
    """Statements of the same SQL as one executemany each, in an order with the same effect.

    Handlers emit event by event, so a batch interleaves a few kinds of statement (row after
    row: update the item, add a step, update the item, ...). Updates are first folded into
    the inserts of their rows (`_folded`). Then a statement that touches one row by id joins
    the latest group of its SQL when no statement since that group touched the same id; any
    other statement keeps its place and nothing moves across it. Rows are then written a
    group at a time: a tenth of the driver calls for the same result."""
    groups: list[list] = []  # [sql, [params]]
    latest: dict[str, int] = {}  # sql -> index of its latest group since the last barrier
    touched_after: dict = {}  # id -> index of the latest group that touched it
    for sql, params in _folded(statements):
        if _shape(sql)[0] is BARRIER:  # everything before stays before
            groups.append([sql, [params]])
            latest.clear()
            touched_after.clear()
            continue
        key = params.get("id")
        index = latest.get(sql)
        if index is None or touched_after.get(key, -1) > index:
            groups.append([sql, [params]])
            index = latest[sql] = len(groups) - 1
        else:
            groups[index][1].append(params)
        touched_after[key] = max(index, touched_after.get(key, -1))
    for sql, params in groups:
        yield sql, params


REGISTRY = "minyi_read_models"
REGISTRY_DDL = (f"CREATE TABLE IF NOT EXISTS {REGISTRY} ("
                "name TEXT NOT NULL, generation INTEGER NOT NULL, version INTEGER NOT NULL, "
                "state TEXT NOT NULL, last_error TEXT, PRIMARY KEY (name, generation))")
# Takes the write lock first: on SQLite a transaction that reads and then writes fails at
# once with "database is locked" when another process writes meanwhile.
LOCK_REGISTRY = f"UPDATE {REGISTRY} SET state = state WHERE name = :name AND 1 = 0"
SERVING, BUILDING, RETIRED = "serving", "building", "retired"


class ViewStoreMixin:
    """Operations shared by both backends; subclasses translate SQL and rows."""

    dialect = ""

    def sql(self, statement: str) -> str:
        return statement

    def apply(self, tracking: Tracking, statements: Sequence[Statement]) -> None:
        """Write rows and move the position, atomically; a replayed batch raises IntegrityError."""
        with self.datastore.transaction(commit=True) as c:
            # The tracking upsert goes first: SQLite then takes its write lock at once.
            self._insert_tracking(c, tracking)
            with self.pipeline(c):
                for sql, params in _batched(statements):
                    c.executemany(self.sql(sql), params)

    def apply_many(self, writes: Sequence[tuple[Tracking, Sequence[Statement]]]) -> None:
        """Several read models' rows and positions in one transaction (one commit for a
        batch every read model takes its share of); any replay refuses all of them."""
        with self.datastore.transaction(commit=True) as c:
            for tracking, _ in writes:  # every tracking upsert first, as in apply()
                self._insert_tracking(c, tracking)
            with self.pipeline(c):
                for _, statements in writes:
                    for sql, params in _grouped(statements):
                        c.executemany(self.sql(sql), params)

    def pipeline(self, cursor):
        return nullcontext()

    def run(self, statements: Iterable[str]) -> None:
        """Run DDL or maintenance statements in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            for statement in statements:
                c.execute(self.sql(statement))

    def apply_statements(self, statements: Sequence[Statement]) -> None:
        """Write statements (no tracking) in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            for sql, params in _batched(statements):
                c.executemany(self.sql(sql), params)

    def execute(self, statement: str, params: dict) -> None:
        """One write statement in its own transaction."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql(statement), params)

    def execute_count(self, statement: str, params: dict) -> int:
        """One write statement in its own transaction; how many rows it changed."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql(statement), params)
            return self._rowcount(c)

    def query(self, statement: str, params: dict | None = None) -> list[dict]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql(statement), params or {})
            return [dict(row) for row in c.fetchall()]

    def position(self, name: str) -> int:
        return self.max_tracking_id(name) or 0

    def positions(self, names: Sequence[str]) -> dict[str, int]:
        """Several tracking positions in one query (0 for a name not yet tracked)."""
        if not names:
            return {}
        params = {f"n{i}": name for i, name in enumerate(names)}
        rows = self.query(f"SELECT application_name AS name, MAX(notification_id) AS position "
                          f"FROM {self.tracking_table} WHERE application_name IN "
                          f"({', '.join(':' + p for p in params)}) GROUP BY application_name",
                          params)
        found = {row["name"]: row["position"] for row in rows}
        return {name: found.get(name) or 0 for name in names}

    # --- generations: build beside the serving tables, swap in one transaction ---------

    def ensure_registry(self) -> None:
        """Create the generations table once per store."""
        if not getattr(self, "_registry_ready", False):
            self.run([REGISTRY_DDL])
            self._registry_ready = True

    def generations(self, model) -> list[Generation]:
        """The serving and building generations of a read model (oldest first)."""
        self.ensure_registry()
        rows = self.query(f"SELECT generation, version, state FROM {REGISTRY} "
                          "WHERE name = :name AND state <> :retired ORDER BY generation",
                          {"name": model.name, "retired": RETIRED})
        return [Generation(model, r["generation"], r["version"], r["state"]) for r in rows]

    def start_generation(self, model, *, serve: bool = False) -> Generation:
        """Register a new generation with empty tables; `serve` makes it serve at once."""
        self.ensure_registry()
        with self.datastore.transaction(commit=True) as c:
            self._execute(c, LOCK_REGISTRY, {"name": model.name})
            if serve:
                self._adopt_legacy(c, model)
            self._execute(c, f"SELECT COALESCE(MAX(generation), 0) + 1 AS g FROM {REGISTRY} "
                             "WHERE name = :name", {"name": model.name})
            number = dict(c.fetchone())["g"]
            state = SERVING if serve and not self._has_serving(c, model) else BUILDING
            generation = Generation(model, number, model.version, state)
            self._execute(c, f"INSERT INTO {REGISTRY} (name, generation, version, state) "
                             "VALUES (:name, :g, :v, :s)",
                          {"name": model.name, "g": number, "v": model.version, "s": state})
            for statement in generation.ddl(
                    indexes=state == SERVING or model.indexes_while_building,
                    dialect=self.dialect):
                c.execute(statement)
            if state == SERVING:
                self._point_views(c, generation)
        return generation

    def swap(self, generation: Generation) -> bool:
        """Serve `generation` instead of the current one, in one transaction (its indexes
        are built first, in one of their own: readers keep the old tables meanwhile)."""
        name = generation.model.name
        self.run(generation.index_ddl(self.dialect))
        with self.datastore.transaction(commit=True) as c:
            self._execute(c, f"UPDATE {REGISTRY} SET state = :serving WHERE name = :name "
                             "AND generation = :g AND state = :building",
                          {"serving": SERVING, "building": BUILDING, "name": name,
                           "g": generation.number})
            if self._rowcount(c) != 1:
                return False  # another process swapped it in already
            # The old serving generation and any other unfinished build are done with.
            self._execute(c, f"UPDATE {REGISTRY} SET state = :retired WHERE name = :name "
                             "AND generation <> :g AND state <> :retired",
                          {"retired": RETIRED, "name": name, "g": generation.number})
            self._point_views(c, generation)
        generation.state = SERVING
        self._drop_retired(generation.model)
        return True

    def record_failure(self, generation: Generation, error: str | None) -> None:
        """Remember (or, with None, forget) why a generation cannot go on."""
        with self.datastore.transaction(commit=True) as c:
            self._execute(c, f"UPDATE {REGISTRY} SET last_error = :e WHERE name = :name "
                             "AND generation = :g",
                          {"e": error, "name": generation.model.name, "g": generation.number})

    @staticmethod
    def clear_failure_statement(generation: Generation) -> Statement:
        """Goes with a successful batch: the generation is no longer stopped."""
        return (f"UPDATE {REGISTRY} SET last_error = NULL WHERE name = :name "
                "AND generation = :g AND last_error IS NOT NULL",
                {"name": generation.model.name, "g": generation.number})

    def failures(self) -> dict[str, str]:
        """Read model name -> the error that stopped one of its generations."""
        self.ensure_registry()
        rows = self.query(f"SELECT name, generation, last_error FROM {REGISTRY} "
                          "WHERE last_error IS NOT NULL AND state <> :retired",
                          {"retired": RETIRED})
        return {r["name"]: f"g{r['generation']}: {r['last_error']}" for r in rows}

    def _has_serving(self, c, model) -> bool:
        self._execute(c, f"SELECT 1 FROM {REGISTRY} WHERE name = :name AND state = :s",
                      {"name": model.name, "s": SERVING})
        return c.fetchone() is not None

    def adapt_views(self, generation: Generation) -> None:
        """Serve an older generation in the shape this code's queries expect."""
        with self.datastore.transaction(commit=True) as c:
            self._point_views(c, generation)

    def _point_views(self, c, generation: Generation) -> None:
        """Point each logical name at the generation's table, with the columns this code
        declares: an older generation serving during a rebuild lacks new ones (NULL)."""
        for table, target in generation.names.items():
            present = self._columns_of(c, target)
            if not present:  # a table an older version did not have: serve it empty
                for statement in generation.table_ddl(table, self.dialect):
                    c.execute(statement)
                present = self._columns_of(c, target)
            columns = ", ".join(name if name in present else f"NULL AS {name}"
                                for name in generation.model.columns(table))
            if table in generation.model.full_text and self.dialect == "postgres":
                # An older generation without the search column finds nothing until the
                # current one is built (its listing stays complete).
                columns += (", vector" if "vector" in present
                            else ", CAST(NULL AS tsvector) AS vector")
            c.execute(f"DROP VIEW IF EXISTS {table}")
            c.execute(f"CREATE VIEW {table} AS SELECT {columns} FROM {target}")
            if table in generation.model.full_text and self.dialect == "sqlite":
                # MATCH and rank reach the FTS5 table through its hidden columns.
                c.execute(f"DROP VIEW IF EXISTS {table}_fts")
                c.execute(f"CREATE VIEW {table}_fts AS SELECT rowid AS position, id, "
                          f"{target}_fts AS fts, rank FROM {target}_fts")

    def _adopt_legacy(self, c, model) -> None:
        """Tables from before generations existed serve as generation 0 (version 0), so the
        current version builds beside them and swaps in without a gap."""
        legacy = [t for t in model.tables if self._kind_of(c, t) == "table"]
        if not legacy or self._has_serving(c, model):
            return
        for table in legacy:
            c.execute(f"ALTER TABLE {table} RENAME TO {physical(table, 0)}")
        for table in model.tables:
            if table not in legacy:  # a table the old version did not have: empty
                c.execute(f"CREATE TABLE {physical(table, 0)} AS SELECT * FROM "
                          f"{physical(legacy[0], 0)} WHERE 1 = 0")
        self._execute(c, f"INSERT INTO {REGISTRY} (name, generation, version, state) "
                         "VALUES (:name, 0, 0, :s)", {"name": model.name, "s": SERVING})
        self._point_views(c, Generation(model, 0, 0, SERVING))

    def _drop_retired(self, model) -> None:
        rows = self.query(f"SELECT generation, version FROM {REGISTRY} WHERE name = :name "
                          "AND state = :retired", {"name": model.name, "retired": RETIRED})
        with self.datastore.transaction(commit=True) as c:
            for row in rows:
                old = Generation(model, row["generation"], row["version"], RETIRED)
                for table in old.names.values():
                    c.execute(f"DROP TABLE IF EXISTS {table}")
                if self.dialect == "sqlite":  # the FTS5 tables (their triggers went above)
                    for table in model.full_text:
                        c.execute(f"DROP TABLE IF EXISTS {old.names[table]}_fts")
                self._execute(c, f"DELETE FROM {self.tracking_table} "
                                 "WHERE application_name = :n", {"n": old.tracking_name})
                self._execute(c, f"DELETE FROM {REGISTRY} WHERE name = :name "
                                 "AND generation = :g", {"name": model.name, "g": old.number})

    def _execute(self, c, statement: str, params: dict) -> None:
        c.execute(self.sql(statement), params)


class SQLiteViewStore(ViewStoreMixin, SQLiteTrackingRecorder):
    dialect = "sqlite"
    tracking_table = "tracking"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read models can always be rebuilt from the log, and their positions commit with
        # their rows: a commit need not wait for the disk (WAL, synchronous=NORMAL keeps the
        # file consistent; a power cut can only undo the last batches, which are projected
        # again). The event store keeps the default, FULL.
        pool = getattr(self.datastore, "pool", None)
        create = getattr(pool, "_create_connection", None)
        if create is not None and not getattr(pool, "is_sqlite_memory_mode", True):
            def connect():
                connection = create()
                connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
                return connection
            pool._create_connection = connect

    @staticmethod
    def _rowcount(c) -> int:
        return c.sqlite_cursor.rowcount

    @staticmethod
    def _columns_of(c, table: str) -> set:
        c.execute(f"PRAGMA table_info({table})")
        return {row[1] for row in c.fetchall()}

    def _kind_of(self, c, name: str) -> str | None:
        c.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,))
        row = c.fetchone()
        return row[0] if row else None


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


class PostgresViewStore(ViewStoreMixin, PostgresTrackingRecorder):
    dialect = "postgres"

    @property
    def tracking_table(self) -> str:
        return self.tracking_table_name

    def sql(self, statement: str) -> str:
        return _NAMED.sub(r"%(\1)s", statement)

    @staticmethod
    def _rowcount(c) -> int:
        return c.rowcount

    @staticmethod
    def _columns_of(c, table: str) -> set:
        c.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                  "AND table_schema = current_schema()", (table,))
        return {row["column_name"] for row in c.fetchall()}

    def _kind_of(self, c, name: str) -> str | None:
        c.execute("SELECT table_type FROM information_schema.tables WHERE table_name = %s "
                  "AND table_schema = current_schema()", (name,))
        row = c.fetchone()
        if not row:
            return None
        return "view" if row["table_type"] == "VIEW" else "table"

    def pipeline(self, cursor):
        # Send the batch's statements without a round trip each (psycopg pipeline mode).
        return cursor.connection.pipeline()


def open_view_store(env: dict):
    """Build the read-model store for the backend named in `env`."""
    if os.environ.get("CREATE_TABLE"):  # as the event store's (eventsourcing reads it there)
        env = {**env, "CREATE_TABLE": os.environ["CREATE_TABLE"]}
    factory = InfrastructureFactory.construct(Environment("minyi_views", env))
    module = env["PERSISTENCE_MODULE"]
    cls = PostgresViewStore if module.endswith("postgres") else SQLiteViewStore
    return factory.tracking_recorder(cls)


__all__ = ["open_view_store", "IntegrityError", "Tracking", "Statement"]
