"""A solver-independent check of every hard rule, used by tests and before any result is shown.

It reads only the snapshot and the result (no rules.py, no model): distances are recomputed
with the reference haversine, capacities counted from scratch.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

from matching.geo import haversine_km, haversine_km_arrays
from matching.result import MatchResult
from matching.schema import Adviser, School, Snapshot

_DISTANCE_TOLERANCE_KM = 0.0005 + 1e-9  # proposals report distance rounded to the metre


def validate(snapshot: Snapshot, result: MatchResult) -> list[str]:
    """Return every broken rule as a sentence; an empty list means the result is valid."""
    schools = {s.urn: s for s in snapshot.schools}
    advisers = {a.adviser_ref: a for a in snapshot.advisers}
    forbidden = set(snapshot.forbidden)
    pins = set(snapshot.pins)
    problems: list[str] = []
    urns = [p.urn for p in result.proposals]
    if urns != sorted(urns):
        problems.append("proposals are not sorted by urn")
    for urn, n in Counter(urns).items():
        if n > 1:
            problems.append(f"school {urn} gets {n} new advisers; at most one per run")
    for p in result.proposals:
        problems += _check_pair(snapshot, schools.get(p.urn), advisers.get(p.adviser_ref), p.urn, p.adviser_ref)
        pair = (p.urn, p.adviser_ref)
        if pair in forbidden:
            problems.append(f"forbidden pair {pair} proposed")
        if p.pinned != (pair in pins):
            problems.append(f"pair {pair} has pinned={p.pinned} but is {'' if pair in pins else 'not '}a pin")
        s, a = schools.get(p.urn), advisers.get(p.adviser_ref)
        if s and a and None not in (s.latitude, s.longitude, a.latitude, a.longitude):
            d = haversine_km(s.latitude, s.longitude, a.latitude, a.longitude)  # type: ignore[arg-type]
            if abs(p.distance_km - d) > _DISTANCE_TOLERANCE_KM:
                problems.append(f"pair {pair} reports {p.distance_km} km but is {d:.6f} km apart")
    used = Counter(p.adviser_ref for p in result.proposals)
    for ref, n in sorted(used.items()):
        a = advisers.get(ref)
        if a is not None and n + a.active_matches > a.capacity:
            problems.append(
                f"adviser {ref} would hold {n + a.active_matches} matches, capacity {a.capacity}"
            )
    proposed = set(urns)
    pairs = {(p.urn, p.adviser_ref) for p in result.proposals}
    for pin in sorted(pins):
        if pin not in pairs:
            problems.append(f"pin {pin} is not kept")
    left = [u.urn for u in result.unmatched]
    if left != sorted(left) or len(set(left)) != len(left):
        problems.append("unmatched schools are not sorted by urn or repeat")
    if proposed & set(left):
        problems.append(f"schools both proposed and unmatched: {sorted(proposed & set(left))}")
    if proposed | set(left) != set(schools):
        problems.append("every school must be either proposed or unmatched, exactly once")
    problems += _check_objective(snapshot, result)
    if result.optimal:
        problems += _check_maximal(snapshot, result, used)
    return problems


def _check_pair(snapshot: Snapshot, s: School | None, a: Adviser | None, urn: str, ref: str) -> list[str]:
    pair = (urn, ref)
    if s is None:
        return [f"pair {pair}: school {urn} is not among the schools to match"]
    if a is None:
        return [f"pair {pair}: adviser {ref} is unknown"]
    out = []
    if not a.available:
        out.append(f"pair {pair}: adviser is not available on {snapshot.as_of.isoformat()}")
    if urn in a.conflicts:
        out.append(f"pair {pair}: conflict of interest")
    if None in (s.latitude, s.longitude, a.latitude, a.longitude):
        out.append(f"pair {pair}: coordinates missing, travel limit cannot be met")
    else:
        d = haversine_km(s.latitude, s.longitude, a.latitude, a.longitude)  # type: ignore[arg-type]
        if d > a.max_travel_km:
            out.append(f"pair {pair}: {d:.3f} km apart, beyond the {a.max_travel_km} km limit")
    return out


def _check_objective(snapshot: Snapshot, result: MatchResult) -> list[str]:
    schools = {s.urn: s for s in snapshot.schools}
    matched = len(result.proposals)
    disadvantaged = sum(1 for p in result.proposals if p.urn in schools and schools[p.urn].disadvantaged)
    out = []
    if result.objective.get("matched") != matched:
        out.append(f"objective says {result.objective.get('matched')} matched, proposals have {matched}")
    if result.objective.get("disadvantaged_matched") != disadvantaged:
        out.append(
            f"objective says {result.objective.get('disadvantaged_matched')} disadvantaged matched, "
            f"proposals have {disadvantaged}"
        )
    return out


def _check_maximal(snapshot: Snapshot, result: MatchResult, used: Counter[str]) -> list[str]:
    """An optimum leaves no unmatched school next to an adviser with room who could take it."""
    forbidden = set(snapshot.forbidden)
    open_advisers = [
        a for a in snapshot.advisers
        if a.available and a.latitude is not None and a.longitude is not None
        and a.capacity - a.active_matches - used[a.adviser_ref] > 0
    ]
    if not open_advisers:
        return []
    lat = np.array([a.latitude for a in open_advisers])
    lon = np.array([a.longitude for a in open_advisers])
    limit = np.array([a.max_travel_km for a in open_advisers])
    schools = {s.urn: s for s in snapshot.schools}
    out = []
    for u in result.unmatched:
        s = schools.get(u.urn)
        if s is None or s.latitude is None or s.longitude is None:
            continue
        n = len(open_advisers)
        d = haversine_km_arrays(np.full(n, s.latitude), np.full(n, s.longitude), lat, lon)
        for k in np.flatnonzero(d <= limit + 1e-6):
            a = open_advisers[k]
            if s.urn in a.conflicts or (s.urn, a.adviser_ref) in forbidden:
                continue
            if haversine_km(s.latitude, s.longitude, a.latitude, a.longitude) <= a.max_travel_km:  # type: ignore[arg-type]
                out.append(f"school {s.urn} left unmatched although adviser {a.adviser_ref} has room and is in range")
    return out
