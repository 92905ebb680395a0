"""Operational endpoints: liveness, readiness and Prometheus-style metrics."""

from flask import Blueprint, Response

from .extensions import runtime

bp = Blueprint("system", __name__)


def _redis_status(rt) -> str:
    try:
        return "ok" if rt.redis.ping() else "no answer"
    except Exception as e:  # noqa: BLE001 - reported, not raised
        return f"unavailable: {type(e).__name__}"


@bp.get("/healthz")
def healthz():
    """Liveness: the event store answers. Redis and read models are reported, not required."""
    rt = runtime()
    try:
        head = rt.app.recorder.max_notification_id() or 0
    except Exception as e:  # noqa: BLE001
        return {"status": "error", "checks": {"event_store": f"error: {type(e).__name__}"}}, 503
    return {"status": "ok", "checks": {"event_store_position": head,
                                       "redis": _redis_status(rt)}}


@bp.get("/readyz")
def readyz():
    """Ready to serve: the event store answers and no read model has stopped on an event."""
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
