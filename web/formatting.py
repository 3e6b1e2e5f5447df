"""Jinja filters: figures as people read them (unrounded numbers stay in the JSON and CSV)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from flask import Flask

NO_DATA = "no data"


def number(value: Any, digits: int = 2) -> str:
    if value is None:
        return NO_DATA
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{int(value):,}"


def percent(value: Any) -> str:
    return NO_DATA if value is None else f"{number(value, 1)} %"


def money(value: Any) -> str:
    return NO_DATA if value is None else f"£{value:,.0f}"


def long_date(value: Any) -> str:
    if not value:
        return ""
    return spelled_out(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]))


@lru_cache(maxsize=8192)
def spelled_out(day: date) -> str:
    """A day as people write it; a list of a hub's schools spells some hundred days per page."""
    return f"{day.day} {day:%B %Y}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(number=number, percent=percent, money=money, long_date=long_date)
