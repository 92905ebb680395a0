"""Staff-side views of any item kind: the detail dict the console and the API share.

The generic part (number, status, due date, timeline, actions with their inputs) comes
from the kind's workflow; a kind adds its own fields through `web.kinds`.
"""

from domain.incidents import LEVELS
from domain.incidents import STATUS_LABELS as INCIDENT_STATUS

from .extensions import runtime
from .forms import action_form
from .kinds import web_kind


def iso(value):
    """Dates and moments as ISO text for JSON and templates; anything else as it is."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def is_overdue(workflow, item, now, today) -> bool:
    """Open and past its deadline: the moment if the item has one, else the date."""
    if item.status not in workflow.open_states or item.due_date is None:
        return False
    due_at = getattr(item, "due_at", None)
    return now >= due_at if due_at is not None else item.due_date < today


def item_detail(kind: str, number: str, actor) -> dict:
    """One item as staff see it; handlers only for their own department's items."""
    app = runtime().app
    workflow = app.workflows[kind]
    item = app.get_item(kind, number)
    workflow.require_visible(item, actor)
    timeline = [{**step, "at": step["at"].isoformat(),
                 "details": {k: iso(v) for k, v in step["details"].items()}}
                for step in app.timeline(kind, number)]
    detail = {
        "item_kind": kind, "item_kind_label": workflow.label, "number_label": workflow.number_label,
        "number": item.number, "title": item.title,
        "status": item.status, "status_label": workflow.status_label(item.status),
        "department": item.department, "due_date": iso(item.due_date),
        "overdue": is_overdue(workflow, item, app.clock(), app.today()),
        "timeline": timeline,
        "actions": [action_form(a, item) for a in workflow.available(item, actor)],
    }
    detail.update(web_kind(kind).staff_fields(item))
    if kind != "incidents":  # the public-opinion incidents this item is part of
        detail["incidents"] = [
            {**row, "status_label": INCIDENT_STATUS.get(row["status"], row["status"]),
             "level_label": f"{LEVELS[row['level']][0]}（{row['level']}级）"}
            for row in runtime().queries.incidents_of(kind, item.number)]
    return detail
