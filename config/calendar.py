"""School terms and academic years (default calendar of DATA.md §3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from config.values import FIRST_DAY, LAST_DAY, OUTSIDE

# (name, first month, first day, last month, last day) within the academic year.
DEFAULT_TERMS = (("autumn", 9, 1, 12, 31), ("spring", 1, 1, 3, 31), ("summer", 4, 1, 8, 31))
ACADEMIC_YEAR = re.compile(r"[0-9]{4}/[0-9]{2}")  # [0-9], not \d: no other scripts' digits


@dataclass(frozen=True)
class Term:
    name: str
    academic_year: str
    starts_on: date
    ends_on: date


def academic_year_start(day: date) -> int:
    """The calendar year in which the academic year containing `day` began."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def academic_year_of(day: date) -> str:
    return academic_year_label(academic_year_start(day))


def parse_academic_year(label: str) -> int:
    """'2019/20' -> 2019; raises ValueError for anything else."""
    if not ACADEMIC_YEAR.fullmatch(label):
        raise ValueError(f"not an academic year like 2019/20: {label!r}")
    start = int(label[:4])
    if (start + 1) % 100 != int(label[5:]):
        raise ValueError(f"academic year {label!r} does not span consecutive years")
    return start


def check_academic_year(label: str) -> str:
    """An academic year someone gave: well formed, and every day of it within the days careerhub handles
    (the years just outside are computed with, around the first and last days)."""
    if not FIRST_DAY.year <= parse_academic_year(label) < LAST_DAY.year:
        raise ValueError(f"academic year {label!r} is {OUTSIDE}")
    return label


@cache  # asked for every standing of every report; the answer depends on the year alone
def terms_of_year(start_year: int) -> tuple[Term, ...]:
    label = academic_year_label(start_year)
    terms = []
    for name, m1, d1, m2, d2 in DEFAULT_TERMS:
        year = start_year if m1 >= 9 else start_year + 1
        terms.append(Term(name, label, date(year, m1, d1), date(year, m2, d2)))
    return tuple(terms)


Overrides = dict[tuple[str, str], tuple[date, date]]  # (academic_year, term name) -> (starts_on, ends_on)


def hub_terms_of_year(start_year: int, overrides: Overrides) -> tuple[Term, ...]:
    """The default terms of the year, with a hub's own dates where it set them."""
    if not overrides:
        return terms_of_year(start_year)
    return tuple(
        Term(t.name, t.academic_year, *overrides.get((t.academic_year, t.name), (t.starts_on, t.ends_on)))
        for t in terms_of_year(start_year)
    )


def term_containing(day: date, overrides: Overrides | None = None) -> Term:
    """The term containing the day; in a holiday between a hub's own terms, the term just ended."""
    year = academic_year_start(day)
    started = [t for y in (year - 1, year, year + 1) for t in hub_terms_of_year(y, overrides or {}) if t.starts_on <= day]
    return max(started, key=lambda t: t.starts_on)


def term_after(day: date, overrides: Overrides | None = None) -> Term:
    """The first term to start after the day (after a hub's own holiday, its next term)."""
    year = academic_year_start(day)
    later = [t for y in (year, year + 1) for t in hub_terms_of_year(y, overrides or {}) if t.starts_on > day]
    return min(later, key=lambda t: t.starts_on)
