"""What the public and the citizen see of a consultation, shared by the portal and the API.

Listings read the read model only; one consultation's page reads its aggregate (the draft,
files, meetings, decision) and the read model (numbers, published opinions). Nothing here
carries contact details: opinions are shown in their public wording."""

from flask import url_for

from domain.consultations import (ADOPTION, PARTICIPATION, PHASE_LABELS, Phase, days_left,
                                  phase)

from ..extensions import rate_limits, runtime
from ..items import iso


def file_dicts(consultation, files: list[dict]) -> list[dict]:
    return [{"file_id": f["file_id"], "name": f["name"], "size": f["size"],
             "url": url_for("consultations_portal.file",
                            consultation_no=consultation.consultation_no,
                            file_id=f["file_id"])} for f in files]


def public_detail(consultation_no: str, *, page: int = 1, per_page: int = 50) -> dict:
    """One consultation as the public sees it on `today` (local date)."""
    rt = runtime()
    app = rt.app
    c = app.get_consultation(consultation_no)  # NotFoundError for an unknown number
    today = app.today()
    current = phase(c.status, c.opens_on, c.closes_on, today)
    row = rt.queries.consultation(consultation_no, today) or {}
    published = current == Phase.PUBLISHED
    opinions = rt.queries.consultation_opinions(consultation_no, published=True, page=page,
                                                per_page=per_page)
    meetings = []
    for m in c.meetings:
        meetings.append({
            "meeting_no": m["meeting_no"], "title": m["title"], "held_on": iso(m["held_on"]),
            "attendees": m["attendees"], "decisions": m["decisions"],
            "materials": file_dicts(c, c.public_files("meeting", m["meeting_no"])),
            "opinions": [{"opinion_no": f"M{m['meeting_no']}-{o['opinion_no']}",
                          "representative": o["representative"],
                          "content": o["public_content"], "adoption": o["adoption"],
                          "adoption_label": ADOPTION.get(o["adoption"]),
                          "reason": o.get("public_reason")}
                         for o in m["opinions"]] if published else []})
    counts = c.counts if published and c.counts else {}
    return {
        "consultation_no": c.consultation_no, "year": c.year, "title": c.title,
        "department": c.department, "planned_on": iso(c.planned_on),
        "description": c.description, "participation": list(c.participation),
        "participation_labels": [PARTICIPATION[m] for m in c.participation],
        "phase": current, "phase_label": PHASE_LABELS[current],
        "opens_on": iso(c.opens_on), "closes_on": iso(c.closes_on),
        "days_left": days_left(c.closes_on, today, c.opens_on)
        if current in (Phase.OPEN, Phase.UPCOMING) else None,
        "extended": bool(c.extensions),
        "extensions": [{"closes_on": iso(e["closes_on"]), "previous": iso(e["previous"]),
                        "reason": e["reason"]} for e in c.extensions],
        "draft": c.draft if current != Phase.PLANNED else None,
        "basis": c.basis if current != Phase.PLANNED else None,
        "draft_files": file_dicts(c, c.public_files("draft")),
        "opinion_count": row.get("opinion_count", 0),
        "received": counts.get("received"), "adopted": counts.get("adopted"),
        "partly": counts.get("partly"), "not_adopted": counts.get("not_adopted"),
        "representative": counts.get("representative"),
        "summary": c.summary if published else None,
        "adoption_published_at": iso(c.adoption_published_at) if published else None,
        "opinions": opinions.items if published else [],
        "opinions_total": opinions.total if published else 0,
        "opinions_page": opinions,
        "meetings": meetings,
        "decision": c.decision, "decided_on": iso(c.decided_on),
        "decision_files": file_dicts(c, c.public_files("decision")),
    }


def verified_opinion(opinion_no: str, query_code: str):
    """The opinion if the code matches, within the same limits as comments' query codes."""
    return rate_limits().code_checked(
        opinion_no, lambda: runtime().app.opinion_for_citizen(opinion_no, query_code))


def citizen_opinion(opinion) -> dict:
    """The citizen's own opinion and, once the adoption is published, its answer."""
    consultation = runtime().app.get_consultation(opinion.consultation_no)
    answered = consultation.adoption_published_at is not None and opinion.answered
    return {"opinion_no": opinion.opinion_no, "consultation_no": opinion.consultation_no,
            "consultation_title": consultation.title, "content": opinion.content,
            "submitted_at": iso(opinion.submitted_at),
            "status": "answered" if answered else "received",
            "status_label": "已公布采纳情况" if answered else "已收到，待公布采纳情况",
            "adoption": opinion.adoption if answered else None,
            "adoption_label": ADOPTION.get(opinion.adoption) if answered else None,
            "reason": opinion.reason if answered else None,
            "publish": opinion.publish}
