"""Staff-side read helpers shared by the console and the API."""

from domain.masking import mask_name
from domain.status import STATUS_LABELS

from .actions import ACTIONS, available_actions
from .extensions import runtime


def comment_detail(tracking_no: str, actor) -> dict:
    """One comment as staff see it; handlers only for their department's items."""
    app = runtime().app
    c = app.get_comment(tracking_no)
    if not actor.sees_all_departments:
        actor.require_department(c.department)
    timeline = [{**step, "at": step["at"].isoformat(),
                 "details": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                             for k, v in step["details"].items()}}
                for step in app.comment_timeline(tracking_no)]
    return {
        "tracking_no": c.tracking_no, "title": c.title, "content": c.content,
        "kind": c.kind, "category": c.category, "channel": c.channel,
        "status": c.status, "status_label": STATUS_LABELS[c.status],
        "contact": dict(c.contact), "contact_display": mask_name(c.contact.get("name")),
        "publish": c.publish, "withheld": c.withheld,
        "public_title": c.public_title, "public_content": c.public_content,
        "requested_department": c.requested_department, "department": c.department,
        "submitted_at": c.submitted_at.isoformat(),
        "accepted_at": c.accepted_at.isoformat() if c.accepted_at else None,
        "due_date": c.due_date.isoformat() if c.due_date else None,
        "reject_reason": c.reject_reason, "draft": c.draft, "reply": c.reply,
        "reply_department": c.reply_department,
        "replied_at": c.replied_at.isoformat() if c.replied_at else None,
        "rating": c.rating, "round": c.round, "extension": c.extension,
        "extension_days": c.extension_days,
        "timeline": timeline,
        "actions": [{"name": n, "label": ACTIONS[n].label}
                    for n in available_actions(c, actor)],
    }
