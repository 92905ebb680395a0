"""The incident board in the console (/staff/incidents): open incidents first, with their
two clocks; the table refreshes itself every 5 seconds while visible (short polling of
the same page, web/static/board.js)."""

from flask import Blueprint, render_template, request
from marshmallow import ValidationError

from domain.incidents import LEVELS, STATUS_LABELS

from ..auth import staff_required
from ..messages import chinese_errors
from .api import BoardQuery, board_page

bp = Blueprint("incidents_console", __name__, url_prefix="/staff/incidents")


@bp.get("")
@staff_required("opinion", "handler")
def board():
    errors = {}
    try:
        query = BoardQuery().load(request.args.to_dict())
    except ValidationError as e:
        errors, query = chinese_errors(e.messages), BoardQuery().load({})
    page = board_page(dict(query))
    template = "staff/incidents/_board_table.html" if request.args.get("partial") \
        else "staff/incidents/board.html"
    return render_template(template, page=page, query=query, errors=errors, levels=LEVELS,
                           statuses=STATUS_LABELS), 422 if errors else 200
