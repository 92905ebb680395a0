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
    """The routes with a lean path, by (method, path): `route(app, environ, body)` returns
    a Response, or DECLINED to leave the request to Flask."""

    def __init__(self):
        self.routes: dict = {}

    def add(self, method: str, path: str, route) -> None:
        self.routes[(method, path)] = route

    def __call__(self, app, environ: dict, start_response):
        """The lean answer, or None when Flask should answer (the body then put back)."""
        route = self.routes.get((environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")))
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
                    response = route(app, environ, body)
                except Exception as e:  # noqa: BLE001 - answered as web/errors.py does
                    response = json_answer(e, environ["REQUEST_METHOD"], environ["PATH_INFO"])
                    if response is None:
                        log.exception("unhandled error on %s %s", environ["REQUEST_METHOD"],
                                      environ["PATH_INFO"])
                        response = json_error(500, "internal_error", HTTP_MESSAGES[500])
                if response is DECLINED:
                    environ["HTTP_X_REQUEST_ID"] = environ["minyi.request_id"]  # one id
                    environ.pop("minyi.started", None)
                    return None
                observer.end(environ, environ["PATH_INFO"], environ["REQUEST_METHOD"],
                             response.status_code, response.headers,
                             environ.get("REMOTE_ADDR"))
                secure(response.headers,
                       private_path(environ["PATH_INFO"], environ["REQUEST_METHOD"], False),
                       environ.get("wsgi.url_scheme") == "https")
                return response(environ, start_response)
            finally:
                observer.forget()
