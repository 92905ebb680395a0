"""Operational endpoints: liveness, readiness and Prometheus-style metrics.

`/healthz` answers anyone with its status only; its details, `/readyz` and `/metrics`
answer only the operators: a request with `Authorization: Bearer <METRICS_TOKEN>`, or one
from a network listed in METRICS_NETWORKS (default: this host only). Others get a 404."""

import hmac
import ipaddress

from flask import Blueprint, Response, abort, request

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
    """Ready to serve: the event store answers and no read model has stopped on an event."""
    require_operator()
    rt = runtime()
    try:
        head = rt.app.recorder.max_notification_id() or 0
        failures = rt.views.failures()
        models = {u.name: {"position": u.position(), "ready": u.name not in failures,
                           **({"error": failures[u.name]} if u.name in failures else {})}
                  for u in rt.updaters()}
    except Exception as e:  # noqa: BLE001
        return {"status": "error", "checks": {"storage": f"error: {type(e).__name__}"}}, 503
    ready = not failures
    return {"status": "ok" if ready else "not_ready",
            "checks": {"event_store_position": head, "read_models": models,
                       "redis": _redis_status(rt)}}, 200 if ready else 503


def _failed_jobs(rt) -> int | None:
    try:
        from rq import Queue
        return Queue(rt.settings.queue_name, connection=rt.redis).failed_job_registry.count
    except Exception:  # noqa: BLE001 - Redis down: the gauge is left out
        return None


@bp.get("/metrics")
def metrics():
    """Log head; each read model's position, lag and whether it stopped; failed jobs."""
    require_operator()
    rt = runtime()
    head = rt.app.recorder.max_notification_id() or 0
    failures = rt.views.failures()
    updaters = rt.updaters()
    lines = ["# TYPE minyi_event_log_head gauge", f"minyi_event_log_head {head}"]
    for metric, value in (("position", lambda u: u.position()), ("lag", lambda u: u.backlog()),
                          ("failed", lambda u: int(u.name in failures))):
        lines.append(f"# TYPE minyi_read_model_{metric} gauge")
        lines += [f'minyi_read_model_{metric}{{read_model="{u.name}"}} {value(u)}'
                  for u in updaters]
    failed_jobs = _failed_jobs(rt)
    if failed_jobs is not None:
        lines += ["# TYPE minyi_failed_jobs gauge", f"minyi_failed_jobs {failed_jobs}"]
    try:  # e-mails whose send was interrupted (never retried: at most once)
        lines += ["# TYPE minyi_mail_stuck gauge", f"minyi_mail_stuck {rt.mail.stuck()}"]
    except Exception:  # noqa: BLE001 - the metrics page must answer anyway
        pass
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
