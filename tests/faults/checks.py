"""What the fault suite checks afterwards: the outcome of every request, the event store,
the read models (each event exactly once), and a full rebuild against the incremental ones."""

import json
from dataclasses import dataclass

from domain.comments import Comment
from domain.tickets import Ticket
from domain.topics import topics_of

from .driver import NEXT, STEPS, Record

JSON_PATHS = ("/api/", "/open311/", "/feeds/")
# While a dependency is down a request is answered at once (a 503 with Retry-After, or a
# success that does without it), not after waiting for the dependency to come back.
PROMPT_LIMIT = 8.0


@dataclass
class Window:
    """A fault from `start` to `end` (monotonic seconds); requests overlapping it (or
    started within `grace` after it) may fail cleanly."""

    name: str
    start: float
    end: float
    grace: float = 5.0
    prompt: bool = True  # requests sent during it must be answered within PROMPT_LIMIT

    def overlaps(self, record: Record) -> bool:
        return record.started < self.end + self.grace and record.ended > self.start

    def during(self, record: Record) -> bool:
        """Sent while the fault was on, and answered before it ended."""
        return record.started >= self.start and record.ended <= self.end


def clean_503(record: Record) -> str | None:
    """None if `record` is a clear 503 (Retry-After, and a JSON error for API paths)."""
    if record.status != 503:
        return f"status {record.status}"
    retry = record.headers.get("Retry-After")
    if not retry or not retry.strip().isdigit():
        return f"503 without a usable Retry-After header ({retry!r})"
    if record.path.startswith(JSON_PATHS):
        body = record.body
        if not (isinstance(body, dict) and isinstance(body.get("error"), dict)
                and body["error"].get("message")):
            return f"503 without a JSON error body ({str(body)[:120]!r})"
    return None


def judge_requests(records: list[Record], windows: list[Window]) -> list[str]:
    """Every request's outcome against where it fell: problems, one line each."""
    problems = []
    for r in records:
        # Named after the latest fault it overlaps (the windows' grace periods may overlap).
        latest = [w.name for w in windows if w.overlaps(r)][-1:]
        slow_in = [w.name for w in windows
                   if w.prompt and w.start <= r.started <= w.end]
        if slow_in and r.ended - r.started > PROMPT_LIMIT and r.error_kind != "timeout":
            problems.append(f"SLOW: sent during {slow_in}, answered only after "
                            f"{r.ended - r.started:.1f}s (not a prompt 503): {r.brief()}")
        if r.ok:
            continue
        hits = [w for w in windows if w.overlaps(r)]
        if r.error_kind == "timeout":
            problems.append(f"HANG (no answer in {r.ended - r.started:.1f}s) during "
                            f"{latest or 'no fault'}: {r.brief()}")
            continue
        if r.status == 500:
            problems.append(f"500 during {latest or 'no fault'}: {r.brief()}")
            continue
        if not hits:
            problems.append(f"failure outside any fault window: {r.brief()}")
            continue
        if r.error_kind in ("refused", "reset"):
            if any(w.name == "web restart" for w in hits):
                continue
            problems.append(f"connection {r.error_kind} during {latest}: {r.brief()}")
            continue
        if r.error_kind is not None:
            problems.append(f"client error during {latest}: {r.brief()}")
            continue
        why = clean_503(r)
        if why is not None:
            problems.append(f"not a clear 503 during {latest} ({why}): {r.brief()}")
    return problems


def reads_while_redis_down(records: list[Record], window: Window) -> tuple[int, list[str]]:
    """(how many reads were answered while Redis was down, those that were not 2xx)."""
    reads = [r for r in records if not r.write and r.stream == "reader" and window.during(r)]
    return len(reads), [r.brief() for r in reads if not r.ok]


def listings_never_shrink(records: list[Record]) -> list[str]:
    """Nothing is ever deleted or hidden here, so a listing read after another one was
    answered never shows fewer items (whichever web process answers)."""
    problems = []
    by_path: dict = {}
    for r in records:
        if r.ok and r.method == "GET" and isinstance(r.body, dict) and "total" in r.body:
            by_path.setdefault(r.path, []).append(r)
    for path, reads in by_path.items():
        reads.sort(key=lambda r: r.started)
        best = None  # the read with the largest total among those answered so far
        answered = sorted(reads, key=lambda r: r.ended)
        i = 0
        for r in reads:
            while i < len(answered) and answered[i].ended <= r.started:
                if best is None or answered[i].body["total"] > best.body["total"]:
                    best = answered[i]
                i += 1
            if best is not None and r.body["total"] < best.body["total"]:
                problems.append(f"listing went backwards: {path} showed {best.body['total']} "
                                f"items, a later read {r.body['total']}: {r.brief()}")
    return problems


# --- the event store ------------------------------------------------------------------------


def stored_items(app) -> dict:
    """(kind, number) -> title of every comment and ticket in the event log."""
    found = {}
    for kind, cls, attr in (("comments", Comment.Submitted, "tracking_no"),
                            ("tickets", Ticket.Registered, "ticket_no")):
        start = 0
        topics = topics_of(cls)
        while True:
            batch = app.recorder.select_notifications(start, 1000, topics=topics,
                                                      inclusive_of_start=False)
            if not batch:
                break
            for n in batch:
                event = app.mapper.to_domain_event(n)
                found[(kind, getattr(event, attr))] = event.title
            start = batch[-1].id
    return found


