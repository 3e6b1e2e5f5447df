"""The hard rules: which (school, adviser) pairs may be proposed at all.

A school's candidates are the advisers within travel range (`pairs_in_range`): the travel
limit is applied first, while pairs are found, because it is the rule that makes the problem
sparse. Every other hard rule is one `HardRule` class, listed in HARD_RULES, which carries all
the matcher knows of it: its reason code and words for unmatched schools, the filter the model
applies to candidate pairs, and its check of pins. A new rule is one class here plus its
independent re-check in matching/validation.py.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from matching.errors import PinError
from matching.geo import EARTH_RADIUS_KM, haversine_km, haversine_km_arrays, unit_vectors
from matching.schema import Adviser, School, Snapshot

# classify's code for a pair no rule blocks; k > 0 names the k-th rule of the list.
FEASIBLE = 0

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
        snapshot,
        schools,
        advisers,
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
        band = by_lat_s[start : start + _BAND_SCHOOLS]
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
        area.school_index[u] * m + area.adviser_index[r] for u, r in pairs if u in area.school_index and r in area.adviser_index
    ]
    return np.array(sorted(keys), dtype=np.int64)


@dataclass(frozen=True)
class Candidates:
    """The pairs in range, and each adviser's room left once active matches and pins are counted."""

    area: Area
    pairs: Pairs
    room: NDArray[np.int64]

    def listed(self, pairs: Iterable[tuple[str, str]]) -> NDArray[np.bool_]:
        """Mark the candidate pairs that appear among (urn, adviser_ref) `pairs`."""
        keys = _pair_keys(self.area, set(pairs))
        return np.isin(self.pairs.school * len(self.area.advisers) + self.pairs.adviser, keys)


@dataclass(frozen=True)
class Wording:
    """How an unmatched school's reason speaks of the advisers in range that one cause keeps away.

    The texts may use {n} (advisers in range), {k} (how many this cause keeps away) and {day}.
    """

    code: str  # the reason code when this is the only cause
    only: str  # the school's only adviser in range
    every: str  # all {n} of them
    some: str  # {k} of them, in a reason that lists several causes


class HardRule(ABC):
    """A rule no proposal breaks, as the model, the explanations and the pin check apply it."""

    name: ClassVar[str]  # as a PinError names it: "breaks the {name} rule"
    unmatched: ClassVar[Wording]

    @abstractmethod
    def blocked(self, c: Candidates) -> NDArray[np.bool_]:
        """Mark the candidate pairs this rule rules out (the model never offers them)."""

    @abstractmethod
    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        """Say in words why one pinned pair breaks this rule, or return None."""

    def broken_by_pins(self, area: Area, pins: dict[str, str]) -> str | None:
        """Say in a sentence why the pins (urn -> adviser_ref) together break this rule, or None."""
        return None  # most rules judge each pin alone, in broken_by


class ConflictOfInterest(HardRule):
    """An adviser is never matched with a school on their conflicts list."""

    name = "conflict of interest"
    unmatched = Wording(
        code="conflict",
        only="only adviser in range has a conflict of interest",
        every="all {n} advisers in range have a conflict of interest",
        some="{k} with a conflict of interest",
    )

    def blocked(self, c: Candidates) -> NDArray[np.bool_]:
        return c.listed((u, a.adviser_ref) for a in c.area.advisers for u in a.conflicts)

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        if school.urn in adviser.conflicts:
            return f"school {school.urn} is on adviser {adviser.adviser_ref}'s conflicts list"
        return None


class ForbiddenByCoordinator(HardRule):
    """A pair the coordinator forbade (or rejected in an earlier run) is never proposed."""

    name = "forbidden pair"
    unmatched = Wording(
        code="forbidden",
        only="only adviser in range is forbidden by coordinator",
        every="all {n} advisers in range are forbidden by coordinator",
        some="{k} forbidden by coordinator",
    )

    def blocked(self, c: Candidates) -> NDArray[np.bool_]:
        return c.listed(c.area.snapshot.forbidden)

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        if (school.urn, adviser.adviser_ref) in set(area.snapshot.forbidden):
            return "the coordinator forbade this pair (or rejected it in an earlier run)"
        return None


class Availability(HardRule):
    """An adviser is proposed only if available on the snapshot's day."""

    name = "availability"
    unmatched = Wording(
        code="unavailable",
        only="only adviser in range is not available on {day}",
        every="the {n} advisers in range are not available on {day}",
        some="{k} not available on {day}",
    )

    def blocked(self, c: Candidates) -> NDArray[np.bool_]:
        available = np.array([a.available for a in c.area.advisers], dtype=np.bool_)
        return ~available[c.pairs.adviser] if len(c.area.advisers) else np.zeros(0, np.bool_)

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        if not adviser.available:
            return f"adviser {adviser.adviser_ref} is not available on {area.snapshot.as_of.isoformat()}"
        return None


