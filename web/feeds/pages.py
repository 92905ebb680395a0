"""/stats: the public statistics page, its charts, and the annual report downloads.

The page shows the same figures as /feeds/stats.json (the statistics read model, see
domain/statistics.py for every definition), filtered by the same StatsQuery. Its charts
are SVG drawn on the server (web/feeds/charts.py) and served from /stats/charts/, each
beside a data table of the same numbers. The summary on the home page and the reply
listing (`public_summary`) comes from here too.
"""

import re
import time

from flask import Blueprint, current_app, make_response, render_template, request, session
from marshmallow import ValidationError

from domain.errors import NotFoundError
from domain.reference import CHANNELS
from domain.statistics import DAY_RANGES, DEFINITIONS, EXACT_DAYS, HOUR_ERROR, HOUR_RATIO

from .. import reports
from ..auth import current_actor
from ..extensions import runtime
from ..messages import chinese_errors
from . import charts
from .cache import cached
from .routes import statistics
from .schemas import StatsQuery

bp = Blueprint("stats", __name__)

FIRST_YEAR, LAST_YEAR = 2000, 2100
FILTER_KEYS = ("year", "month", "period", "from", "to", "department")
SUMMARY_SECONDS = 5
LABELS = {"year": "年份", "month": "月份", "period": "统计期间", "from": "起始月份",
          "to": "截止月份", "department": "单位", "_schema": "筛选条件"}
_MONTH = re.compile(r"^(0?[1-9]|1[0-2])$")


# --- formatting ---------------------------------------------------------------------------

def percent(rate: float | None, digits: int = 1) -> str:
    """0.9524 -> "95.2%"; no denominator -> "—"."""
    return "—" if rate is None else f"{rate * 100:.{digits}f}%"


def number(value) -> str:
    """Counts with thousands separators, days without a needless ".0"; None -> "—"."""
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


@bp.app_template_filter("percent")
def _percent_filter(rate, digits: int = 1) -> str:
    return percent(rate, digits)


@bp.app_template_filter("figure")
def _number_filter(value) -> str:
    return number(value)


# --- the filter ---------------------------------------------------------------------------

def _departments() -> list[str]:
    return runtime().queries.departments(active_only=False)


def load_filters(args) -> tuple[dict | None, dict, dict]:
    """(query for the statistics or None, the filters as typed, Chinese errors by field).

    The form sends `year` (and optionally `month`) and `department`; the feed's own
    parameters `period`, `from` and `to` are accepted as well, so that any feed query
    can be opened as a page. Everything is validated by the feed's StatsQuery.
    """
    typed = {k: args.get(k, "").strip() for k in FILTER_KEYS if args.get(k, "").strip()}
    data = {k: typed[k] for k in ("period", "from", "to", "department") if k in typed}
    year, month, errors = typed.get("year"), typed.get("month"), {}
    if year or month:
        if {"period", "from", "to"} & set(typed):
            errors["year"] = ["年份、月份不能与 period、from、to 参数同时使用"]
        elif not year:
            errors["month"] = ["请同时选择年份"]
        elif month and not _MONTH.match(month):
            errors["month"] = ["月份须为 1 至 12"]
        else:
            data["period"] = f"{year}-{int(month):02d}" if month else year
    query = None
    if not errors:
        try:
            query = StatsQuery().load(data)
        except ValidationError as e:
            errors = chinese_errors(e.messages)
            if year and "period" in errors:
                errors["year"] = errors.pop("period")
    if query and query["department"] is not None and \
            query["department"] not in _departments():
        errors, query = {"department": [f"未知的单位：{query['department']}"]}, None
    return (None if errors else query), typed, errors


def _query_args(query: dict) -> dict:
    """The feed parameters of a query (for links to the feeds and the chart images)."""
    args = {}
    if query["month_from"]:
        args["from"] = query["month_from"]
    if query["month_to"]:
        args["to"] = query["month_to"]
    if query["department"]:
        args["department"] = query["department"]
    return args


def describe_period(query: dict) -> str:
    first, last = query["month_from"], query["month_to"]
    if not first and not last:
        text = "全部期间"
    elif first and last and first == last:
        text = f"{first[:4]}年{int(first[5:])}月"
    elif first and last and first[5:] == "01" and last[5:] == "12" and first[:4] == last[:4]:
        text = f"{first[:4]}年全年"
    else:
        text = f"{_month_cn(first) if first else '最早'}至{_month_cn(last) if last else '最近'}"
    return text + (f"，{query['department']}" if query["department"] else "，全区")


