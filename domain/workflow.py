"""One declaration per item kind: its states, event labels and staff actions.

Each action is declared once — name, Chinese label, roles, the states it fits, the
own-department rule, its inputs, its success message and the command it runs — and
everything else reads that declaration: the application's authorisation (`Casework.act`),
the console's action forms, the JSON API routes and the OpenAPI document.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Mapping
from uuid import UUID

from .actors import Actor
from .errors import AccessDeniedError, InvalidValueError, NotFoundError


@dataclass(frozen=True)
class Input:
    """One value an action takes; the web builds form controls and schemas from it."""

    name: str
    label: str
    # text | textarea | number | boolean | choice | department | departments | photos (keys)
    widget: str = "text"
    required: bool = True
    max_length: int = 500
    minimum: int | None = None
    maximum: int | None = None
    choices: Mapping[str, str] | None = None  # value -> Chinese label
    prefill: str | None = None  # the item attribute the control starts with
    hint: str = ""

    @property
    def default(self) -> Any:
        if self.widget in ("departments", "photos"):
            return []
        return None if self.widget in ("number", "boolean") else ""


@dataclass(frozen=True)
class Context:
    """What a command needs besides the item: who acts, when, and the rules of time."""

    app: Any
    actor: Actor
    now: datetime

    @property
    def stamp(self) -> dict:
        """The `actor` and `at` every event records."""
        return {"actor": self.actor.id, "at": self.now}

    @property
    def today(self) -> date:
        return self.app.local_date(self.now)

    @property
    def official_numbers(self) -> tuple:
        """The departments' registered official numbers: published replies keep them."""
        return self.app.official_numbers()

    @property
    def calendar(self):
        return self.app.calendar

    @property
    def policy(self):
        return self.app.policy


Command = Callable[[Context, Any, dict], None]


@dataclass(frozen=True)
class Action:
    """A staff action on an item of one kind."""

    name: str
    label: str
    roles: tuple[str, ...]
    run: Command
    states: tuple[str, ...] = ()  # empty: any state (the guard or the aggregate decides)
    guard: Callable[[Any], bool] | None = None  # further condition on the item
    own_department: bool = False  # handlers only on items their department leads
    departments: Callable[[Any], Any] | None = None  # or: handlers of these departments
    inputs: tuple[Input, ...] = ()
    success: str = ""  # str.format'ed with item=...; default "已<label>"
    style: str = "secondary"  # primary | danger | secondary
    group: str = "main"  # quick (one click) | main | publication
    # The step the item waits for from this role: the console shows the first main action
    # that fits open and folds the others under 其他操作.
    main: bool = False

    def fits(self, item) -> bool:
        """Whether the item's state admits this action (the aggregate still decides)."""
        if self.states and item.status not in self.states:
            return False
        return self.guard is None or bool(self.guard(item))

    def acting_departments(self, item) -> tuple:
        """The departments whose handlers may take this action (empty: no such rule)."""
        if self.departments is not None:
            return tuple(self.departments(item))
        return (item.department,) if self.own_department else ()

    def permits(self, actor: Actor, item) -> bool:
        """Whether this actor may take the action on this item."""
        if not actor.has_role("admin", *self.roles):
            return False
        if not (self.own_department or self.departments) or actor.sees_all_departments:
            return True
        return actor.department is not None and actor.department in self.acting_departments(item)

    def authorise(self, actor: Actor, item) -> None:
        """Raise AccessDeniedError unless `permits` holds, with the reason."""
        actor.require_role(*self.roles)
        if not self.permits(actor, item):
            raise AccessDeniedError("只能办理本单位的事项", department=actor.department)

    def complete(self, data: Mapping[str, Any]) -> dict:
        """The inputs with defaults filled; a missing required one is an InvalidValueError."""
        known = {i.name: i for i in self.inputs}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InvalidValueError(f"未知的字段：{'、'.join(unknown)}", field=unknown[0])
        values = {}
        for name, spec in known.items():
            value = data.get(name, spec.default)
            if spec.required and value in (None, ""):
                raise InvalidValueError(f"请填写{spec.label}", field=name)
            values[name] = value
        return values

    def success_message(self, item) -> str:
        return (self.success or f"已{self.label}").format(item=item)


@dataclass(frozen=True)
class Workflow:
    """An item kind: its aggregate, how numbers map to ids, states, labels and actions."""

    kind: str  # URL segment and registry key, e.g. "comments"
    label: str  # 留言
    aggregate: type
    id_for: Callable[[str], UUID]
    number_label: str  # 受理编号
    status_labels: Mapping[str, str]
    open_states: tuple[str, ...]
    event_labels: Mapping[type, str]
    citizen_visible: frozenset = frozenset()
    actions: tuple[Action, ...] = ()
    # Another department's item: 403 (comments, the item is known to exist) or 404 (hidden).
    by_name: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {a.name: a for a in self.actions})

    def action(self, name: str) -> Action:
        try:
            return self.by_name[name]
        except KeyError:
            raise NotFoundError(f"未知的操作：{name}") from None

    def available(self, item, actor: Actor) -> list[Action]:
        """The actions worth offering this actor on this item now."""
        return [a for a in self.actions if a.permits(actor, item) and a.fits(item)]

    def event_label(self, event_class: type) -> str:
        return self.event_labels.get(event_class, event_class.__name__)

    def status_label(self, status: str) -> str:
        return self.status_labels.get(status, status)

    def require_visible(self, item, actor: Actor) -> None:
        """Handlers see only items their department leads or co-handles; to anyone else
        an item is not there at all (a 404 that names no department)."""
        if actor.sees_all_departments or actor.department in involved_departments(item):
            return
        raise NotFoundError(f"未找到{self.number_label}为 {item.number} 的{self.label}")


def involved_departments(item) -> tuple:
    """Every department that takes part in an item (the lead, and co-handlers if any)."""
    return tuple(getattr(item, "involved_departments", None) or (item.department,))


class Registry:
    """The item kinds an application knows, by URL segment and by aggregate class."""

    def __init__(self, workflows):
        self.by_kind = {w.kind: w for w in workflows}
        self.by_aggregate = {w.aggregate: w for w in workflows}

    def __iter__(self):
        return iter(self.by_kind.values())

    def __getitem__(self, kind: str) -> Workflow:
        try:
            return self.by_kind[kind]
        except KeyError:
            raise NotFoundError(f"未知的事项类型：{kind}") from None

    def __contains__(self, kind: str) -> bool:
        return kind in self.by_kind
