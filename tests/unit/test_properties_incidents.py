"""Property test: random sequences of commands on public-opinion incidents.

The opinion team (and people who are not on it) opens incidents, sets levels, assigns the
two owners, links and unlinks comments and tickets; the owners report handling and
response; the escalation process links items in bulk; the oversight job records clock
warnings; time runs across weekends and holidays. Each command either succeeds or raises
a DomainError, a refused command stores nothing, and after every step each incident
satisfies the invariants below, equals a replay of its stored events, and loads from its
snapshot (every 100 events) exactly as a full replay does.
"""

from hypothesis import event as tally
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from domain.actors import SYSTEM_ACTOR
from domain.incidents import (INCIDENTS, LEVELS, STATEMENTS, STATUS_LABELS, Incident, Status,
                              clocks, incident_id)
from domain.incidents.aggregate import ITEM_KINDS, MAX_TEXT, MAX_TITLE
from domain.reference import DEPARTMENTS
from tests.unit.properties_support import (
    OfferedWalks,
    ADMIN, H_OTHER, H_OWN, HOURS, OPERATOR, OPINION, OTHER, OWN, REVIEWER, STARTS,
    UNKNOWN_DEPARTMENT, Book, action_inputs, attempt, build_app, last_position,
    maybe_bad_text, notifications_since, pick, property_settings, replay, state,
    text_with)

UNKNOWN_NUMBER = "YQ202609309999"
OPENERS = (OPINION, OPINION, OPINION, ADMIN, REVIEWER, H_OWN)
OWNERS = (OWN, OTHER, "区政府办公室")
LIVE = (Status.OPEN, Status.HANDLING)


def live_incident_clocks(app, incident) -> bool:
    """What the oversight job does for one incident (infrastructure/oversight.py,
    `incident_clocks`): warn of each clock in its last hour or missed, once; True if
    anything was recorded (the caller saves)."""
    now = app.clock()
    due = [(c.name, {"amber": "due_soon", "red": "missed"}[c.state], c.due_at)
           for c in clocks(incident.level, incident.opened_at, incident.statements, now)
           if c.state in ("amber", "red")]
    recorded = [incident.warn_clock(clock=name, stage=stage, due_at=due_at,
                                    actor=SYSTEM_ACTOR.id, at=now)
                for name, stage, due_at in due]
    return any(recorded)


def link_in_bulk(app, incident, count: int, first: int) -> int:
    """What the escalation process does: link items to an incident, several per save
    (a link already there records nothing)."""
    linked = 0
    for i in range(first, first + count):
        linked += incident.link(item_kind=ITEM_KINDS[i % 2], number=f"LY2026093{i:07d}",
                                department=OWNERS[i % 3], actor=SYSTEM_ACTOR.id, at=app.clock())
    return linked


