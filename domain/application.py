"""The minyi application service: commands of a few lines each, queries as dicts."""

import hashlib
import hmac
import secrets
from datetime import date, datetime, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from .actors import CITIZEN_ACTOR, Actor
from .comment import Comment, comment_id
from .deadlines import DeadlinePolicy, WorkingCalendar, add_working_days
from .directory import Department, StaffAccount, department_id, staff_id
from .errors import (AuthenticationError, ConflictError, InvalidValueError,
                     NotFoundError)
from .status import EVENT_LABELS

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_PREFIX = "LY"


class DateAsISO(Transcoding):
    """Dates (not datetimes) in events, as ISO strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Minyi(Application):
    """Portal comments, departments and staff in one event-sourced application."""

    name = "minyi"

    def __init__(self, env=None, *, calendar: WorkingCalendar, clock: Callable[[], datetime] = utc_now,
                 policy: DeadlinePolicy | None = None, timezone_name: str = "Asia/Shanghai",
                 query_code_key: bytes = b"", on_saved: Callable[[list], None] | None = None):
        super().__init__(env)
        self.calendar, self.clock = calendar, clock
        self.policy = policy or DeadlinePolicy()
        self.tz = ZoneInfo(timezone_name)
        self.query_code_key = query_code_key
        self.on_saved = on_saved

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def save(self, *objs, **kwargs):
        """Save atomically, then tell the projections (never failing the command)."""
        try:
            recordings = super().save(*objs, **kwargs)
        except IntegrityError as e:
            raise ConflictError("该事项已被他人修改，请刷新后重试") from e
        if self.on_saved is not None and recordings:
            self.on_saved(recordings)
        return recordings

    def today(self) -> date:
        return self.clock().astimezone(self.tz).date()

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    # --- citizen commands ----------------------------------------------------

    def submit_comment(self, *, title: str, content: str, kind: str, category: str,
                       department: str | None = None, name: str | None = None,
                       phone: str | None = None, email: str | None = None,
                       publish: bool = True, channel: str = "portal") -> dict:
        """Record a new comment; returns its tracking number and one-time query code."""
        Comment.validate_submission(title, content, kind, category)
        if department:
            self.require_department(department)
        code = "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(10))
        contact = {k: v for k, v in (("name", name), ("phone", phone), ("email", email)) if v}
        now = self.clock()
        for _ in range(5):
            tracking_no = self._new_tracking_no(now)
            comment = Comment(
                tracking_no=tracking_no, title=title, content=content, kind=kind,
                category=category, requested_department=department or None, contact=contact,
                publish=publish, query_code_hash=self._hash_code(tracking_no, code),
                channel=channel, actor=CITIZEN_ACTOR.id, at=now)
            try:
                self.save(comment)
            except ConflictError:
                continue  # tracking number collision: draw another
            return {"tracking_no": tracking_no, "query_code": code, "submitted_at": now}
        raise ConflictError("暂时无法生成受理编号，请重试")

    def _new_tracking_no(self, now: datetime) -> str:
        return f"{TRACKING_PREFIX}{self.local_date(now):%Y%m%d}{secrets.randbelow(10**6):06d}"

    def _hash_code(self, tracking_no: str, code: str) -> str:
        message = f"{tracking_no}:{code.strip().upper()}".encode()
        return hmac.new(self.query_code_key, message, hashlib.sha256).hexdigest()

    def comment_for_citizen(self, tracking_no: str, query_code: str) -> Comment:
        """The comment, if the query code matches; otherwise an authentication error."""
        comment = self.get_comment(tracking_no)
        if not hmac.compare_digest(comment.query_code_hash,
                                   self._hash_code(tracking_no, query_code or "")):
            raise AuthenticationError("受理编号或查询码不正确")
        return comment

    def rate_reply(self, tracking_no: str, query_code: str, level: str, remark: str = "") -> None:
        """好差评 by the citizen who holds the query code."""
        comment = self.comment_for_citizen(tracking_no, query_code)
        comment.rate(level=level, remark=remark[:500], actor=CITIZEN_ACTOR.id, at=self.clock())
        self.save(comment)

    # --- staff commands ------------------------------------------------------

    def _staff_act(self, tracking_no: str, actor: Actor, roles: tuple, action, *,
                   own_department: bool = False) -> Comment:
        actor.require_role(*roles)
        comment = self.get_comment(tracking_no)
        if own_department:
            actor.require_department(comment.department)
        action(comment, self.clock())
        self.save(comment)
        return comment

    def accept_comment(self, tracking_no: str, actor: Actor) -> Comment:
        """受理; the due date follows from the kind and the working-day calendar."""
        def act(c, now):
            due = self.policy.comment_due(self.calendar, c.kind, self.local_date(now))
            c.accept(due_date=due, actor=actor.id, at=now)
        return self._staff_act(tracking_no, actor, ("reviewer",), act)

    def reject_comment(self, tracking_no: str, actor: Actor, reason: str, note: str = "") -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now: c.reject(
            reason=reason, note=note, actor=actor.id, at=now))

    def dispatch_comment(self, tracking_no: str, actor: Actor, department: str) -> Comment:
        self.require_department(department)
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now: c.dispatch(
            department=department, actor=actor.id, at=now))

    def transfer_comment(self, tracking_no: str, actor: Actor, department: str,
                         reason: str = "") -> Comment:
        self.require_department(department)
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now: c.transfer(
            department=department, reason=reason, actor=actor.id, at=now))

    def return_comment(self, tracking_no: str, actor: Actor, reason: str) -> Comment:
        return self._staff_act(tracking_no, actor, ("handler", "reviewer"), lambda c, now:
                               c.return_to_reviewer(reason=reason, actor=actor.id, at=now),
                               own_department=True)

    def draft_reply(self, tracking_no: str, actor: Actor, content: str) -> Comment:
        return self._staff_act(tracking_no, actor, ("handler", "reviewer"), lambda c, now:
                               c.draft_reply(content=content, actor=actor.id, at=now),
                               own_department=True)

    def send_back_reply(self, tracking_no: str, actor: Actor, reason: str = "") -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now:
                               c.send_back_reply(reason=reason, actor=actor.id, at=now))

    def approve_reply(self, tracking_no: str, actor: Actor) -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now:
                               c.approve_reply(actor=actor.id, at=now))

    def reopen_comment(self, tracking_no: str, actor: Actor, reason: str = "") -> Comment:
        """A verified 差评: back to the department with the rectification deadline."""
        def act(c, now):
            due = self.policy.rectification_due(self.calendar, self.local_date(now))
            c.reopen(reason=reason, due_date=due, actor=actor.id, at=now)
        return self._staff_act(tracking_no, actor, ("reviewer",), act)

    def close_comment(self, tracking_no: str, actor: Actor, note: str = "") -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now:
                               c.close(note=note, actor=actor.id, at=now))

    def withhold_comment(self, tracking_no: str, actor: Actor, reason: str) -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now:
                               c.withhold(reason=reason, actor=actor.id, at=now))

    def release_comment(self, tracking_no: str, actor: Actor) -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now:
                               c.release(actor=actor.id, at=now))

    def redact_comment(self, tracking_no: str, actor: Actor, title: str, content: str) -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now:
                               c.redact(title=title, content=content, actor=actor.id, at=now))

    def request_extension(self, tracking_no: str, actor: Actor, days: int, reason: str) -> Comment:
        if days > self.policy.max_extension_days:
            raise InvalidValueError(f"延期不得超过{self.policy.max_extension_days}个工作日",
                                    field="days")
        return self._staff_act(tracking_no, actor, ("handler", "reviewer"), lambda c, now:
                               c.request_extension(days=days, reason=reason,
                                                   today=self.local_date(now),
                                                   actor=actor.id, at=now),
                               own_department=True)

    def grant_extension(self, tracking_no: str, actor: Actor) -> Comment:
        def act(c, now):
            # Without a pending request the aggregate refuses (IllegalTransitionError).
            due = (add_working_days(self.calendar, c.due_date, c.extension_days)
                   if c.extension == "requested" else c.due_date)
            c.grant_extension(due_date=due, actor=actor.id, at=now)
        return self._staff_act(tracking_no, actor, ("reviewer",), act)

    def decline_extension(self, tracking_no: str, actor: Actor, reason: str = "") -> Comment:
        return self._staff_act(tracking_no, actor, ("reviewer",), lambda c, now:
                               c.decline_extension(reason=reason, actor=actor.id, at=now))

    # --- queries -------------------------------------------------------------

    def get_comment(self, tracking_no: str) -> Comment:
        """The comment aggregate (for the application and its adapters only)."""
        try:
            return self.repository.get(comment_id(str(tracking_no)))
        except (AggregateNotFoundError, ValueError):
            raise NotFoundError(f"未找到受理编号为 {tracking_no} 的留言") from None

    def comment_timeline(self, tracking_no: str) -> list[dict]:
        """Every recorded step of a comment, oldest first, with who and when."""
        events = self.events.get(comment_id(str(tracking_no)))
        timeline = []
        for e in events:
            name = type(e).__name__
            details = {k: v for k, v in e.__dict__.items() if k not in (
                "originator_id", "originator_version", "timestamp", "actor", "at",
                "contact", "query_code_hash", "originator_topic")}
            timeline.append({"event": name, "label": EVENT_LABELS.get(name, name),
                             "actor": e.actor, "at": e.at, "details": details})
        if not timeline:
            raise NotFoundError(f"未找到受理编号为 {tracking_no} 的留言")
        return timeline

    # --- directory -----------------------------------------------------------

    def register_department(self, name: str, actor: Actor) -> Department:
        """Add a department (idempotent callers check `department_exists` first)."""
        actor.require_role("admin")
        name = name.strip()
        if not name or len(name) > 50:
            raise InvalidValueError("单位名称不能为空且不超过50字", field="name")
        if self._exists(department_id(name)):
            raise ConflictError(f"单位已存在：{name}")
        dept = Department(name=name, actor=actor.id, at=self.clock())
        self.save(dept)
        return dept

    def _exists(self, aggregate_id) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def department_exists(self, name: str) -> bool:
        try:
            return self.repository.get(department_id(name)).active
        except AggregateNotFoundError:
            return False

    def require_department(self, name: str) -> None:
        if not self.department_exists(name):
            raise InvalidValueError(f"未知的单位：{name}", field="department")

    def register_staff(self, *, username: str, display_name: str, password_hash: str,
                       roles: list, department: str | None, actor: Actor) -> StaffAccount:
        """Create a staff account (admins only)."""
        actor.require_role("admin")
        StaffAccount.validate(username, roles, department)
        if department:
            self.require_department(department)
        if self._exists(staff_id(username)):
            raise ConflictError(f"账号已存在：{username}")
        account = StaffAccount(username=username, display_name=display_name or username,
                               password_hash=password_hash, roles=list(roles),
                               department=department or None, actor=actor.id, at=self.clock())
        self.save(account)
        return account

    def get_staff(self, username: str) -> StaffAccount:
        try:
            return self.repository.get(staff_id(username))
        except (AggregateNotFoundError, ValueError):
            raise NotFoundError(f"未找到账号 {username}") from None

    def set_staff_password(self, username: str, password_hash: str, actor: Actor) -> None:
        actor.require_role("admin")
        account = self.get_staff(username)
        account.change_password(password_hash=password_hash, actor=actor.id, at=self.clock())
        self.save(account)
