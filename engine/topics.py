"""Stable topic names, so that moving or renaming a module never breaks an old log."""
from __future__ import annotations

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import register_topic


def stabilise_topics(aggregate_class: type, name: str) -> type:
    """Give an aggregate class and its event classes topics 'careerhub:<name>[.<Event>]'."""
    aggregate_class.TOPIC = f"careerhub:{name}"
    register_topic(aggregate_class.TOPIC, aggregate_class)
    for attr, value in list(vars(aggregate_class).items()):
        if isinstance(value, type) and issubclass(value, CanMutateAggregate) and attr != "Event":
            value.TOPIC = f"careerhub:{name}.{attr}"
            register_topic(value.TOPIC, value)
    return aggregate_class
