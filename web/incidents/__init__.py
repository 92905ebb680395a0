"""Public-opinion incidents on the web: the board (API and console) and staff fields."""

from domain.incidents import INCIDENTS

from ..kinds import WebKind, register
from .staff import staff_fields

WEB = register(WebKind(INCIDENTS.kind, number_field="incident_no", staff_fields=staff_fields,
                       detail_template="staff/incidents/_fields.html",
                       queue_endpoint="incidents_console.board", queue_label="舆情事件"))


def blueprints() -> list:
    from . import api, console, lexicon
    return [api.bp, console.bp, lexicon.api, lexicon.console]
