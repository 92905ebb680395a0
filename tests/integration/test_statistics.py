"""The statistics read model against a brute-force recomputation from the event log, over
a generated history across the National Day holiday (SQLite and PostgreSQL)."""

import os
from collections import defaultdict
from datetime import datetime

import pytest

from domain.deadlines import working_days_between
from domain.reference import RATINGS, SATISFIED_RATINGS
from domain.statistics import EXACT_DAYS, HOUR_ERROR, HOUR_START
from tests.history import generate_history
from tests.support import SHANGHAI

ITEMS = int(os.environ.get("MINYI_STATS_ITEMS", "900"))


def recompute(app) -> dict:
    """Item facts worked out from each item's own events, independently of the model."""
    items: dict = {}
    events_by_item = defaultdict(list)
    position = 0
    while True:
        batch = app.recorder.select_notifications(position, 1000, inclusive_of_start=False)
        if not batch:
            break
        position = batch[-1].id
        for n in batch:
            if n.topic.startswith(("minyi/comments:", "minyi/tickets:", "minyi/oversight:")):
                events_by_item[n.originator_id].append(app.mapper.to_domain_event(n))
    for item_id, events in events_by_item.items():
        first = type(events[0]).__name__
        if first not in ("Submitted", "Registered"):
            continue
        items[item_id] = facts_of(app, events)
    return items


def local_day(moment):
    return moment.astimezone(SHANGHAI).date()


def facts_of(app, events) -> dict:
    head = events[0]
    ticket = type(head).__name__ == "Registered"
    f = {"department": "", "channel": head.channel, "category": head.category,
         "kind": head.kind, "month": local_day(head.at).isoformat()[:7],
         "accepted": ticket, "rejected": False, "open": True, "reply": None,
         "due_date": head.due_date if ticket else None,
         "due_at": head.due_at if ticket else None, "overdue": False, "reminded": False,
         "supervised": False, "response": None, "response_due": False,
         "called_back": False, "resolved": False, "rating": None, "received": head.at}

    def on_time(at):
        if f["due_at"] is not None:
            return at <= f["due_at"]
        return f["due_date"] is None or local_day(at) <= f["due_date"]

    for e in events[1:]:
        name = type(e).__name__
        if name == "Accepted":
            f.update(accepted=True, due_date=e.due_date)
        elif name == "Rejected":
            f.update(rejected=True, open=False)
        elif name in ("Dispatched", "Transferred"):
            f["department"] = e.department
        elif name == "Returned":
            f["department"] = ""
        elif name == "ExtensionGranted":
            f["due_date"] = e.due_date
            if ticket:
                f["due_at"] = e.due_at
        elif name == "Signed" and f["response"] is None:
            f["response"] = on_time(e.at)
        elif name in ("ReplyPublished", "Resolved"):
            f["department"], f["open"] = e.department or f["department"], False
            if f["reply"] is None:
                f["reply"] = (e.at, on_time(e.at))
                f["overdue"] = f["overdue"] or not on_time(e.at)
            if f["response"] is None:
                f["response"] = on_time(e.at)
        elif name == "Rated":
            f["rating"] = e.level
            if e.closes:
                f["open"] = False
        elif name == "CalledBack" and e.reached:
            f.update(called_back=True, resolved=bool(e.resolved), rating=e.rating)
        elif name == "Reopened":
            f.update(department=e.department or f["department"], open=True,
                     due_date=e.due_date)
            if ticket:
                f["due_at"] = e.due_at
        elif name == "Closed":
            f["open"] = False
        elif name in ("Reminded", "Supervised"):
            f["overdue"] = True
            f["reminded" if name == "Reminded" else "supervised"] = True
            if f["response"] is None:
                f["response_due"] = True
    if f["reply"] is not None:
        at = f["reply"][0]
        f["days"] = working_days_between(app.calendar, local_day(f["received"]), local_day(at))
        f["hours"] = (at - f["received"]).total_seconds() / 3600
    return f


def expected(facts: list) -> dict:
    replied = [f for f in facts if f["reply"]]
    rated = [f for f in facts if f["rating"]]
    responded = [f for f in facts if f["response"] is not None]
    return {
        "received": len(facts), "accepted": sum(f["accepted"] for f in facts),
        "rejected": sum(f["rejected"] for f in facts), "replied": len(replied),
        "replied_on_time": sum(f["reply"][1] for f in replied),
        "overdue": sum(f["overdue"] for f in facts), "open": sum(f["open"] for f in facts),
        "reminded": sum(f["reminded"] for f in facts),
        "supervised": sum(f["supervised"] for f in facts),
        "rated": len(rated), "called_back": sum(f["called_back"] for f in facts),
        "resolved": sum(f["resolved"] for f in facts),
        "ratings": {level: sum(f["rating"] == level for f in facts) for level in RATINGS},
        "responded": len(responded), "responded_on_time": sum(f["response"] for f in responded),
        "response_due": len([f for f in facts if f["response"] is not None
                             or f["response_due"]]),
        "satisfied": sum(f["rating"] in SATISFIED_RATINGS for f in rated),
        "days": sorted(f["days"] for f in replied),
        "hours": sorted(f["hours"] for f in replied)}


