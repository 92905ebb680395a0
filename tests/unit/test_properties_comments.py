"""Property test: random sequences of commands on portal comments.

Citizens submit (sometimes twice: folding), rate with the right or a wrong query code and
recover their code; staff of every role and department try every workflow action with
valid and invalid values, in fitting and unfitting states; the oversight job marks
overdue items from a lagging read model; time runs across weekends and holidays. Each
command either succeeds or raises a DomainError, a refused command stores nothing, and
after every step each comment satisfies the invariants below and equals a replay of its
stored events.
"""

from hypothesis import event as tally
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from domain.comments import COMMENTS, OPEN_STATES, STATUS_LABELS, Status
from domain.comments.aggregate import ANSWERING, MAX_CONTENT, MAX_TITLE, MIN_CONTENT, comment_id
from domain.comments.commands import TRACKING_PREFIX
from domain.errors import AuthenticationError
from domain.reference import AREAS, CATEGORIES, KINDS, RATINGS, REJECT_REASONS
from tests.unit.properties_support import (
    OfferedWalks,
    CALENDAR, HOURS, OFFICIAL_NUMBER, OTHER, OWN, STARTS, THIRD, UNKNOWN_DEPARTMENT,
    Book, OversightDriver, action_inputs, attempt, build_app, last_position, leaked,
    maybe_bad_text, notifications_since, personal_data, pick, property_settings, published_texts,
    text_with)

# Events a closed comment may still record (the code allows them explicitly): a verified
# 差评 reopens it, the reviewer withholds, releases or redacts, the citizen resets the code.
AFTER_CLOSED = {"Reopened", "Withheld", "Released", "Redacted", "QueryCodeReset"}
AFTER_REJECTED = {"QueryCodeReset"}  # 不予受理 is final; it is never published
EXTENSIONS = (None, "requested", "granted", "declined", "lapsed")
UNKNOWN_NUMBER = "LY20260930999999"


@st.composite
def submission(draw, careful: bool = False):
    """(secrets, submit_comment's arguments): valid, or now and then one value broken."""
    secret = draw(personal_data())
    content = draw(text_with(secret, MAX_CONTENT))
    if len(content.strip()) < MIN_CONTENT:  # a valid comment says at least this much
        content = (content + "，特此反映，望予处理。" * 2)[:MAX_CONTENT]
    values = dict(title=draw(text_with(secret, MAX_TITLE)),
                  content=content,
                  kind=draw(st.sampled_from(KINDS)),
                  category=draw(st.sampled_from(("城乡建设", "交通出行", CATEGORIES[-1]))),
                  publish=draw(st.booleans()))
    for key, value in (("department", draw(st.sampled_from((OWN, OTHER, THIRD)))),
                       ("name", secret.name), ("phone", secret.phone), ("email", secret.email),
                       ("area", AREAS[0])):
        if draw(st.booleans()):
            values[key] = value
    if draw(st.integers(0, 2)) == 0:
        values.update(client=draw(st.sampled_from(("10.0.0.1", "10.0.0.2"))), fold_seconds=600)
    if not careful and draw(st.integers(0, 3)) == 0:
        broken = draw(st.sampled_from(("title", "content", "kind", "category", "department",
                                       "area", "address")))
        values[broken] = draw({
            "title": maybe_bad_text(secret, MAX_TITLE), "content": maybe_bad_text(
                secret, MAX_CONTENT), "kind": st.just("闲聊"), "category": st.just("不存在的分类"),
            "department": st.just(UNKNOWN_DEPARTMENT), "area": st.just("火星"),
            "address": st.just("路" * 201)}[broken])
    return secret, values


