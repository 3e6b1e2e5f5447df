"""Small factories for matcher tests: places by kilometres from a base point."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from matching.geo import EARTH_RADIUS_KM
from matching.schema import Adviser, School, Snapshot

BASE_LAT, BASE_LON = 52.0, -1.0
KM_PER_DEGREE_LAT = EARTH_RADIUS_KM * math.pi / 180
AS_OF = date(2020, 2, 2)


def north(km: float) -> tuple[float, float]:
    """Return the point `km` due north of the base (exact along a meridian)."""
    return BASE_LAT + km / KM_PER_DEGREE_LAT, BASE_LON


def school(urn: str, km: float | None = 0.0, **kw: Any) -> School:
    lat, lon = north(km) if km is not None else (None, None)
    fields: dict[str, Any] = dict(
        urn=urn,
        name=f"School {urn}",
        kind="school",
        latitude=lat,
        longitude=lon,
        disadvantaged=False,
        waiting_days=30,
        benchmarks=(50,) * 8,
    )
    fields.update(kw)
    return School(**fields)


def adviser(ref: str, km: float | None = 0.0, **kw: Any) -> Adviser:
    lat, lon = north(km) if km is not None else (None, None)
    fields: dict[str, Any] = dict(
        adviser_ref=ref,
        name=f"Adviser {ref}",
        employer="Acme",
        sector="engineering",
        skills=("mentoring",),
        latitude=lat,
        longitude=lon,
        capacity=1,
        active_matches=0,
        max_travel_km=40.0,
        available=True,
        conflicts=frozenset(),
    )
    fields.update(kw)
    return Adviser(**fields)


def snapshot(schools: list[School], advisers: list[Adviser], **kw: Any) -> Snapshot:
    fields: dict[str, Any] = dict(area="test", as_of=AS_OF, schools=tuple(schools), advisers=tuple(advisers))
    fields.update(kw)
    return Snapshot(**fields)
