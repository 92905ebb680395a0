"""The bare ceiling: the least a web app can do per submission on this stack.

Per POST it parses a small JSON body and commits one row to the same kind of database the
system uses (an SQLite file in WAL mode, or PostgreSQL), then answers 201 with JSON. It is
served by the same server (gunicorn, same workers and threads) and driven by the same load
generator as the system, so `system / ceiling` says how much of the stack's best the
system reaches on this machine in this run.

    DATABASE_URL=sqlite:////tmp/c.sqlite gunicorn 'bench.ceiling_app:create_app()'
"""

import json
import secrets
import sqlite3
import threading
from datetime import datetime, timezone

from flask import Flask, abort, request

TABLE = "ceiling_comments"
SQLITE_DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
              "tracking_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL, body TEXT NOT NULL, "
              "created_at TEXT NOT NULL)")
POSTGRES_DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id BIGSERIAL PRIMARY KEY, "
                "tracking_no TEXT NOT NULL UNIQUE, title TEXT NOT NULL, body TEXT NOT NULL, "
                "created_at TEXT NOT NULL)")
LOCK_TIMEOUT = 30  # seconds; the system's SQLITE_LOCK_TIMEOUT


def sqlite_path(database_url: str) -> str | None:
    return database_url[len("sqlite:///"):] if database_url.startswith("sqlite:///") else None


class SQLiteRows:
    """One connection per server thread (gthread reuses a fixed pool of threads)."""

    def __init__(self, path: str):
        self.path, self.local = path, threading.local()

    def connect(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            # Autocommit mode with an explicit BEGIN, as eventsourcing's SQLite datastore does.
            conn = sqlite3.connect(self.path, timeout=LOCK_TIMEOUT, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            self.local.conn = conn
        return conn

    def init(self) -> None:
        conn = self.connect()
        conn.execute(SQLITE_DDL)

    def insert(self, row: dict) -> int:
        conn = self.connect()
        conn.execute("BEGIN")
        try:
            cur = conn.execute(f"INSERT INTO {TABLE} (tracking_no, title, body, created_at) "
                               "VALUES (:tracking_no, :title, :body, :created_at)", row)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return cur.lastrowid


class PostgresRows:
    """One psycopg connection per server thread; one transaction per row."""

    def __init__(self, url: str):
        self.url, self.local = url, threading.local()

    def connect(self):
        import psycopg
        conn = getattr(self.local, "conn", None)
        if conn is None or conn.closed:
            conn = self.local.conn = psycopg.connect(self.url)
        return conn

    def init(self) -> None:
        conn = self.connect()
        with conn.transaction():
            conn.execute(POSTGRES_DDL)

    def insert(self, row: dict) -> int:
        conn = self.connect()
        with conn.transaction():
            cur = conn.execute(f"INSERT INTO {TABLE} (tracking_no, title, body, created_at) "
                               "VALUES (%(tracking_no)s, %(title)s, %(body)s, %(created_at)s) "
                               "RETURNING id", row)
            return cur.fetchone()[0]


def rows_for(database_url: str):
    path = sqlite_path(database_url)
    if path:
        return SQLiteRows(path)
    if database_url.split(":", 1)[0].split("+")[0] in ("postgres", "postgresql"):
        return PostgresRows(database_url)
    raise ValueError(f"ceiling app supports sqlite:/// and postgresql:// URLs, not {database_url!r}")


def init_db(database_url: str) -> None:
    """Create the table once, before the server's workers start."""
    rows_for(database_url).init()


def create_app(database_url: str | None = None) -> Flask:
    import os
    rows = rows_for(database_url or os.environ["DATABASE_URL"])
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/api/v1/comments")
    @app.post("/api/v1/staff/tickets")
    @app.post("/api/v1/staff/comments/<number>/save_draft")
    def submit(number=None):
        data = request.get_json(silent=True)
        title = data.get("title", data.get("content")) if isinstance(data, dict) else None
        if not isinstance(title, str):
            abort(400)
        tracking_no = secrets.token_hex(8).upper()
        row_id = rows.insert({"tracking_no": tracking_no, "title": title,
                              "body": json.dumps(data, ensure_ascii=False),
                              "created_at": datetime.now(timezone.utc).isoformat()})
        return {"id": row_id, "tracking_no": tracking_no}, 201

    return app