class Comments(OfferedWalks, RuleBasedStateMachine):
    WORKFLOW, UNKNOWN_NUMBER = COMMENTS, UNKNOWN_NUMBER
    """A district's comments, driven by citizens, staff, the oversight job and time."""

    def __init__(self):
        super().__init__()
        self.app = None

    @initialize(start=st.sampled_from(STARTS),
                first=st.lists(submission(careful=True), min_size=1, max_size=3))
    def start(self, start, first):
        self.app, self.clock = build_app(start)
        self.book = Book(self.app, COMMENTS, self.check_event, self.check_state)
        self.oversight = OversightDriver(self.app, COMMENTS)
        self.secret, self.code, self.email, self.sent = {}, {}, {}, []
        self.steps = 0
        for secret, values in first:
            self._submit(secret, values)

    # --- the citizen ---------------------------------------------------------------------

    @rule(data=st.data(), submitted=submission())
    def submit(self, data, submitted):
        """A new comment, or the same form sent again (a double click, a retry: folded
        into the first within the window)."""
        if self.sent and data.draw(st.integers(0, 3), label="again") == 0:
            submitted = pick(data, self.sent, "resubmitted")
        self._submit(*submitted)

    def _submit(self, secret, values):
        position = last_position(self.app)
        receipt, error = self.run(lambda: self.app.submit_comment(**values))
        if error is not None:
            return
        self.sent.append((secret, values))
        no = receipt["tracking_no"]
        assert no.startswith(TRACKING_PREFIX) and len(no) == 16
        if receipt["duplicate"]:
            assert values.get("client") and no in self.book.hand
            assert last_position(self.app) == position, "a folded repeat records nothing"
            first = self.book.hand[no]
            assert first.fingerprint is not None
            if getattr(first, "code_reset_at", None) is None:
                # the same receipt comes back: its code opens the comment
                assert self.app.comment_for_citizen(no, receipt["query_code"]).id == first.id
            return
        assert no not in self.book.hand
        self.secret[no], self.code[no] = secret, receipt["query_code"]
        self.email[no] = values.get("email")
        self.book.add(no)
        comment = self.book.hand[no]
        assert comment.status == Status.SUBMITTED and comment.submitted_at == self.clock.now
        assert self.app.comment_for_citizen(no, receipt["query_code"]).id == comment_id(no)

    @rule(data=st.data(), level=st.sampled_from((*RATINGS, "不满意", "非常不满意", "一般般")),
          right=st.booleans())
    def citizen(self, data, level, right):
        """The citizen rates the reply (with the right or a wrong query code), or asks for
        a new code (to the e-mail they gave, or another)."""
        replied = [n for n, c in self.book.hand.items() if c.status == Status.REPLIED]
        if replied and data.draw(st.booleans(), label="a replied one"):
            no = pick(data, replied, "number")
        else:
            no = pick(data, self.book.numbers(), "number")
        if data.draw(st.integers(0, 2), label="rates") > 0:
            code = self.code[no] if right else "WRONGCODE2"
            _, error = self.run(lambda: self.app.rate_reply(no, code, level, "评价" * 300),
                                target=no, records=True)
            tally("rate: " + ("ok" if error is None else type(error).__name__))
            if not right:
                assert isinstance(error, AuthenticationError)
            return
        email = (self.email[no] or "") if right else "someone@else.com"
        self.run(lambda: self.app.recover_query_code(no, email.upper()), target=no)
        events = list(self.app.events.get(comment_id(no)))
        if type(events[-1]).__name__ == "QueryCodeReset":
            self.code[no] = self.app.recovered_query_code(no, events[-1].originator_version)

    # --- staff ---------------------------------------------------------------------------

    def after_offered(self, data, no) -> None:
        if self.book.hand[no].status == Status.REPLIED and data.draw(st.booleans(), "rated"):
            level = pick(data, RATINGS, "rating")  # the citizen's turn
            self.run(lambda: self.app.rate_reply(no, self.code[no], level), target=no,
                     records=True)

    def _act(self, data, no, actor, action, careful):
        values = {}
        if action != "fly":
            secret = self.secret.get(no)
            text = text_with(secret, 400, True) if careful else maybe_bad_text(secret, 400, True)
            overrides = {"department": st.sampled_from(
                             (OWN, OTHER, THIRD) if careful
                             else (OWN, OTHER, THIRD, UNKNOWN_DEPARTMENT, "")),
                         "content": text}
            if action == "reject":
                overrides["reason"] = st.sampled_from(
                    tuple(REJECT_REASONS) if careful else (*REJECT_REASONS, "bogus", ""))
            values = data.draw(action_inputs(COMMENTS.action(action), overrides, secret,
                                             careful), label="inputs")
        _, error = self.run(lambda: self.app.act("comments", no, action, actor, **values),
                            target=no, records=True)
        tally(f"{action}: " + ("ok" if error is None else type(error).__name__))
        if no == UNKNOWN_NUMBER or action == "fly":
            assert error is not None

    # --- the oversight job and time ---------------------------------------------------------

    @rule(data=st.data(), stale_ok=st.booleans())
    def oversight_job(self, data, stale_ok):
        """The queue read model catches up with one item, or the job runs on what it
        knows (possibly stale: the store then refuses the batch and the items decide)."""
        if not self.oversight.seen or data.draw(st.booleans(), label="catch up"):
            if data.draw(st.booleans(), label="with every item"):
                for comment in self.book.hand.values():
                    self.oversight.project(comment)
            else:
                no = pick(data, self.book.numbers(), "number")
                self.oversight.project(self.book.hand[no])
        else:
            self.run(lambda: self.oversight.run(stale_ok), target=None, many=True)

    @rule(hours=HOURS)
    def time_passes(self, hours):
        self.clock.advance(hours=hours)

    # --- checking ------------------------------------------------------------------------

    def run(self, command, target=UNKNOWN_NUMBER, many=False, records=False):
        """Run a command; a refused one stores nothing, a successful one changes only the
        item it names (the oversight job: any), and a staff action or rating records at
        least one event."""
        position = last_position(self.app)
        result, error = attempt(command)
        recorded = notifications_since(self.app, position)
        if error is not None:
            assert not recorded, f"{type(error).__name__} but {len(recorded)} events stored"
        elif not many and target is not None and target != UNKNOWN_NUMBER:
            assert {n.originator_id for n in recorded} <= {comment_id(target)}
            assert recorded or not records, "a successful command recorded nothing"
        returned = {}
        if hasattr(result, "tracking_no") and error is None:
            returned[result.tracking_no] = result
        self.book.sync(returned)
        return result, error

    def check_event(self, before, event):
        """Each new event, with the state it applies to."""
        name = type(event).__name__
        if before is None:
            assert name == "Submitted"
            secret = self.secret.get(event.tracking_no)
            if secret is not None:
                assert not leaked(secret, published_texts(event.public_title,
                                                          event.public_content), event.contact)
            return
        if before.status == Status.CLOSED:
            assert name in AFTER_CLOSED, f"{name} on a closed comment"
        if before.status == Status.REJECTED:
            assert name in AFTER_REJECTED, f"{name} on a rejected comment"
        self.oversight.check_event(before, event, OPEN_STATES)
        if name in ("Reminded", "Supervised"):
            tally(f"oversight: {name}")
        if name == "ReplyPublished":
            assert before.status == Status.DRAFTED and event.content == before.draft
            if OFFICIAL_NUMBER in before.draft:
                assert OFFICIAL_NUMBER in event.public_content, "the official number is kept"
        if name == "Rated":
            assert before.status == Status.REPLIED and before.rating is None

    def check_state(self, no, c, events):
        assert c.status in STATUS_LABELS
        tally(f"reached {c.status} (round {min(c.round, 3)})")
        assert c.number == c.tracking_no == no and c.id == comment_id(no)
        assert c.round == 1 + sum(type(e).__name__ == "Reopened" for e in events)
        # Deadlines: set at acceptance, after the acceptance date, on a working day.
        if c.status in (Status.SUBMITTED, Status.REJECTED):
            assert c.accepted_at is None and c.due_date is None
        else:
            assert c.accepted_at is not None and c.due_date is not None
            assert c.due_date > self.app.local_date(c.accepted_at)
            assert CALENDAR.is_workday(c.due_date)
        if c.status == Status.REJECTED:
            assert c.reject_reason in REJECT_REASONS
        # Who holds it.
        if c.status == Status.ACCEPTED:
            assert c.department is None and c.draft is None
        if c.status in ANSWERING:
            assert c.department is not None
        if c.status == Status.DRAFTED:
            assert c.draft and c.draft_department == c.department
        # A replied or closed comment has a published reply (kept through a reopening).
        if c.status in (Status.REPLIED, Status.CLOSED):
            assert c.replied_at is not None
        if c.replied_at is not None:
            assert c.reply and c.reply_department and c.public_reply is not None
        assert (c.status == Status.CLOSED) == (c.closed_at is not None)
        assert c.rating is None or c.rating in RATINGS
        # Extension: once per round, decided only while pending.
        assert c.extension in EXTENSIONS
        if c.extension == "requested":
            assert c.status in OPEN_STATES
        if c.extension is not None:
            assert 1 <= c.extension_days <= self.app.policy.max_extension_days
        # Public wording never carries the citizen's phone, ID number, name or e-mail.
        secret = self.secret.get(no)
        if secret is not None:
            found = leaked(secret, published_texts(c.public_title, c.public_content,
                                                   c.public_reply), c.contact)
            assert not found, f"published personal data: {found}"
        # Oversight: at most once per due date, counted.
        assert c.reminders == sum(type(e).__name__ == "Reminded" for e in events)



Comments.TestCase.settings = property_settings(examples=30, steps=30)
TestComments = Comments.TestCase

