"""Stable topic names, so that moving or renaming a module never breaks an old log."""

from __future__ import annotations

from typing import Any, TypeVar

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import register_topic

AggregateClass = TypeVar("AggregateClass", bound=type)


def stabilise_topics(aggregate_class: AggregateClass, name: str) -> AggregateClass:
    """Give an aggregate class and its event classes topics 'careerhub:<name>[.<Event>]'."""
    give_topic(aggregate_class, f"careerhub:{name}")
    for attr, value in list(vars(aggregate_class).items()):
        if isinstance(value, type) and issubclass(value, CanMutateAggregate) and attr != "Event":
            give_topic(value, f"careerhub:{name}.{attr}")
    return aggregate_class


def give_topic(cls: type[Any], topic: str) -> None:
    # The library reads TOPIC with getattr() and declares no such attribute, hence type[Any].
    cls.TOPIC = topic
    register_topic(topic, cls)
