"""What the staff console and API show of a ticket beyond the generic item fields."""

from domain.reference import TICKET_CHANNELS, URGENCIES

from ..extensions import runtime
from ..items import iso


def staff_fields(t) -> dict:
    """The call itself, the caller (staff only), co-handling, reply, callback, publication."""
    return {
        "ticket_no": t.ticket_no, "content": t.content,
        "channel": t.channel, "channel_label": TICKET_CHANNELS.get(t.channel, t.channel),
        "kind": t.kind, "category": t.category, "area": t.area, "address": t.address,
        "urgency": t.urgency, "urgency_label": URGENCIES.get(t.urgency, t.urgency),
        "contact": dict(t.contact), "publish": t.publish, "published": t.published,
        "withheld": t.withheld, "public_title": t.public_title,
        "public_content": t.public_content, "public_reply": t.public_reply,
        "registered_at": iso(t.registered_at), "due_at": iso(t.due_at),
        "co_departments": dict(t.co), "signed_at": iso(t.signed_at),
        "reply": t.reply, "reply_department": t.reply_department,
        "resolved_at": iso(t.resolved_at), "callbacks": t.callbacks, "rating": t.rating,
        "round": t.round, "extension": t.extension, "extension_days": t.extension_days,
        # What 审核公开 would publish of the prefilled wording (the reviewer checks it).
        "publish_preview": _preview(t) if t.publish and not t.published and t.reply else None,
    }


def _preview(t) -> dict:
    keep = runtime().app.official_numbers()
    return {"title": t.public_wording(t.public_title), "content": t.public_wording(
        t.public_content), "reply": t.public_wording(t.public_reply or t.reply, keep)}
