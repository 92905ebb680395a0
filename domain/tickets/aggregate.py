"""The 12345 hotline ticket (市民热线工单): intake, dispatch, handling, callback, publication."""

from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from ..errors import IllegalTransitionError, InvalidValueError
from ..masking import mask_personal_data, masker
from ..oversight import Overseen
from ..reference import (AREAS, BAD_RATINGS, CATEGORIES, RATINGS, TICKET_CHANNELS, TICKET_KINDS,
                         URGENCIES)
from ..topics import pin_topics
from .states import CO_ANSWERED, CO_PENDING, CO_RELEASED, STATUS_LABELS, Status

MAX_TITLE, MAX_CONTENT, MAX_REPLY, MAX_ADDRESS = 100, 3000, 5000, 200


def ticket_id(ticket_no: str) -> UUID:
    """The aggregate id that belongs to a ticket number (one number, one ticket)."""
    return uuid5(NAMESPACE_URL, f"minyi:ticket:{ticket_no}")


def _text(value: str, limit: int, label: str, field: str) -> None:
    if not value.strip() or len(value) > limit:
        raise InvalidValueError(f"{label}不能为空且不超过{limit}字", field=field)


@pin_topics("tickets")
class Ticket(Overseen):
    """A call (or message) to the 12345 hotline, from intake to callback."""

    @staticmethod
    def create_id(ticket_no: str, **_) -> UUID:
        return ticket_id(ticket_no)

    @classmethod
    def register(cls, *, title: str, content: str, **values) -> "Ticket":
        """A new ticket; the public wording (personal data masked) is decided here, once."""
        cls.validate(title=title, content=content, **values)
        mask = masker(known=tuple((values.get("contact") or {}).values()))
        return cls(title=title, content=content, public_title=mask(title),
                   public_content=mask(content), **values)

    @staticmethod
    def validate(*, title: str, content: str, channel: str, area: str, category: str,
                 kind: str, urgency: str, address: str = "", categories: tuple = (),
                 **_) -> None:
        """Domain rules for a new ticket, checked before anything is stored."""
        _text(title, MAX_TITLE, "标题", "title")
        _text(content, MAX_CONTENT, "诉求内容", "content")
        for value, allowed, field, label in (
                (channel, TICKET_CHANNELS, "channel", "渠道"), (area, AREAS, "area", "镇街"),
                (category, categories or CATEGORIES, "category", "分类"), (kind, TICKET_KINDS, "kind", "诉求类型"),
                (urgency, URGENCIES, "urgency", "紧急程度")):
            if value not in allowed:
                raise InvalidValueError(f"未知的{label}：{value}", field=field)
        if len(address) > MAX_ADDRESS:
            raise InvalidValueError(f"详细地址不超过{MAX_ADDRESS}字", field="address")

    @event("Registered")
    def __init__(self, ticket_no: str, channel: str, contact: dict, area: str, address: str,
                 category: str, kind: str, urgency: str, title: str, content: str,
                 public_title: str, public_content: str, publish: bool, due_date: date,
                 due_at: datetime, actor: str, at: datetime):
        self.ticket_no, self.channel, self.contact = ticket_no, channel, contact
        self.area, self.address = area, address
        self.category, self.kind, self.urgency = category, kind, urgency
        self.title, self.content = title, content
        self.public_title, self.public_content = public_title, public_content
        self.publish = publish
        self.registered_at = at
        self.due_date, self.due_at = due_date, due_at
        self.status = Status.REGISTERED
        self.department: str | None = None
        self.co: dict[str, str] = {}  # department -> pending / answered / released
        self.signed_at: datetime | None = None
        self.reply: str | None = None
        self.public_reply: str | None = None
        self.reply_department: str | None = None
        self.resolved_at: datetime | None = None
        self.callbacks = 0
        self.rating: str | None = None
        self.round = 1
        # None, "requested", "granted", "declined", or "lapsed": still pending when the
        # ticket was answered. A reopening starts a new round with no request.
        self.extension: str | None = None
        self.extension_days = 0
        self.published = False
        self.withheld = False
        self.closed_at: datetime | None = None

    # --- what other code asks ----------------------------------------------------------

    @property
    def number(self) -> str:
        return self.ticket_no

    @property
    def involved_departments(self) -> tuple:
        return tuple(d for d in (self.department, *self.co) if d)

    @property
    def pending_co(self) -> tuple:
        return tuple(d for d, state in self.co.items() if state == CO_PENDING)

    def _require(self, action: str, *states: str) -> None:
        if self.status not in states:
            raise IllegalTransitionError(
                f"当前状态为“{STATUS_LABELS[self.status]}”，不能{action}",
                status=self.status, action=action)

    # --- routing -----------------------------------------------------------------------

    def dispatch(self, *, department: str, co_departments: list, actor: str,
                 at: datetime) -> None:
        """派单 to a lead department, with co-handling departments (会办) if any."""
        self._require("派单", Status.REGISTERED)
        co = list(dict.fromkeys(d for d in co_departments if d != department))
        self._dispatched(department=department, co_departments=co, actor=actor, at=at)

    @event("Dispatched")
    def _dispatched(self, department: str, co_departments: list, actor: str,
                    at: datetime) -> None:
        self.status, self.department = Status.DISPATCHED, department
        self.co = {d: CO_PENDING for d in co_departments}

    def sign(self, *, actor: str, at: datetime) -> None:
        """签收 by the lead department: it now owns the ticket."""
        self._require("签收", Status.DISPATCHED)
        self._signed(department=self.department, actor=actor, at=at)

    @event("Signed")
    def _signed(self, department: str, actor: str, at: datetime) -> None:
        self.status, self.signed_at = Status.HANDLING, at

    def return_to_operator(self, *, reason: str, actor: str, at: datetime) -> None:
        """退单: not this department's business; the operator dispatches again."""
        self._require("退单", Status.DISPATCHED, Status.HANDLING)
        if not reason.strip():
            raise InvalidValueError("退单须说明理由", field="reason")
        self._returned(department=self.department, reason=reason, actor=actor, at=at)

    @event("Returned")
    def _returned(self, department: str, reason: str, actor: str, at: datetime) -> None:
        self.status, self.department, self.co, self.signed_at = (
            Status.REGISTERED, None, {}, None)

    def transfer(self, *, department: str, reason: str, actor: str, at: datetime) -> None:
        """转办 to another lead department, which must sign for it; the clock runs on."""
        self._require("转办", Status.DISPATCHED, Status.HANDLING)
        if department == self.department:
            raise InvalidValueError("转办单位与当前承办单位相同", field="department")
        self._transferred(from_department=self.department, department=department,
                          reason=reason, actor=actor, at=at)

    @event("Transferred")
    def _transferred(self, from_department: str, department: str, reason: str, actor: str,
                     at: datetime) -> None:
        self.status, self.department, self.signed_at = Status.DISPATCHED, department, None
        self.co.pop(department, None)

    # --- co-handling -------------------------------------------------------------------

    def co_reply(self, *, department: str, opinion: str, actor: str, at: datetime) -> None:
        """A co-handling department gives its opinion (会办意见)."""
        self._require("提交会办意见", Status.DISPATCHED, Status.HANDLING)
        if self.co.get(department) != CO_PENDING:
            raise IllegalTransitionError(f"{department}没有待提交的会办意见", action="会办")
        _text(opinion, MAX_REPLY, "会办意见", "opinion")
        self._co_replied(department=department, opinion=opinion, actor=actor, at=at)

    @event("CoReplied")
    def _co_replied(self, department: str, opinion: str, actor: str, at: datetime) -> None:
        self.co[department] = CO_ANSWERED

    def release_co(self, *, department: str, reason: str, actor: str, at: datetime) -> None:
        """Release a co-handling department that has not answered."""
        self._require("解除会办", Status.DISPATCHED, Status.HANDLING)
        if self.co.get(department) != CO_PENDING:
            raise IllegalTransitionError(f"{department}不是待答复的会办单位", action="解除会办")
        self._co_released(department=department, reason=reason, actor=actor, at=at)

    @event("CoReleased")
    def _co_released(self, department: str, reason: str, actor: str, at: datetime) -> None:
        self.co[department] = CO_RELEASED

    # --- extension ---------------------------------------------------------------------

    def request_extension(self, *, days: int, reason: str, today: date, actor: str,
                          at: datetime) -> None:
        """The lead department asks once, before expiry, for more working days."""
        self._require("申请延期", Status.HANDLING)
        if self.extension is not None:
            raise IllegalTransitionError("每件工单只能申请一次延期", action="申请延期")
        if today > self.due_date:
            raise IllegalTransitionError("已超期，不能再申请延期", action="申请延期")
        if days < 1 or not reason.strip():
            raise InvalidValueError("须填写延期天数和理由", field="days")
        self._extension_requested(days=days, reason=reason, actor=actor, at=at)

    @event("ExtensionRequested")
    def _extension_requested(self, days: int, reason: str, actor: str, at: datetime) -> None:
        self.extension, self.extension_days = "requested", days

    def grant_extension(self, *, due_date: date, due_at: datetime, today: date, actor: str,
                        at: datetime) -> None:
        """A supervisor grants the extension, before the due date has passed."""
        self._check_pending_extension("批准延期", today)
        self._extension_granted(due_date=due_date, due_at=due_at, actor=actor, at=at)

    @event("ExtensionGranted")
    def _extension_granted(self, due_date: date, due_at: datetime, actor: str,
                           at: datetime) -> None:
        self.extension, self.due_date, self.due_at = "granted", due_date, due_at

    def decline_extension(self, *, reason: str, today: date, actor: str, at: datetime) -> None:
        """A supervisor declines; the old due date stands."""
        self._check_pending_extension("不予延期", today)
        self._extension_declined(reason=reason, actor=actor, at=at)

    @event("ExtensionDeclined")
    def _extension_declined(self, reason: str, actor: str, at: datetime) -> None:
        self.extension = "declined"

    def _check_pending_extension(self, action: str, today: date) -> None:
        if self.extension != "requested" or self.status != Status.HANDLING:
            raise IllegalTransitionError("没有待审批的延期申请", action=action)
        if today > self.due_date:
            raise IllegalTransitionError("已过办理时限，延期申请须在到期前审批", action=action)

    # --- answers -----------------------------------------------------------------------

    def resolve(self, *, reply: str, actor: str, at: datetime, keep: tuple = ()) -> None:
        """办结 by the lead department with its reply, once every co-handler has answered."""
        self._require("办结", Status.HANDLING)
        if self.pending_co:
            raise IllegalTransitionError(
                f"会办单位尚未答复：{'、'.join(self.pending_co)}", action="办结")
        _text(reply, MAX_REPLY, "答复内容", "reply")
        self._resolved(reply=reply, public_reply=self.public_wording(reply, keep),
                       department=self.department, actor=actor, at=at)

    def resolve_on_spot(self, *, reply: str, department: str, actor: str, at: datetime,
                        keep: tuple = ()) -> None:
        """直接办结: the operator answers during the call."""
        self._require("直接办结", Status.REGISTERED)
        _text(reply, MAX_REPLY, "答复内容", "reply")
        self._resolved(reply=reply, public_reply=self.public_wording(reply, keep),
                       department=department, actor=actor, at=at)

    @event("Resolved")
    def _resolved(self, reply: str, public_reply: str, department: str, actor: str,
                  at: datetime) -> None:
        self.status, self.resolved_at = Status.RESOLVED, at
        self.reply, self.public_reply, self.reply_department = reply, public_reply, department
        # Answered before a decision on the extension: the request lapses. Derived here, not
        # stored in the event, so every Resolved ever recorded replays so.
        if self.extension == "requested":
            self.extension = "lapsed"

    def call_back(self, *, reached: bool, resolved: bool | None, rating: str | None,
                  remark: str, actor: str, at: datetime) -> bool:
        """回访; returns whether the answer stands (reached, resolved and not a 差评)."""
        self._require("回访", Status.RESOLVED)
        if rating is not None and rating not in RATINGS:
            raise InvalidValueError(f"未知的评价等级：{rating}", field="rating")
        if reached and resolved is None:
            raise InvalidValueError("接通后须记录是否解决", field="resolved")
        if not reached:
            resolved, rating = None, None
        self._called_back(reached=reached, resolved=resolved, rating=rating, remark=remark,
                          actor=actor, at=at)
        return reached and bool(resolved) and rating not in BAD_RATINGS

    @event("CalledBack")
    def _called_back(self, reached: bool, resolved: bool | None, rating: str | None,
                     remark: str, actor: str, at: datetime) -> None:
        self.callbacks += 1
        if reached:
            self.rating = rating

    def reopen(self, *, reason: str, due_date: date, due_at: datetime, actor: str,
               at: datetime) -> None:
        """重办: back to the lead department with a fresh clock; the history stays."""
        self._require("重办", Status.RESOLVED, Status.CLOSED)
        department = self.department or self.reply_department
        self._reopened(reason=reason, department=department, due_date=due_date,
                       due_at=due_at, actor=actor, at=at)

    @event("Reopened")
    def _reopened(self, reason: str, department: str, due_date: date, due_at: datetime,
                  actor: str, at: datetime) -> None:
        self.status, self.department = Status.HANDLING, department
        self.due_date, self.due_at, self.round = due_date, due_at, self.round + 1
        self.extension, self.closed_at = None, None

    def close(self, *, note: str, satisfied: bool, actor: str, at: datetime) -> None:
        """办结归档 after the callback (or when the caller cannot be reached)."""
        self._require("办结归档", Status.RESOLVED)
        self._closed(note=note, satisfied=satisfied, actor=actor, at=at)

    @event("Closed")
    def _closed(self, note: str, satisfied: bool, actor: str, at: datetime) -> None:
        self.status, self.closed_at = Status.CLOSED, at

    # --- publication -------------------------------------------------------------------

    def public_wording(self, text: str, keep: tuple = ()) -> str:
        """`text` as it would be published: the caller's contact details masked wherever
        they appear, the departments' official numbers (`keep`) left as they are."""
        return mask_personal_data(text, known=tuple((self.contact or {}).values()), keep=keep)

    def publish_reply(self, *, title: str, content: str, reply: str, actor: str,
                      at: datetime, keep: tuple = ()) -> None:
        """A reviewer approves the public wording; only with the caller's consent."""
        if not self.publish:
            raise IllegalTransitionError("来电人不同意公开", action="公开")
        if self.reply is None:
            raise IllegalTransitionError("尚未答复，不能公开", action="公开")
        # Reopened (重办): the answer being reworked is not the one to publish.
        self._require("公开", Status.RESOLVED, Status.CLOSED)
        for value, limit, label, field in ((title, MAX_TITLE, "公开标题", "title"),
                                           (content, MAX_CONTENT, "公开内容", "content"),
                                           (reply, MAX_REPLY, "公开答复", "reply")):
            _text(value, limit, label, field)
        self._published(title=self.public_wording(title), content=self.public_wording(content),
                        reply=self.public_wording(reply, keep), department=self.reply_department,
                        replied_at=self.resolved_at, actor=actor, at=at)

    @event("Published")
    def _published(self, title: str, content: str, reply: str, department: str,
                   replied_at: datetime, actor: str, at: datetime) -> None:
        self.public_title, self.public_content, self.public_reply = title, content, reply
        self.published, self.withheld = True, False

    def withhold(self, *, reason: str, actor: str, at: datetime) -> None:
        """不予公开: the ticket leaves the public listing."""
        if self.withheld:
            raise IllegalTransitionError("该工单已设为不予公开", action="不予公开")
        if not reason.strip():
            raise InvalidValueError("须说明不予公开的理由", field="reason")
        self._withheld(reason=reason, actor=actor, at=at)

    @event("Withheld")
    def _withheld(self, reason: str, actor: str, at: datetime) -> None:
        self.published, self.withheld = False, True
