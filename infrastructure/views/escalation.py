"""Escalation: a process that scores every arriving comment and ticket and opens or feeds
public-opinion incidents (docs/rules.md sections 10 and 11).

It is fed like a read model — from its own tracked position in the notification log, with
its own rows (each item's assessment, the open incident per topic and place) committed
with the position — and it issues incident commands as it goes. The commands are
idempotent, so a batch replayed after a crash changes nothing twice: an incident's number
derives from the item that set it off (YQ + that item's number), so opening it again finds
it; and an item is linked to an incident at most once.

An item is escalated when the policy finds it sensitive, or when it makes a spike (enough
items on one topic in one township or street within the window). It goes to the open
incident on its topic and place, or opens one; a spike links every item in its window.
"""

from bisect import bisect_right
from datetime import datetime, timedelta

from domain.actors import SYSTEM_ACTOR
from domain.comments import Comment
from domain.errors import ConflictError, DomainError
from domain.incidents import Status as IncidentStatus
from domain.sensitivity import SensitivityPolicy, spike_in
from domain.tickets import Ticket

from .base import ReadModel

ESCALATION_ACTOR = SYSTEM_ACTOR


class Escalation(ReadModel):
    name = "escalation"
    tables = {
        "esc_items": """id TEXT PRIMARY KEY, item_kind TEXT NOT NULL, number TEXT NOT NULL,
            topic TEXT, area TEXT, received_at TEXT NOT NULL, score REAL NOT NULL,
            sensitive INTEGER NOT NULL, reasons TEXT NOT NULL, incident_no TEXT""",
        "esc_open": """topic_area TEXT PRIMARY KEY, incident_no TEXT NOT NULL""",
    }
    indexes = (("esc_items", "window", "(topic, area, received_at)"),)
    indexes_while_building = True  # each arrival reads its window through this index
    handlers = {Comment.Submitted: "comment", Ticket.Registered: "ticket"}

    def __init__(self, *args, policy: SensitivityPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._fixed = policy  # tests may pin one; otherwise the lexicon staff keep
        self._policy, self._lexicon_version = policy or SensitivityPolicy(), 0

    @property
    def policy(self) -> SensitivityPolicy:
        """The policy for the lexicon as it stands (rebuilt only when it was edited)."""
        if self._fixed is None and self.app is not None:
            lexicon, version = self.app.current_lexicon()
            if version != self._lexicon_version:
                self._policy, self._lexicon_version = SensitivityPolicy(lexicon), version
        return self._policy

    # --- the batch --------------------------------------------------------------------

    def handle_batch(self, events, emit, query) -> None:
        arrivals = [self._arrival(e) for e in events if type(e) in self.handlers]
        if not arrivals:
            return
        policy = self.policy  # the lexicon is read once a batch
        lexicon = policy.lexicon
        seen = {row["id"] for row in self._rows_for([a["id"] for a in arrivals], query)}
        stored_window = self._stored_window(arrivals, lexicon, query)
        window: list[dict] = []  # this batch's items so far (not yet in esc_items)
        by_place: dict = {}  # (topic, area) -> this batch's items with them, in order
        open_now: dict = {}  # topic_area -> incident_no decided in this batch
        to_link: dict = {}  # incident_no -> items to link to it (all at the end)
        for item in arrivals:
            if item["id"] in seen:
                continue  # a replayed arrival that was already assessed and committed
            found = policy.assess(item.pop("text"), urgent=item.pop("urgent"))
            # A spike is about one of the lexicon's topics; an item without one is grouped
            # by its category only if it is sensitive by itself (an urgent ticket, say).
            topic = found.topic or item["category"]
            item.update(topic=topic, score=found.score, reasons=list(found.reasons))
            # Only a lexicon topic in a known place can make a spike, and only a spike
            # needs the stored items of the window.
            may_spike = item["area"] is not None and found.topic is not None
            stored = stored_window(topic, item["area"], item["at"]) if may_spike else []
            batch = by_place.setdefault((topic, item["area"]), [])
            recent = stored + batch
            spike = may_spike and spike_in([r["at"] for r in recent] + [item["at"]],
                                           item["at"], lexicon)
            if spike:
                item["reasons"].append(
                    f"{lexicon.spike_window_minutes // 60}小时内{item['area']}"
                    f"同一话题（{topic}）{len(recent) + 1}件")
            item["sensitive"] = found.sensitive or spike
            if item["sensitive"]:
                level = "III" if found.is_emergency else "IV"
                incident_no = self._incident_for(item, level, query, open_now)
                item["incident_no"] = incident_no
                linked = to_link.setdefault(incident_no, [])
                linked.append(item)
                if spike:  # everything in the window belongs to it too
                    for other in recent:
                        if other.get("incident_no"):
                            continue
                        linked.append(other)
                        other["incident_no"] = incident_no  # batch items are written below
                        if "category" not in other:  # a stored row: update it
                            emit("UPDATE esc_items SET incident_no = :no WHERE id = :id",
                                 {"no": incident_no, "id": other["id"]})
            window.append(item)
            batch.append(item)
        for incident_no, items in to_link.items():
            self._link(incident_no, items)
        for item in window:
            emit("INSERT INTO esc_items (id, item_kind, number, topic, area, received_at, "
                 "score, sensitive, reasons, incident_no) VALUES (:id, :kind, :number, :topic, "
                 ":area, :at, :score, :sensitive, :reasons, :incident_no)",
                 {"id": item["id"], "kind": item["item_kind"], "number": item["number"],
                  "topic": item["topic"], "area": item["area"], "at": item["at"].isoformat(),
                  "score": item["score"], "sensitive": int(item["sensitive"]),
                  "reasons": "\n".join(item["reasons"]), "incident_no": item.get("incident_no")})
        for topic_area, incident_no in open_now.items():
            emit("INSERT INTO esc_open (topic_area, incident_no) VALUES (:k, :no) "
                 "ON CONFLICT (topic_area) DO UPDATE SET incident_no = excluded.incident_no",
                 {"k": topic_area, "no": incident_no})

    # --- arrivals ---------------------------------------------------------------------

    def _arrival(self, e) -> dict:
        if isinstance(e, Ticket.Registered):
            return {"id": e.originator_id.hex, "item_kind": "tickets", "number": e.ticket_no,
                    "area": e.area or None, "category": e.category, "at": e.at,
                    "text": f"{e.title}\n{e.content}", "urgent": e.urgency == "urgent"}
        return {"id": e.originator_id.hex, "item_kind": "comments", "number": e.tracking_no,
                "area": getattr(e, "area", None), "category": e.category, "at": e.at,
                "text": f"{e.title}\n{e.content}", "urgent": False}

    @staticmethod
    def _rows_for(ids: list, query) -> list:
        found = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            names = {f"i{n}": v for n, v in enumerate(chunk)}
            found += query(f"SELECT id FROM esc_items WHERE id IN "
                           f"({', '.join(':' + n for n in names)})", names)
        return found

    @staticmethod
    def _stored_window(arrivals: list, lexicon, query):
        """`recent(topic, area, at)`: the stored items with that topic and place received
        in the window (at - window, at]. Each (topic, place) is read once a batch, for the
        span every arrival's window covers (read per arrival, a busy township's stream cost
        a growing window's rows for each item), and sliced by time for each arrival; the
        rows are shared, so an incident noted on one is seen by the next arrival."""
        span = timedelta(minutes=lexicon.spike_window_minutes)
        since = min(a["at"] for a in arrivals) - span
        until = max(a["at"] for a in arrivals)
        places: dict = {}  # (topic, area) -> (received times, rows), by time

        def recent(topic: str, area: str, at: datetime) -> list[dict]:
            found = places.get((topic, area))
            if found is None:
                rows = query("SELECT id, item_kind, number, topic, area, received_at, "
                             "incident_no FROM esc_items WHERE topic = :topic AND "
                             "area = :area AND received_at > :since AND received_at <= :until",
                             {"topic": topic, "area": area, "since": since.isoformat(),
                              "until": until.isoformat()})
                rows = sorted(({**row, "at": datetime.fromisoformat(row["received_at"])}
                               for row in rows), key=lambda r: r["at"])
                found = places[(topic, area)] = ([r["at"] for r in rows], rows)
            times, rows = found
            return rows[bisect_right(times, at - span):bisect_right(times, at)]
        return recent

    # --- commands (idempotent) ------------------------------------------------------------

    def _incident_for(self, item: dict, level: str, query, open_now: dict) -> str:
        """The open incident on the item's topic and place, or a new one it sets off."""
        key = f"{item['topic']}|{item['area'] or ''}"
        if key in open_now:  # decided earlier in this batch
            return open_now[key]
        rows = query("SELECT incident_no FROM esc_open WHERE topic_area = :k", {"k": key})
        number = rows[0]["incident_no"] if rows else None
        if number is not None and self._is_open(number):
            open_now[key] = number
            return number
        number = f"YQ{item['number']}"
        title = f"{item['area'] or '全区'}{item['topic']}舆情"
        try:
            self.app.open_incident(
                ESCALATION_ACTOR, title=title[:100], topic=item["topic"], area=item["area"],
                level=level, reasons=item["reasons"], incident_no=number, source="escalation")
        except ConflictError:
            pass  # opened by an earlier run of this same batch
        open_now[key] = number
        return number

    def _is_open(self, number: str) -> bool:
        try:
            return self.app.get_item("incidents", number).status != IncidentStatus.CLOSED
        except DomainError:
            return False

    def _link(self, incident_no: str, items: list[dict]) -> None:
        """Link items to an incident, each once (a replay links nothing twice): the
        incident is loaded and saved once a batch; if it changed meanwhile, once more."""
        departments = {}
        for item in items:
            if "category" in item:  # an arrival: not dispatched yet
                departments[(item["item_kind"], item["number"])] = None
            else:  # a stored row of the window: it may have moved on since
                try:
                    departments[(item["item_kind"], item["number"])] = self.app.get_item(
                        item["item_kind"], item["number"]).department
                except DomainError:
                    continue
        for attempt in range(2):
            try:
                incident = self.app.get_item("incidents", incident_no)
            except DomainError:
                return
            if incident.status == IncidentStatus.CLOSED:
                return
            now = self.app.clock()
            changed = [incident.link(item_kind=kind, number=number, department=department,
                                     actor=ESCALATION_ACTOR.id, at=now)
                       for (kind, number), department in departments.items()]
            if not any(changed):
                return
            try:
                self.app.save(incident)
                return
            except ConflictError:
                if attempt:
                    raise
