"""/feeds/consultations.json and /feeds/consultations.atom: the pre-publication column,
machine-readable, cached and conditional like the statistics feed (web/feeds/cache.py)."""

import json
from datetime import datetime

from flask import Blueprint, request, url_for

from ..extensions import runtime
from ..feeds.atom import moment, portal_feed
from ..feeds.cache import cached
from .api import listing
from .schemas import ConsultationItem, FeedQuery

bp = Blueprint("consultations_feeds", __name__, url_prefix="/feeds")
ENTRIES = 100
ITEM = ConsultationItem()


def _query() -> dict:
    query = FeedQuery().load(request.args.to_dict())
    return {**query, "page": 1, "per_page": ENTRIES}


def _rows(query: dict) -> list[dict]:
    return [ITEM.dump(row) for row in listing(dict(query)).items]


def _key(name: str, query: dict) -> tuple:
    # The statuses change with the local date: a new day is a new entry.
    return (name, runtime().app.today().isoformat(), request.host_url,
            *sorted((k, str(v)) for k, v in query.items()))


@bp.get("/consultations.json")
def consultations_json():
    """The column as JSON: `generated_at` and the consultations (schema:
    ConsultationsFeedOut in /api/openapi.json); filters status, department, year."""
    query = _query()

    def render(items, changed_at):
        local = changed_at.astimezone(runtime().app.tz).isoformat()
        return json.dumps({"generated_at": local, "total": len(items), "items": items},
                          ensure_ascii=False).encode()

    return cached(_key("json", query), lambda: _rows(query), render=render,
                  mimetype="application/json")


def build_atom(items: list[dict], changed_at: datetime) -> bytes:
    tz = runtime().app.tz
    feed = portal_feed(url_for("consultations_portal.column", _external=True), "重大决策预公开",
                       "重大行政决策草案公开征求意见：征集状态、起止时间和意见采纳情况")
    feed.updated(max([moment(i["opens_on"], tz, 9) for i in items if i["opens_on"]],
                     default=changed_at))
    for item in reversed(items):  # feedgen lists the last added first
        entry = feed.add_entry()
        link = url_for("consultations_portal.detail", consultation_no=item["consultation_no"],
                       _external=True)
        entry.id(link)
        entry.title(f"【{item['status_label']}】{item['title']}")
        entry.link(href=link, rel="alternate", type="text/html")
        entry.published(moment(item["opens_on"], tz, 9) or changed_at)
        entry.updated(moment(item["opens_on"], tz, 9) or changed_at)
        entry.author({"name": item["department"]})
        entry.category(term=item["status"], label=item["status_label"])
        lines = [f"承办部门：{item['department']}",
                 f"征集时间：{item['opens_on'] or '—'} 至 {item['closes_on'] or '—'}",
                 f"状态：{item['status_label']}"]
        if item.get("received") is not None:
            lines.append(f"收到意见 {item['received']} 条：采纳 {item['adopted']}，部分采纳 "
                         f"{item['partly']}，未采纳 {item['not_adopted']}")
        entry.content("\n".join(lines), type="text")
    return feed.atom_str(pretty=True)


@bp.get("/consultations.atom")
def consultations_atom():
    """The column as Atom (filters status, department, year)."""
    query = _query()
    return cached(_key("atom", query), lambda: _rows(query), render=build_atom,
                  mimetype="application/atom+xml")
