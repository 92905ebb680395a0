"""Stable topics: what the event store records for a class, independent of where it lives.

The library stores `module:QualName` by default, so moving a module would orphan every
stored event. `pin_topics` gives an aggregate and each of its event classes an explicit
`TOPIC` under the item kind's name instead, and registers the topics the classes were
stored under before (`legacy`), so old events still resolve. Read models filter the log
by every topic a class may have been stored under (`topics_of`).
"""

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import register_topic

PREFIX = "minyi"

# Class -> topics it was stored under before it was pinned (oldest first).
LEGACY_TOPICS: dict[type, tuple[str, ...]] = {}


def pin_topics(namespace: str, *, legacy_module: str | None = None, base: bool = False):
    """Class decorator: topics `minyi/<namespace>:<Aggregate>[.<Event>]` for the aggregate
    and every event class declared on it; `legacy_module` names the module the classes
    used to live in, so events stored under the old default topics keep resolving.

    `base`: an abstract aggregate whose events its subclasses share. Only the events are
    pinned: a TOPIC on the class itself would be inherited, and the library would then
    demand explicit topics on every subclass while it is still being defined."""

    def decorate(cls):
        if not base:
            _pin(cls, f"{PREFIX}/{namespace}:{cls.__qualname__}", legacy_module)
        for name, obj in list(vars(cls).items()):
            if isinstance(obj, type) and issubclass(obj, CanMutateAggregate):
                _pin(obj, f"{PREFIX}/{namespace}:{cls.__qualname__}.{name}", legacy_module)
        return cls

    return decorate


def _pin(obj: type, topic: str, legacy_module: str | None) -> None:
    obj.TOPIC = topic
    register_topic(topic, obj)
    if legacy_module:
        old = f"{legacy_module}:{obj.__qualname__}"
        register_topic(old, obj)
        LEGACY_TOPICS[obj] = (old,)


def topics_of(cls: type) -> tuple[str, ...]:
    """Every topic events of `cls` may be stored under: the pinned one and the legacy ones."""
    return (cls.TOPIC, *LEGACY_TOPICS.get(cls, ()))
