"""Shared pieces of the property tests (tests/unit/test_properties_*.py).

Each kind's test drives a fresh `Casework` on the in-memory event store (encrypted, as in
production) with random sequences of commands, and after every step checks the kind's
invariants and that replaying the stored events rebuilds the aggregate held in hand.

Settings: a few dozen examples by default, so the three files stay well under a minute
on a slow two-core machine; `MINYI_PROPERTY_EXAMPLES=500` runs more. On CI
(`CI=true`) the examples are derandomized, so a run is repeatable; nowhere is a
`.hypothesis` directory needed (database=None). Failures are not shrunk unless
`MINYI_PROPERTY_SHRINK=1`.
"""

import copy
import os
from dataclasses import dataclass
from datetime import date, timedelta

from eventsourcing.cryptography import AESCipher
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis import event as tally
from hypothesis.stateful import invariant, rule

from domain.actors import SYSTEM_ACTOR, Actor
from domain.casework import Casework
from domain.errors import DomainError
from domain.oversight import REMIND, SUPERVISE, Standing
from domain.reference import DEPARTMENTS
from infrastructure.oversight import Oversight, _Overdue, thresholds
from infrastructure.persistence import event_store_env
from infrastructure.workcalendar import ChineseWorkingCalendar
from tests.support import FakeClock, local

CI = os.environ.get("CI") == "true"


def property_settings(examples: int, steps: int) -> settings:
    """The settings of one property test (no global profile: other tests are untouched).
    A failure is reported as found, not shrunk: shrinking a long run of commands can take
    minutes. `MINYI_PROPERTY_SHRINK=1` shrinks it (to debug one)."""
    more = int(os.environ.get("MINYI_PROPERTY_EXAMPLES") or 0)
    shrink = os.environ.get("MINYI_PROPERTY_SHRINK") == "1"
    phases = [Phase.explicit, Phase.reuse, Phase.generate, *([Phase.shrink] if shrink else [])]
    return settings(max_examples=more or examples, stateful_step_count=steps, deadline=None,
                    database=None, derandomize=CI, print_blob=not CI, phases=phases,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


# --- the application ------------------------------------------------------------------

CALENDAR = ChineseWorkingCalendar()  # the real calendar (memoised: shared by every example)
CIPHER_KEY = AESCipher.create_key(32)
OFFICIAL_NUMBER = "0632-4412345"  # 区住建局's registered public number: replies keep it
OWN, OTHER, THIRD = "区住建局", "区交运局", "区民政局"
UNKNOWN_DEPARTMENT = "不存在的单位"

# Starting moments around holidays and weekends (Beijing time): the day before National
# Day, a Friday evening before the Spring Festival, the adjusted working Saturday after
# National Day, a Sunday, and New Year's Eve (2027 is past the calendar's data: Mon-Fri).
STARTS = (local(2026, 9, 30, 9), local(2026, 2, 13, 17), local(2026, 10, 10, 8),
          local(2026, 3, 8, 22), local(2026, 12, 31, 16), local(2026, 4, 30, 11))


def build_app(start) -> tuple[Casework, FakeClock]:
    """A Casework on the in-memory store with the reference departments."""
    clock = FakeClock(start)
    app = Casework(env=event_store_env("memory://", CIPHER_KEY), calendar=CALENDAR,
                   clock=clock, query_code_key=b"property-tests")
    for name in DEPARTMENTS:
        app.register_department(name, SYSTEM_ACTOR)
    app.set_official_numbers(OWN, [OFFICIAL_NUMBER], SYSTEM_ACTOR)
    return app, clock


# --- people -----------------------------------------------------------------------------

REVIEWER = Actor("rev", ("reviewer",))
OPERATOR = Actor("op", ("operator",))
SUPERVISOR = Actor("sup", ("supervisor",))
OPINION = Actor("yq", ("opinion",))
ADMIN = Actor("root", ("admin",))
H_OWN = Actor("h1", ("handler",), OWN)
H_OTHER = Actor("h2", ("handler",), OTHER)
H_THIRD = Actor("h3", ("handler",), THIRD)
H_NOWHERE = Actor("h0", ("handler",), None)
CITIZEN = Actor("citizen")
ACTORS = (REVIEWER, OPERATOR, SUPERVISOR, OPINION, ADMIN, H_OWN, H_OTHER, H_THIRD, H_NOWHERE,
          CITIZEN)
DEPARTMENT_CHOICES = (OWN, OTHER, THIRD, "区政府办公室", UNKNOWN_DEPARTMENT, "")

# Time steps (hours): minutes, a working day, a night, a weekend, a holiday week, a month.
HOURS = st.sampled_from((0.2, 1, 4, 15, 24, 49, 72, 24 * 8, 24 * 23))


# --- personal data the citizen gives, and text that carries it ----------------------------

NAMES = ("张三丰", "欧阳娜娜", "司马懿", "诸葛亮")
# Filler never contains digits, Latin letters or a character of a name above, so no
# secret can appear in public wording by accident, and every secret stands on its own
# (the masking rules do not mask a number glued into a longer alphanumeric token).
PHRASES = ("路灯坏了", "请尽快维修，", "小区门口积水严重。", "噪音扰民！", "感谢处理", "：", "、",
           "（", "）", "；", "电话", "身份证号", "邮箱", "联系人", "已处理", "谢谢。")
FILLER = st.sampled_from(PHRASES)


@dataclass(frozen=True)
class Secrets:
    name: str
    phone: str
    id_number: str
    email: str

    def variants(self) -> tuple[str, ...]:
        """Every way a text may carry the phone or the ID number (what must never be
        published): as digits, grouped, and in full-width digits."""
        p, i = self.phone, self.id_number
        full = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
        return (p, f"{p[:3]} {p[3:7]} {p[7:]}", f"{p[:3]}-{p[3:7]}-{p[7:]}",
                p.translate(full), i, i.translate(full), f"{i[:6]} {i[6:14]} {i[14:]}")


@st.composite
def personal_data(draw) -> Secrets:
    phone = "1" + draw(st.sampled_from("3456789")) + "".join(
        draw(st.lists(st.sampled_from("0123456789"), min_size=9, max_size=9)))
    born = date(1950, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 55)))
    id_number = (draw(st.sampled_from(("370403", "110105", "440305"))) + f"{born:%Y%m%d}"
                 + f"{draw(st.integers(0, 999)):03d}" + draw(st.sampled_from("0123456789X")))
    local_part = draw(st.sampled_from(("zhang", "li.si", "w_x", "citizen99")))
    return Secrets(draw(st.sampled_from(NAMES)), phone, id_number,
                   f"{local_part}@example.com")


