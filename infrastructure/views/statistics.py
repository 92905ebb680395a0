"""The statistics read model: counters and response-time histograms per cell, kept up to
date batch by batch, so that reading any view costs the same at a thousand items as at
ten million.

Each item keeps its facts (domain/statistics.py) in `stat_items`. A batch loads the facts
of the items it touches and the cells they count in, works out in memory how each item's
contribution moves (a transfer moves an item to another department's cells; a reply adds
its response time), and writes the cells back with the tracking position in one
transaction. A cell is one period and one of COMBOS: the district as a whole, or broken
down by department, channel, category or kind, or by department and one of the others.
Dimensions a combo does not break down by hold "*". Periods come in three grains: the
month of receipt ("m", 2026-09), its year ("y", 2026) and all time ("a", *), so that the
figures for all time, a year or a month are one read of a few dozen rows however many
items and months there are; other month ranges add up their months.
"""

import json
from collections import defaultdict
from datetime import date, datetime

from domain.comments import Comment
from domain.deadlines import working_days_between
from domain.oversight import Overseen
from domain.statistics import COUNTERS, contribution, in_time, new_facts, summary
from domain.tickets import Ticket

from .base import ReadModel
from .queries import QueryBase

ALL = "*"
DIMENSIONS = ("department", "channel", "category", "kind")
COMBOS = {"T": (), "D": ("department",), "C": ("channel",), "G": ("category",),
          "K": ("kind",), "DC": ("department", "channel"), "DG": ("department", "category"),
          "DK": ("department", "kind")}
REAL_COUNTERS = ("hours_sum",)


def _padded(values: list, sizes=(1, 8, 64, 512)) -> list[list]:
    """`values` in chunks padded (with their last value) to a few fixed sizes, so that the
    IN-lists built from them make a handful of distinct statements, not one per count."""
    chunks, size = [], sizes[-1]
    for start in range(0, len(values), size):
        chunk = values[start:start + size]
        target = next(s for s in sizes if s >= len(chunk))
        chunks.append(chunk + [chunk[-1]] * (target - len(chunk)))
    return chunks


class _Delta:
    """How much a cell's counters (in COUNTERS order) and histograms change."""

    __slots__ = ("counters", "days", "hours", "where")

    def __init__(self):
        self.counters, self.days, self.hours = [0] * len(COUNTERS), {}, {}
        self.where = None

    def merge(self, other: "_Delta") -> None:
        mine = self.counters
        for i, value in enumerate(other.counters):
            if value:
                mine[i] += value
        for target, source in ((self.days, other.days), (self.hours, other.hours)):
            for bin_, n in source.items():
                target[bin_] = target.get(bin_, 0) + n


def _add(delta: _Delta, contribution: tuple, sign: int) -> None:
    counters, days, hours = contribution
    mine = delta.counters
    for i, name in enumerate(COUNTERS):
        value = counters[name]
        if value:
            mine[i] += sign * value
    for target, source in ((delta.days, days), (delta.hours, hours)):
        for bin_, n in source.items():
            target[bin_] = target.get(bin_, 0) + sign * n


def cell_key(combo: str, period: str, dims: dict) -> str:
    return "|".join((combo, period, *(dims[d] for d in DIMENSIONS)))


def periods_of(month: str) -> tuple[tuple[str, str], ...]:
    """(grain, period) of the three periods an item received in `month` counts in."""
    return (("m", month), ("y", month[:4]), ("a", ALL))


