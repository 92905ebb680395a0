"""What the staff console and API show of a comment beyond the generic item fields."""

from domain.masking import highlight_candidates, mask_name

from ..extensions import runtime
from ..items import iso
from ..photos import staff_photos


def staff_fields(c) -> dict:
    """The comment's own fields: the question, contact (staff only), reply, publication."""
    return {
        "tracking_no": c.tracking_no, "content": c.content,
        "kind": c.kind, "category": c.category, "channel": c.channel,
        "contact": dict(c.contact), "contact_display": mask_name(c.contact.get("name")),
        "publish": c.publish, "withheld": c.withheld,
        "public_title": c.public_title, "public_content": c.public_content,
        "requested_department": c.requested_department,
        "area": c.area, "address": c.address,
        "submitted_at": iso(c.submitted_at), "accepted_at": iso(c.accepted_at),
        "reject_reason": c.reject_reason, "draft": c.draft, "reply": c.reply,
        "reply_department": c.reply_department, "replied_at": iso(c.replied_at),
        "rating": c.rating, "round": c.round, "extension": c.extension,
        "extension_days": c.extension_days,
        # Exactly what 审签 would publish (the reviewer checks it before approving).
        "draft_preview": c.public_wording(c.draft, runtime().app.official_numbers()) if c.draft else None,
        "public_flags": bool(highlight_candidates(f"{c.public_title}\n{c.public_content}")),
        "photos": staff_photos(c),  # staff only until a reviewer publishes them
    }