@st.composite
def text_with(draw, secret: Secrets | None, limit: int, official: bool = False) -> str:
    """Valid text up to `limit` characters, sometimes carrying the citizen's name, phone
    (in one of its forms), ID number or e-mail, or an official number."""
    pieces = [draw(FILLER)]
    if secret is not None:
        variants = secret.variants()
        for piece in draw(st.lists(st.integers(0, 7), max_size=3)):
            pieces.append((*variants[:4], *variants[4:6], secret.name, secret.email)[piece])
            pieces.append(draw(FILLER))
    if official and draw(st.booleans()):
        pieces += ["请拨打", OFFICIAL_NUMBER, draw(FILLER)]
    return "".join(pieces)[:limit]


@st.composite
def maybe_bad_text(draw, secret: Secrets | None, limit: int, official: bool = False) -> str:
    """Mostly valid text; sometimes empty, blank or one character too long."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(("", "   ", "\n")))
    if kind == 1:
        return "长" * (limit + 1)
    return draw(text_with(secret, limit, official))


def published_texts(*texts) -> str:
    return "\n".join(t for t in texts if t)


def leaked(secret: Secrets, text: str, contact: dict) -> list[str]:
    """The forms of the phone / ID number found in public text, and the e-mail or the
    whole name if the citizen gave them as contact details (masking knows them then)."""
    found = [v for v in secret.variants() if v in text]
    if (contact or {}).get("name") == secret.name and secret.name in text:
        found.append(secret.name)
    if secret.email in text:
        found.append(secret.email)
    return found


# --- inputs of a workflow action, from its declaration ------------------------------------

@st.composite
def action_inputs(draw, step, overrides: dict, secret: Secrets | None, careful: bool = False):
    """Values for `step`'s inputs: what the console would send, and (unless `careful`)
    sometimes not: a missing required value, a wrong choice, an unknown department or
    field, blank or overlong text. `overrides`: input name -> strategy."""
    values = {}
    for spec in step.inputs:
        if not spec.required and draw(st.integers(0, 3)) == 0:
            continue  # optional: left out
        if spec.required and not careful and draw(st.integers(0, 24)) == 0:
            continue  # required but missing: InvalidValueError
        if spec.name in overrides:
            value = draw(overrides[spec.name])
        elif spec.widget == "number":
            value = draw(st.sampled_from((1, 2, 3, 5, 15) if careful else (1, 3, 15, 0, -1, 16)))
        elif spec.widget == "boolean":
            value = draw(st.sampled_from((True, False) if careful else (True, False, None)))
        elif spec.widget == "choice":
            value = draw(st.sampled_from(tuple(spec.choices) if careful
                                         else (*spec.choices, "bogus", "")))
        elif spec.widget == "department":
            value = draw(st.sampled_from(DEPARTMENT_CHOICES[:3] if careful
                                         else DEPARTMENT_CHOICES))
        elif spec.widget == "departments":
            value = draw(st.lists(st.sampled_from(DEPARTMENT_CHOICES[:3] if careful
                                                  else DEPARTMENT_CHOICES), max_size=3))
        else:
            limit, official = min(spec.max_length, 400), spec.widget == "textarea"
            value = draw(text_with(secret, limit, official) if careful
                         else maybe_bad_text(secret, limit, official))
        values[spec.name] = value
    if not careful and draw(st.integers(0, 30)) == 0:
        values["bogus_field"] = "x"
    return values


# --- running commands -----------------------------------------------------------------------

def attempt(command):
    """(result, None) or (None, the DomainError); any other exception is a failure."""
    try:
        return command(), None
    except DomainError as e:
        assert isinstance(e.message, str) and e.message
        return None, e


def last_position(app) -> int:
    return app.recorder.max_notification_id() or 0


def notifications_since(app, position: int) -> list:
    return list(app.recorder.select_notifications(position + 1, 100_000))


def state(aggregate) -> dict:
    """An aggregate's state for comparison (the pending-events list is bookkeeping)."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


