"""Jinja filters: figures as people read them (unrounded numbers stay in the JSON and CSV)."""

from __future__ import annotations

from datetime import date
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
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    return f"{day.day} {day:%B %Y}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(number=number, percent=percent, money=money, long_date=long_date)
