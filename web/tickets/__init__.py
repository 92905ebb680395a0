"""12345 hotline tickets on the web: intake and queues (API and console), staff fields."""

from domain.tickets import TICKETS

from ..kinds import WebKind, register
from .staff import staff_fields

WEB = register(WebKind(TICKETS.kind, number_field="ticket_no", staff_fields=staff_fields,
                       detail_template="staff/tickets/_fields.html",
                       queue_endpoint="tickets_console.queue", queue_label="热线工单"))


def blueprints() -> list:
    from . import api, console
    return [api.bp, console.bp]
