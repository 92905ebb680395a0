"""The public-opinion incident (政务舆情事件): a level, linked items, and two tracks —
handling (处置) by one department and public response (回应) by another — arranged
together, carried out together and closed together (同步安排、同步实施、同步落实)."""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ..errors import IllegalTransitionError, InvalidValueError
from ..topics import pin_topics
from .states import LEVELS, STATEMENTS, STATUS_LABELS, Status

MAX_TITLE, MAX_TEXT, MAX_REASON = 100, 3000, 500
ITEM_KINDS = ("comments", "tickets")


def incident_id(incident_no: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:incident:{incident_no}")


def _text(value: str, limit: int, label: str, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise InvalidValueError(f"{label}不能为空且不超过{limit}字", field=field)
    return value


@pin_topics("incidents")
class Incident(Aggregate):
    """An incident, opened by the escalation process or by the opinion team."""

    # A large incident links thousands of items: the application keeps a snapshot every
    # so many events, so loading one replays at most that many. A snapshot holds the state
    # as it was: an attribute added later needs a class-level default here.
    snapshot_every = 100

    @staticmethod
    def create_id(incident_no: str, **_) -> UUID:
        return incident_id(incident_no)

    @classmethod
    def open(cls, *, incident_no: str, title: str, topic: str | None, area: str | None,
             level: str, reasons: list, source: str, actor: str, at: datetime) -> "Incident":
        if level not in LEVELS:
            raise InvalidValueError(f"未知的舆情等级：{level}", field="level")
        return cls(incident_no=incident_no, title=_text(title, MAX_TITLE, "标题", "title"),
                   topic=topic, area=area, level=level, reasons=list(reasons), source=source,
                   actor=actor, at=at)

    @event("Opened")
    def __init__(self, incident_no: str, title: str, topic: str | None, area: str | None,
                 level: str, reasons: list, source: str, actor: str, at: datetime):
        self.incident_no, self.title = incident_no, title
        self.topic, self.area, self.level = topic, area, level
        self.reasons, self.source = list(reasons), source
        self.status, self.opened_at = Status.OPEN, at
        self.handling_department: str | None = None
        self.response_department: str | None = None
        self.handling: list[dict] = []
        self.statements: list[dict] = []
        self.links: dict[str, dict] = {}
        self.closed_at: datetime | None = None
        self.summary: str | None = None

    # Plain class attribute (no annotation: the library would make it a constructor argument).
    warnings = frozenset()  # the clock warnings recorded

    # --- what the spine reads ---------------------------------------------------------

    @property
    def number(self) -> str:
        return self.incident_no

    @property
    def department(self) -> str | None:
        return self.handling_department

    @property
    def due_date(self):
        return None  # the clocks run in hours (clocks.py), not by a due date

    @property
    def involved_departments(self) -> tuple:
        """Handlers of these departments see the incident: its two owners, and the
        departments of the items linked to it."""
        found = [self.handling_department, self.response_department,
                 *(link["department"] for link in self.links.values())]
        return tuple(dict.fromkeys(d for d in found if d))

    @property
    def handling_done(self) -> bool:
        return any(update["completed"] for update in self.handling)

    @property
    def response_done(self) -> bool:
        return any(statement["completed"] for statement in self.statements)

    def _require(self, action: str, *states: str) -> None:
        if self.status not in states:
            raise IllegalTransitionError(
                f"当前状态为“{STATUS_LABELS[self.status]}”，不能{action}",
                status=self.status, action=action)

    # --- level ------------------------------------------------------------------------

    def set_level(self, *, level: str, reason: str, actor: str, at: datetime) -> None:
        """定级 / 调整等级, with the reason."""
        self._require("调整等级", Status.OPEN, Status.HANDLING)
        if level not in LEVELS:
            raise InvalidValueError(f"未知的舆情等级：{level}", field="level")
        if level == self.level:
            raise InvalidValueError("等级未变化", field="level")
        self._level_set(level=level, previous=self.level,
                        reason=_text(reason, MAX_REASON, "调整理由", "reason"),
                        actor=actor, at=at)

    @event("LevelSet")
    def _level_set(self, level: str, previous: str, reason: str, actor: str,
                   at: datetime) -> None:
        self.level = level

    # --- the two owners, together -------------------------------------------------------

    def assign(self, *, handling_department: str, response_department: str, actor: str,
               at: datetime) -> None:
        """同步安排: a handling owner and a response owner, always both."""
        self._require("安排", Status.OPEN, Status.HANDLING)
        if not handling_department or not response_department:
            raise InvalidValueError("须同时指定处置单位和回应单位", field="handling_department")
        self._assigned(handling_department=handling_department,
                       response_department=response_department, actor=actor, at=at)

    @event("Assigned")
    def _assigned(self, handling_department: str, response_department: str, actor: str,
                  at: datetime) -> None:
        self.handling_department = handling_department
        self.response_department = response_department
        self.status = Status.HANDLING

    # --- the two tracks ---------------------------------------------------------------

    def update_handling(self, *, text: str, completed: bool, actor: str, at: datetime) -> None:
        self._require("报送处置进展", Status.HANDLING)
        self._handling_updated(text=_text(text, MAX_TEXT, "处置进展", "text"),
                               completed=bool(completed), actor=actor, at=at)

    @event("HandlingUpdated")
    def _handling_updated(self, text: str, completed: bool, actor: str, at: datetime) -> None:
        self.handling.append({"text": text, "completed": completed, "actor": actor, "at": at})

    def state_response(self, *, kind: str, text: str, channel: str, completed: bool,
                       actor: str, at: datetime) -> None:
        self._require("发布回应", Status.HANDLING)
        if kind not in STATEMENTS:
            raise InvalidValueError(f"未知的回应方式：{kind}", field="statement")
        self._response_stated(kind=kind, text=_text(text, MAX_TEXT, "回应内容", "text"),
                              channel=(channel or "").strip()[:100],
                              completed=bool(completed), actor=actor, at=at)

    @event("ResponseStated")
    def _response_stated(self, kind: str, text: str, channel: str, completed: bool,
                         actor: str, at: datetime) -> None:
        self.statements.append({"kind": kind, "text": text, "channel": channel,
                                "completed": completed, "actor": actor, "at": at})

    # --- linked items -----------------------------------------------------------------

    @staticmethod
    def link_key(item_kind: str, number: str) -> str:
        return f"{item_kind}:{number}"

    def link(self, *, item_kind: str, number: str, department: str | None, actor: str,
             at: datetime) -> bool:
        """Link an item; False (and nothing recorded) if it is linked already, so that the
        escalation process may link the same item again without effect."""
        self._require("关联事项", Status.OPEN, Status.HANDLING)
        if item_kind not in ITEM_KINDS:
            raise InvalidValueError(f"未知的事项类型：{item_kind}", field="item_kind")
        if self.link_key(item_kind, number) in self.links:
            return False
        self._linked(item_kind=item_kind, number=number, department=department, actor=actor,
                     at=at)
        return True

    @event("Linked")
    def _linked(self, item_kind: str, number: str, department: str | None, actor: str,
                at: datetime) -> None:
        self.links[self.link_key(item_kind, number)] = {
            "item_kind": item_kind, "number": number, "department": department, "at": at}

    def unlink(self, *, item_kind: str, number: str, reason: str, actor: str,
               at: datetime) -> None:
        self._require("取消关联", Status.OPEN, Status.HANDLING)
        if self.link_key(item_kind, number) not in self.links:
            raise InvalidValueError("该事项未关联本事件", field="item_no")
        self._unlinked(item_kind=item_kind, number=number,
                       reason=_text(reason, MAX_REASON, "取消理由", "reason"), actor=actor,
                       at=at)

    @event("Unlinked")
    def _unlinked(self, item_kind: str, number: str, reason: str, actor: str,
                  at: datetime) -> None:
        self.links.pop(self.link_key(item_kind, number), None)

    # --- clock warnings (the oversight job) ------------------------------------------------

    def warn_clock(self, *, clock: str, stage: str, due_at: datetime, actor: str,
                   at: datetime) -> bool:
        """Record that a clock is about to run out ("due_soon") or has ("missed"), once per
        clock, stage and due moment; False if it was recorded already."""
        key = f"{clock}:{stage}:{due_at.isoformat()}"
        if self.status == Status.CLOSED or key in self.warnings:
            return False
        self._clock_warned(clock=clock, stage=stage, due_at=due_at, actor=actor, at=at)
        return True

    @event("ClockWarned")
    def _clock_warned(self, clock: str, stage: str, due_at: datetime, actor: str,
                      at: datetime) -> None:
        self.warnings = {*self.warnings, f"{clock}:{stage}:{due_at.isoformat()}"}

    # --- closing ----------------------------------------------------------------------

    def close(self, *, summary: str, actor: str, at: datetime) -> None:
        """同步落实: only when handling and response are both complete."""
        self._require("办结", Status.HANDLING)
        missing = [label for done, label in ((self.handling_done, "处置"),
                                             (self.response_done, "回应")) if not done]
        if missing:
            raise IllegalTransitionError(f"{'、'.join(missing)}尚未完成，不能办结",
                                         status=self.status, action="办结")
        self._closed(summary=_text(summary, MAX_TEXT, "办结总结", "summary"), actor=actor,
                     at=at)

    @event("Closed")
    def _closed(self, summary: str, actor: str, at: datetime) -> None:
        self.status, self.closed_at, self.summary = Status.CLOSED, at, summary
