"""Jinja filters for Chinese display of dates, statuses and flags."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import request
from markupsafe import Markup, escape

from domain.comments import STATUS_LABELS
from domain.masking import highlight_candidates
from domain.reference import CHANNELS, REJECT_REASONS, ROLES

from .extensions import runtime


def _parse(value):
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return value
    return value


def local_datetime(value) -> str:
    value = _parse(value)
    if isinstance(value, datetime):
        tz = ZoneInfo(runtime().settings.timezone)
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def local_date(value) -> str:
    value = _parse(value)
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo(runtime().settings.timezone)).date().isoformat()
    return "" if value is None else str(value)


HIGHLIGHT_LABELS = {"name": "疑似姓名", "address": "疑似地址"}


def highlight_personal(text: str | None) -> Markup:
    """The text, escaped, with what looks like a person's name or a home address marked for
    the reviewer (domain.masking.highlight_candidates)."""
    if not text:
        return Markup("")
    out, last = [], 0
    for start, end, kind in highlight_candidates(text):
        out.append(escape(text[last:start]))
        out.append(Markup('<mark class="pii-candidate" title="{0}">{1}<span class="sr-only">'
                          '（{0}）</span></mark>').format(HIGHLIGHT_LABELS.get(kind, kind),
                                                         text[start:end]))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


CALENDAR_HORIZON = timedelta(days=60)  # the longest deadlines run about this far ahead


def calendar_gaps() -> tuple:
    """The years a deadline set today may reach whose official schedule is missing (on
    the staff console's pages only)."""
    if not request.path.startswith("/staff/"):
        return ()
    app = runtime().app
    today = app.today()
    years = range(today.year, (today + CALENDAR_HORIZON).year + 1)
    return tuple(year for year in years if not app.calendar.official(year))


def init_app(app) -> None:
    app.jinja_env.globals["calendar_gaps"] = calendar_gaps
    app.jinja_env.filters.update(
        datetime_cn=local_datetime,
        date_cn=local_date,
        status_cn=lambda s: STATUS_LABELS.get(s, s or ""),
        reject_reason_cn=lambda r: REJECT_REASONS.get(r, r or ""),
        role_cn=lambda r: ROLES.get(r, r),
        channel_cn=lambda c: CHANNELS.get(c, c or ""),
        highlight_personal=highlight_personal,
    )
