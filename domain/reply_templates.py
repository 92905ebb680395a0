"""Canned replies (答复模板) per category, as reviewers and admins keep them: one register,
every change an event.

A handler drafting a reply picks a template of the item's category (or one for every
category) and edits it; the template only fills the draft, the department still writes
and the reviewer still signs. Until anyone edits the register, a few general templates
(`DEFAULTS`) are offered.
"""

import time
import uuid
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from .actors import Actor
from .errors import InvalidValueError, NotFoundError
from .topics import pin_topics

ALL = ""  # a template for every category
MAX_TITLE, MAX_TEXT, MAX_TEMPLATES = 30, 3000, 200
EDITORS = ("reviewer", "admin")

DEFAULTS = (
    {"id": "default-answer", "category": ALL, "title": "答复（已办理）",
     "text": "您好！您反映的问题已收悉。经核实，……（办理情况）。目前……（处理结果）。"
             "感谢您对我区工作的关注和支持！"},
    {"id": "default-explain", "category": ALL, "title": "答复（解释说明）",
     "text": "您好！您的留言已收悉。经了解，……（情况说明及政策依据）。"
             "如有疑问，可拨打……咨询。感谢您的理解和支持！"},
    {"id": "default-plan", "category": ALL, "title": "答复（纳入计划）",
     "text": "您好！您提出的建议很有意义。我单位已将……纳入……计划，预计于……完成。"
             "感谢您对我区工作的关注和支持！"},
)


def reply_template_register_id() -> UUID:
    return uuid5(NAMESPACE_URL, "minyi:reply-templates")


@pin_topics("reply_templates")
class ReplyTemplateRegister(Aggregate):
    @staticmethod
    def create_id(**_) -> UUID:
        return reply_template_register_id()

    @event("Opened")
    def __init__(self, actor: str, at: datetime):
        # The defaults are copied in when the register opens: from then on they are
        # edited and removed like any other.
        self.templates: dict[str, dict] = {t["id"]: dict(t) for t in DEFAULTS}

    def save(self, *, template_id: str | None, category: str, title: str, text: str,
             known_categories: tuple, actor: str, at: datetime) -> str:
        if category and category not in known_categories:
            raise InvalidValueError(f"未知的分类：{category}", field="category")
        title, text = _text(title, MAX_TITLE, "title", "标题"), _text(text, MAX_TEXT, "text",
                                                                    "模板内容")
        if template_id is None:
            if len(self.templates) >= MAX_TEMPLATES:
                raise InvalidValueError(f"模板不超过{MAX_TEMPLATES}个", field="title")
            template_id = uuid.uuid4().hex[:12]
        elif template_id not in self.templates:
            raise NotFoundError(f"未找到模板：{template_id}")
        self._saved(template_id=template_id, category=category or ALL, title=title, text=text,
                    actor=actor, at=at)
        return template_id

    @event("Saved")
    def _saved(self, template_id: str, category: str, title: str, text: str, actor: str,
               at: datetime) -> None:
        self.templates[template_id] = {"id": template_id, "category": category,
                                       "title": title, "text": text}

    def remove(self, *, template_id: str, actor: str, at: datetime) -> None:
        if template_id not in self.templates:
            raise NotFoundError(f"未找到模板：{template_id}")
        self._removed(template_id=template_id, actor=actor, at=at)

    @event("Removed")
    def _removed(self, template_id: str, actor: str, at: datetime) -> None:
        del self.templates[template_id]

    def listing(self) -> list[dict]:
        return sorted(self.templates.values(), key=lambda t: (t["category"], t["title"]))


def _text(value, limit: int, field: str, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidValueError(f"{label}不能为空", field=field)
    value = value.strip()
    if len(value) > limit:
        raise InvalidValueError(f"{label}不超过{limit}字", field=field)
    return value


class ReplyTemplateCommands:
    """Mixed into the application: the templates as they stand, and their edits."""

    TEMPLATE_CACHE_SECONDS = 2.0  # another process's edit is seen within this

    def reply_template_listing(self) -> tuple:
        cached = self.__dict__.get("_reply_templates")
        if cached is not None and time.monotonic() - cached[0] < self.TEMPLATE_CACHE_SECONDS:
            return cached[1]
        try:
            listing = tuple(self.repository.get(reply_template_register_id()).listing())
        except AggregateNotFoundError:
            listing = tuple(sorted(DEFAULTS, key=lambda t: (t["category"], t["title"])))
        self.__dict__["_reply_templates"] = (time.monotonic(), listing)
        return listing

    def reply_templates(self, category: str | None = None) -> list[dict]:
        """Templates for an item of `category`: its own first, then those for every one."""
        listing = self.reply_template_listing()
        return ([t for t in listing if category and t["category"] == category]
                + [t for t in listing if t["category"] == ALL])

    def save_reply_template(self, actor: Actor, *, category: str, title: str, text: str,
                            template_id: str | None = None) -> str:
        actor.require_role(*EDITORS)
        register = self._template_register(actor)
        saved = register.save(template_id=template_id or None, category=category or ALL,
                              title=title, text=text,
                              known_categories=self.all_categories(), actor=actor.id,
                              at=self.clock())
        self.save(register)
        self.__dict__.pop("_reply_templates", None)
        return saved

    def remove_reply_template(self, actor: Actor, template_id: str) -> None:
        actor.require_role(*EDITORS)
        register = self._template_register(actor)
        register.remove(template_id=template_id, actor=actor.id, at=self.clock())
        self.save(register)
        self.__dict__.pop("_reply_templates", None)

    def _template_register(self, actor: Actor) -> ReplyTemplateRegister:
        try:
            return self.repository.get(reply_template_register_id())
        except AggregateNotFoundError:
            return ReplyTemplateRegister(actor=actor.id, at=self.clock())
