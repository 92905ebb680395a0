"""Staff sessions and API tokens, kept server-side so that each can be listed and revoked.

A credential is a random secret handed to the client once (in the session cookie, or as
the bearer token); only its SHA-256 digest is stored, beside the account it belongs to,
the account's password fingerprint when it was issued (a password change voids it), its
expiry and the client address it was issued to. Logging out or revoking deletes nothing:
the row is marked revoked, so the supervisor's history keeps it.

Every request checks its credential. A check that found a live credential is remembered
for CACHE_SECONDS in that process (revoking clears this process's memory at once; other
processes notice within that time), so the check costs a query only every few seconds.
"""

import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta

TABLE = "minyi_credentials"
DDL = (f"CREATE TABLE IF NOT EXISTS {TABLE} (id TEXT PRIMARY KEY, digest TEXT NOT NULL "
       "UNIQUE, username TEXT NOT NULL, kind TEXT NOT NULL, fingerprint TEXT NOT NULL, "
       "created_at TEXT NOT NULL, expires_at TEXT NOT NULL, client TEXT, label TEXT, "
       "revoked_at TEXT)")
INDEX = f"CREATE INDEX IF NOT EXISTS {TABLE}_user ON {TABLE} (username, created_at)"
KINDS = ("session", "token")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class Credentials:
    CACHE_SECONDS = 2.0
    CACHE_SIZE = 10_000

    def __init__(self, store, clock, max_age: dict):
        self.store, self.clock, self.max_age = store, clock, dict(max_age)
        self._ready = False
        self._cache: dict[str, tuple] = {}
        self._lock = threading.Lock()

    def ensure(self) -> None:
        if not self._ready:
            self.store.run([DDL, INDEX])
            self._ready = True

    def issue(self, username: str, fingerprint: str, kind: str, *, client: str | None = None,
              label: str = "") -> dict:
        """A new credential: its id, its secret (shown once) and its expiry."""
        if kind not in KINDS:
            raise ValueError(f"unknown credential kind {kind!r}")
        self.ensure()
        now = self.clock()
        credential_id = secrets.token_hex(8)
        secret = f"{'mt' if kind == 'token' else 'ms'}_{secrets.token_urlsafe(32)}"
        expires = now + timedelta(seconds=self.max_age[kind])
        self.store.execute(
            f"INSERT INTO {TABLE} (id, digest, username, kind, fingerprint, created_at, "
            "expires_at, client, label) VALUES (:id, :digest, :username, :kind, :fp, :now, "
            ":expires, :client, :label)",
            {"id": credential_id, "digest": digest(secret), "username": username,
             "kind": kind, "fp": fingerprint, "now": now.isoformat(),
             "expires": expires.isoformat(), "client": (client or "")[:64],
             "label": label[:100]})
        return {"id": credential_id, "secret": secret, "expires_at": expires}

    def check(self, secret: str, kind: str) -> tuple[str, str] | None:
        """(username, fingerprint) of a live credential of this kind, else None."""
        if not secret or len(secret) > 200:
            return None
        key = digest(secret)
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached is None or now - cached[3] > self.CACHE_SECONDS:
            self.ensure()
            rows = self.store.query(
                f"SELECT username, fingerprint, kind, expires_at FROM {TABLE} "
                "WHERE digest = :digest AND revoked_at IS NULL", {"digest": key})
            if not rows:
                self._cache.pop(key, None)
                return None
            row = rows[0]
            cached = (row["username"], row["fingerprint"], row["kind"], now,
                      datetime.fromisoformat(row["expires_at"]))
            with self._lock:
                if len(self._cache) >= self.CACHE_SIZE:
                    self._cache.clear()
                self._cache[key] = cached
        username, fingerprint, found_kind, _, expires = cached
        if found_kind != kind or self.clock() >= expires:
            return None
        return username, fingerprint

    def revoke(self, *, secret: str | None = None, credential_id: str | None = None,
               username: str | None = None) -> int:
        """Revoke one credential (by secret or id; with `username`, only if it is theirs),
        or, with only `username`, all of that account's. Returns how many were live."""
        self.ensure()
        where, params = ["revoked_at IS NULL"], {"now": self.clock().isoformat()}
        if secret is not None:
            where.append("digest = :digest")
            params["digest"] = digest(secret)
        if credential_id is not None:
            where.append("id = :id")
            params["id"] = credential_id
        if username is not None:
            where.append("username = :username")
            params["username"] = username
        if len(where) == 1:
            raise ValueError("revoke what?")
        count = self.store.execute_count(
            f"UPDATE {TABLE} SET revoked_at = :now WHERE {' AND '.join(where)}", params)
        with self._lock:
            self._cache.clear()
        return count

    def listing(self, username: str | None = None, live_only: bool = True) -> list[dict]:
        """Credentials (never their secrets or digests), newest first."""
        self.ensure()
        where, params = [], {}
        if username is not None:
            where.append("username = :username")
            params["username"] = username
        if live_only:
            where.append("revoked_at IS NULL AND expires_at > :now")
            params["now"] = self.clock().isoformat()
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return self.store.query(
            f"SELECT id, username, kind, created_at, expires_at, client, label, revoked_at "
            f"FROM {TABLE} {clause} ORDER BY created_at DESC, id LIMIT 500", params)
