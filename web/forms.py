"""Reading query and form values: dates, moments, whole numbers, choices; a bad value is a 422 that says why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, overload

from flask import request
from werkzeug.exceptions import UnprocessableEntity

from config.values import KnowledgePoint, parse_day, parse_knowledge_point, parse_whole_number


class InvalidField(UnprocessableEntity):
    """A 422 about one form field: the error says which (`field`, its name), so the page can mark it."""

    def __init__(self, field: str, description: str):
        super().__init__(description)
        self.field = field


def sentence(error: Exception) -> str:
    """An error's message as a page shows it: a sentence, capitalised and ended."""
    text = str(error).strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def text_arg(name: str, source: str = "args") -> str | None:
    value = getattr(request, source).get(name, "").strip()
    return value or None


def parsed_arg(name: str, parse: Callable[[str], Any], label: str | None = None, source: str = "args") -> Any:
    """The value `parse` reads from the field (None if it is empty); one it refuses is a 422 naming the field."""
    value = text_arg(name, source)
    if value is None:
        return None
    try:
        return parse(value)
    except ValueError as error:
        raise InvalidField(name, f"{label or name}: {error}.") from None


@overload
def day_arg(name: str, default: date, label: str | None = None, source: str = "args") -> date: ...
@overload
def day_arg(name: str, default: None = None, label: str | None = None, source: str = "args") -> date | None: ...
def day_arg(name: str, default: date | None = None, label: str | None = None, source: str = "args") -> date | None:
    day = parsed_arg(name, parse_day, label, source)
    return default if day is None else day


def moment_arg(name: str, label: str | None = None) -> KnowledgePoint | None:
    """A knowledge point: `@POSITION`, or an ISO 8601 date-time to the microsecond; one without an offset
    (as a datetime-local field sends it) is UTC."""
    return parsed_arg(name, parse_knowledge_point, label)


def whole_number_arg(name: str, default: int, label: str | None = None) -> int:
    number = parsed_arg(name, parse_whole_number, label)
    return default if number is None else number


def moment_value(point: KnowledgePoint | datetime | None) -> str:
    """A knowledge point as a field shows it: `@957`, or the moment in UTC (a datetime-local field's
    seconds, with the fraction kept when there is one, so a sub-second time survives the round trip)."""
    if point is None:
        return ""
    moment = point.moment if isinstance(point, KnowledgePoint) else point
    if moment is None:
        return point.isoformat()
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S" + (".%f" if moment.microsecond else ""))
