"""Staff-side views of any item kind: the detail dict the console and the API share.

The generic part (number, status, due date, timeline, actions with their inputs) comes
from the kind's workflow; a kind adds its own fields through `web.kinds`.
"""

from .extensions import runtime
from .forms import action_form
from .kinds import web_kind


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def item_detail(kind: str, number: str, actor) -> dict:
    """One item as staff see it; handlers only for their own department's items."""
    app = runtime().app
    workflow = app.workflows[kind]
    item = app.get_item(kind, number)
    if not actor.sees_all_departments:
        actor.require_department(item.department)
    timeline = [{**step, "at": step["at"].isoformat(),
                 "details": {k: _iso(v) for k, v in step["details"].items()}}
                for step in app.timeline(kind, number)]
    detail = {
        "item_kind": kind, "item_kind_label": workflow.label, "number_label": workflow.number_label,
        "number": item.number, "title": item.title,
        "status": item.status, "status_label": workflow.status_label(item.status),
        "department": item.department, "due_date": _iso(item.due_date),
        "overdue": bool(item.due_date and item.status in workflow.open_states
                        and item.due_date < app.today()),
        "timeline": timeline,
        "actions": [action_form(a, item) for a in workflow.available(item, actor)],
    }
    detail.update(web_kind(kind).staff_fields(item))
    return detail
