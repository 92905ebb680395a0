"""What the staff console and API show of an incident beyond the generic item fields."""

from domain.incidents import LEVELS, STATEMENTS, clocks

from ..extensions import runtime
from ..items import iso


def clock_dicts(level: str, opened_at, statements: list, now) -> list[dict]:
    return [{"name": c.name, "label": c.label, "due_at": iso(c.due_at),
             "met_at": iso(c.met_at), "state": c.state, "state_label": c.state_label,
             "late": c.late} for c in clocks(level, opened_at, statements, now)]


def staff_fields(i) -> dict:
    """Level, place and reasons, the two owners, both tracks with their clocks, links."""
    name, colour, word = LEVELS[i.level]
    return {
        "incident_no": i.incident_no, "topic": i.topic, "area": i.area,
        "level": i.level, "level_label": f"{name}（{i.level}级）", "level_colour": colour,
        "level_colour_label": word, "reasons": list(i.reasons), "source": i.source,
        "opened_at": iso(i.opened_at), "handling_department": i.handling_department,
        "response_department": i.response_department,
        "handling": [{**u, "at": iso(u["at"])} for u in i.handling],
        "statements": [{**s, "at": iso(s["at"]), "kind_label": STATEMENTS[s["kind"]]}
                       for s in i.statements],
        "handling_done": i.handling_done, "response_done": i.response_done,
        "links": [{**link, "at": iso(link["at"])} for link in i.links.values()],
        "clocks": clock_dicts(i.level, i.opened_at, i.statements, runtime().app.clock()),
        "closed_at": iso(i.closed_at), "summary": i.summary,
    }
