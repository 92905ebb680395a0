"""`Idempotency-Key` on every POST: a retried request gets the first response back.

A client that may retry a write (a lost answer, a timeout, a mobile network) sends a key
of its own choosing with the request (a UUID, say). The first request with that key runs
and its response is kept in Redis for `IDEMPOTENCY_TTL` seconds; a retry with the same key
and the same request gets that response again, byte for byte, with
`Idempotent-Replayed: true`, and records nothing. Because the record is in Redis, this
holds across web processes and hosts.

* While the first request is still running, a retry gets 409 with `Retry-After: 1`.
* The same key with a different request (method, path, body or caller) gets 422.
* A key is scoped to its caller: the bearer token or console session, or, for an anonymous
  citizen, the key itself (the stored answer is only returned for the identical body).
* Server errors (5xx) and 429 are not kept: the retry runs again.
* Without Redis a request that carries a key gets 503 with `Retry-After`, since its retry
  could not be recognised; requests without a key do not depend on this at all.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging

from flask import Response, g, request

from .errors import error_response
from .extensions import runtime

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
PENDING_SECONDS = 120  # a request still "running" after this is taken as lost
KEPT_RESPONSE_HEADERS = ("Content-Type", "Location", "Retry-After", "Allow")
UNAVAILABLE = {"Retry-After": "5"}


def _valid(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and all(0x21 <= ord(c) <= 0x7E for c in key)


def _caller() -> str:
    auth = request.headers.get("Authorization", "")
    if auth:
        return "auth:" + hashlib.sha256(auth.encode("utf-8", "replace")).hexdigest()
    cookie = request.cookies.get(_session_cookie_name(), "")
    return "session:" + hashlib.sha256(cookie.encode("utf-8", "replace")).hexdigest() \
        if cookie else "anonymous"


def _session_cookie_name() -> str:
    from flask import current_app
    return current_app.config.get("SESSION_COOKIE_NAME", "session")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    multipart = request.mimetype == "multipart/form-data"
    for part in (request.method, request.path, request.query_string.decode("latin-1"),
                 request.mimetype if multipart else request.content_type or ""):
        digest.update(part.encode("utf-8", "replace") + b"\0")
    if multipart:  # its parts, not its bytes: a retry may choose another boundary
        _digest_parts(digest)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _digest_parts(digest) -> None:
    """A multipart body (photos with a comment) by its fields and files' contents."""
    for key, value in request.form.items(multi=True):
        digest.update(f"field\0{key}\0{value}\0".encode("utf-8", "replace"))
    for key, upload in request.files.items(multi=True):
        content = upload.stream.read()
        upload.stream.seek(0)  # the view reads it again
        digest.update(f"file\0{key}\0{upload.filename}\0".encode("utf-8", "replace"))
        digest.update(hashlib.sha256(content).digest())


def _redis_key(key: str) -> str:
    scope = hashlib.sha256(f"{_caller()}\0{key}".encode("utf-8", "replace")).hexdigest()
    return f"{runtime().settings.key_prefix}:idem:{scope}"


def before_request():
    if request.method != "POST" or HEADER not in request.headers:
        return None
    key = request.headers.get(HEADER, "")
    if not _valid(key):
        return error_response(400, "bad_idempotency_key",
                              f"{HEADER} 须为 1–{MAX_KEY_LENGTH} 个可见 ASCII 字符")
    redis_key, fingerprint = _redis_key(key), _fingerprint()
    pending = json.dumps({"state": "pending", "fingerprint": fingerprint})
    try:
        redis = runtime().redis
        if redis.set(redis_key, pending, nx=True, ex=PENDING_SECONDS):
            g.idempotency = (redis_key, fingerprint)
            return None
        stored = redis.get(redis_key)
    except Exception as e:  # noqa: BLE001 - Redis down: a retry could not be recognised
        log.warning("idempotency record unavailable: %s", e)
        return error_response(503, "idempotency_unavailable",
                              "暂时无法保证请求不被重复处理，请稍后重试", headers=UNAVAILABLE)
    if stored is None:  # expired between the two calls: treat as a first request again
        return before_request()
    record = json.loads(stored)
    if record.get("fingerprint") != fingerprint:
        return error_response(422, "idempotency_key_reused",
                              f"该 {HEADER} 已用于另一个请求，请换用新的键")
    if record.get("state") == "pending":
        return error_response(409, "request_in_progress",
                              "相同的请求正在处理中，请稍后重试", headers={"Retry-After": "1"})
    response = Response(base64.b64decode(record["body"]), status=record["status"])
    for name, value in record.get("headers", []):
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def after_request(response: Response) -> Response:
    claim = g.pop("idempotency", None)
    if claim is None:
        return response
    redis_key, fingerprint = claim
    try:
        redis = runtime().redis
        if response.status_code >= 500 or response.status_code == 429 \
                or response.direct_passthrough or response.is_streamed:
            redis.delete(redis_key)  # not an answer worth keeping: let the retry run
            return response
        record = {"state": "done", "fingerprint": fingerprint,
                  "status": response.status_code,
                  "headers": [(k, v) for k, v in response.headers.items()
                              if k in KEPT_RESPONSE_HEADERS],
                  "body": base64.b64encode(response.get_data()).decode("ascii")}
        redis.set(redis_key, json.dumps(record), ex=runtime().settings.idempotency_ttl)
    except Exception as e:  # noqa: BLE001 - the write is done; say so, keep the answer
        log.warning("could not keep the response for an idempotency key: %s", e)
    return response


def teardown_request(error=None) -> None:
    claim = g.pop("idempotency", None)
    if claim is not None:  # the request died without a response: free the key
        try:
            runtime().redis.delete(claim[0])
        except Exception:  # noqa: BLE001 - expires after PENDING_SECONDS anyway
            pass


def init_app(app) -> None:
    app.before_request(before_request)
    app.after_request(after_request)
    app.teardown_request(teardown_request)