class Statistics(ReadModel):
    name = "statistics"
    version = 2  # v2: cells left empty are deleted (rows then never depend on batching)
    tables = {
        "stat_items": "id TEXT PRIMARY KEY, facts TEXT NOT NULL",
        "stat_cells": ("cell TEXT PRIMARY KEY, combo TEXT NOT NULL, grain TEXT NOT NULL, "
                       "month TEXT NOT NULL, "
                       "department TEXT NOT NULL, channel TEXT NOT NULL, "
                       "category TEXT NOT NULL, kind TEXT NOT NULL, "
                       + ", ".join(f"{c} {'REAL' if c in REAL_COUNTERS else 'INTEGER'} "
                                   "NOT NULL DEFAULT 0" for c in COUNTERS)
                       + ", hist_days TEXT NOT NULL DEFAULT '{}', "
                       "hist_hours TEXT NOT NULL DEFAULT '{}'"),
    }
    indexes = (("stat_cells", "combo", "(grain, combo, month)"),)
    handlers = {
        Comment.Submitted: "submitted", Comment.Accepted: "accepted",
        Comment.Rejected: "rejected", Comment.Dispatched: "assigned",
        Comment.Transferred: "assigned", Comment.Returned: "returned",
        Comment.ReplyPublished: "replied", Comment.Rated: "rated",
        Comment.Reopened: "reopened", Comment.Closed: "closed",
        Comment.ExtensionGranted: "extended",
        Ticket.Registered: "registered", Ticket.Dispatched: "assigned",
        Ticket.Transferred: "assigned", Ticket.Returned: "returned",
        Ticket.Signed: "signed", Ticket.Resolved: "replied",
        Ticket.CalledBack: "called_back", Ticket.Reopened: "reopened",
        Ticket.Closed: "closed", Ticket.ExtensionGranted: "extended",
        Overseen.Reminded: "reminded", Overseen.Supervised: "supervised",
        Overseen.DeadlineRecomputed: "extended",
    }

    # --- the batch --------------------------------------------------------------------

    def handle_batch(self, events, emit, query) -> None:
        events = [e for e in events if type(e) in self.handlers]
        if not events:
            return
        ids = list(dict.fromkeys(e.originator_id.hex for e in events))
        before = self._load_items(ids, query)
        after = {key: dict(facts) for key, facts in before.items()}
        for e in events:
            key = e.originator_id.hex
            method = getattr(self, self.handlers[type(e)])
            if key in after:
                method(e, after[key])
            elif method in (self.submitted, self.registered):
                after[key] = method(e, None)
        changed = [key for key in after if after[key] != before.get(key)]
        if not changed:
            return
        # Each changed item's contribution moves: summed first per finest cell (month and
        # all four dimensions), then rolled up into the COMBOS of each period.
        finest: dict = {}
        for key in changed:
            for facts, sign in ((before.get(key), -1), (after[key], 1)):
                if facts is not None:
                    fine = (facts["month"], *(facts[d] for d in DIMENSIONS))
                    _add(finest.setdefault(fine, _Delta()), contribution(facts), sign)
        monthly: dict = {}
        for (month, *values), delta in finest.items():
            dims = dict(zip(DIMENSIONS, values))
            for combo, kept in COMBOS.items():
                cell_dims = {d: (dims[d] if d in kept else ALL) for d in DIMENSIONS}
                target = monthly.setdefault((combo, month, tuple(cell_dims.values())),
                                            _Delta())
                target.merge(delta)
        deltas: dict = {}
        for (combo, month, values), delta in monthly.items():
            dims = dict(zip(DIMENSIONS, values))
            for grain, period in periods_of(month):
                cell = cell_key(combo, period, dims)
                target = deltas.get(cell)
                if target is None:
                    target = deltas[cell] = _Delta()
                    target.where = (combo, grain, period, dims)
                target.merge(delta)
        self._write_cells(deltas, query, emit)
        for key in changed:
            emit("INSERT INTO stat_items (id, facts) VALUES (:id, :facts) "
                 "ON CONFLICT (id) DO UPDATE SET facts = excluded.facts",
                 {"id": key, "facts": json.dumps(after[key], ensure_ascii=False,
                                                 sort_keys=True)})

    def _load_items(self, ids: list, query) -> dict:
        found = {}
        for chunk in _padded(ids):
            names = [f"i{n}" for n in range(len(chunk))]
            rows = query(f"SELECT id, facts FROM stat_items WHERE id IN "
                         f"({', '.join(':' + n for n in names)})", dict(zip(names, chunk)))
            found.update({row["id"]: json.loads(row["facts"]) for row in rows})
        return found

    def _write_cells(self, deltas: dict, query, emit) -> None:
        current = {}
        for chunk in _padded(list(deltas)):
            names = [f"c{n}" for n in range(len(chunk))]
            rows = query(f"SELECT * FROM stat_cells WHERE cell IN "
                         f"({', '.join(':' + n for n in names)})", dict(zip(names, chunk)))
            current.update({row["cell"]: row for row in rows})
        columns = ["cell", "combo", "grain", "month", *DIMENSIONS, *COUNTERS, "hist_days",
                   "hist_hours"]
        statement = (f"INSERT INTO stat_cells ({', '.join(columns)}) VALUES "
                     f"({', '.join(':' + c for c in columns)}) ON CONFLICT (cell) DO UPDATE "
                     "SET " + ", ".join(f"{c} = excluded.{c}" for c in columns[1:]))
        for cell, delta in deltas.items():
            combo, grain, period, dims = delta.where
            row = current.get(cell) or {}
            values = {"cell": cell, "combo": combo, "grain": grain, "month": period, **dims}
            for name, change in zip(COUNTERS, delta.counters):
                total = (row.get(name) or 0) + change
                # Sums of hours kept to 9 decimals: rounding each update coarser (to 4)
                # made the mean depend on how the events were batched.
                values[name] = round(total, 9) if name in REAL_COUNTERS else int(total)
            for column, delta in (("hist_days", delta.days), ("hist_hours", delta.hours)):
                merged = {int(k): v for k, v in json.loads(row.get(column) or "{}").items()}
                for bin_, n in delta.items():
                    merged[bin_] = merged.get(bin_, 0) + n
                values[column] = json.dumps({str(k): v for k, v in sorted(merged.items())
                                             if v})
            if not any(values[name] for name in COUNTERS) and values["hist_days"] == "{}" \
                    and values["hist_hours"] == "{}":
                # Nothing left in the cell (an item passed through it): no row, as a
                # rebuild that took the same events in other batches would have none.
                if row:
                    emit("DELETE FROM stat_cells WHERE cell = :cell", {"cell": cell})
                continue
            emit(statement, values)

    # --- facts per event ----------------------------------------------------------------

    def _local(self, moment: datetime):
        return moment.astimezone(self.tz).date()

    def submitted(self, e, facts):
        return new_facts("comments", e.channel, e.category, e.kind, e.at, self._local(e.at),
                         accepted=False)

    def registered(self, e, facts):
        return new_facts("tickets", e.channel, e.category, e.kind, e.at, self._local(e.at),
                         accepted=True, due_date=e.due_date, due_at=e.due_at)

    def accepted(self, e, facts):
        facts.update(accepted=1, due_date=e.due_date.isoformat())

    def rejected(self, e, facts):
        facts.update(rejected=1, open=0)

    def assigned(self, e, facts):
        facts["department"] = e.department

    def returned(self, e, facts):
        facts["department"] = ""

    def extended(self, e, facts):
        facts["due_date"] = e.due_date.isoformat()
        if getattr(e, "due_at", None) is not None:
            facts["due_at"] = e.due_at.isoformat()

    def signed(self, e, facts):
        self._respond(e, facts)

    def replied(self, e, facts):
        """The first answer (答复 published, 办结) fixes the response time; later ones
        after a reopening do not."""
        facts.update(department=e.department or facts["department"], open=0)
        if facts["replied_at"] is None:
            on = self._local(e.at)
            received = datetime.fromisoformat(facts["received_at"])
            on_time = in_time(facts, e.at, on)
            facts.update(
                replied_at=e.at.isoformat(), on_time=int(on_time),
                days=working_days_between(self.calendar, self._received_on(facts), on),
                hours=round(max((e.at - received).total_seconds(), 0) / 3600, 4))
            if not on_time:
                facts["overdue"] = 1
        self._respond(e, facts)

    def _respond(self, e, facts):
        if not facts["responded"]:
            facts.update(responded=1, response_due=1,
                         responded_on_time=int(in_time(facts, e.at, self._local(e.at))))

    @staticmethod
    def _received_on(facts) -> date:
        return date.fromisoformat(facts["received_on"])

    def rated(self, e, facts):
        facts["rating"] = e.level
        if e.closes:
            facts["open"] = 0

    def called_back(self, e, facts):
        if e.reached:
            facts.update(called_back=1, resolved=int(bool(e.resolved)), rating=e.rating)

    def reopened(self, e, facts):
        facts.update(department=e.department or facts["department"], open=1,
                     due_date=e.due_date.isoformat())
        if getattr(e, "due_at", None) is not None:
            facts["due_at"] = e.due_at.isoformat()

    def closed(self, e, facts):
        facts["open"] = 0

    def reminded(self, e, facts):
        facts.update(reminded=1, overdue=1)
        if not facts["responded"]:
            facts["response_due"] = 1

    def supervised(self, e, facts):
        facts.update(supervised=1, overdue=1)
        if not facts["responded"]:
            facts["response_due"] = 1


