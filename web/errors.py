"""One mapping from errors to HTTP: JSON for API clients, a Chinese page for people."""

import logging
import time

import psycopg
import psycopg_pool
import redis
from eventsourcing import persistence as es_persistence

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from .messages import chinese_errors

from domain.errors import (AccessDeniedError, AuthenticationError, ConflictError, DomainError,
                           IllegalTransitionError, InvalidValueError, NotFoundError)

log = logging.getLogger(__name__)

STATUS_BY_ERROR = {
    NotFoundError: 404, IllegalTransitionError: 409, ConflictError: 409,
    InvalidValueError: 422, AccessDeniedError: 403, AuthenticationError: 403,
}

HTTP_MESSAGES = {
    400: "请求格式不正确", 401: "请先登录", 403: "没有权限", 404: "页面或资源不存在",
    405: "不支持该请求方法", 409: "操作与当前状态冲突", 413: "提交的内容过大，请返回上一页删减后重新提交（您填写的内容仍在上一页）",
    415: "请求体须为 JSON", 422: "提交的内容有误", 429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/", "/feeds/")) or (
        request.accept_mimetypes.best == "application/json")


def printable(value):
    """The value with text that cannot be encoded (lone surrogates echoed back from the
    request) made safe, so that an error about bad input can itself be sent."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable(v) for v in value]
    return value


def error_response(status: int, code: str, message: str, details: dict | None = None,
                   headers: dict | None = None):
    details = printable(details) if details else None
    if wants_json():
        return jsonify(error_body(code, message, details)), status, headers or {}
    return render_template("error.html", status=status, message=message,
                           details=details or {}), status, headers or {}


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    body = {"error": {"code": code, "message": message}}
    if details:
        body["error"]["details"] = details
    return body


def json_error(status: int, code: str, message: str, details: dict | None = None,
               headers: dict | None = None) -> tuple[dict, int, dict]:
    """The JSON error answer as (payload, status, headers), as a view returns it, for
    answers made without a request context (web/lean.py)."""
    return (error_body(code, message, printable(details) if details else None), status,
            headers or {})


def reject_unstorable_urls():
    """A NUL in the path or the query string can match no item and no database keeps it
    (PostgreSQL refuses it outright): 404 for a path, 400 for a query, before any view."""
    if "\x00" in request.path:
        return error_response(404, "not_found", HTTP_MESSAGES[404])
    if any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
        return error_response(400, "bad_request", "查询参数含有无效字符")
    return None


# Response headers of an HTTP error worth keeping (405's Allow, 429/503's Retry-After).
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

# A dependency that does not answer (the database refusing connections or dropping them,
# a connection pool with none to give, SQLite's lock not coming free, Redis down where a
# request needs it): 503 with Retry-After, so that clients retry, and nothing half-done
# (a command's events are saved atomically or not at all).
UNAVAILABLE_ERRORS = (es_persistence.OperationalError, es_persistence.InterfaceError,
                      psycopg.OperationalError, psycopg.InterfaceError,
                      redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
RETRY_AFTER = "5"
# After a lost connection this process answers 503 at once for a moment, rather than let
# every request wait for the pool's timeout while the database is away.
BREAKER_SECONDS = 1.0
_down_until = 0.0


def _connection_lost(error: BaseException) -> bool:
    while error is not None:
        if isinstance(error, (psycopg_pool.PoolTimeout, redis.exceptions.ConnectionError)):
            return True
        text = str(error).lower()
        if "connect" in text or "server closed" in text:
            return True
        error = error.__cause__ or error.__context__
    return False


UNAVAILABLE = (503, "service_unavailable", "服务暂时不可用，请稍后重试", None,
               {"Retry-After": RETRY_AFTER})


def _unavailable_response():
    return error_response(*UNAVAILABLE)


def dependency_failed(e: BaseException, method: str, path: str) -> None:
    """Note a dependency that did not answer: the breaker opens if the connection is lost."""
    global _down_until
    if _connection_lost(e):
        _down_until = time.monotonic() + BREAKER_SECONDS
    log.warning("dependency unavailable on %s %s: %s: %s", method, path, type(e).__name__,
                str(e)[:200])


def domain_error_args(e: DomainError) -> tuple:
    return STATUS_BY_ERROR.get(type(e), 422), e.code, e.message, e.details


def validation_error_args(e: ValidationError) -> tuple:
    return 422, "validation_failed", "提交的内容有误", {"fields": chinese_errors(e.messages)}


def http_error_args(e: HTTPException) -> tuple:
    status = e.code or 500
    custom = e.description and e.description != type(e).description
    message = e.description if custom else HTTP_MESSAGES.get(status, e.name)
    headers = {k: v for k, v in e.get_headers() if k in KEPT_HEADERS}
    return status, e.name.lower().replace(" ", "_"), message, None, headers


def json_answer(e: Exception, method: str, path: str):
    """The JSON answer the handlers below give to a refused command (a domain error, a
    schema's 422, an HTTP error, an unavailable dependency), outside a request context;
    None for others."""
    if isinstance(e, DomainError):
        return json_error(*domain_error_args(e))
    if isinstance(e, ValidationError):
        return json_error(*validation_error_args(e))
    if isinstance(e, HTTPException):
        return json_error(*http_error_args(e))
    if isinstance(e, UNAVAILABLE_ERRORS):
        dependency_failed(e, method, path)
        return json_error(*UNAVAILABLE)
    return None


def breaker_open() -> bool:
    """True while a lost connection is fresh: requests then get a 503 at once."""
    return bool(_down_until) and time.monotonic() < _down_until


def refuse_while_down():
    """503 at once while a lost connection is fresh (liveness probes still get through)."""
    if breaker_open() and request.path != "/healthz":
        return _unavailable_response()
    return None


def init_app(app) -> None:
    app.before_request(refuse_while_down)
    app.before_request(reject_unstorable_urls)

    def unavailable(e):
        dependency_failed(e, request.method, request.path)
        return _unavailable_response()

    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, unavailable)

    @app.errorhandler(DomainError)
    def domain_error(e: DomainError):
        return error_response(*domain_error_args(e))

    @app.errorhandler(ValidationError)
    def validation_error(e: ValidationError):
        return error_response(*validation_error_args(e))

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return error_response(400, "csrf_failed", "页面已过期，请刷新后重新提交")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        return error_response(*http_error_args(e))

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", HTTP_MESSAGES[500])