class Book:
    """The items of one kind as held in hand, kept in step with the store.

    After every command, each item's new stored events are applied to a copy of the
    item held in hand (or the aggregate a command returned replaces it); the result must
    equal a fresh full replay from the store, version for version. `check_event` sees
    each new event with the state it was applied to."""

    def __init__(self, app, workflow, check_event, check_state):
        self.app, self.workflow = app, workflow
        self.check_event, self.check_state = check_event, check_state
        self.hand: dict = {}  # number -> aggregate

    def numbers(self) -> list:
        return list(self.hand)

    def add(self, number: str, aggregate=None) -> None:
        item = aggregate if aggregate is not None else self.app.repository.get(
            self.workflow.id_for(number))
        assert item.version == 1, "a new item starts with one event"
        events = self._events(item.id)
        self.check_event(None, events[0])
        assert state(replay(events)) == state(item)
        self.check_state(number, item, events)
        self.hand[number] = item

    def _events(self, aggregate_id) -> list:
        return list(self.app.events.get(aggregate_id))

    def sync(self, returned: dict | None = None) -> dict:
        """Bring every item in hand up to date; returns number -> its new events."""
        returned = returned or {}
        changes = {}
        for number, held in self.hand.items():
            if number not in returned and not self._moved(held):
                continue
            events = self._events(held.id)
            assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
            new = events[held.version:]
            item = copy.deepcopy(held)
            for event in new:
                self.check_event(item, event)
                item = event.mutate(item)
            if number in returned:  # the aggregate the command itself worked on
                assert returned[number].version == len(events)
                assert state(returned[number]) == state(item)
                item = returned[number]
            replayed = replay(events)
            assert replayed.version == item.version == len(events)
            assert state(replayed) == state(item), "replay differs from the item in hand"
            self.check_state(number, replayed, events)
            self.hand[number] = item
            if new:
                changes[number] = new
        return changes

    def _moved(self, held) -> bool:
        return bool(self.app.recorder.select_events(held.id, gt=held.version, limit=1))