def check_event_store(app, records: list[Record], items: list) -> list[str]:
    """Every 2xx intake is stored; every 2xx action is there, and nothing past an action
    whose outcome was known is there either."""
    problems = []
    stored = stored_items(app)
    created = {r.item for r in records if r.ok and r.method == "POST" and r.action is None
               and r.item is not None}
    for key in sorted(created - set(stored)):
        problems.append(f"2xx intake missing from the event store: {key}")
    stored_titles = set(stored.values())
    for r in records:
        if r.title and not r.ok and r.title in stored_titles and r.status == 503:
            problems.append(f"answered 503 (\"try again later\") but stored all the same "
                            f"(a retry makes a duplicate): {r.brief()}")
    for item in items:
        try:
            aggregate = app.get_item(item.kind, item.number)
        except Exception as e:  # noqa: BLE001
            problems.append(f"{item.kind} {item.number}: cannot load: {e!r}")
            continue
        reached = NEXT[item.kind].get(aggregate.status)
        if not item.ok_actions:
            continue
        last_step, last_status = item.ok_actions[-1]
        if reached is None or reached < last_step + 1:
            problems.append(f"{item.kind} {item.number}: a 2xx '{STEPS[item.kind][last_step][0]}'"
                            f" answered status {last_status!r}, the event store has "
                            f"{aggregate.status!r}")
        elif item.unknown_after == 0 and not item.needs_check and \
                aggregate.status != last_status:
            problems.append(f"{item.kind} {item.number}: the event store has "
                            f"{aggregate.status!r} beyond the last 2xx ({last_status!r}) "
                            "with no request of unknown outcome after it")
    return problems


def stored_without_2xx(app, records: list[Record]) -> list[str]:
    """Intake requests not answered 2xx whose item is in the store all the same."""
    titles = set(stored_items(app).values())
    return [r.brief() for r in records if r.title and not r.ok and r.title in titles]


# --- read models -------------------------------------------------------------------------


def snapshot(rt) -> dict:
    """Every row of every read model's tables (through the serving views), sorted."""
    out = {}
    for model in rt.read_model_instances:
        for table in model.tables:
            rows = rt.views.query(f"SELECT * FROM {table}")
            out[table] = sorted(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
                                for row in rows)
    return out


def compare_snapshots(incremental: dict, rebuilt: dict, limit: int = 3) -> list[str]:
    problems = []
    for table in sorted(set(incremental) | set(rebuilt)):
        a, b = incremental.get(table, []), rebuilt.get(table, [])
        if a == b:
            continue
        only_a = sorted(set(a) - set(b))
        only_b = sorted(set(b) - set(a))
        dup_a = len(a) - len(set(a))
        problems.append(
            f"read model table {table}: incremental {len(a)} rows, rebuilt {len(b)} rows; "
            f"{len(only_a)} only incremental, {len(only_b)} only rebuilt, {dup_a} duplicate "
            f"rows incremental; e.g. incremental {only_a[:limit]} rebuilt {only_b[:limit]}")
    return problems


def check_read_models(rt, app) -> list[str]:
    """Each stored item is in its listings exactly once, at the aggregate's version."""
    problems = []
    stored = stored_items(app)
    comments = [n for (k, n) in stored if k == "comments"]
    tickets = [n for (k, n) in stored if k == "tickets"]
    q = rt.views.query
    for table, key, numbers, kind in (("inbox", "tracking_no", comments, "comments"),
                                      ("tickets", "ticket_no", tickets, "tickets")):
        rows = q(f"SELECT {key} AS number, version FROM {table}")
        by_number: dict = {}
        for row in rows:
            by_number.setdefault(row["number"], []).append(row["version"])
        missing = sorted(set(numbers) - set(by_number))
        extra = sorted(set(by_number) - set(numbers))
        doubled = sorted(n for n, v in by_number.items() if len(v) > 1)
        if missing or extra or doubled:
            problems.append(f"{table}: {len(missing)} stored {kind} missing (e.g. "
                            f"{missing[:3]}), {len(extra)} unknown, {len(doubled)} twice")
        stale = []
        for number in numbers:
            versions = by_number.get(number)
            if versions and versions[0] != app.get_item(kind, number).version:
                stale.append((number, versions[0], app.get_item(kind, number).version))
        if stale:
            problems.append(f"{table}: {len(stale)} rows not at the aggregate's version "
                            f"(number, row, store), e.g. {stale[:3]}")
    counts = {"citizen_items": len(comments), "esc_items": len(comments) + len(tickets),
              "pub_status": len(comments) + len(tickets)}
    for table, expected in counts.items():
        n = q(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]
        if n != expected:
            problems.append(f"{table}: {n} rows for {expected} stored items")
    received = q("SELECT COALESCE(SUM(received), 0) AS n FROM stat_cells "
                 "WHERE combo = 'T' AND grain = 'a'")[0]["n"]
    if received != len(comments) + len(tickets):
        problems.append(f"statistics: {received} received for {len(comments) + len(tickets)} "
                        "stored items")
    return problems
