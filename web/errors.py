"""One mapping from errors to HTTP: JSON for API clients, a Chinese page for people."""

import logging

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
    405: "不支持该请求方法", 409: "操作与当前状态冲突", 413: "提交的内容过大",
    415: "请求体须为 JSON", 422: "提交的内容有误", 429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/", "/feeds/")) or (
        request.accept_mimetypes.best == "application/json")


def error_response(status: int, code: str, message: str, details: dict | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if details:
            body["error"]["details"] = details
        return jsonify(body), status
    return render_template("error.html", status=status, message=message,
                           details=details or {}), status


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def domain_error(e: DomainError):
        status = STATUS_BY_ERROR.get(type(e), 422)
        return error_response(status, e.code, e.message, e.details)

    @app.errorhandler(ValidationError)
    def validation_error(e: ValidationError):
        return error_response(422, "validation_failed", "提交的内容有误",
                              {"fields": chinese_errors(e.messages)})

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError):
        return error_response(400, "csrf_failed", "页面已过期，请刷新后重新提交")

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        status = e.code or 500
        custom = e.description and e.description != type(e).description
        message = e.description if custom else HTTP_MESSAGES.get(status, e.name)
        return error_response(status, e.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def unexpected(e: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", HTTP_MESSAGES[500])