def _month_cn(month: str) -> str:
    return f"{month[:4]}年{int(month[5:])}月"


# --- the district summary ---------------------------------------------------------------

def _memo(key: tuple, build):
    """A value rebuilt at most every SUMMARY_SECONDS per app (like the feeds' cache)."""
    memo = current_app.extensions.setdefault("minyi.stats_memo", {})
    now = time.monotonic()
    entry = memo.get(key)
    if entry is None or entry[0] <= now:
        if len(memo) > 64:
            memo.clear()
        entry = memo[key] = (now + SUMMARY_SECONDS, build())
    return entry[1]


def _overview() -> dict:
    rt = runtime()
    this_month = rt.app.today().isoformat()[:7]

    def build():
        everything = rt.queries.statistics()
        month = rt.queries.statistics(month_from=this_month, month_to=this_month)["totals"]
        years = sorted({int(m["month"][:4]) for m in everything["months"]}
                       | {int(this_month[:4])}, reverse=True)
        return {"totals": everything["totals"], "month": month, "this_month": this_month,
                "years": years}

    return _memo(("overview", this_month), build)


def public_summary() -> dict:
    """The figures the home page and the reply listing show (all items counted, none
    shown): total received, replied (办结), on-time and satisfaction rates, and this
    month's received items and how many of them have been answered."""
    overview = _overview()
    totals, month = overview["totals"], overview["month"]
    return {"received": totals["received"], "replied": totals["replied"],
            "on_time_rate": totals["on_time_rate"],
            "satisfaction_rate": totals["satisfaction_rate"],
            "month_label": _month_cn(overview["this_month"]),
            "month_received": month["received"], "month_replied": month["replied"]}


# --- the page ---------------------------------------------------------------------------

# The columns of every breakdown table, in groups: (group, ((key, header, format), ...));
# "|" in a header is a line break.
TABLE_GROUPS = (
    ("件数（件）", (("received", "收到", "count"), ("accepted", "受理", "count"),
                ("rejected", "不予受理", "count"), ("replied", "已答复", "count"),
                ("replied_on_time", "按期答复", "count"), ("overdue", "超期", "count"),
                ("open", "办理中", "count"), ("reminded", "催办", "count"),
                ("supervised", "督办", "count"), ("rated", "已评价", "count"))),
    ("答复用时", (("median_response_days", "中位数|（工作日）", "number"),
              ("p90_response_days", "90分位数|（工作日）", "number"),
              ("median_response_hours", "中位数|（小时）", "number"),
              ("p90_response_hours", "90分位数|（小时）", "number"))),
    ("比率", (("on_time_rate", "按期答复率", "rate"), ("response_rate", "响应率", "rate"),
            ("resolution_rate", "解决率", "rate"), ("satisfaction_rate", "满意率", "rate"))),
)
TABLE_COLUMNS = tuple(column for _, columns in TABLE_GROUPS for column in columns)
BREAKDOWNS = (("departments", "承办单位", "department"), ("channels", "渠道", "channel"),
              ("categories", "分类", "category"), ("kinds", "类型", "kind"),
              ("months", "受理月份", "month"))


def _breakdown_label(dimension: str, entry: dict) -> str:
    if dimension == "department":
        return charts.department_label(entry["department"])
    if dimension == "channel":
        return entry.get("channel_label") or CHANNELS.get(entry["channel"], entry["channel"])
    return entry[dimension] or "—"


DEFINITION_LABELS = {"received": "收到", "replied": "已答复", "overdue": "超期",
                     "on_time_rate": "按期答复率", "response_rate": "响应率",
                     "resolution_rate": "解决率", "satisfaction_rate": "满意率",
                     "response_time": "答复用时"}


def definitions() -> list[tuple[str, str]]:
    """(label, text) of each DEFINITIONS entry, without the text's own "label：" prefix."""
    out = []
    for key, text in DEFINITIONS.items():
        label = DEFINITION_LABELS.get(key, key)
        out.append((label, text.removeprefix(f"{label}：")))
    return out


def error_bounds() -> str:
    """The response-time histograms' error bounds, in words (domain/statistics.py)."""
    bounded = "、".join(f"{low}–{high}" for low, high in DAY_RANGES if high is not None)
    beyond = next(low for low, high in DAY_RANGES if high is None)
    return (f"工作日数：{EXACT_DAYS}个工作日以内按实际工作日数统计，中位数和90分位数落在"
            f"{EXACT_DAYS}个工作日以内时是精确的；超过{EXACT_DAYS}个工作日的按{bounded}个工作日"
            f"和{beyond}个工作日以上分段，取该段的中点（最后一段取{beyond}）。"
            f"小时数：按几何分档统计（每档上限是下限的{HOUR_RATIO:g}倍），取分档的几何中点，"
            f"误差不超过±{HOUR_ERROR * 100:.1f}%。平均用时按实际用时计算，没有分档误差。")


