"""API keys on the request path: verified against the event store, remembered briefly."""

import time

from flask import current_app

from domain.apikeys import ApiClient, hash_api_key

from ..extensions import runtime

# digest of a key -> (its active client or None, monotonic time it was checked): within
# KEY_CACHE_SECONDS the answer read last serves, so a key created or revoked with the CLI
# takes effect in every web process within that time.
KEY_CACHE_SECONDS = 5.0
_CACHE = "minyi.open311.keys"


def api_client(key: str) -> ApiClient | None:
    """The active client `key` belongs to, or None."""
    cache = current_app.extensions.setdefault(_CACHE, {})
    digest = hash_api_key(key)
    cached = cache.get(digest)
    if cached is not None and time.monotonic() - cached[1] < KEY_CACHE_SECONDS:
        return cached[0]
    client = runtime().app.verify_api_key(key)
    if len(cache) > 10_000:  # unknown keys are remembered too: keep the map bounded
        cache.clear()
    cache[digest] = (client, time.monotonic())
    return client


def forget_keys() -> None:
    """Drop what was remembered (tests; a process that revoked a key itself)."""
    current_app.extensions.pop(_CACHE, None)