BREAKDOWNS = (("departments", "department"), ("channels", "channel"),
              ("categories", "category"), ("kinds", "kind"))


class StatisticsQueries(QueryBase):
    """The public statistics: one read of a few hundred cells whatever the item count."""

    def statistics(self, *, month_from: str | None = None, month_to: str | None = None,
                   department: str | None = None) -> dict:
        """Totals, per-department / channel / category / kind and per-month figures for the
        months [month_from, month_to] (YYYY-MM, both optional), optionally for one
        department (its breakdowns then come from its own cells)."""
        if department is None:
            combos = {"T": None, "D": "departments", "C": "channels", "G": "categories",
                      "K": "kinds"}
        else:
            combos = {"D": None, "DC": "channels", "DG": "categories", "DK": "kinds"}
        top = "T" if department is None else "D"
        grain, period = _grain_of(month_from, month_to)
        where = [f"combo IN ({', '.join(repr(c) for c in combos)})"]
        params: dict = {}
        if grain == "m":
            where.append("grain = 'm'")
            where += _month_range(month_from, month_to, params)
        else:
            where.append("grain = :grain AND month = :period")
            params.update(grain=grain, period=period)
        if department is not None:
            where.append("department = :department")
            params["department"] = department
        rows = self._summed(where, params, ("combo", *DIMENSIONS))
        month_where = ["grain = 'm'", "combo = :top", *_month_range(month_from, month_to,
                                                                      params)]
        if department is not None:
            month_where.append("department = :department")
        month_rows = self._summed(month_where, {**params, "top": top}, ("combo", "month"))
        groups: dict = defaultdict(_Group)
        for row in rows:
            combo = row["combo"]
            if combo == top:
                groups[("totals", "")].add(row)
            breakdown = combos[combo]
            if breakdown:
                dimension = dict(BREAKDOWNS)[breakdown]
                groups[(breakdown, row[dimension])].add(row)
        for row in month_rows:
            if row["combo"] == top:
                groups[("months", row["month"])].add(row)
        result = {"totals": groups[("totals", "")].summary()}
        for breakdown, dimension in (*BREAKDOWNS, ("months", "month")):
            if department is not None and breakdown == "departments":
                entries = [{"department": department, **result["totals"]}]
            else:
                entries = [{dimension: value, **group.summary()}
                           for (name, value), group in groups.items() if name == breakdown]
                entries.sort(key=lambda entry: (-entry["received"], entry[dimension])
                             if breakdown != "months" else entry[dimension])
            result[breakdown] = entries
        return result

    def _summed(self, where: list, params: dict, group_by: tuple) -> list[dict]:
        """Cells added up in SQL per `group_by`; each row's histograms come as JSON lists
        (`hist_days`, `hist_hours`) of the cells' own, for Python to merge."""
        concat = ("string_agg({0}, ',')" if self.store.dialect == "postgres"
                  else "group_concat({0}, ',')")
        columns = ", ".join(group_by)
        sums = ", ".join(f"SUM({c}) AS {c}" for c in COUNTERS)
        histograms = ", ".join(f"'[' || {concat.format(h)} || ']' AS {h}"
                               for h in ("hist_days", "hist_hours"))
        return self.store.query(
            f"SELECT {columns}, {sums}, {histograms} FROM stat_cells "
            f"WHERE {' AND '.join(where)} GROUP BY {columns}", params)

    def statistics_by_department_month(self, *, month_from: str | None = None,
                                       month_to: str | None = None,
                                       department: str | None = None) -> list[dict]:
        """One entry per department and month (the CSV feed's rows), oldest month first."""
        params: dict = {}
        where = ["combo = 'D'", "grain = 'm'", *_month_range(month_from, month_to, params)]
        if department is not None:
            where.append("department = :department")
            params["department"] = department
        rows = self.store.query(f"SELECT * FROM stat_cells WHERE {' AND '.join(where)} "
                                "ORDER BY month, department", params)
        out = []
        for row in rows:
            group = _Group()
            group.add(row)
            out.append({"month": row["month"], "department": row["department"],
                        **group.summary()})
        return out


