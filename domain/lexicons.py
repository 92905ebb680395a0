"""The sensitivity lexicon as staff keep it: one register, every edit an event.

Until anyone edits it, the lexicon is the default of `domain/sensitivity.py`. The first
edit opens the register with a copy of the default; later edits add, re-weigh or remove
terms and exclusions and change the thresholds. The escalation process scores with the
lexicon as it stands when it scores (replaying old items after an edit scores them with
the edited lexicon).
"""

from dataclasses import asdict
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event

from .errors import InvalidValueError, NotFoundError
from .sensitivity import EMERGENCY, OTHER_EMERGENCY, Lexicon, default_emergency_kinds
from .topics import pin_topics

MAX_TERM = 20
SETTINGS = {"threshold": (0.1, 100.0), "urgent_weight": (0.0, 100.0),
            "spike_count": (2, 1000), "spike_window_minutes": (5, 7 * 24 * 60)}


def lexicon_register_id() -> UUID:
    return uuid5(NAMESPACE_URL, "minyi:lexicon")


def _term(term, field: str = "term") -> str:
    """A term, topic or phrase: text without spaces or control characters."""
    if term is not None and not isinstance(term, str):
        raise InvalidValueError("须为文字", field=field)
    term = "".join((term or "").split())
    if not term or len(term) > MAX_TERM:
        raise InvalidValueError(f"词语不能为空且不超过{MAX_TERM}字", field=field)
    if not term.isprintable() or not term.encode("utf-8", "replace").decode() == term:
        raise InvalidValueError("含有无效字符", field=field)
    return term


def _weight(weight) -> float:
    try:
        value = float(weight)
    except (TypeError, ValueError):
        raise InvalidValueError("权重须为数字", field="weight") from None
    if not 0 < value <= 10:
        raise InvalidValueError("权重须大于0且不超过10", field="weight")
    return round(value, 3)


@pin_topics("lexicons")
class LexiconRegister(Aggregate):
    """The lexicon: topics with weighted terms, emergency terms, exclusions, settings."""

    @staticmethod
    def create_id(**_) -> UUID:
        return lexicon_register_id()

    @event("Opened")
    def __init__(self, lexicon: dict, actor: str, at: datetime):
        self.topics = {t: dict(terms) for t, terms in lexicon["topics"].items()}
        self.emergency = dict(lexicon["emergency"])
        # Registers opened before emergency kinds existed take the default kinds.
        self.emergency_kinds = dict(lexicon.get("emergency_kinds") or default_emergency_kinds())
        self.exclusions = list(lexicon["exclusions"])
        self.settings = {k: lexicon[k] for k in SETTINGS}

    def lexicon(self) -> Lexicon:
        return Lexicon(topics={t: dict(v) for t, v in self.topics.items()},
                       emergency=dict(self.emergency),
                       emergency_kinds=dict(getattr(self, "emergency_kinds", None)
                                            or default_emergency_kinds()),
                       exclusions=tuple(self.exclusions),
                       **self.settings)

    def set_term(self, *, topic: str, term: str, weight, actor: str, at: datetime,
                 kind: str | None = None) -> None:
        """Add a term to a topic (or EMERGENCY, with the kind of emergency it names), or
        change its weight."""
        topic = _term(topic, "topic")
        kind = _term(kind, "kind") if kind not in (None, "") else None
        if kind is not None and topic != EMERGENCY:
            raise InvalidValueError("只有突发事件词语可以指定事件类别", field="kind")
        self._term_set(topic=topic, term=_term(term), weight=_weight(weight), actor=actor,
                       at=at, kind=kind)

    @event("TermSet")
    def _term_set(self, topic: str, term: str, weight: float, actor: str, at: datetime,
                  kind: str | None = None) -> None:
        if topic == EMERGENCY:
            self.emergency[term] = weight
            if not hasattr(self, "emergency_kinds"):
                self.emergency_kinds = default_emergency_kinds()
            self.emergency_kinds[term] = kind or self.emergency_kinds.get(term) or OTHER_EMERGENCY
        else:
            self.topics.setdefault(topic, {})[term] = weight

    def remove_term(self, *, topic: str, term: str, actor: str, at: datetime) -> None:
        terms = self.emergency if topic == EMERGENCY else self.topics.get(topic, {})
        if term not in terms:
            raise NotFoundError(f"词库中没有“{term}”")
        self._term_removed(topic=topic, term=term, actor=actor, at=at)

    @event("TermRemoved")
    def _term_removed(self, topic: str, term: str, actor: str, at: datetime) -> None:
        if topic == EMERGENCY:
            self.emergency.pop(term, None)
        else:
            self.topics.get(topic, {}).pop(term, None)
            if not self.topics.get(topic, True):
                del self.topics[topic]

    def add_exclusion(self, *, phrase: str, actor: str, at: datetime) -> None:
        phrase = _term(phrase, "phrase")
        if phrase in self.exclusions:
            raise InvalidValueError("该排除词已存在", field="phrase")
        self._exclusion_added(phrase=phrase, actor=actor, at=at)

    @event("ExclusionAdded")
    def _exclusion_added(self, phrase: str, actor: str, at: datetime) -> None:
        self.exclusions.append(phrase)

    def remove_exclusion(self, *, phrase: str, actor: str, at: datetime) -> None:
        if phrase not in self.exclusions:
            raise NotFoundError(f"排除词中没有“{phrase}”")
        self._exclusion_removed(phrase=phrase, actor=actor, at=at)

    @event("ExclusionRemoved")
    def _exclusion_removed(self, phrase: str, actor: str, at: datetime) -> None:
        self.exclusions.remove(phrase)

    def change_settings(self, *, actor: str, at: datetime, **values) -> None:
        changed = {}
        for name, value in values.items():
            if name not in SETTINGS:
                raise InvalidValueError(f"未知的设置：{name}", field=name)
            low, high = SETTINGS[name]
            try:
                number = type(low)(value)
            except (TypeError, ValueError):
                raise InvalidValueError("须为数字", field=name) from None
            if not low <= number <= high:
                raise InvalidValueError(f"须在{low}到{high}之间", field=name)
            changed[name] = number
        if changed:
            self._settings_changed(settings=changed, actor=actor, at=at)

    @event("SettingsChanged")
    def _settings_changed(self, settings: dict, actor: str, at: datetime) -> None:
        self.settings.update(settings)


