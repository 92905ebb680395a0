"""Departments and staff accounts: who may act, and for which department.

An admin manages both, every change an event: accounts are registered, change roles and
department, display name, password and e-mail, are deactivated and reactivated;
departments are registered, get a duty mailbox and official public numbers, are
deactivated and reactivated. Rules that look across accounts or departments (the last
active admin, every department's official numbers) read a small index each process folds
from the log's directory events (`DirectoryIndex`).
"""

import re
import threading
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .errors import ConflictError, IllegalTransitionError, InvalidValueError, NotFoundError
from .reference import ROLES
from .topics import pin_topics, topics_of


def department_id(name: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:department:{name}")


def staff_id(username: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"minyi:staff:{username}")


EMAIL = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+")
MAX_DISPLAY_NAME = 40
MAX_OFFICIAL_NUMBERS = 10
OFFICIAL_NUMBER = re.compile(r"[0-9 ()+\-]{3,20}")


def clean_email(email: str | None, field: str = "email") -> str | None:
    """A work e-mail address, trimmed; "" or None clears it."""
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise InvalidValueError("电子邮箱格式不正确", field=field)
    return email


def clean_display_name(display_name: str | None, default: str | None = None) -> str:
    """A display name, trimmed: 1-40 printable characters (empty: `default`, if given)."""
    name = (display_name or "").strip()
    if not name and default:
        return default
    if not name or len(name) > MAX_DISPLAY_NAME or not name.isprintable():
        raise InvalidValueError(f"显示名称不能为空且不超过{MAX_DISPLAY_NAME}个字符",
                                field="display_name")
    return name


def _switch(aggregate, active: bool, refusal: str, actor: str, at: datetime) -> None:
    """Deactivate or reactivate a department or an account: refused if it is so already."""
    if aggregate.active == active:
        raise IllegalTransitionError(refusal, action="启用" if active else "停用")
    (aggregate._reactivated if active else aggregate._deactivated)(actor=actor, at=at)


def clean_official_numbers(numbers) -> list[str]:
    """A department's official public numbers (e.g. 0632-7712345): each 3-20 characters
    of digits, spaces, + - ( ) with at least three digits; blanks dropped, duplicates
    merged, at most ten."""
    if isinstance(numbers, str):
        numbers = numbers.splitlines()
    cleaned: list[str] = []
    for number in numbers or ():
        number = " ".join(str(number).split())
        if not number:
            continue
        if not OFFICIAL_NUMBER.fullmatch(number) or sum(c.isdigit() for c in number) < 3:
            raise InvalidValueError(
                f"号码格式不正确：{number[:30]}（3-20位，仅限数字、空格和 + - ( )）",
                field="official_numbers")
        if number not in cleaned:
            cleaned.append(number)
    if len(cleaned) > MAX_OFFICIAL_NUMBERS:
        raise InvalidValueError(f"公开服务电话最多{MAX_OFFICIAL_NUMBERS}个",
                                field="official_numbers")
    return cleaned


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
        self.official_numbers: list[str] = []

    def set_mailbox(self, *, email: str | None, actor: str, at: datetime) -> None:
        if email != self.mailbox:
            self._mailbox_set(email=email, actor=actor, at=at)

    @event("MailboxSet")
    def _mailbox_set(self, email: str | None, actor: str, at: datetime) -> None:
        """The department's duty mailbox, where its notices are also e-mailed."""
        self.mailbox = email

    def set_official_numbers(self, *, numbers: list[str], actor: str, at: datetime) -> None:
        if list(numbers) != list(self.official_numbers):
            self._official_numbers_set(numbers=list(numbers), actor=actor, at=at)

    @event("OfficialNumbersSet")
    def _official_numbers_set(self, numbers: list, actor: str, at: datetime) -> None:
        """The department's official public service numbers: left unmasked in replies."""
        self.official_numbers = list(numbers)

    def deactivate(self, *, actor: str, at: datetime) -> None:
        _switch(self, False, f"单位已停用：{self.name}", actor, at)

    @event("Deactivated")
    def _deactivated(self, actor: str, at: datetime) -> None:
        """No longer offered for dispatch or accounts; its history stays."""
        self.active = False

    def reactivate(self, *, actor: str, at: datetime) -> None:
        _switch(self, True, f"单位未停用：{self.name}", actor, at)

    @event("Reactivated")
    def _reactivated(self, actor: str, at: datetime) -> None:
        self.active = True


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
        StaffAccount.validate_roles(roles, department)

    @staticmethod
    def validate_roles(roles: list, department: str | None) -> None:
        """At least one known role, each once; a handler belongs to a department."""
        unknown = [r for r in roles if r not in ROLES]
        if not roles or unknown:
            shown = "、".join(map(str, unknown))[:100] if unknown else "（未选择）"
            raise InvalidValueError(f"未知的角色：{shown}", field="roles")
        if len(set(roles)) != len(roles):
            raise InvalidValueError("角色不能重复", field="roles")
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

    def change_roles(self, *, roles: list, department: str | None, actor: str,
                     at: datetime) -> None:
        self.validate_roles(roles, department)
        if list(roles) != list(self.roles) or department != self.department:
            self._roles_changed(roles=list(roles), department=department, actor=actor, at=at)

    @event("RolesChanged")
    def _roles_changed(self, roles: list, department: str | None, actor: str,
                       at: datetime) -> None:
        """The account's roles and department, both at once (a handler needs one)."""
        self.roles, self.department = list(roles), department

    def rename(self, *, display_name: str, actor: str, at: datetime) -> None:
        if display_name != self.display_name:
            self._display_name_changed(display_name=display_name, actor=actor, at=at)

    @event("DisplayNameChanged")
    def _display_name_changed(self, display_name: str, actor: str, at: datetime) -> None:
        self.display_name = display_name

    def deactivate(self, *, actor: str, at: datetime) -> None:
        _switch(self, False, f"账号已停用：{self.username}", actor, at)

    @event("Deactivated")
    def _deactivated(self, actor: str, at: datetime) -> None:
        """The account can no longer sign in; its sessions and tokens stop working."""
        self.active = False

    def reactivate(self, *, actor: str, at: datetime) -> None:
        _switch(self, True, f"账号未停用：{self.username}", actor, at)

    @event("Reactivated")
    def _reactivated(self, actor: str, at: datetime) -> None:
        self.active = True

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def active_admin(self) -> bool:
        return self.active and "admin" in self.roles


class DirectoryIndex:
    """Every department's state and official numbers and every account's roles and state,
    folded in this process from the log's directory events.

    Each `refresh` reads only the directory events recorded since the one before, so a
    rule that looks across accounts (the last active admin) or departments (official
    numbers) costs one query of the log's tail; the first call in a process reads the
    directory events from the start."""

    BATCH = 1000

    def __init__(self):
        self.position = 0
        self.departments: dict[UUID, dict] = {}  # id -> name, active, numbers
        self.accounts: dict[UUID, dict] = {}  # id -> username, roles, active
        self._lock = threading.Lock()

    @staticmethod
    def topics() -> tuple[str, ...]:
        return tuple(t for cls in (
            Department.Registered, Department.Deactivated, Department.Reactivated,
            Department.OfficialNumbersSet, StaffAccount.Registered,
            StaffAccount.RolesChanged, StaffAccount.Deactivated, StaffAccount.Reactivated)
            for t in topics_of(cls))

    def refresh(self, app) -> "DirectoryIndex":
        """Take the directory events recorded since the last refresh. The log's head is
        read first and the read stops there, so the next refresh starts after it (every
        event up to a visible head is committed: the stores assign positions in commit
        order) and reads only what came since, directory events or not."""
        with self._lock:
            head = app.recorder.max_notification_id() or 0
            if head <= self.position:
                return self
            topics = self.topics()
            while True:
                notifications = app.recorder.select_notifications(
                    self.position, self.BATCH, stop=head, topics=topics,
                    inclusive_of_start=False)
                for notification in notifications:
                    self._apply(app.mapper.to_domain_event(notification))
                if len(notifications) < self.BATCH:
                    self.position = head
                    return self
                self.position = notifications[-1].id

    def _apply(self, e) -> None:
        key = e.originator_id
        if isinstance(e, Department.Registered):
            self.departments[key] = {"name": e.name, "active": True, "numbers": ()}
        elif isinstance(e, Department.OfficialNumbersSet):
            self.departments[key]["numbers"] = tuple(e.numbers)
        elif isinstance(e, (Department.Deactivated, Department.Reactivated)):
            self.departments[key]["active"] = isinstance(e, Department.Reactivated)
        elif isinstance(e, StaffAccount.Registered):
            self.accounts[key] = {"username": e.username, "roles": tuple(e.roles),
                                  "active": True}
        elif isinstance(e, StaffAccount.RolesChanged):
            self.accounts[key]["roles"] = tuple(e.roles)
        elif isinstance(e, (StaffAccount.Deactivated, StaffAccount.Reactivated)):
            self.accounts[key]["active"] = isinstance(e, StaffAccount.Reactivated)

    def active_admins(self) -> tuple[str, ...]:
        with self._lock:  # another thread's refresh may be adding to the dicts
            return tuple(sorted(a["username"] for a in self.accounts.values()
                                if a["active"] and "admin" in a["roles"]))

    def official_numbers(self) -> tuple[str, ...]:
        numbers: list[str] = []
        with self._lock:
            for department in self.departments.values():
                if department["active"]:
                    numbers.extend(n for n in department["numbers"] if n not in numbers)
        return tuple(numbers)


class DirectoryCommands:
    """Mixed into the application: departments and staff accounts (admins only)."""

    def _directory_index(self) -> DirectoryIndex:
        index = self.__dict__.get("_directory")
        if index is None:
            index = self.__dict__.setdefault("_directory", DirectoryIndex())
        return index.refresh(self)

    def register_department(self, name: str, actor: Actor) -> Department:
        """Add a department (idempotent callers check `department_exists` first)."""
        actor.require_role("admin")
        name = (name or "").strip()
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
        """Whether `name` is a department items and accounts may be assigned to (active)."""
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

    def set_official_numbers(self, name: str, numbers, actor: Actor) -> list[str]:
        """The department's official public service numbers (admins only; a list, or text
        with one number per line; empty clears them). Returns them as recorded."""
        actor.require_role("admin")
        department = self.get_department(name)
        cleaned = clean_official_numbers(numbers)
        department.set_official_numbers(numbers=cleaned, actor=actor.id, at=self.clock())
        self.save(department)
        return cleaned

    def official_numbers(self) -> tuple[str, ...]:
        """Every active department's official numbers (kept as written when replies are
        masked), in the order the departments were registered."""
        return self._directory_index().official_numbers()

    def deactivate_department(self, name: str, actor: Actor) -> None:
        """Items can no longer be dispatched to it, nor accounts assigned (admins only)."""
        actor.require_role("admin")
        department = self.get_department(name)
        department.deactivate(actor=actor.id, at=self.clock())
        self.save(department)

    def reactivate_department(self, name: str, actor: Actor) -> None:
        actor.require_role("admin")
        department = self.get_department(name)
        department.reactivate(actor=actor.id, at=self.clock())
        self.save(department)

    def set_staff_email(self, username: str, email: str | None, actor: Actor) -> None:
        """A staff member's e-mail for notices: set by an admin or by the member."""
        if actor.id != f"staff:{username}":
            actor.require_role("admin")
        account = self.get_staff(username)
        account.set_email(email=clean_email(email), actor=actor.id, at=self.clock())
        self.save(account)

    def register_staff(self, *, username: str, display_name: str, password_hash: str,
                       roles: list, department: str | None, actor: Actor,
                       email: str | None = None) -> StaffAccount:
        """Create a staff account (admins only), with its notice e-mail if given."""
        actor.require_role("admin")
        StaffAccount.validate(username, roles, department)
        display_name = clean_display_name(display_name, default=username)
        email = clean_email(email)
        if department:
            self.require_department(department)
        if self._exists(staff_id(username)):
            raise ConflictError(f"账号已存在：{username}")
        now = self.clock()
        account = StaffAccount(username=username, display_name=display_name,
                               password_hash=password_hash, roles=list(roles),
                               department=department or None, actor=actor.id, at=now)
        if email:
            account.set_email(email=email, actor=actor.id, at=now)
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

    def active_admins(self) -> tuple[str, ...]:
        """Usernames of the active accounts that hold the admin role."""
        return self._directory_index().active_admins()

    def _keep_an_admin(self, account: StaffAccount) -> None:
        """Refuse a change that would leave no active admin account."""
        if account.active_admin and not [
                u for u in self.active_admins() if u != account.username]:
            raise ConflictError("至少须保留一个启用的系统管理员账号", field="roles")

    def change_staff_roles(self, username: str, roles: list, department: str | None,
                           actor: Actor) -> StaffAccount:
        """An account's roles and department (admins only). A handler needs an active
        department (an account may keep a department that has since been deactivated);
        the last active admin keeps the admin role."""
        actor.require_role("admin")
        account = self.get_staff(username)
        roles, department = list(roles or ()), (department or "").strip() or None
        StaffAccount.validate_roles(roles, department)
        if department and department != account.department:
            self.require_department(department)
        if "admin" not in roles:
            self._keep_an_admin(account)
        account.change_roles(roles=roles, department=department, actor=actor.id,
                             at=self.clock())
        self.save(account)
        return account

    def rename_staff(self, username: str, display_name: str, actor: Actor) -> StaffAccount:
        """An account's display name (admins only)."""
        actor.require_role("admin")
        account = self.get_staff(username)
        account.rename(display_name=clean_display_name(display_name), actor=actor.id,
                       at=self.clock())
        self.save(account)
        return account

    def deactivate_staff(self, username: str, actor: Actor) -> StaffAccount:
        """The account can no longer sign in (admins only; not their own account, nor the
        last active admin). The caller also revokes its sessions and tokens."""
        actor.require_role("admin")
        if actor.id == f"staff:{username}":
            raise InvalidValueError("不能停用自己的账号", field="username")
        account = self.get_staff(username)
        if account.active:
            self._keep_an_admin(account)
        account.deactivate(actor=actor.id, at=self.clock())
        self.save(account)
        return account

    def reactivate_staff(self, username: str, actor: Actor) -> StaffAccount:
        actor.require_role("admin")
        account = self.get_staff(username)
        account.reactivate(actor=actor.id, at=self.clock())
        self.save(account)
        return account