def _grain_of(month_from: str | None, month_to: str | None) -> tuple[str, str | None]:
    """The grain and period that answer a month range in one read, if any."""
    if month_from is None and month_to is None:
        return "a", ALL
    if month_from and month_to and month_from[:4] == month_to[:4] \
            and month_from[5:] == "01" and month_to[5:] == "12":
        return "y", month_from[:4]
    return "m", None


def _month_range(month_from: str | None, month_to: str | None, params: dict) -> list[str]:
    where = []
    if month_from:
        where.append("month >= :month_from")
        params["month_from"] = month_from
    if month_to:
        where.append("month <= :month_to")
        params["month_to"] = month_to
    return where


class _Group:
    def __init__(self):
        self.counters, self.days, self.hours = defaultdict(float), defaultdict(int), \
            defaultdict(int)

    def add(self, row: dict) -> None:
        """Add a cell row, or a row of cells summed by `_summed` (histograms as lists)."""
        for name in COUNTERS:
            self.counters[name] += row[name] or 0
        for target, column in ((self.days, "hist_days"), (self.hours, "hist_hours")):
            parsed = json.loads(row[column] or "{}")
            for histogram in (parsed if isinstance(parsed, list) else (parsed,)):
                for bin_, n in histogram.items():
                    target[int(bin_)] += n

    def summary(self) -> dict:
        counters = {k: (round(v, 4) if k in REAL_COUNTERS else int(v))
                    for k, v in self.counters.items()}
        return summary(counters, dict(self.days), dict(self.hours))