class Incidents(OfferedWalks, RuleBasedStateMachine):
    WORKFLOW, UNKNOWN_NUMBER = INCIDENTS, UNKNOWN_NUMBER
    """A district's incidents, driven by the opinion team, the owners, the escalation
    process, the oversight job and time."""

    def __init__(self):
        super().__init__()
        self.app = None

    @initialize(start=st.sampled_from(STARTS), levels=st.lists(st.sampled_from(tuple(LEVELS)),
                                                                min_size=1, max_size=2))
    def start(self, start, levels):
        self.app, self.clock = build_app(start)
        self.book = Book(self.app, INCIDENTS, self.check_event, self.check_state)
        self.steps, self.bulk = 0, 0
        # Items to link: two comments and two tickets, one of each with a department.
        self.items = {"comments": [], "tickets": []}
        for dispatched in (False, True):
            no = self.app.submit_comment(title="化工厂异味", content="气味刺鼻，特此反映，望予处理。", kind="投诉",
                                         category="生态环境")["tracking_no"]
            if dispatched:
                self.app.act("comments", no, "accept", REVIEWER)
                self.app.act("comments", no, "dispatch", REVIEWER, department=OWN)
            self.items["comments"].append(no)
            ticket = self.app.register_ticket(
                OPERATOR, channel="phone", area="临城街道", category="生态环境", kind="投诉",
                urgency="normal", title="化工厂异味", content="气味刺鼻")
            if dispatched:
                self.app.act("tickets", ticket.ticket_no, "dispatch", OPERATOR,
                             department=OTHER, co_departments=[])
            self.items["tickets"].append(ticket.ticket_no)
        for level in levels:
            self._open(OPINION, dict(title="临城街道化工异味", level=level, topic="生态环境",
                                     area="临城街道", reasons=["生态环境：异味"]))

    # --- the opinion team opens incidents ------------------------------------------------

    @rule(data=st.data(), level=st.sampled_from((*LEVELS, "V")),
          number=st.sampled_from(("drawn", "drawn", "given", "taken")))
    def open_one(self, data, level, number):
        values = dict(title=data.draw(maybe_bad_text(None, MAX_TITLE), label="title"),
                      level=level, topic="生态环境", area="临城街道",
                      reasons=["生态环境：异味"])
        if number == "given":  # the escalation process numbers it after the item
            values["incident_no"] = f"YQ-LY{len(self.book.hand):04d}{self.steps:04d}"
        elif number == "taken":
            values["incident_no"] = pick(data, self.book.numbers(), "taken")
        self._open(pick(data, OPENERS, "actor"), values)

    def _open(self, actor, values):
        incident, error = self.run(lambda: self.app.open_incident(actor, **values))
        if values.get("incident_no") in self.book.hand:
            assert error is not None, "a number already taken opens nothing"
        if error is None:
            assert actor.has_role("admin", "opinion")
            assert incident.incident_no not in self.book.hand
            self.book.add(incident.incident_no, incident)
            assert incident.status == Status.OPEN and incident.opened_at == self.clock.now

    # --- staff ---------------------------------------------------------------------------

    def _act(self, data, no, actor, action, careful):
        values = {}
        if action != "fly":
            values = data.draw(action_inputs(INCIDENTS.action(action),
                                             self._overrides(data, no, action, careful), None,
                                             careful), label="inputs")
        _, error = self.run(lambda: self.app.act("incidents", no, action, actor, **values),
                            target=no, records=True)
        tally(f"{action}: " + ("ok" if error is None else type(error).__name__))
        if no == UNKNOWN_NUMBER or action == "fly":
            assert error is not None

    def _overrides(self, data, no, action, careful):
        owners = OWNERS if careful else (*OWNERS, UNKNOWN_DEPARTMENT, "")
        overrides = {"handling_department": st.sampled_from(owners),
                     "response_department": st.sampled_from(owners),
                     "text": text_with(None, 400) if careful else maybe_bad_text(None, 400),
                     "summary": text_with(None, 400) if careful else maybe_bad_text(None, 400)}
        incident = self.book.hand.get(no)
        if action in ("link", "unlink"):
            pairs = [(kind, number) for kind, numbers in self.items.items() for number in numbers]
            if action == "unlink" and incident is not None and incident.links:
                pairs = [(link["item_kind"], link["number"]) for link in incident.links.values()]
            if not careful:
                pairs += [("comments", "LY20260930000000"), ("incidents", no), ("memos", "1")]
            kind, number = pick(data, pairs, "item")
            overrides.update(item_kind=st.just(kind), item_no=st.just(number))
        return overrides

    # --- the escalation process, the oversight job and time ---------------------------------

    @rule(data=st.data(), count=st.sampled_from((1, 7, 40, 99, 130)))
    def escalation_links(self, data, count):
        """Many items linked at once: incidents cross their snapshot interval."""
        no = pick(data, self.book.numbers(), "number")

        def link():
            incident = self.app.get_item("incidents", no)
            if link_in_bulk(self.app, incident, count, self.bulk):
                self.app.save(incident)
            return incident

        self.bulk += count
        self.run(link, target=no)

    @rule(data=st.data())
    def clock_warnings(self, data):
        no = pick(data, self.book.numbers(), "number")

        def warn():
            incident = self.app.get_item("incidents", no)
            if live_incident_clocks(self.app, incident):
                self.app.save(incident)
                tally("clock warned")
            return incident

        self.run(warn, target=no)

    @rule(hours=HOURS)
    def time_passes(self, hours):
        self.clock.advance(hours=hours)

    # --- checking ------------------------------------------------------------------------

    def run(self, command, target=UNKNOWN_NUMBER, records=False):
        """Run a command; a refused one stores nothing, a successful one changes only the
        incident it names, and a staff action records at least one event."""
        position = last_position(self.app)
        result, error = attempt(command)
        recorded = notifications_since(self.app, position)
        if error is not None:
            assert not recorded, f"{type(error).__name__} but {len(recorded)} events stored"
        elif target != UNKNOWN_NUMBER:
            assert {n.originator_id for n in recorded} <= {incident_id(target)}
            assert recorded or not records, "a successful command recorded nothing"
        returned = {}
        if isinstance(result, Incident) and result.incident_no in self.book.hand:
            returned[result.incident_no] = result
        self.book.sync(returned)
        return result, error

    def check_event(self, before, event):
        """Each new event, with the state it applies to."""
        name = type(event).__name__
        if before is None:
            assert name == "Opened"
            return
        assert before.status != Status.CLOSED, f"{name} on a closed incident"
        if name in ("HandlingUpdated", "ResponseStated"):
            assert before.status == Status.HANDLING, "a track moved before both owners"
        if name == "Linked":
            assert Incident.link_key(event.item_kind, event.number) not in before.links
        if name == "ClockWarned":
            assert f"{event.clock}:{event.stage}:{event.due_at.isoformat()}" not in before.warnings
        if name == "Closed":
            assert before.handling_done and before.response_done

    def check_state(self, no, i, events):
        assert i.status in STATUS_LABELS and i.level in LEVELS
        tally(f"reached {i.status}" + (" (snapshots)" if i.version > 100 else ""))
        names = [type(e).__name__ for e in events]
        assert i.number == i.incident_no == no and i.id == incident_id(no)
        # Both owners or neither; the tracks move only once both are there.
        assert (i.handling_department is None) == (i.response_department is None)
        if i.status == Status.OPEN:
            assert i.handling_department is None and not i.handling and not i.statements
        else:
            assert i.handling_department in DEPARTMENTS and i.response_department in DEPARTMENTS
        # Closed together: both tracks complete, with a summary, and nothing after it.
        assert (i.status == Status.CLOSED) == (i.closed_at is not None)
        if i.status == Status.CLOSED:
            assert i.handling_done and i.response_done and i.summary
            assert names[-1] == "Closed"
        for update in i.handling:
            assert update["text"] == update["text"].strip() and 0 < len(update["text"]) <= MAX_TEXT
        for statement in i.statements:
            assert statement["kind"] in STATEMENTS and statement["text"].strip()
            assert len(statement["channel"]) <= 100
        assert 0 < len(i.title) <= MAX_TITLE
        # Links: each item once, under its key.
        for key, link in i.links.items():
            assert link["item_kind"] in ITEM_KINDS
            assert key == Incident.link_key(link["item_kind"], link["number"])
        assert len(i.links) == names.count("Linked") - names.count("Unlinked")
        assert len(i.warnings) == names.count("ClockWarned")
        # Loading (from the latest snapshot, if any) equals a full replay.
        loaded = self.app.load(Incident, i.id)
        assert state(loaded) == state(replay(events)), "snapshot load differs from replay"



