"""Operational endpoints: liveness, readiness and Prometheus metrics; and what every
request does for operations: a request id, a latency sample, a log context.

`/healthz` answers anyone with its status only; its details, `/readyz` and `/metrics`
answer only the operators: a request with `Authorization: Bearer <METRICS_TOKEN>`, or one
from a network listed in METRICS_NETWORKS (default: this host only). Others get a 404.

Each request gets an id: the incoming `X-Request-ID` if it is sane (short, printable),
else a new one; it is in every log line the request causes, in the response's
`X-Request-ID`, and it follows the request's saves into the catch-up jobs that project
them (infrastructure/pipeline.py). Its latency goes into a histogram by URL rule (not the
raw path), method and status class: a few dictionary look-ups and one observation, no
Redis and no I/O per request (infrastructure/observability.py)."""

import hmac
import ipaddress
import time

from flask import Blueprint, Response, abort, request

from infrastructure import observability
from infrastructure.pipeline import catch_up_queues, route_pokes

from .extensions import runtime

bp = Blueprint("system", __name__)


def operator_request() -> bool:
    settings = runtime().settings
    header = request.headers.get("Authorization", "")
    if settings.metrics_token and header[:7].lower() == "bearer " and hmac.compare_digest(
            header[7:].strip().encode(), settings.metrics_token.encode()):
        return True
    try:
        address = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        return False
    return any(address in network for network in _networks(settings.metrics_networks))


def _networks(text: str) -> list:
    networks = []
    for part in (text or "").replace(";", ",").split(","):
        if part.strip():
            networks.append(ipaddress.ip_network(part.strip(), strict=False))
    return networks


def require_operator() -> None:
    if not operator_request():
        abort(404)


class RequestObserver:
    """What every request does for operations, with or without Flask's request context
    (web/lean.py answers its routes without one): a request id in the log context and the
    `X-Request-ID` header, a latency sample by URL rule, method and status class, and the
    access log line if ACCESS_LOG is on."""

    def __init__(self, settings):
        self.latency = observability.request_latency()
        self.samples: dict = {}  # (URL rule, method, status // 100) -> labelled child
        self.access = observability.get_logger("web.access") if settings.access_log else None

    def begin(self, environ: dict) -> str:
        environ["minyi.started"] = time.perf_counter()
        environ["minyi.request_id"] = request_id = observability.request_id_from(
            environ.get("HTTP_X_REQUEST_ID"))
        observability.REQUEST_ID.set(request_id)
        return request_id

    def end(self, environ: dict, route: str, method: str, status: int,
            remote_addr: str | None = None) -> str | None:
        """Count the request; its id, for the `X-Request-ID` header."""
        started = environ.get("minyi.started")
        if started is None:  # a response made before our first hook (not expected)
            return None
        if method not in observability.METHODS:
            method = "OTHER"
        key = (route, method, status // 100)
        sample = self.samples.get(key)
        if sample is None:
            sample = self.samples[key] = self.latency.labels(route, method,
                                                             f"{status // 100}xx")
        elapsed = time.perf_counter() - started
        sample.observe(elapsed)
        if self.access is not None:
            self.access.info("request", method=environ.get("REQUEST_METHOD"),
                             path=environ.get("PATH_INFO", ""),
                             status=status, route=route, duration_ms=round(elapsed * 1000, 3),
                             remote_addr=remote_addr)
        return environ["minyi.request_id"]

    @staticmethod
    def forget() -> None:
        observability.REQUEST_ID.set(None)


def init_app(app) -> None:
    """Request ids, latency metrics and logs for every request; JSON logs for the process
    (unless it is a test app); pokes to every catch-up queue."""
    rt = app.extensions["minyi"]
    route_pokes(rt)
    if not app.testing:
        observability.configure_logging_from(rt.settings)
    observer = app.extensions["minyi.observer"] = RequestObserver(rt.settings)

    def start() -> None:
        observer.begin(request._get_current_object().environ)  # one proxy look-up

    def finish(response):
        req = request._get_current_object()
        rule = req.url_rule
        request_id = observer.end(req.environ, rule.rule if rule is not None
                                  else "<unmatched>", req.method, response.status_code,
                                  req.remote_addr)
        if request_id is not None:
            response.headers["X-Request-ID"] = request_id
        return response

    def forget(_error=None) -> None:
        observer.forget()

    # First before, last after: the latency covers the other hooks, the status is final.
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request_funcs.setdefault(None, []).insert(0, finish)
    app.teardown_request_funcs.setdefault(None, []).insert(0, forget)


def _redis_status(rt) -> str:
    try:
        return "ok" if rt.redis.ping() else "no answer"
    except Exception as e:  # noqa: BLE001 - reported, not raised
        return f"unavailable: {type(e).__name__}"


@bp.get("/healthz")
def healthz():
    """Liveness: the event store answers. Redis and read models are reported, not required."""
    rt = runtime()
    detail = operator_request()
    try:
        head = rt.app.recorder.max_notification_id() or 0
    except Exception as e:  # noqa: BLE001
        return ({"status": "error", "checks": {"event_store": f"error: {type(e).__name__}"}}
                if detail else {"status": "error"}), 503
    if not detail:
        return {"status": "ok"}
    return {"status": "ok", "checks": {"event_store_position": head,
                                       "redis": _redis_status(rt)}}


@bp.get("/readyz")
def readyz():
    """Ready to serve: the event store and Redis answer and no read model has stopped on
    an event (503 otherwise). Each read model's position, lag in events and in seconds
    (the age of the oldest event it has not taken yet) are reported, not required."""
    require_operator()
    rt = runtime()
    try:
        head = rt.app.recorder.max_notification_id() or 0
        failures = rt.views.failures()
        models = {}
        for updater in rt.updaters():
            state = observability.read_model_state(rt, updater, failures)
            models[updater.name] = {
                "position": state["position"], "lag": state["lag"],
                "lag_seconds": state["lag_seconds"], "ready": not state["failed"],
                **({"error": failures[updater.name]} if updater.name in failures else {})}
    except Exception as e:  # noqa: BLE001
        return {"status": "not_ready",
                "checks": {"event_store": f"error: {type(e).__name__}"}}, 503
    redis = _redis_status(rt)
    ready = not failures and redis == "ok"
    return {"status": "ok" if ready else "not_ready",
            "checks": {"event_store": "ok", "event_store_position": head,
                       "read_models": models, "redis": redis}}, 200 if ready else 503


def _queues(rt) -> list[str]:
    return list(dict.fromkeys([rt.settings.queue_name, *catch_up_queues(rt)]))


@bp.get("/metrics")
def metrics():
    """Request latencies (all of gunicorn's processes together with PROMETHEUS_MULTIPROC_DIR);
    the event log head; each read model's position, lag (events and seconds) and whether it
    stopped; queue lengths and failed jobs; Redis up; mail stuck."""
    require_operator()
    rt = runtime()
    text = observability.process_metrics() + observability.state_metrics(rt, _queues(rt))
    return Response(text, mimetype="text/plain; version=0.0.4")
