"""What the staff console and API show of a consultation beyond the generic item fields."""

from flask import url_for

from domain.consultations import (ADOPTION, FILE_ROLES, PARTICIPATION, PHASE_LABELS,
                                  days_left, phase)

from ..extensions import runtime
from ..items import iso

OPINIONS_SHOWN = 200


def staff_fields(c) -> dict:
    rt = runtime()
    today = rt.app.today()
    current = phase(c.status, c.opens_on, c.closes_on, today)
    opinions = rt.queries.consultation_opinions(c.consultation_no, published=False,
                                                per_page=OPINIONS_SHOWN)
    unanswered = rt.queries.consultation_opinions(c.consultation_no, published=False,
                                                  unanswered=True, per_page=1).total
    return {
        "consultation_no": c.consultation_no, "year": c.year, "planned_on": iso(c.planned_on),
        "participation": list(c.participation),
        "participation_labels": [PARTICIPATION[m] for m in c.participation],
        "description": c.description, "phase": current, "phase_label": PHASE_LABELS[current],
        "opens_on": iso(c.opens_on), "closes_on": iso(c.closes_on),
        "days_left": days_left(c.closes_on, today, c.opens_on), "may_answer": c.may_answer(today),
        "extensions": [{k: iso(v) for k, v in e.items()} for e in c.extensions],
        "draft": c.draft, "basis": c.basis,
        "files": [{"file_id": f["file_id"], "name": f["name"], "size": f["size"],
                   "role": f["role"], "role_label": FILE_ROLES[f["role"]],
                   "meeting_no": f["meeting_no"], "public": c.file_is_public(f["file_id"]),
                   "url": url_for("consultations_console.file",
                                  consultation_no=c.consultation_no, file_id=f["file_id"])}
                  for f in c.files.values()],
        "meetings": [{"meeting_no": m["meeting_no"], "title": m["title"],
                      "held_on": iso(m["held_on"]), "attendees": m["attendees"],
                      "decisions": m["decisions"],
                      "opinions": [{"opinion_no": f"M{m['meeting_no']}-{o['opinion_no']}",
                                    "representative": o["representative"],
                                    "content": o["content"], "adoption": o["adoption"],
                                    "adoption_label": ADOPTION.get(o["adoption"]),
                                    "reason": o["reason"]} for o in m["opinions"]]}
                     for m in c.meetings],
        "opinions": opinions.items, "opinions_total": opinions.total,
        "unanswered": unanswered + len(c.unanswered_representative_opinions),
        "summary": c.summary, "sent_back": c.sent_back, "counts": c.counts,
        "adoption_published_at": iso(c.adoption_published_at),
        "decision": c.decision, "decided_on": iso(c.decided_on),
    }