class SpareCapacity(HardRule):
    """An adviser never holds more than `capacity` matches, counting active ones and pins."""

    name = "capacity"
    unmatched = Wording(
        code="at_capacity",
        only="only adviser in range is at capacity",
        every="the {n} advisers in range are at capacity",
        some="{k} at capacity",
    )

    def blocked(self, c: Candidates) -> NDArray[np.bool_]:
        return c.room[c.pairs.adviser] <= 0 if len(c.room) else np.zeros(0, np.bool_)

    def broken_by(self, area: Area, school: School, adviser: Adviser) -> str | None:
        return None  # pins share an adviser's room, so they are counted together: broken_by_pins

    def broken_by_pins(self, area: Area, pins: dict[str, str]) -> str | None:
        per_adviser: dict[str, list[str]] = {}
        for urn, ref in pins.items():
            per_adviser.setdefault(ref, []).append(urn)
        for ref, urns in sorted(per_adviser.items()):
            adviser = area.advisers[area.adviser_index[ref]]
            if len(urns) > adviser.spare:
                named = ", ".join(f"({u}, {ref})" for u in sorted(urns))
                return (
                    f"pins {named} break the capacity rule: adviser {ref} has capacity "
                    f"{adviser.capacity} with {adviser.active_matches} active matches, "
                    f"so room for {adviser.spare}, not {len(urns)}"
                )
        return None


# In the order an unmatched school's reason names them; the first rule that blocks a pair names it.
HARD_RULES: tuple[HardRule, ...] = (
    ConflictOfInterest(),
    ForbiddenByCoordinator(),
    Availability(),
    SpareCapacity(),
)


def beyond_travel_limit(school: School, adviser: Adviser) -> str | None:
    """Say in words why a pair is not within the adviser's travel limit, or return None.

    pairs_in_range applies this rule to every pair at once; this is its answer for one pair (a pin,
    or a school's list of candidates).
    """
    if school.latitude is None or school.longitude is None:
        return f"no coordinates recorded for school {school.urn}"
    if adviser.latitude is None or adviser.longitude is None:
        return f"no coordinates recorded for adviser {adviser.adviser_ref}"
    d = haversine_km(school.latitude, school.longitude, adviser.latitude, adviser.longitude)
    if d > adviser.max_travel_km:
        return f"{d:.1f} km apart, beyond the adviser's {adviser.max_travel_km:g} km limit"
    return None


@dataclass(frozen=True)
class Pin:
    school: int
    adviser: int
    distance_km: float


def check_pins(area: Area, rules: Sequence[HardRule] = HARD_RULES) -> tuple[Pin, ...]:
    """Return the pins as indices, or raise PinError naming the pin and the rule it breaks."""
    pins: dict[str, str] = {}
    for urn, ref in dict.fromkeys(area.snapshot.pins):
        _check_pin(area, rules, pins, urn, ref)
        pins[urn] = ref
    for rule in rules:
        why = rule.broken_by_pins(area, pins)
        if why is not None:
            raise PinError(why)
    return tuple(_pin(area, urn, ref) for urn, ref in sorted(pins.items()))


def _check_pin(area: Area, rules: Sequence[HardRule], earlier: dict[str, str], urn: str, ref: str) -> None:
    where = f"pin ({urn}, {ref})"
    if urn not in area.school_index:
        raise PinError(f"{where}: school {urn} is not an engaged institution without an active match")
    if ref not in area.adviser_index:
        raise PinError(f"{where}: adviser {ref} is unknown")
    if urn in earlier:
        raise PinError(
            f"{where} breaks the rule 'at most one new adviser per school': school {urn} is also pinned to {earlier[urn]}"
        )
    school, adviser = area.schools[area.school_index[urn]], area.advisers[area.adviser_index[ref]]
    why = beyond_travel_limit(school, adviser)
    if why is not None:
        raise PinError(f"{where} breaks the travel limit rule: {why}")
    for rule in rules:
        why = rule.broken_by(area, school, adviser)
        if why is not None:
            raise PinError(f"{where} breaks the {rule.name} rule: {why}")


def _pin(area: Area, urn: str, ref: str) -> Pin:
    s, a = area.schools[area.school_index[urn]], area.advisers[area.adviser_index[ref]]
    assert s.latitude is not None and s.longitude is not None
    assert a.latitude is not None and a.longitude is not None
    d = haversine_km(s.latitude, s.longitude, a.latitude, a.longitude)
    return Pin(area.school_index[urn], area.adviser_index[ref], d)


def spare_after_pins(area: Area, pins: tuple[Pin, ...]) -> NDArray[np.int64]:
    """Return each adviser's room left once active matches and pins are counted."""
    spare = np.array([a.spare for a in area.advisers], dtype=np.int64)
    for p in pins:
        spare[p.adviser] -= 1
    return spare


def classify(
    area: Area,
    pairs: Pairs,
    spare_left: NDArray[np.int64],
    rules: Sequence[HardRule] = HARD_RULES,
) -> NDArray[np.int8]:
    """Return, per pair in range, FEASIBLE or k for the first rule, rules[k - 1], that blocks it."""
    code = np.zeros(len(pairs), dtype=np.int8)
    if len(pairs) == 0:
        return code
    c = Candidates(area, pairs, spare_left)
    for k in range(len(rules), 0, -1):  # last to first, so the first rule that blocks a pair stays
        code[rules[k - 1].blocked(c)] = k
    return code
