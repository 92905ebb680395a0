"""Departments and staff accounts: who may act, and for which department."""

import re
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .errors import ConflictError, InvalidValueError, NotFoundError
from .reference import ROLES
from .topics import pin_topics


def department_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:department:{name}")


def staff_id(username: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:staff:{username}")


EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")


def clean_email(email: str | None, field: str = "email") -> str | None:
    """A work e-mail address, trimmed; "" or None clears it."""
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise InvalidValueError("电子邮箱格式不正确", field=field)
    return email


@pin_topics("directory", legacy_module="domain.directory")
class Department(Aggregate):
    """A responsible unit (责任单位) that items can be dispatched to."""

    @staticmethod
    def create_id(name: str, **_) -> UUID:
        return department_id(name)

    @event("Registered")
    def __init__(self, name: str, actor: str, at: datetime):
        self.name = name
        self.active = True
        self.mailbox = None

    def set_mailbox(self, *, email: str | None, actor: str, at: datetime) -> None:
        if email != self.mailbox:
            self._mailbox_set(email=email, actor=actor, at=at)

    @event("MailboxSet")
    def _mailbox_set(self, email: str | None, actor: str, at: datetime) -> None:
        """The department's duty mailbox, where its notices are also e-mailed."""
        self.mailbox = email


@pin_topics("directory", legacy_module="domain.directory")
class StaffAccount(Aggregate):
    """A staff member with roles and, for handlers, a department."""

    @staticmethod
    def create_id(username: str, **_) -> UUID:
        return staff_id(username)

    @event("Registered")
    def __init__(self, username: str, display_name: str, password_hash: str,
                 roles: list, department: str | None, actor: str, at: datetime):
        self.username, self.display_name = username, display_name
        self.password_hash = password_hash
        self.roles, self.department = list(roles), department
        self.active = True
        self.email = None

    @staticmethod
    def validate(username: str, roles: list, department: str | None) -> None:
        """Usernames are short ASCII; roles are known; handlers belong to a department."""
        if not username or len(username) > 40 or not username.replace("_", "").replace(
                ".", "").replace("-", "").isalnum() or not username.isascii():
            raise InvalidValueError("用户名须为1-40位字母、数字或 . _ -", field="username")
        unknown = [r for r in roles if r not in ROLES]
        if not roles or unknown:
            raise InvalidValueError(f"未知的角色：{unknown or roles}", field="roles")
        if "handler" in roles and not department:
            raise InvalidValueError("承办人必须属于一个单位", field="department")

    def change_password(self, *, password_hash: str, actor: str, at: datetime) -> None:
        self._password_changed(password_hash=password_hash, actor=actor, at=at)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: str, at: datetime) -> None:
        self.password_hash = password_hash

    def set_email(self, *, email: str | None, actor: str, at: datetime) -> None:
        if email != self.email:
            self._email_set(email=email, actor=actor, at=at)

    @event("EmailSet")
    def _email_set(self, email: str | None, actor: str, at: datetime) -> None:
        """Where the notices addressed to this account's roles and department are e-mailed."""
        self.email = email

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


class DirectoryCommands:
    """Mixed into the application: departments and staff accounts."""

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

    def get_department(self, name: str) -> Department:
        try:
            return self.repository.get(department_id(name))
        except (AggregateNotFoundError, ValueError):
            raise NotFoundError(f"未找到单位 {name}") from None

    def set_department_mailbox(self, name: str, email: str | None, actor: Actor) -> None:
        """The department's duty mailbox for notices (admins only; empty clears it)."""
        actor.require_role("admin")
        department = self.get_department(name)
        department.set_mailbox(email=clean_email(email), actor=actor.id, at=self.clock())
        self.save(department)

    def set_staff_email(self, username: str, email: str | None, actor: Actor) -> None:
        """A staff member's e-mail for notices: set by an admin or by the member."""
        if actor.id != f"staff:{username}":
            actor.require_role("admin")
        account = self.get_staff(username)
        account.set_email(email=clean_email(email), actor=actor.id, at=self.clock())
        self.save(account)

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
