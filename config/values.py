"""The values people type into careerhub — days, moments, whole numbers — read one way by the web, the
command line and the importer. A ValueError says what is wrong in plain words, without naming a field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

# The days careerhub computes with. Terms, academic years and forecasts reach a year or two either side
# of a day, and recording times compare as text with four-digit years: a slip such as 0001-01-01 or
# 9999-12-31 is refused rather than carried into date arithmetic that overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
OUTSIDE = f"outside the days careerhub handles ({FIRST_DAY} to {LAST_DAY})"
LARGEST_WHOLE_NUMBER = 2**63 - 1  # the largest SQLite INTEGER and PostgreSQL BIGINT
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # [0-9], not \d: no other scripts' digits
WHOLE_NUMBER = re.compile(r"[0-9]+")


def check_day(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day.isoformat()} is {OUTSIDE}")
    return day


def parse_day(text: str) -> date:
    """A day written YYYY-MM-DD, within the days careerhub handles."""
    try:
        if not ISO_DAY.fullmatch(text):
            raise ValueError
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2020-02-02 (YYYY-MM-DD)") from None
    return check_day(day)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 date and time; one without an offset is UTC. In UTC, it falls within the days careerhub
    handles (an offset can carry a valid local time out of Python's range)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date and time like 2020-02-02T09:00:00 (ISO 8601)") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        check_day(moment.astimezone(UTC).date())
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is, in UTC, {OUTSIDE}") from None
    return moment


def parse_whole_number(text: str) -> int:
    """0, 1, 2 ... written in ASCII digits, up to the largest integer either database stores."""
    if not WHOLE_NUMBER.fullmatch(text):
        raise ValueError(f"{text[:40]!r} is not a whole number like 20")
    if len(text.lstrip("0")) > len(str(LARGEST_WHOLE_NUMBER)) or int(text) > LARGEST_WHOLE_NUMBER:
        raise ValueError(f"the number is too large (at most {LARGEST_WHOLE_NUMBER})")
    return int(text)


@dataclass(frozen=True)
class KnowledgePoint:
    """A state of knowledge an auditor names: everything recorded at or before a moment, or up to and
    including a log position (`@957`: after the transaction that ends there). Exactly one is set."""

    moment: datetime | None = None
    position: int | None = None

    def isoformat(self) -> str:
        """As the point is written back (JSON, pages, URLs): `@957`, or the moment in ISO 8601."""
        return self.moment.isoformat() if self.moment is not None else f"@{self.position}"

    def __str__(self) -> str:
        return self.isoformat()


# What "as known at" may name: a moment, or a knowledge point (a moment or a log position).
KnownAt = KnowledgePoint | datetime


def parse_knowledge_point(text: str) -> KnowledgePoint:
    """`@POSITION` (a log position) or an ISO 8601 date and time, to the microsecond (UTC if no offset)."""
    if text.startswith("@"):
        try:
            return KnowledgePoint(position=parse_whole_number(text[1:]))
        except ValueError as error:
            raise ValueError(f"{text[:40]!r} is not a log position like @957: {error}") from None
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text[:60]!r} is neither a date and time like 2020-02-02T09:00:00.250 (ISO 8601) nor a log position like @957"
        ) from None
    return KnowledgePoint(moment=parse_moment(text))