def nearest_rank(values: list, q: float):
    import math
    return values[max(1, math.ceil(q * len(values))) - 1] if values else None


def assert_figures(got: dict, want: dict, label: str) -> None:
    for name in ("received", "accepted", "rejected", "replied", "replied_on_time", "overdue",
                 "open", "reminded", "supervised", "rated", "called_back", "resolved",
                 "ratings"):
        assert got[name] == want[name], (label, name, got[name], want[name])
    rate = lambda n, d: round(n / d, 4) if d else None  # noqa: E731
    assert got["on_time_rate"] == rate(want["replied_on_time"], want["replied"]), label
    assert got["response_rate"] == rate(want["responded_on_time"], want["response_due"]), label
    assert got["satisfaction_rate"] == rate(want["satisfied"], want["rated"]), label
    assert got["resolution_rate"] == rate(want["resolved"], want["called_back"]), label
    for q, key in ((0.5, "median"), (0.9, "p90")):
        days = nearest_rank(want["days"], q)
        if days is None or days <= EXACT_DAYS:
            assert got[f"{key}_response_days"] == (None if days is None else float(days)), \
                (label, key, got, days)
        hours = nearest_rank(want["hours"], q)
        if hours is None:
            assert got[f"{key}_response_hours"] is None
        else:  # within the stated bound (bin 0 is [0, 0.25 h), reported as its middle)
            bound = max(hours * HOUR_ERROR, HOUR_START / 2) + 0.05  # + the 0.1 h rounding
            assert abs(got[f"{key}_response_hours"] - hours) <= bound, (label, key, hours)


def test_the_statistics_agree_with_a_recomputation_from_the_event_log(runtime, clock):
    generate_history(runtime, clock, items=ITEMS)
    facts = list(recompute(runtime.app).values())
    assert len(facts) > ITEMS * 0.6
    assert any(f["supervised"] for f in facts) and any(f["called_back"] for f in facts)
    queries = runtime.queries
    stats = queries.statistics()
    assert_figures(stats["totals"], expected(facts), "totals")
    for breakdown, dimension in (("departments", "department"), ("channels", "channel"),
                                 ("categories", "category"), ("kinds", "kind"),
                                 ("months", "month")):
        values = {f[dimension] for f in facts}
        assert {e[dimension] for e in stats[breakdown]} == values, breakdown
        for entry in stats[breakdown]:
            subset = [f for f in facts if f[dimension] == entry[dimension]]
            assert_figures(entry, expected(subset), f"{breakdown}:{entry[dimension]}")
    # One department over a period of months, broken down by channel.
    month = sorted({f["month"] for f in facts})[1]
    one = queries.statistics(month_from=month, month_to=month, department="区住建局")
    subset = [f for f in facts if f["department"] == "区住建局" and f["month"] == month]
    assert_figures(one["totals"], expected(subset), "one department, one month")
    for entry in one["channels"]:
        assert_figures(entry, expected([f for f in subset if f["channel"] == entry["channel"]]),
                       f"one department by channel {entry['channel']}")
    # A year (its own cells) and a range of months (the months added up).
    year = queries.statistics(month_from="2026-01", month_to="2026-12")
    assert year["totals"] == stats["totals"] and year["months"] == stats["months"]
    months = sorted({f["month"] for f in facts})[:2]
    span = queries.statistics(month_from=months[0], month_to=months[1])
    assert_figures(span["totals"], expected([f for f in facts if f["month"] in months]),
                   "two months")
    assert [m["month"] for m in span["months"]] == months
    # The CSV rows: one per department and month.
    rows = queries.statistics_by_department_month()
    assert sum(r["received"] for r in rows) == len(facts)
    # A rebuild from the log in big batches gives the same figures as small increments.
    runtime.updater("statistics").rebuild()
    assert queries.statistics() == stats


def test_figures_of_an_empty_store_are_zero_and_null(runtime):
    stats = runtime.queries.statistics()
    assert stats["totals"]["received"] == 0 and stats["totals"]["on_time_rate"] is None
    assert stats["departments"] == [] and stats["months"] == []
