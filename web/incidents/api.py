"""The incident board's JSON API (actions go through the generic routes,
/api/v1/staff/incidents/<incident_no>/<action>)."""

from flask import Blueprint, request
from marshmallow import Schema, fields, validate

from domain.incidents import LEVELS, STATUS_LABELS
from domain.incidents.aggregate import MAX_TITLE
from domain.reference import AREAS

from ..auth import current_actor, staff_required
from ..extensions import runtime
from ..jsonbody import json_body
from ..schemas import Flag, PageOut, Paging, StrictSchema, text_field

bp = Blueprint("incidents_api", __name__, url_prefix="/api/v1/staff/incidents")


class BoardQuery(Paging):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ["open", *STATUS_LABELS], error="状态须为 open、" + "、".join(STATUS_LABELS)))
    level = fields.String(load_default=None, validate=validate.OneOf(
        list(LEVELS), error="等级须为 I、II、III、IV"))


class Clock(Schema):
    name = fields.String()
    label = fields.String()
    due_at = fields.String()
    met_at = fields.String(allow_none=True)
    state = fields.String(metadata={"description": "green / amber / red / done / closed"})
    state_label = fields.String()
    late = Flag()


class BoardItem(Schema):
    incident_no = fields.String()
    title = fields.String()
    level = fields.String()
    level_label = fields.String()
    level_colour = fields.String()
    status = fields.String()
    status_label = fields.String()
    topic = fields.String(allow_none=True)
    area = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    source = fields.String()
    linked_count = fields.Integer()
    handling_department = fields.String(allow_none=True)
    response_department = fields.String(allow_none=True)
    handling_done = Flag()
    response_done = Flag()
    opened_at = fields.String()
    closed_at = fields.String(allow_none=True)
    clocks = fields.List(fields.Nested(Clock))


class BoardOut(PageOut):
    items = fields.List(fields.Nested(BoardItem))


def board_page(query: dict):
    """The board for the current actor: handlers see only the incidents that concern
    their department (owners, or items of theirs linked)."""
    actor, rt = current_actor(), runtime()
    if not actor.sees_all_departments:
        query["department"] = actor.department or "—"
    return rt.queries.incident_board(now=rt.app.clock(), **query)


class IncidentIn(StrictSchema):
    title = text_field(MAX_TITLE)
    topic = fields.String(load_default=None, validate=validate.Length(max=50))
    area = fields.String(load_default=None, validate=validate.OneOf(AREAS, error="未知的镇街"))
    level = fields.String(load_default="IV", validate=validate.OneOf(
        list(LEVELS), error="等级须为 I、II、III、IV"))
    reasons = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list,
                          validate=validate.Length(max=20))


@bp.post("")
@staff_required("opinion")
def open_incident():
    """建立舆情事件 by hand (the escalation process opens most of them)."""
    incident = runtime().app.open_incident(current_actor(), **IncidentIn().load(json_body()))
    return {"incident_no": incident.incident_no, "status": incident.status,
            "level": incident.level}, 201


@bp.get("")
@staff_required("opinion", "handler")
def board():
    """舆情事件看板: open incidents first, most serious first, with both clocks."""
    page = board_page(BoardQuery().load(request.args.to_dict()))
    return BoardOut().dump(page.as_dict())
