"""The console's notification list (/staff/notifications) and its JSON API."""

from flask import Blueprint, render_template, request
from marshmallow import Schema, fields

from .auth import current_actor, staff_required
from .extensions import runtime
from .schemas import PageOut

bp = Blueprint("notifications", __name__)
KIND_LABELS = {"incident": "舆情事件", "clock": "回应时限", "overdue": "催办督办"}


def _page():
    try:
        page = max(1, min(10_000, int(request.args.get("page", 1))))
    except ValueError:
        page = 1
    return runtime().queries.notices_for(current_actor(), page=page)


class NoticeOut(Schema):
    id = fields.String()
    audience = fields.String(metadata={"description": "role:<角色> 或 dept:<单位>"})
    kind = fields.String(metadata={"description": "incident / clock / overdue"})
    subject = fields.String()
    item_kind = fields.String(allow_none=True)
    item_no = fields.String(allow_none=True)
    created_at = fields.String()


class NoticesPageOut(PageOut):
    items = fields.List(fields.Nested(NoticeOut))


@bp.get("/api/v1/staff/notifications")
@staff_required()
def notifications_api():
    """Notices for the signed-in staff member's roles and department, newest first."""
    return NoticesPageOut().dump(_page().as_dict())


@bp.get("/staff/notifications")
@staff_required()
def notifications_page():
    return render_template("staff/notifications.html", page=_page(), kinds=KIND_LABELS)
