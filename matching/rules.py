"""The hard rules: which (school, adviser) pairs may be proposed at all.

Each rule is a small class with a domain-worded docstring. `blocked` answers for many
candidate pairs at once (numpy masks); `broken_by` answers for one pair in words, which is
how pins are checked. The travel limit is applied first, by `pairs_in_range`, because it
is the rule that makes the problem sparse.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matching.errors import PinError
from matching.geo import EARTH_RADIUS_KM, haversine_km, haversine_km_arrays, unit_vectors
from matching.schema import Adviser, School, Snapshot

# Why a pair in range is not feasible, in the order a reason is reported.
FEASIBLE, CONFLICT, FORBIDDEN, UNAVAILABLE, AT_CAPACITY = 0, 1, 2, 3, 4

_PREFILTER_MARGIN_KM = 0.05  # the dot-product prefilter keeps pairs up to 50 m beyond the limit
_BOUNDARY_KM = 1e-6  # pairs this close to their limit are decided by the scalar reference
_BAND_SCHOOLS = 128  # schools per latitude band


@dataclass(frozen=True)
class Area:
    """A snapshot in canonical order (schools by URN, advisers by ref) with index lookups."""

    snapshot: Snapshot
    schools: tuple[School, ...]
    advisers: tuple[Adviser, ...]
    school_index: dict[str, int]
    adviser_index: dict[str, int]


def index_snapshot(snapshot: Snapshot) -> Area:
    """Sort schools and advisers by key so that input order never changes a result."""
    schools = tuple(sorted(snapshot.schools, key=lambda s: s.urn))
    advisers = tuple(sorted(snapshot.advisers, key=lambda a: a.adviser_ref))
    return Area(
        snapshot, schools, advisers,
        {s.urn: i for i, s in enumerate(schools)},
        {a.adviser_ref: j for j, a in enumerate(advisers)},
    )


@dataclass(frozen=True)
class Pairs:
    """Pairs within the adviser's travel limit, sorted by (school, adviser) index."""

    school: NDArray[np.int64]
    adviser: NDArray[np.int64]
    distance_km: NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.school)


