"""Reading query and form values: dates, moments, choices; a bad value is a 422 that says why."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import abort, request


def text_arg(name: str, source: str = "args") -> str | None:
    value = getattr(request, source).get(name, "").strip()
    return value or None


def day_arg(name: str, default: date | None = None, label: str | None = None, source: str = "args") -> date | None:
    value = text_arg(name, source)
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(422, description=f"{label or name}: {value!r} is not a date like 2020-02-02.")


def moment_arg(name: str, label: str | None = None) -> datetime | None:
    """An ISO 8601 date-time; one without an offset (as a datetime-local field sends it) is UTC."""
    value = text_arg(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        abort(422, description=f"{label or name}: {value!r} is not a date and time like 2020-02-02T09:00:00.")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def moment_value(moment: datetime | None) -> str:
    """A moment as a datetime-local field shows it (UTC, seconds)."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") if moment else ""
