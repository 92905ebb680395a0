"""Operational endpoints: health and Prometheus-style metrics."""

from flask import Blueprint, Response

from .extensions import runtime

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz():
    """Event store reachable; Redis and projection backlog reported, not required."""
    rt = runtime()
    status, checks = 200, {}
    try:
        checks["event_store_position"] = rt.app.recorder.max_notification_id() or 0
    except Exception as e:  # noqa: BLE001 - reported, not raised
        status, checks["event_store"] = 503, f"error: {type(e).__name__}"
    try:
        checks["redis"] = "ok" if rt.redis.ping() else "no answer"
    except Exception as e:  # noqa: BLE001
        checks["redis"] = f"unavailable: {type(e).__name__}"
    if status == 200:
        checks["projections"] = {r.projection.name: r.position() for r in rt.runners()}
    return {"status": "ok" if status == 200 else "error", "checks": checks}, status


@bp.get("/metrics")
def metrics():
    """Notification-log head, each projection's position and its backlog of events."""
    rt = runtime()
    head = rt.app.recorder.max_notification_id() or 0
    lines = ["# TYPE minyi_event_log_head gauge", f"minyi_event_log_head {head}",
             "# TYPE minyi_projection_position gauge"]
    for r in rt.runners():
        lines.append(f'minyi_projection_position{{projection="{r.projection.name}"}} '
                     f"{r.position()}")
    lines.append("# TYPE minyi_projection_lag gauge")
    for r in rt.runners():
        lines.append(f'minyi_projection_lag{{projection="{r.projection.name}"}} '
                     f"{r.backlog()}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain; version=0.0.4")