def _coordinates(
    points: tuple[School, ...] | tuple[Adviser, ...],
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    located: list[School | Adviser] = list(points)
    idx = [i for i, p in enumerate(located) if p.latitude is not None and p.longitude is not None]
    lat = np.array([points[i].latitude for i in idx], dtype=np.float64)
    lon = np.array([points[i].longitude for i in idx], dtype=np.float64)
    return np.array(idx, dtype=np.int64), lat, lon


def pairs_in_range(area: Area) -> Pairs:
    """No pair further apart than the adviser's max_travel_km; both need coordinates.

    Schools are taken in latitude bands: an adviser more than the longest reach away in
    latitude alone cannot be in range (great-circle distance >= R * latitude difference).
    Within a band, a dot product of unit vectors keeps the pairs whose angle is within the
    limit plus a small margin; exact haversine then decides.
    """
    si, slat, slon = _coordinates(area.schools)
    ai, alat, alon = _coordinates(area.advisers)
    if len(si) == 0 or len(ai) == 0:
        return Pairs(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    limit = np.array([area.advisers[j].max_travel_km for j in ai], dtype=np.float64)
    threshold = np.cos(np.minimum(math.pi, (limit + _PREFILTER_MARGIN_KM) / EARTH_RADIUS_KM))
    reach_deg = math.degrees((float(limit.max()) + _PREFILTER_MARGIN_KM) / EARTH_RADIUS_KM) + 1e-9
    svec, avec = unit_vectors(slat, slon), unit_vectors(alat, alon)
    by_lat_s, by_lat_a = np.argsort(slat, kind="stable"), np.argsort(alat, kind="stable")
    sorted_alat = alat[by_lat_a]
    rows: list[NDArray[np.int64]] = []
    cols: list[NDArray[np.int64]] = []
    for start in range(0, len(si), _BAND_SCHOOLS):
        band = by_lat_s[start:start + _BAND_SCHOOLS]
        lo, hi = np.searchsorted(sorted_alat, [slat[band].min() - reach_deg, slat[band].max() + reach_deg])
        near = by_lat_a[lo:hi]
        r, c = np.nonzero(svec[band] @ avec[near].T >= threshold[near])
        rows.append(band[r])
        cols.append(near[c])
    r, c = np.concatenate(rows), np.concatenate(cols)
    order = np.lexsort((c, r))
    r, c = r[order], c[order]
    d = haversine_km_arrays(slat[r], slon[r], alat[c], alon[c])
    lim = limit[c]
    for k in np.flatnonzero(np.abs(d - lim) <= _BOUNDARY_KM):
        d[k] = haversine_km(slat[r[k]], slon[r[k]], alat[c[k]], alon[c[k]])
    keep = d <= lim
    return Pairs(si[r[keep]], ai[c[keep]], d[keep])


def _pair_keys(area: Area, pairs: set[tuple[str, str]]) -> NDArray[np.int64]:
    m = len(area.advisers)
    keys = [
        area.school_index[u] * m + area.adviser_index[r]
        for u, r in pairs if u in area.school_index and r in area.adviser_index
    ]
    return np.array(sorted(keys), dtype=np.int64)


class TravelLimit:
    """A pair is never further apart than the adviser's max_travel_km, and a pair without
    coordinates on both sides cannot be shown to be within it."""

    name = "travel limit"

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        if school.latitude is None or school.longitude is None:
            return f"no coordinates recorded for school {school.urn}"
        if adviser.latitude is None or adviser.longitude is None:
            return f"no coordinates recorded for adviser {adviser.adviser_ref}"
        d = haversine_km(school.latitude, school.longitude, adviser.latitude, adviser.longitude)
        if d > adviser.max_travel_km:
            return f"{d:.1f} km apart, beyond the adviser's {adviser.max_travel_km:g} km limit"
        return None


class ConflictOfInterest:
    """An adviser is never matched with a school on their conflicts list."""

    name = "conflict of interest"
    code = CONFLICT

    def blocked(self, area: Area, pairs: Pairs) -> NDArray[np.bool_]:
        bad = {(u, a.adviser_ref) for a in area.advisers for u in a.conflicts}
        keys = _pair_keys(area, bad)
        return np.isin(pairs.school * len(area.advisers) + pairs.adviser, keys)

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        if school.urn in adviser.conflicts:
            return f"school {school.urn} is on adviser {adviser.adviser_ref}'s conflicts list"
        return None


class ForbiddenByCoordinator:
    """A pair the coordinator forbade (or rejected in an earlier run) is never proposed."""

    name = "forbidden pair"
    code = FORBIDDEN

    def blocked(self, area: Area, pairs: Pairs) -> NDArray[np.bool_]:
        keys = _pair_keys(area, set(area.snapshot.forbidden))
        return np.isin(pairs.school * len(area.advisers) + pairs.adviser, keys)

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        if (school.urn, adviser.adviser_ref) in set(area.snapshot.forbidden):
            return "the coordinator forbade this pair (or rejected it in an earlier run)"
        return None


class Availability:
    """An adviser is proposed only if available on the snapshot's day."""

    name = "availability"
    code = UNAVAILABLE

    def blocked(self, area: Area, pairs: Pairs) -> NDArray[np.bool_]:
        available = np.array([a.available for a in area.advisers], dtype=np.bool_)
        return ~available[pairs.adviser] if len(area.advisers) else np.zeros(0, np.bool_)

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        if not adviser.available:
            return f"adviser {adviser.adviser_ref} is not available on {area.snapshot.as_of.isoformat()}"
        return None


class SpareCapacity:
    """An adviser never holds more than `capacity` matches, counting active ones and pins."""

    name = "capacity"
    code = AT_CAPACITY

    def blocked(self, pairs: Pairs, spare_left: NDArray[np.int64]) -> NDArray[np.bool_]:
        return spare_left[pairs.adviser] <= 0 if len(spare_left) else np.zeros(0, np.bool_)


PAIR_RULES = (TravelLimit(), ConflictOfInterest(), ForbiddenByCoordinator(), Availability())
BLOCKING_RULES = (ConflictOfInterest(), ForbiddenByCoordinator(), Availability())


@dataclass(frozen=True)
class Pin:
    school: int
    adviser: int
    distance_km: float


def check_pins(area: Area) -> tuple[Pin, ...]:
    """Return the pins as indices, or raise PinError naming the pin and the rule it breaks."""
    pins: dict[str, str] = {}
    for urn, ref in dict.fromkeys(area.snapshot.pins):
        where = f"pin ({urn}, {ref})"
        if urn not in area.school_index:
            raise PinError(f"{where}: school {urn} is not an engaged institution without an active match")
        if ref not in area.adviser_index:
            raise PinError(f"{where}: adviser {ref} is unknown")
        if urn in pins:
            raise PinError(
                f"{where} breaks the rule 'at most one new adviser per school': "
                f"school {urn} is also pinned to {pins[urn]}"
            )
        pins[urn] = ref
        school, adviser = area.schools[area.school_index[urn]], area.advisers[area.adviser_index[ref]]
        for rule in PAIR_RULES:
            why = rule.broken_by(area, school, adviser)
            if why is not None:
                raise PinError(f"{where} breaks the {rule.name} rule: {why}")
    per_adviser: dict[str, list[str]] = {}
    for urn, ref in pins.items():
        per_adviser.setdefault(ref, []).append(urn)
    for ref, urns in sorted(per_adviser.items()):
        adviser = area.advisers[area.adviser_index[ref]]
        if len(urns) > adviser.spare:
            named = ", ".join(f"({u}, {ref})" for u in sorted(urns))
            raise PinError(
                f"pins {named} break the capacity rule: adviser {ref} has capacity "
                f"{adviser.capacity} with {adviser.active_matches} active matches, "
                f"so room for {adviser.spare}, not {len(urns)}"
            )
    out = []
    for urn, ref in sorted(pins.items()):
        s, a = area.schools[area.school_index[urn]], area.advisers[area.adviser_index[ref]]
        assert s.latitude is not None and s.longitude is not None
        assert a.latitude is not None and a.longitude is not None
        d = haversine_km(s.latitude, s.longitude, a.latitude, a.longitude)
        out.append(Pin(area.school_index[urn], area.adviser_index[ref], d))
    return tuple(out)


def spare_after_pins(area: Area, pins: tuple[Pin, ...]) -> NDArray[np.int64]:
    """Return each adviser's room left once active matches and pins are counted."""
    spare = np.array([a.spare for a in area.advisers], dtype=np.int64)
    for p in pins:
        spare[p.adviser] -= 1
    return spare


def classify(area: Area, pairs: Pairs, spare_left: NDArray[np.int64]) -> NDArray[np.int8]:
    """Return, per pair in range, FEASIBLE or the first rule that blocks it."""
    code = np.zeros(len(pairs), dtype=np.int8)
    if len(pairs) == 0:
        return code
    masks = [(r.code, r.blocked(area, pairs)) for r in BLOCKING_RULES]
    masks.append((AT_CAPACITY, SpareCapacity().blocked(pairs, spare_left)))
    for c, mask in reversed(masks):
        code[mask] = c
    return code
