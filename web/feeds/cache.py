"""Conditional GET and a short in-process cache for public feeds and pages.

A feed body is built at most once every `max_age` seconds per query and process; each
response carries an ETag (a digest of the body) and Last-Modified (when it was built), and
a client that sends either back gets 304 with no body. A crawler polling every few
seconds therefore costs a dictionary look-up.
"""

import hashlib
import json
import threading
import time
from email.utils import format_datetime, parsedate_to_datetime
from datetime import datetime, timezone

from flask import Response, current_app, request

MAX_ENTRIES = 256
_lock = threading.Lock()


def _entries() -> dict:
    """This app's cache (tests run several apps in one process)."""
    return current_app.extensions.setdefault("minyi.feed_cache", {})


def cached(key: tuple, build, *, mimetype: str, max_age: int | None = None, render=None,
           headers: dict | None = None) -> Response:
    """The response for `key`, rebuilt when missing or stale. `build()` returns the body
    (bytes), or with `render` the data, which `render(data, changed_at)` turns into the
    body: the ETag then follows the data alone, and `changed_at` is when it last changed."""
    if max_age is None:
        max_age = current_app.config.get("FEEDS_CACHE_SECONDS", 5)
    now, cache = time.monotonic(), _entries()
    entry = cache.get(key)
    if entry is None or entry[0] <= now:
        data = build()
        source = data if render is None else json.dumps(
            data, sort_keys=True, ensure_ascii=False, default=str).encode()
        etag = hashlib.sha256(source).hexdigest()[:32]
        built = datetime.now(timezone.utc).replace(microsecond=0)
        if entry is not None and entry[2] == etag:
            built = entry[3]  # unchanged: keep the time it last changed
        body = data if render is None else render(data, built)
        entry = (now + max_age, body, etag, built)
        with _lock:
            if len(cache) >= MAX_ENTRIES:
                cache.clear()
            cache[key] = entry
    _, body, etag, built = entry
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.last_modified = built
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if _not_modified(etag, built):
        response = Response(status=304)
        response.set_etag(etag)
        response.last_modified = built
        response.cache_control.public = True
        response.cache_control.max_age = max_age
    return response


def _not_modified(etag: str, built: datetime) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.headers.get("If-Modified-Since")
    if since:
        try:
            return built <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


__all__ = ["cached", "format_datetime"]
