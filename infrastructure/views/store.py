"""Read-model storage: rows and the tracking position written in one transaction.

SQL is written once with :name placeholders; the PostgreSQL store rewrites them to
psycopg's %(name)s. Keep statements portable (TEXT dates, INTEGER flags, upserts).
"""

import re
from contextlib import nullcontext
from itertools import groupby
from typing import Iterable, Sequence

from eventsourcing.persistence import (InfrastructureFactory, IntegrityError, Tracking)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import Environment

Statement = tuple[str, dict]


def _batched(statements: Sequence[Statement]):
    """Runs of the same SQL, so each run can go to the driver as one executemany."""
    for sql, group in groupby(statements, key=lambda s: s[0]):
        yield sql, [params for _, params in group]


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

    def pipeline(self, cursor):
        return nullcontext()

    def run(self, statements: Iterable[str]) -> None:
        """Run DDL or maintenance statements in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            for statement in statements:
                c.execute(self.sql(statement))

    def query(self, statement: str, params: dict | None = None) -> list[dict]:
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.sql(statement), params or {})
            return [dict(row) for row in c.fetchall()]

    def position(self, name: str) -> int:
        return self.max_tracking_id(name) or 0

    def reset(self, name: str, drop: Iterable[str]) -> None:
        """Forget a projection: drop its tables and its position."""
        with self.datastore.transaction(commit=True) as c:
            c.execute(self.sql(f"DELETE FROM {self.tracking_table} WHERE application_name = :n"),
                      {"n": name})
            for table in drop:
                c.execute(f"DROP TABLE IF EXISTS {table}")


class SQLiteViewStore(ViewStoreMixin, SQLiteTrackingRecorder):
    dialect = "sqlite"
    tracking_table = "tracking"


_NAMED = re.compile(r"(?<![:\w]):(\w+)")


class PostgresViewStore(ViewStoreMixin, PostgresTrackingRecorder):
    dialect = "postgres"

    @property
    def tracking_table(self) -> str:
        return self.tracking_table_name

    def sql(self, statement: str) -> str:
        return _NAMED.sub(r"%(\1)s", statement)

    def pipeline(self, cursor):
        # Send the batch's statements without a round trip each (psycopg pipeline mode).
        return cursor.connection.pipeline()


def open_view_store(env: dict):
    """Build the read-model store for the backend named in `env`."""
    factory = InfrastructureFactory.construct(Environment("minyi_views", env))
    module = env["PERSISTENCE_MODULE"]
    cls = PostgresViewStore if module.endswith("postgres") else SQLiteViewStore
    return factory.tracking_recorder(cls)


__all__ = ["open_view_store", "IntegrityError", "Tracking", "Statement"]
