"""A lean path for the busiest anonymous JSON writes.

A citizen's `POST /api/v1/comments` is the request the portal gets most, and Flask's
request machinery (the request context, URL matching, the session, a dozen hooks, the
response pipeline) cost about as much CPU as the submission's own checks. A route listed
here is answered straight from the WSGI environ inside an application context, doing what
those hooks do for it: the request id and the latency sample (web/system.py), the
response headers (web/security.py), and the route's own work through the same functions
as its Flask view.

Only the plainest requests take this path: an exact path, no query string, a JSON body
with a Content-Length within MAX_CONTENT_LENGTH, and no cookie, Authorization or
Idempotency-Key header (so no session, no signed-in member of staff, no stored answer),
while the database breaker is closed (web/errors.py). Anything else goes through Flask as
before. A route may also decline a request before it has done anything (a body that is
not a JSON object, a 429): Flask then answers it, with the body put back. A refused
command (a 422, a 409, an unavailable store) is answered here as web/errors.py answers it.
"""

import io
import logging

from werkzeug.datastructures import Headers
from werkzeug.http import HTTP_STATUS_CODES

from .errors import HTTP_MESSAGES, breaker_open, json_answer, json_error
from .security import private_path, secure

log = logging.getLogger(__name__)

DECLINED = object()  # what a route returns to leave the request to Flask


def eligible(environ: dict, max_length: int) -> bool:
    if environ.get("QUERY_STRING") or "HTTP_COOKIE" in environ \
            or "HTTP_AUTHORIZATION" in environ or "HTTP_IDEMPOTENCY_KEY" in environ:
        return False
    mimetype = environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if mimetype != "application/json":
        return False
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return False
    return 0 < length <= max_length and not breaker_open()


class LeanRoutes:
    """The routes with a lean path, by (method, path). `route(app, environ, body)` returns
    (JSON payload, status) as a Flask view would, or DECLINED to leave the request to
    Flask; what it raises is answered as web/errors.py answers it."""

    def __init__(self):
        self.routes: dict = {}
        self._static: dict = {}  # (method, path, https) -> the headers every answer carries

    def add(self, method: str, path: str, route) -> None:
        self.routes[(method, path)] = route

    def __call__(self, app, environ: dict, start_response):
        """The lean answer, or None when Flask should answer (the body then put back)."""
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        route = self.routes.get((method, path))
        if route is None or not eligible(environ, app.config["MAX_CONTENT_LENGTH"] or 0):
            return None
        length = int(environ["CONTENT_LENGTH"])
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # for Flask, should the route decline
        if len(body) != length:  # the client sent less than it announced
            return None
        observer = app.extensions["minyi.observer"]
        with app.app_context():
            observer.begin(environ)
            try:
                try:
                    answer = route(app, environ, body)
                except Exception as e:  # noqa: BLE001 - answered as web/errors.py does
                    answer = json_answer(e, method, path)
                    if answer is None:
                        log.exception("unhandled error on %s %s", method, path)
                        answer = json_error(500, "internal_error", HTTP_MESSAGES[500])
                if answer is DECLINED:
                    environ["HTTP_X_REQUEST_ID"] = environ["minyi.request_id"]  # one id
                    environ.pop("minyi.started", None)
                    return None
                https = environ.get("wsgi.url_scheme") == "https"
                if isinstance(answer, tuple):  # (payload, status): the usual answer
                    payload, status = answer
                    data = json_bytes(app, payload)
                    headers = [("Content-Type", app.json.mimetype),
                               ("Content-Length", str(len(data))),
                               *self._static_headers(method, path, https)]
                    body_out, status_line = [data], _status_line(status)
                else:  # an error's response object
                    status = answer.status_code
                    secure(answer.headers, private_path(path, method, False), https)
                    body_out, status_line = None, None
                request_id = observer.end(environ, path, method, status,
                                          environ.get("REMOTE_ADDR"))
                if body_out is None:
                    answer.headers["X-Request-ID"] = request_id
                    return answer(environ, start_response)
                headers.append(("X-Request-ID", request_id))
                start_response(status_line, headers)
                return body_out
            finally:
                observer.forget()

    def _static_headers(self, method: str, path: str, https: bool) -> list:
        """The headers web/security.py gives every answer on this route, worked out once."""
        key = (method, path, https)
        headers = self._static.get(key)
        if headers is None:
            made = Headers()
            secure(made, private_path(path, method, False), https)
            headers = self._static[key] = list(made.items())
        return headers


def json_bytes(app, payload) -> bytes:
    """The payload as Flask's JSON provider writes a response body."""
    provider = app.json
    if (provider.compact is None and app.debug) or provider.compact is False:
        text = provider.dumps(payload, indent=2)
    else:
        text = provider.dumps(payload, separators=(",", ":"))
    return f"{text}\n".encode()


def _status_line(status: int) -> str:
    return f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}"