def replay(events):
    """The aggregate rebuilt from its stored events alone."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


# --- the oversight job (催办 / 督办), as it runs against a lagging read model ---------------

class OversightDriver:
    """The job's two paths (infrastructure/oversight.py): events built from the read
    model's standing of an item, and the fallback that loads the item; `seen` is what
    a lagging read model knows (status and standing as of some earlier step)."""

    def __init__(self, app, workflow):
        self.app, self.workflow = app, workflow
        self.job = Oversight(app, None, {})
        self.seen: dict = {}  # number -> (status, Standing)

    def project(self, item) -> None:
        self.seen[item.number] = (item.status, Standing(
            id=item.id, version=item.version, due_date=item.due_date,
            reminded_for=item.reminded_for, supervised_for=item.supervised_for))

    def run(self, stale_ok: bool = True) -> None:
        today = self.app.today()
        limits = thresholds(self.app.calendar, today)
        batch = []
        for number, (status, standing) in self.seen.items():
            if status not in self.workflow.open_states or standing.due_date is None:
                continue
            levels = [level for level in (REMIND, SUPERVISE)
                      if standing.due_date <= limits[level]]
            if levels:
                batch.append((number, levels, standing if stale_ok else None))
        if not batch:
            return
        overdue = _Overdue(self.app.calendar, today)
        _, slow = self.job._record_standing(self.workflow, batch, overdue)
        if slow:
            self.job._record_loaded(self.workflow, slow, overdue)

    def check_event(self, before, event, open_states) -> None:
        """催办 / 督办 only on an open item, once per due date, when it has come of age."""
        name = type(event).__name__
        if name not in ("Reminded", "Supervised"):
            return
        today = self.app.today()
        limits = thresholds(self.app.calendar, today)
        assert before.status in open_states, f"{name} on an item that is {before.status}"
        assert event.due_date == before.due_date
        if name == "Reminded":
            assert before.reminded_for != before.due_date, "reminded twice for one due date"
            assert event.due_date <= limits[REMIND], (
                f"催办 on {today} for the due date {event.due_date}, not yet passed")
        else:
            assert before.supervised_for != before.due_date, "supervised twice"
            assert event.due_date <= limits[SUPERVISE], (
                f"督办 on {today} for the due date {event.due_date}, not 5 working days ago")
            assert event.overdue_days >= 5


def pick(data, options, label: str):
    """Draw one of `options` (a non-empty sequence)."""
    return data.draw(st.sampled_from(list(options)), label=label)


def smart_choice(data, workflow, item, actors=ACTORS):
    """(actor, action name) the console would offer on `item`, or None if none."""
    offered = [(actor, action) for actor in actors for action in workflow.available(item, actor)]
    if not offered:
        return None
    main = [(actor, action) for actor, action in offered if action.style == "primary"]
    if main and data.draw(st.booleans(), label="along the main path"):
        offered = main
    actor, action = data.draw(st.sampled_from(offered), label="offered")
    return actor, action.name



class OfferedWalks:
    """The staff rules every item kind's state machine shares: walks along the actions the
    console offers on one item (each by an actor it offers it to, inputs mostly valid),
    and any action by anyone on any item (or none) with any inputs. A machine names its
    WORKFLOW and UNKNOWN_NUMBER, and provides `book` and `_act`."""

    WORKFLOW = None
    UNKNOWN_NUMBER = ""

    @rule(data=st.data(), count=st.integers(1, 8))
    def act_as_offered(self, data, count):
        self._walk(data, count)

    @rule(data=st.data(), count=st.integers(1, 8))
    def act_as_offered_again(self, data, count):
        self._walk(data, count)  # (a second rule: the walks get more steps than the rest)

    def _walk(self, data, count):
        no = pick(data, self.book.numbers(), "number")
        for _ in range(count):
            offered = smart_choice(data, self.WORKFLOW, self.book.hand[no])
            if offered is None:
                break
            self._act(data, no, *offered, careful=data.draw(st.integers(0, 5), "care") > 0)
            self.after_offered(data, no)

    def after_offered(self, data, no) -> None:
        """What may follow an offered action outside the console (a citizen's rating)."""

    @invariant()
    def every_item_equals_its_replay(self):
        if self.app is not None:
            self.book.sync()
            self.steps += 1

    def teardown(self):
        if self.app is not None:
            tally(f"steps: {min(self.steps // 10 * 10, 100)}+")

    @rule(data=st.data())
    def act_anyhow(self, data):
        no = pick(data, [*self.book.numbers(), self.UNKNOWN_NUMBER], "number")
        actor = pick(data, ACTORS, "actor")
        action = pick(data, [a.name for a in self.WORKFLOW.actions] + ["fly"], "action")
        self._act(data, no, actor, action, careful=False)
