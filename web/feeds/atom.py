"""/feeds/replies.atom: the newest published replies as a valid Atom feed (feedgen)."""

from datetime import date, datetime, time

from feedgen.feed import FeedGenerator
from flask import request, url_for

from ..extensions import runtime
from ..schemas import RepliesQuery
from .cache import cached
from .routes import bp

ENTRIES = 50


def moment(day: str | None, tz, hour: int = 12) -> datetime | None:
    """A date as a moment for a feed: `hour` o'clock of that day in the district's time
    zone (a reply date: noon); None for no date."""
    return datetime.combine(date.fromisoformat(day), time(hour), tz) if day else None


def portal_feed(alternate: str, title: str, subtitle: str) -> FeedGenerator:
    """An Atom feed of the portal with its head filled: id and alternate link `alternate`,
    the title, the publisher, the self link and the language."""
    feed = FeedGenerator()
    feed.id(alternate)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author({"name": "区人民政府办公室"})
    feed.link(href=alternate, rel="alternate", type="text/html")
    feed.link(href=request.url, rel="self", type="application/atom+xml")
    feed.language("zh-CN")
    return feed


def _entry_text(row: dict) -> str:
    lines = [f"受理日期：{row['accepted_on'] or '—'}", f"答复日期：{row['replied_on']}",
             f"答复部门：{row['reply_department'] or '—'}",
             f"类型：{row['kind']}　分类：{row['category']}", "", f"问题：{row['content']}", "",
             f"答复：{row['reply']}"]
    return "\n".join(lines)


def build_feed(rows: list[dict], changed_at: datetime) -> bytes:
    tz = runtime().app.tz
    feed = portal_feed(url_for("portal.replies", _external=True),
                       "区政府网民留言和12345热线答复公开",
                       "已公开的答复：受理日期、答复日期、答复部门、答复内容")
    feed.updated(max([moment(r["replied_on"], tz) for r in rows], default=changed_at))
    for row in reversed(rows):  # feedgen lists the last added first
        entry = feed.add_entry()
        link = url_for("portal.reply_detail", tracking_no=row["tracking_no"], _external=True)
        entry.id(link)
        entry.title(f"【{row['category']}】{row['title']}")
        entry.link(href=link, rel="alternate", type="text/html")
        entry.updated(moment(row["replied_on"], tz))
        if row["accepted_on"]:
            entry.published(moment(row["accepted_on"], tz))
        entry.author({"name": row["reply_department"] or "区人民政府办公室"})
        entry.category(term=row["category"], label=row["category"])
        entry.summary(row["reply"][:140])
        entry.content(_entry_text(row), type="text")
    return feed.atom_str(pretty=True)


@bp.get("/replies.atom")
def replies_atom():
    """The newest published replies (filters: department, category, kind)."""
    query = RepliesQuery(only=("department", "category", "kind")).load(request.args.to_dict())
    key = ("atom", request.host_url, *sorted(query.items()))

    def rows():
        return runtime().queries.public_replies(page=1, per_page=ENTRIES, **query).items

    return cached(key, rows, render=build_feed, mimetype="application/atom+xml")
