"""The hotline's JSON API: intake and the ticket queues (actions go through the generic
routes, /api/v1/staff/tickets/<ticket_no>/<action>)."""

from flask import Blueprint, request

from .. import lean
from ..auth import current_actor, staff_required
from ..extensions import runtime
from ..jsonbody import json_body
from .schemas import TicketCreated, TicketIn, TicketQueueOut, TicketQueueQuery

bp = Blueprint("tickets_api", __name__, url_prefix="/api/v1/staff/tickets")
# Built once: loading keeps no state in the schema, and building one costs more than a load.
TICKET_IN, TICKET_CREATED = TicketIn(), TicketCreated()


@bp.post("")
@staff_required("operator")
def register():
    """登记 a call; 201 with the ticket number, read out to the caller."""
    return registered(TICKET_IN.load(json_body()))


def registered(data: dict) -> tuple[dict, int]:
    ticket = runtime().app.register_ticket(current_actor(), **data)
    return TICKET_CREATED.dump({"ticket_no": ticket.ticket_no, "status": ticket.status,
                                 "due_date": ticket.due_date.isoformat()}), 201


def lean_register(app, environ: dict, raw: bytes):
    """`POST /api/v1/staff/tickets` on the lean path (web/lean.py), which has signed the
    operator in: the view's steps in its order (the role, then the body)."""
    current_actor().require_role("operator")
    body = lean.json_object(app, raw)
    if body is lean.DECLINED:
        return body
    return registered(TICKET_IN.load(body))


def lean_routes(routes) -> None:
    routes.add("POST", "/api/v1/staff/tickets", lean_register,
               staff_endpoint="tickets_api.register")


def queue_page(query: dict):
    """The queue for the current actor: handlers see their own department's tickets."""
    actor, rt = current_actor(), runtime()
    if not actor.sees_all_departments:
        query["department"] = actor.department
    mine = tuple(actor.roles) if query.pop("mine", False) else ()
    return rt.queries.ticket_queue(today=rt.app.today(), now=rt.app.clock(), mine=mine,
                                   **query)


@bp.get("")
@staff_required()
def queue():
    """Tickets with filters: department, status, overdue, due today, callbacks due."""
    page = queue_page(TicketQueueQuery().load(request.args.to_dict()))
    return TicketQueueOut().dump(page.as_dict())
