"""Who is acting: a staff member with roles, the citizen, or the system."""

from dataclasses import dataclass, field
from functools import cached_property

from .errors import AccessDeniedError
from .reference import ALL_DEPARTMENT_ROLES, CITIZEN, SYSTEM


@dataclass(frozen=True)
class Actor:
    """The identity recorded on every event and checked by every staff command."""

    username: str
    roles: tuple = field(default_factory=tuple)
    department: str | None = None
    display_name: str = ""

    @property
    def id(self) -> str:
        if self.username in (CITIZEN, SYSTEM):
            return self.username
        return f"staff:{self.username}"

    def has_role(self, *roles: str) -> bool:
        return not self._role_set.isdisjoint(roles)

    @cached_property
    def _role_set(self) -> frozenset:
        """The roles as a set, made once (every action offered is checked against them)."""
        return frozenset(self.roles)

    @property
    def sees_all_departments(self) -> bool:
        return self.has_role(*ALL_DEPARTMENT_ROLES)

    def require_role(self, *roles: str) -> None:
        """Refuse unless the actor holds one of `roles` (admins hold every role)."""
        if not self.has_role("admin", *roles):
            raise AccessDeniedError("没有执行此操作的权限", roles=list(roles))

    def require_department(self, department: str | None) -> None:
        """Handlers act only on items of their own department."""
        if self.sees_all_departments:
            return
        if department is None or department != self.department:
            raise AccessDeniedError("只能办理本单位的事项", department=department)


CITIZEN_ACTOR = Actor(CITIZEN)
SYSTEM_ACTOR = Actor(SYSTEM, roles=("admin",))
