"""Who did what from where: one row per staff request that changes something (and per
sign-in, failed or not), with the account, the time, the client address, the path and
outcome, and — for a workflow action — the item and the version its event got.

Events already record the actor and the time of every change; this adds the client
address, which does not belong in the domain's events. The table lives beside the read
models but is not one: no rebuild touches it (like the outbox's sent-table).
"""

import atexit
import logging
import threading
from datetime import datetime

log = logging.getLogger(__name__)

TABLE = "minyi_audit"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (at TEXT NOT NULL, actor TEXT NOT NULL, "
       "client TEXT, method TEXT, path TEXT, status INTEGER, what TEXT, item_kind TEXT, "
       "item_no TEXT, item_version INTEGER)")
INDEXES = (f"CREATE INDEX IF NOT EXISTS {TABLE}_item ON {TABLE} (item_kind, item_no)",
           f"CREATE INDEX IF NOT EXISTS {TABLE}_actor ON {TABLE} (actor, at)")


INSERT = (f"INSERT INTO {TABLE} (at, actor, client, method, path, status, what, item_kind, "
          "item_no, item_version) VALUES (:at, :actor, :client, :method, :path, :status, "
          ":what, :kind, :no, :version)")


class Audit:
    """Rows are written off the request's path: a thread of this process writes what has
    gathered in one transaction, at most `interval` seconds after the request (a request
    never waits for the read-model store's write lock, which a worker may hold). Reading
    the records in this process first writes what is pending; at exit it is written too."""

    def __init__(self, store, interval: float = 0.05):
        self.store, self.interval = store, interval
        self._ready = False
        self._pending: list[dict] = []
        self._lock = threading.Lock()
        self._wanted = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = None
        self._closed = False
        self._writing = threading.Lock()

    def ensure(self) -> None:
        if not self._ready:
            self.store.run([DDL, *INDEXES])
            self._ready = True

    def record(self, *, at: datetime, actor: str, client: str, method: str, path: str,
               status: int, what: str = "", item_kind: str | None = None,
               item_no: str | None = None, item_version: int | None = None) -> None:
        row = {"at": at.isoformat(), "actor": actor[:80], "client": (client or "")[:64],
               "method": method[:8], "path": path[:300], "status": status, "what": what[:80],
               "kind": item_kind, "no": item_no, "version": item_version}
        with self._lock:
            self._pending.append(row)
        self._wanted.set()
        self._start()

    def _start(self) -> None:
        import os
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:  # lazily, after any fork, in the process that records
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="minyi-audit",
                                                daemon=True)
                self._thread.start()
                atexit.register(self.flush)

    def _run(self) -> None:
        import time
        while not self._closed:
            self._wanted.wait()
            self._wanted.clear()
            time.sleep(self.interval)  # gather the requests of this moment into one write
            try:
                self.flush()
            except Exception:  # noqa: BLE001 - kept; tried again with the next record
                log.exception("audit rows not written yet")

    def close(self) -> None:
        """Write what is pending; later records are written by nobody (the store closes).
        Waits for a write under way in the thread, which then ends."""
        try:
            self.flush()
        finally:
            with self._writing:
                self._closed = True
            self._wanted.set()
            atexit.unregister(self.flush)

    def flush(self) -> None:
        """Write every pending row now (one transaction)."""
        with self._writing:  # one write at a time, and none once closed
            if self._closed:
                return
            with self._lock:
                rows, self._pending = self._pending, []
            if not rows:
                return
            try:
                self.ensure()
                self.store.apply_statements([(INSERT, row) for row in rows])
            except Exception:
                with self._lock:  # put back in front, in order
                    self._pending[:0] = rows
                raise

    def clients_of(self, item_kind: str, item_no: str) -> dict[int, str]:
        """Item version -> the client address the action that made it came from."""
        self.flush()
        self.ensure()
        rows = self.store.query(
            f"SELECT item_version, client FROM {TABLE} WHERE item_kind = :k AND item_no = :n "
            "AND item_version IS NOT NULL", {"k": item_kind, "n": item_no})
        return {r["item_version"]: r["client"] for r in rows}

    def of_actor(self, actor: str, limit: int = 10_000) -> list[dict]:
        self.flush()
        self.ensure()
        return self.store.query(
            f"SELECT at, actor, client, method, path, status, what, item_kind, item_no, "
            f"item_version FROM {TABLE} WHERE actor = :a ORDER BY at LIMIT :limit",
            {"a": actor, "limit": limit})
