"""/feeds/stats.json and /feeds/stats.csv: the public statistics, machine-readable."""

import csv
import io
import json
from datetime import datetime

from flask import Blueprint, request

from domain.reference import CHANNELS
from domain.statistics import DEFINITIONS

from ..extensions import runtime
from .cache import cached
from .schemas import StatsQuery

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def stats_query() -> dict:
    query = StatsQuery().load(request.args.to_dict())
    department = query["department"]
    if department is not None and department not in runtime().queries.departments(
            active_only=False):
        from domain.errors import NotFoundError
        raise NotFoundError(f"未知的单位：{department}")
    return query


def statistics(query: dict) -> dict:
    """The figures for a query, labelled, as the feed and the page publish them."""
    figures = runtime().queries.statistics(**query)
    for entry in figures["channels"]:
        entry["channel_label"] = CHANNELS.get(entry["channel"], entry["channel"])
    period = {"from": query["month_from"], "to": query["month_to"],
              "department": query["department"]}
    return {"period": period, "definitions": DEFINITIONS, **figures}


def stamped(figures: dict, changed_at: datetime) -> dict:
    """`generated_at`: when these figures were last found to have changed."""
    local = changed_at.astimezone(runtime().app.tz).isoformat()
    return {"generated_at": local, **figures}


def _key(name: str, query: dict) -> tuple:
    return (name, query["month_from"], query["month_to"], query["department"])


@bp.get("/stats.json")
def stats_json():
    """The statistics feed (schema: StatsOut in /api/openapi.json)."""
    query = stats_query()
    return cached(_key("json", query), lambda: statistics(query),
                  # The figures are already in the StatsOut shape (a test holds them to
                  # it); dumping through marshmallow would double the cost of a miss.
                  render=lambda figures, changed_at: json.dumps(
                      stamped(figures, changed_at), ensure_ascii=False).encode(),
                  mimetype="application/json")


CSV_COLUMNS = (("month", "受理月份"), ("department", "单位"), ("received", "收到"),
               ("accepted", "受理"), ("rejected", "不予受理"), ("replied", "已答复"),
               ("replied_on_time", "按期答复"), ("overdue", "超期"), ("open", "办理中"),
               ("reminded", "催办"), ("supervised", "督办"), ("on_time_rate", "按期答复率"),
               ("response_rate", "响应率"), ("resolution_rate", "解决率"),
               ("satisfaction_rate", "满意率"), ("median_response_days", "答复用时中位数（工作日）"),
               ("p90_response_days", "答复用时90分位数（工作日）"),
               ("median_response_hours", "答复用时中位数（小时）"),
               ("p90_response_hours", "答复用时90分位数（小时）"), ("rated", "已评价"))


def stats_rows(query: dict) -> list[dict]:
    return runtime().queries.statistics_by_department_month(**query)


def csv_bytes(rows: list[dict], columns=CSV_COLUMNS) -> bytes:
    """UTF-8 with a BOM, so that Excel shows the Chinese headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _, label in columns])
    for row in rows:
        writer.writerow(["" if row.get(key) is None else
                         (row[key] or "（未交办）") if key == "department" else row[key]
                         for key, _ in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@bp.get("/stats.csv")
def stats_csv():
    """One row per department and month."""
    query = stats_query()
    return cached(_key("csv", query), lambda: csv_bytes(stats_rows(query)),
                  mimetype="text/csv", headers={
                      "Content-Disposition": "attachment; filename=minyi-stats.csv"})
