"""DATABASE_URL -> eventsourcing environments for the event store and the read models."""

import uuid
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"


def event_store_env(database_url: str, cipher_key: str, aggregate_cache: int = 0) -> dict:
    """Environment for the Minyi application's recorder (with encryption at rest).

    `aggregate_cache`: the aggregates a process keeps between commands (the library's
    LRU cache; 0: none). A cached aggregate is brought up to date from the store on every
    load (only events after its version are read and decoded), and a command works on a
    deep copy, so the cache never serves a stale or half-changed item; the store's
    version check still decides between concurrent writers."""
    env = _backend_env(database_url)
    if cipher_key:
        env.update(CIPHER_TOPIC=CIPHER_TOPIC, CIPHER_KEY=cipher_key)
    if aggregate_cache > 0:
        env.update(AGGREGATE_CACHE_MAXSIZE=str(aggregate_cache), AGGREGATE_CACHE_FASTFORWARD="y",
                   DEEPCOPY_FROM_AGGREGATE_CACHE="y")
    return env


def views_database_url(database_url: str, views_url: str = "") -> str:
    """Where the read models live: `views_url` if given; beside an SQLite event store, a
    file of their own (`minyi.sqlite` -> `minyi-views.sqlite`), so that projecting never
    holds the one write lock the event store's writers need; otherwise the event store's
    own database (PostgreSQL locks rows, not the database)."""
    if views_url:
        return views_url
    if urlparse(database_url).scheme.split("+")[0] == "sqlite":
        base, dot, suffix = database_url.rpartition(".")
        stem = base if dot and "/" not in suffix else database_url
        return f"{stem}-views.sqlite"
    return database_url


def views_env(database_url: str, views_url: str = "") -> dict:
    """Environment for the read-model store (see views_database_url)."""
    env = _backend_env(views_database_url(database_url, views_url))
    if env["PERSISTENCE_MODULE"] == "eventsourcing.popo":
        # In-memory events get an in-memory SQLite for their read models.
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
               "SQLITE_DBNAME": f"file:views-{uuid.uuid4().hex}?mode=memory&cache=shared"}
    return env


def _backend_env(url: str) -> dict:
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path:
            raise ValueError("DATABASE_URL for SQLite must look like sqlite:///var/minyi.sqlite")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "30"}
    if scheme in ("postgres", "postgresql"):
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        env = {"PERSISTENCE_MODULE": "eventsourcing.postgres",
               "POSTGRES_DBNAME": parsed.path.lstrip("/") or "minyi",
               "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
               "POSTGRES_PORT": str(parsed.port or 5432),
               "POSTGRES_USER": unquote(parsed.username or "postgres"),
               "POSTGRES_PASSWORD": unquote(parsed.password or ""),
               "POSTGRES_POOL_SIZE": query.get("pool_size", "5"),
               "POSTGRES_MAX_OVERFLOW": query.get("max_overflow", "10"),
               "POSTGRES_LOCK_TIMEOUT": "5",
               # Fail fast while the database is unreachable (a 503 within seconds, not a
               # hang): wait at most this long for a pooled connection, try a call at
               # most twice (infrastructure/pgstore.py), and check a pooled connection
               # before use, so one that died while idle is never handed to a request.
               "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", "1"),
               "POSTGRES_PRE_PING": query.get("pre_ping", "y"),
               "APPLICATION_RECORDER_TOPIC":
                   "infrastructure.pgstore:FailFastApplicationRecorder"}
        if query.get("schema"):
            env["POSTGRES_SCHEMA"] = query["schema"]
        return env
    if scheme == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")
