"""Who did what from where: one row per staff request that changes something (and per
sign-in, failed or not), with the account, the time, the client address, the path and
outcome, and — for a workflow action — the item and the version its event got.

Events already record the actor and the time of every change; this adds the client
address, which does not belong in the domain's events. The table lives beside the read
models but is not one: no rebuild touches it (like the outbox's sent-table).
"""

from datetime import datetime

TABLE = "minyi_audit"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (at TEXT NOT NULL, actor TEXT NOT NULL, "
       "client TEXT, method TEXT, path TEXT, status INTEGER, what TEXT, item_kind TEXT, "
       "item_no TEXT, item_version INTEGER)")
INDEXES = (f"CREATE INDEX IF NOT EXISTS {TABLE}_item ON {TABLE} (item_kind, item_no)",
           f"CREATE INDEX IF NOT EXISTS {TABLE}_actor ON {TABLE} (actor, at)")


class Audit:
    def __init__(self, store):
        self.store = store
        self._ready = False

    def ensure(self) -> None:
        if not self._ready:
            self.store.run([DDL, *INDEXES])
            self._ready = True

    def record(self, *, at: datetime, actor: str, client: str, method: str, path: str,
               status: int, what: str = "", item_kind: str | None = None,
               item_no: str | None = None, item_version: int | None = None) -> None:
        self.ensure()
        self.store.execute(
            f"INSERT INTO {TABLE} (at, actor, client, method, path, status, what, item_kind, "
            "item_no, item_version) VALUES (:at, :actor, :client, :method, :path, :status, "
            ":what, :kind, :no, :version)",
            {"at": at.isoformat(), "actor": actor[:80], "client": (client or "")[:64],
             "method": method[:8], "path": path[:300], "status": status, "what": what[:80],
             "kind": item_kind, "no": item_no, "version": item_version})

    def clients_of(self, item_kind: str, item_no: str) -> dict[int, str]:
        """Item version -> the client address the action that made it came from."""
        self.ensure()
        rows = self.store.query(
            f"SELECT item_version, client FROM {TABLE} WHERE item_kind = :k AND item_no = :n "
            "AND item_version IS NOT NULL", {"k": item_kind, "n": item_no})
        return {r["item_version"]: r["client"] for r in rows}

    def of_actor(self, actor: str, limit: int = 10_000) -> list[dict]:
        self.ensure()
        return self.store.query(
            f"SELECT at, actor, client, method, path, status, what, item_kind, item_no, "
            f"item_version FROM {TABLE} WHERE actor = :a ORDER BY at LIMIT :limit",
            {"a": actor, "limit": limit})
