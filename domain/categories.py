"""The categories (分类) of comments and tickets as an admin keeps them: one register,
every change an event.

Until an admin changes anything, the categories are the reference ones
(`domain/reference.py`). An admin adds a category (it takes the next free Open311 service
code, for good), retires one (no longer offered or accepted for new items; items that have
it keep it, and it stays in filters and statistics) or restores a retired one.
"""

import time
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .errors import ConflictError, InvalidValueError, NotFoundError
from .reference import CATEGORIES, CATEGORY_CODES
from .topics import pin_topics

MAX_NAME = 12
EDITS = ("add", "retire", "restore")


def category_register_id() -> UUID:
    return uuid5(NAMESPACE_URL, "minyi:categories")


@pin_topics("categories")
class CategoryRegister(Aggregate):
    @staticmethod
    def create_id(**_) -> UUID:
        return category_register_id()

    @event("Opened")
    def __init__(self, actor: str, at: datetime):
        self.added: dict[str, dict] = {}  # name -> {"code", "group"}
        self.retired: list[str] = []

    def codes(self) -> dict:
        return {**CATEGORY_CODES, **{n: v["code"] for n, v in self.added.items()}}

    def add(self, *, name: str, group: str, actor: str, at: datetime) -> None:
        name, group = _name(name, "name"), _name(group or "其他", "group")
        if name in self.codes():
            raise ConflictError(f"分类已存在：{name}")
        code = f"{max(int(c) for c in self.codes().values()) + 1:03d}"
        self._added(name=name, code=code, group=group, actor=actor, at=at)

    @event("Added")
    def _added(self, name: str, code: str, group: str, actor: str, at: datetime) -> None:
        self.added[name] = {"code": code, "group": group}

    def retire(self, *, name: str, actor: str, at: datetime) -> None:
        if name not in self.codes():
            raise NotFoundError(f"未找到分类：{name}")
        if name in self.retired:
            raise ConflictError(f"分类已停用：{name}")
        if len(self.codes()) - len(self.retired) <= 1:
            raise ConflictError("至少保留一个在用的分类")
        self._retired(name=name, actor=actor, at=at)

    @event("Retired")
    def _retired(self, name: str, actor: str, at: datetime) -> None:
        self.retired.append(name)

    def restore(self, *, name: str, actor: str, at: datetime) -> None:
        if name not in self.retired:
            raise ConflictError(f"分类未停用：{name}")
        self._restored(name=name, actor=actor, at=at)

    @event("Restored")
    def _restored(self, name: str, actor: str, at: datetime) -> None:
        self.retired.remove(name)

    def listing(self) -> list[dict]:
        return [{"name": n, "code": c, "group": self.added.get(n, {}).get("group"),
                 "active": n not in self.retired} for n, c in self.codes().items()]


def _name(value, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError("名称不能为空", field=field)
    value = "".join(value.split())
    if len(value) > MAX_NAME or not value.isprintable():
        raise InvalidValueError(f"名称不超过{MAX_NAME}字，且不含特殊字符", field=field)
    return value


DEFAULT_LISTING = tuple({"name": n, "code": CATEGORY_CODES[n], "group": None, "active": True}
                        for n in CATEGORIES)


class CategoryCommands:
    """Mixed into the application: the categories as they stand, and the admin's edits."""

    CACHE_SECONDS = 2.0  # another process's edit is seen within this

    def category_listing(self) -> tuple:
        """Every category, retired ones included: name, code, group, active."""
        return self._category_views()[0]

    def _category_views(self) -> tuple:
        """(the listing, the active names, every name), kept CACHE_SECONDS (every
        submission checks its category twice: the schema and the domain)."""
        cached = self.__dict__.get("_categories")
        if cached is not None and time.monotonic() - cached[0] < self.CACHE_SECONDS:
            return cached[1]
        try:
            listing = tuple(self.repository.get(category_register_id()).listing())
        except AggregateNotFoundError:
            listing = DEFAULT_LISTING
        views = (listing, tuple(c["name"] for c in listing if c["active"]),
                 tuple(c["name"] for c in listing))
        self.__dict__["_categories"] = (time.monotonic(), views)
        return views

    def categories(self) -> tuple:
        """The categories new items may take."""
        return self._category_views()[1]

    def all_categories(self) -> tuple:
        return self._category_views()[2]

    def edit_categories(self, actor: Actor, edit: str, name: str, group: str = "") -> None:
        actor.require_role("admin")
        if edit not in EDITS:
            raise InvalidValueError(f"未知的操作：{edit}", field="edit")
        now = self.clock()
        try:
            register = self.repository.get(category_register_id())
        except AggregateNotFoundError:
            register = CategoryRegister(actor=actor.id, at=now)
        if edit == "add":
            register.add(name=name, group=group, actor=actor.id, at=now)
        else:
            getattr(register, edit)(name=(name or "").strip(), actor=actor.id, at=now)
        self.save(register)
        self.__dict__.pop("_categories", None)