def _selected(query: dict | None, typed: dict) -> tuple[str, str]:
    """The year and month the form's selects show: the query's when it is one year or
    one month, else what was typed."""
    if query is not None:
        first, last = query["month_from"], query["month_to"]
        if not first and not last:
            return "", ""
        if first and last and first[:4] == last[:4]:
            if first == last:
                return first[:4], first[5:]
            if first[5:] == "01" and last[5:] == "12":
                return first[:4], ""
    return typed.get("year", ""), typed.get("month", "")


def _render(status: int, *, query, typed, errors):
    overview = _overview()
    year, month = _selected(query, typed)
    years = overview["years"]
    if year.isdigit() and int(year) not in years and FIRST_YEAR <= int(year) <= LAST_YEAR:
        years = sorted({*years, int(year)}, reverse=True)
    context = dict(typed=typed, errors=errors, labels=LABELS, years=years,
                   selected_year=year, selected_month=month.lstrip("0"),
                   departments=_departments(), definitions=definitions(),
                   error_bounds=error_bounds(), charts=charts.CHARTS,
                   columns=TABLE_COLUMNS, groups=TABLE_GROUPS,
                   report_years=overview["years"], figures=None, feed_args={})
    if query is not None:
        figures = statistics(query)
        tables = [{"key": key, "title": title,
                   "rows": [(_breakdown_label(dimension, e), e) for e in figures[key]]}
                  for key, title, dimension in BREAKDOWNS]
        context.update(figures=figures, query=query, tables=tables,
                       period_text=describe_period(query), feed_args=_query_args(query),
                       chart_rows={name: spec["rows"](figures)
                                   for name, spec in charts.CHARTS.items()})
        context["chart_data"] = {name: charts.has_data(name, rows)
                                 for name, rows in context["chart_rows"].items()}
        context["chart_sizes"] = {name: charts.size(name, rows)
                                  for name, rows in context["chart_rows"].items()}
    return render_template("portal/stats.html", **context), status


@bp.get("/stats")
def page():
    """The page; for visitors who are not signed in (everyone but staff) it is the same
    HTML for the same filters, so it is cached and answered with 304 like the feeds."""
    query, typed, errors = load_filters(request.args)
    if errors:
        return _render(422, query=query, typed=typed, errors=errors)
    if current_actor() is None and not session.get("_flashes"):  # nothing personal on it
        key = ("stats-page", request.host_url, *sorted(typed.items()))
        return cached(key, lambda: _render(200, query=query, typed=typed,
                                           errors=errors)[0].encode(),
                      mimetype="text/html")
    response = make_response(_render(200, query=query, typed=typed, errors=errors))
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/stats/charts/<name>.svg")
def chart(name: str):
    """A chart of the page as SVG, for the same filters (feed parameters)."""
    spec = charts.CHARTS.get(name)
    if spec is None:
        raise NotFoundError(f"没有名为 {name} 的图表")
    query, _, errors = load_filters(request.args)
    if errors:
        raise ValidationError(errors)
    key = ("chart", name, query["month_from"], query["month_to"], query["department"])
    return cached(key, lambda: spec["rows"](statistics(query)),
                  render=lambda rows, _: charts.svg(name, rows), mimetype="image/svg+xml")


# --- the annual report downloads ---------------------------------------------------------

def _year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFoundError(f"没有 {year} 年度的报告（可选年份为 {FIRST_YEAR}–{LAST_YEAR} 年）")
    return year


@bp.get("/stats/annual/<int:year>.csv")
def annual_csv(year: int):
    year = _year(year)
    return cached(("annual-csv", year), lambda: reports.annual_rows(year),
                  render=lambda rows, _: reports.csv_bytes(rows), mimetype="text/csv",
                  headers={"Content-Disposition":
                           f"attachment; filename=minyi-annual-{year}.csv"})


@bp.get("/stats/annual/<int:year>.xlsx")
def annual_xlsx(year: int):
    year = _year(year)
    return cached(("annual-xlsx", year), lambda: reports.annual_rows(year),
                  render=lambda rows, _: reports.xlsx_bytes(rows, year),
                  mimetype=reports.XLSX_MIMETYPE,
                  headers={"Content-Disposition":
                           f"attachment; filename=minyi-annual-{year}.xlsx"})
