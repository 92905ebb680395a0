"""Departments and staff accounts: who may act, and for which department."""

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from .errors import InvalidValueError
from .reference import ROLES


def department_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:department:{name}")


def staff_id(username: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:staff:{username}")


class Department(Aggregate):
    """A responsible unit (责任单位) that items can be dispatched to."""

    @staticmethod
    def create_id(name: str, **_) -> UUID:
        return department_id(name)

    @event("Registered")
    def __init__(self, name: str, actor: str, at: datetime):
        self.name = name
        self.active = True

    def rename(self, *, name: str, actor: str, at: datetime) -> None:
        self._renamed(name=name, actor=actor, at=at)

    @event("Renamed")
    def _renamed(self, name: str, actor: str, at: datetime) -> None:
        self.name = name

    def set_active(self, *, active: bool, actor: str, at: datetime) -> None:
        self._activity_set(active=active, actor=actor, at=at)

    @event("ActivitySet")
    def _activity_set(self, active: bool, actor: str, at: datetime) -> None:
        self.active = active


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

    def set_active(self, *, active: bool, actor: str, at: datetime) -> None:
        self._activity_set(active=active, actor=actor, at=at)

    @event("ActivitySet")
    def _activity_set(self, active: bool, actor: str, at: datetime) -> None:
        self.active = active

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)