# edit -> the values it takes (None: any of SETTINGS)
EDITS = {"set_term": ("topic", "term", "weight"), "remove_term": ("topic", "term"),
         "add_exclusion": ("phrase",), "remove_exclusion": ("phrase",),
         "change_settings": None}

OPTIONAL = {"set_term": ("kind",)}  # edit -> the values it may also take


class LexiconCommands:
    """Mixed into the application: read and edit the lexicon (the opinion team)."""

    def current_lexicon(self) -> tuple[Lexicon, int]:
        """(the lexicon, its version: 0 while it is the untouched default)."""
        try:
            register = self.repository.get(lexicon_register_id())
        except AggregateNotFoundError:
            return Lexicon(), 0
        return register.lexicon(), register.version

    def edit_lexicon(self, actor, edit: str, **values) -> Lexicon:
        """Apply one edit (set_term, remove_term, add_exclusion, remove_exclusion,
        change_settings) as the opinion team; the register opens on the first edit."""
        actor.require_role("opinion")
        now = self.clock()
        try:
            register = self.repository.get(lexicon_register_id())
        except AggregateNotFoundError:
            default = asdict(Lexicon())
            default["exclusions"] = list(default["exclusions"])
            register = LexiconRegister(lexicon=default, actor=actor.id, at=now)
        if edit not in EDITS:
            raise InvalidValueError(f"未知的操作：{edit}", field="edit")
        allowed = (*(EDITS[edit] or SETTINGS), *OPTIONAL.get(edit, ()))
        unknown = sorted(set(values) - set(allowed))
        missing = [name for name in (EDITS[edit] or ()) if values.get(name) in (None, "")]
        if unknown or missing:
            name = (unknown or missing)[0]
            raise InvalidValueError(f"{'未知的字段' if unknown else '请填写'}：{name}", field=name)
        getattr(register, edit)(actor=actor.id, at=now, **values)
        self.save(register)
        return register.lexicon()
