"""A lean path for the busiest JSON writes.

A citizen's `POST /api/v1/comments` is the request the portal gets most, and an operator's
`POST /api/v1/staff/tickets` and a member's `POST /api/v1/staff/<kind>/<number>/<action>`
the console's API clients'; Flask's request machinery (the request
context, URL matching, the session, a dozen hooks, the response pipeline) cost about as
much CPU as the command's own checks. A route listed here is answered straight from the
WSGI environ inside an application context, doing what those hooks do for it: the request
id and the latency sample (web/system.py), the response headers (web/security.py), for
staff the bearer-token sign-in (web/auth.py) and the audit row (web/history.py), and the
route's own work through the same functions as its Flask view.

Only the plainest requests take this path: an exact path (or, for a route with variables,
a path of ASCII characters that Flask's own URL map gives to its view), no query string, a
JSON body with a Content-Length within MAX_CONTENT_LENGTH (or no body at all, where the
view takes none: a workflow step without inputs), no cookie and no Idempotency-Key header
(so no session, no stored answer), an Authorization header on staff routes and none on
the others, while the database breaker is closed (web/errors.py). Anything else goes
through Flask as before. A route may also decline a request before it has done anything
(a body that is not a JSON object, a 429, a token that signs no one in): Flask then
answers it, with the body put back. A refused command (a 422, a 403, a 409, an
unavailable store) is answered here as web/errors.py answers it.
"""

import io
import logging

from flask import g
from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException
from werkzeug.http import HTTP_STATUS_CODES

from .auth import bearer_actor
from .errors import HTTP_MESSAGES, breaker_open, json_answer, json_error
from .history import record_write
from .jsonbody import check_json
from .security import private_path, secure

log = logging.getLogger(__name__)

DECLINED = object()  # what a route returns to leave the request to Flask
UNMATCHED = (None, False, None, None, None)  # LeanRoutes._matched: no lean route


def eligible(environ: dict, max_length: int, staff: bool = False,
             bodyless: bool = False) -> bool:
    """Staff routes take a bearer token (the API's only sign-in); the others none. A route
    whose body is optional (`bodyless`) also takes a request with none: no Content-Length
    or 0, and not chunked."""
    if environ.get("QUERY_STRING") or "HTTP_COOKIE" in environ \
            or "HTTP_IDEMPOTENCY_KEY" in environ \
            or ("HTTP_AUTHORIZATION" in environ) != staff:
        return False
    if bodyless and environ.get("CONTENT_LENGTH") in (None, "", "0") \
            and "HTTP_TRANSFER_ENCODING" not in environ:
        return not breaker_open()
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
    Flask; what it raises is answered as web/errors.py answers it (payload, status and
    headers such as Retry-After)."""

    def __init__(self):
        self.routes: dict = {}
        self.endpoints: dict = {}  # (method, path prefix) -> {Flask endpoint: route}
        self._static: dict = {}  # (method, path, https) -> the headers every answer carries
        self._adapter = None

    def __bool__(self) -> bool:
        return bool(self.routes or self.endpoints)

    def add(self, method: str, path: str, route, staff_endpoint: str | None = None) -> None:
        """`staff_endpoint`: a route for members of staff, named as its Flask view is in
        the audit rows (web/history.py)."""
        self.routes[(method, path)] = (route, staff_endpoint)

    def add_endpoint(self, method: str, prefix: str, endpoint: str, route,
                     bodyless: bool = False) -> None:
        """A staff route with variables in its path: the requests under `prefix` that
        Flask's own URL map gives to `endpoint`; `route` gets the view's arguments too,
        and an empty body if `bodyless` (its view takes a request without one)."""
        self.endpoints.setdefault((method, prefix), {})[endpoint] = (route, bodyless)

    def _matched(self, app, method: str, path: str):
        """(route, bodyless, staff endpoint, view arguments, URL rule) by Flask's URL map,
        or UNMATCHED."""
        routes = next((routes for (wanted, prefix), routes in self.endpoints.items()
                       if method == wanted and path.startswith(prefix)), None)
        if routes is None or not path.isascii():
            return UNMATCHED
        if self._adapter is None:
            self._adapter = app.url_map.bind("localhost")
        try:
            rule, args = self._adapter.match(path, method, return_rule=True)
        except (HTTPException, RoutingException):  # Flask answers: 404, 405, redirect
            return UNMATCHED
        if rule.endpoint not in routes:
            return UNMATCHED
        return (*routes[rule.endpoint], rule.endpoint, args, rule.rule)

    def __call__(self, app, environ: dict, start_response):
        """The lean answer, or None when Flask should answer (the body then put back)."""
        method, path = environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")
        route, staff_endpoint = self.routes.get((method, path), (None, None))
        args, rule, bodyless = None, path, False  # the rule: the path unless it has variables
        if route is None and self.endpoints:
            route, bodyless, staff_endpoint, args, rule = self._matched(app, method,
                                                                        path or "")
        if route is None or not eligible(environ, app.config["MAX_CONTENT_LENGTH"] or 0,
                                         staff_endpoint is not None, bodyless):
            return None
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # for Flask, should the route decline
        if len(body) != length:  # the client sent less than it announced
            return None
        observer = app.extensions["minyi.observer"]
        with app.app_context():
            observer.begin(environ)
            try:
                actor = None
                try:
                    if staff_endpoint is not None:
                        # As web/auth.py signs in an API request; none: Flask's 401.
                        actor = g.actor = bearer_actor(environ["HTTP_AUTHORIZATION"])
                    answer = DECLINED if staff_endpoint is not None and actor is None \
                        else route(app, environ, body, **(args or {}))
                except Exception as e:  # noqa: BLE001 - answered as web/errors.py does
                    answer = json_answer(e, method, path)
                    if answer is None:
                        log.exception("unhandled error on %s %s", method, path)
                        answer = json_error(500, "internal_error", HTTP_MESSAGES[500])
                if answer is DECLINED:
                    environ["HTTP_X_REQUEST_ID"] = environ["minyi.request_id"]  # one id
                    environ.pop("minyi.started", None)
                    return None
                payload, status, *extra = answer  # (payload, status[, headers])
                if actor is not None:  # as web/history.py records a staff write
                    record_write(actor.id, environ.get("REMOTE_ADDR") or "", method, path,
                                 status, staff_endpoint)
                request_id = observer.end(environ, rule, method, status,
                                          environ.get("REMOTE_ADDR"))
                data = json_bytes(app, payload)
                https = environ.get("wsgi.url_scheme") == "https"
                start_response(_status_line(status), [
                    ("Content-Type", app.json.mimetype), ("Content-Length", str(len(data))),
                    *self._static_headers(method, path, https, actor is not None, rule),
                    *(extra[0].items() if extra else ()), ("X-Request-ID", request_id)])
                return [data]
            finally:
                observer.forget()

    def _static_headers(self, method: str, path: str, https: bool, authorized: bool,
                        route: str) -> list:
        """The headers web/security.py gives every answer on this route (by its URL rule:
        the same for every path it matches), worked out once."""
        key = (method, route, https, authorized)
        headers = self._static.get(key)
        if headers is None:
            made = Headers()
            secure(made, private_path(path, method, authorized), https)
            headers = self._static[key] = list(made.items())
        return headers


def json_object(app, raw: bytes):
    """The body as the JSON object web/jsonbody.py accepts, or DECLINED (Flask then
    answers the 400 that says what is wrong)."""
    try:
        body = app.json.loads(raw)
    except (ValueError, RecursionError):
        return DECLINED
    if not isinstance(body, dict) or check_json(body) is not None:
        return DECLINED
    return body


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
