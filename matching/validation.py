"""A solver-independent check of every hard rule, used by tests and before any result is shown.

It reads only the snapshot and the result (no rules.py, no model): distances are recomputed
with the reference haversine, capacities counted from scratch. A second opinion is the point:
a new hard rule in matching/rules.py gets its own re-check here, in PairCheck.problems.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from matching.geo import haversine_km, haversine_km_arrays
from matching.result import MatchResult, Proposal
from matching.schema import Adviser, School, Snapshot

_DISTANCE_TOLERANCE_KM = 0.0005 + 1e-9  # proposals report distance rounded to the metre


class PairCheck:
    """Every per-pair hard rule, re-checked from the snapshot alone."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.day = snapshot.as_of.isoformat()
        self.forbidden = set(snapshot.forbidden)

    def problems(self, s: School, a: Adviser) -> list[str]:
        """Return a sentence per rule the pair breaks; none means it may be proposed."""
        pair = (s.urn, a.adviser_ref)
        out = []
        if not a.available:
            out.append(f"pair {pair}: adviser is not available on {self.day}")
        if s.urn in a.conflicts:
            out.append(f"pair {pair}: conflict of interest")
        d = _km_apart(s, a)
        if d is None:
            out.append(f"pair {pair}: coordinates missing, travel limit cannot be met")
        elif d > a.max_travel_km:
            out.append(f"pair {pair}: {d:.3f} km apart, beyond the {a.max_travel_km} km limit")
        if pair in self.forbidden:
            out.append(f"forbidden pair {pair} proposed")
        return out


def validate(snapshot: Snapshot, result: MatchResult) -> list[str]:
    """Return every broken rule as a sentence; an empty list means the result is valid."""
    schools = {s.urn: s for s in snapshot.schools}
    advisers = {a.adviser_ref: a for a in snapshot.advisers}
    check = PairCheck(snapshot)
    pins = set(snapshot.pins)
    problems: list[str] = []
    urns = [p.urn for p in result.proposals]
    if urns != sorted(urns):
        problems.append("proposals are not sorted by urn")
    for urn, n in Counter(urns).items():
        if n > 1:
            problems.append(f"school {urn} gets {n} new advisers; at most one per run")
    for p in result.proposals:
        problems += _check_proposal(check, schools.get(p.urn), advisers.get(p.adviser_ref), p, pins)
    used = Counter(p.adviser_ref for p in result.proposals)
    for ref, n in sorted(used.items()):
        a = advisers.get(ref)
        if a is not None and n + a.active_matches > a.capacity:
            problems.append(f"adviser {ref} would hold {n + a.active_matches} matches, capacity {a.capacity}")
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
        problems += _check_maximal(snapshot, result, used, check)
    return problems


def _check_proposal(
    check: PairCheck,
    s: School | None,
    a: Adviser | None,
    p: Proposal,
    pins: set[tuple[str, str]],
) -> list[str]:
    pair = (p.urn, p.adviser_ref)
    if s is None:
        out = [f"pair {pair}: school {p.urn} is not among the schools to match"]
    elif a is None:
        out = [f"pair {pair}: adviser {p.adviser_ref} is unknown"]
    else:
        out = check.problems(s, a)
    if p.pinned != (pair in pins):
        out.append(f"pair {pair} has pinned={p.pinned} but is {'' if pair in pins else 'not '}a pin")
    d = None if s is None or a is None else _km_apart(s, a)
    if d is not None and abs(p.distance_km - d) > _DISTANCE_TOLERANCE_KM:
        out.append(f"pair {pair} reports {p.distance_km} km but is {d:.6f} km apart")
    return out


def _km_apart(s: School, a: Adviser) -> float | None:
    if s.latitude is None or s.longitude is None or a.latitude is None or a.longitude is None:
        return None
    return haversine_km(s.latitude, s.longitude, a.latitude, a.longitude)


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


def _check_maximal(snapshot: Snapshot, result: MatchResult, used: Counter[str], check: PairCheck) -> list[str]:
    """An optimum leaves no unmatched school next to an adviser with room who could take it."""
    # A shortlist by what is cheap to test for many pairs at once (room, availability, then
    # distance below); PairCheck has the last word, so a new rule needs no place here.
    open_advisers = [
        a
        for a in snapshot.advisers
        if a.available
        and a.latitude is not None
        and a.longitude is not None
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
            if not check.problems(s, a):
                out.append(f"school {s.urn} left unmatched although adviser {a.adviser_ref} has room and is in range")
    return out
