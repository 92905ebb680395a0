"""The console's notification list (/staff/notifications) and its JSON API."""

from flask import Blueprint, render_template, request

from .auth import current_actor, staff_required
from .extensions import runtime

bp = Blueprint("notifications", __name__)
KIND_LABELS = {"incident": "舆情事件", "clock": "回应时限", "overdue": "催办督办"}


def _page():
    try:
        page = max(1, min(10_000, int(request.args.get("page", 1))))
    except ValueError:
        page = 1
    return runtime().queries.notices_for(current_actor(), page=page)


@bp.get("/api/v1/staff/notifications")
@staff_required()
def notifications_api():
    """Notices for the signed-in staff member's roles and department, newest first."""
    return _page().as_dict()


@bp.get("/staff/notifications")
@staff_required()
def notifications_page():
    return render_template("staff/notifications.html", page=_page(), kinds=KIND_LABELS)