Incidents.TestCase.settings = property_settings(examples=25, steps=30)
TestIncidents = Incidents.TestCase


# --- snapshots are taken every 100 events -----------------------------------------------

@given(start=st.sampled_from(STARTS), batches=st.lists(
    st.one_of(st.sampled_from(("warn", "statement")), st.integers(1, 130)),
    min_size=1, max_size=8))
@property_settings(examples=25, steps=1)
def test_an_incident_loads_from_a_snapshot_at_most_100_events_old(start, batches):
    """docs/architecture.md and Incident.snapshot_every: the application keeps a snapshot
    every 100 events, "so loading one replays at most that many" — whatever the incident
    recorded (links in bulk, clock warnings, statements)."""
    note(f"(the values Hypothesis prints blank:) start={start:%Y-%m-%d %H:%M}Z "
         f"batches={batches}")
    app, clock = build_app(start)
    incident = app.open_incident(OPINION, title="大面积停水", level="II")
    app.act("incidents", incident.incident_no, "assign", OPINION, handling_department=OWN,
            response_department=OTHER)
    first = 0
    for batch in batches:
        incident = app.get_item("incidents", incident.incident_no)
        if batch == "warn":
            clock.advance(hours=4.5)  # the authoritative-information clock turns amber
            live_incident_clocks(app, incident)
            app.save(incident)
        elif batch == "statement":
            app.act("incidents", incident.incident_no, "response_statement", H_OTHER,
                    statement="written", text="情况通报", channel="区政府网站")
        else:
            link_in_bulk(app, incident, batch, first)
            first += batch
            app.save(incident)
        incident = app.get_item("incidents", incident.incident_no)
        snapshots = [s.originator_version for s in app._snapshots.get(incident.id)]
        latest = max(snapshots, default=0)
        assert latest >= incident.version // 100 * 100, (
            f"version {incident.version}: latest snapshot at {latest or 'none'}; "
            f"warnings recorded: {sorted(incident.warnings)}")
        assert state(incident) == state(replay(list(app.events.get(incident.id))))
