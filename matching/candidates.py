"""One school's candidate advisers, as the matcher sees them: the advisers no hard rule keeps away,
ranked by the matcher's own score and its parts, and for every other adviser the rule that keeps it
away, in that rule's own words. Nothing here re-states a rule: the travel limit is rules.beyond_travel_limit,
the others are HARD_RULES (each pair judged alone, as a pin would be), the score is quality.score_parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.geo import haversine_km
from matching.quality import PART_NAMES, UNITS_PER_POINT, TextMatcher, build_tables, reasons, score_parts, to_units
from matching.rules import HARD_RULES, Area, HardRule, beyond_travel_limit, index_snapshot
from matching.schema import Adviser, School, Snapshot

TRAVEL_LIMIT = ("travel limit", "out_of_range")  # the rule pairs_in_range applies: (name, reason code)


@dataclass(frozen=True)
class Candidate:
    """An adviser for the school: ranked with its score, or excluded by a named rule."""

    adviser_ref: str
    name: str
    distance_km: float | None
    score: float | None = None
    score_parts: tuple[tuple[str, float], ...] = ()
    reasons: tuple[str, ...] = ()
    rule: str | None = None  # the first rule that excludes the adviser, by its name
    code: str | None = None  # that rule's reason code (as an unmatched school's reason uses it)
    why: str | None = None  # the rule's words for this pair

    @property
    def excluded(self) -> bool:
        return self.rule is not None


def excluding_rule(
    area: Area, school: School, adviser: Adviser, rules: Sequence[HardRule] = HARD_RULES
) -> tuple[str, str, str] | None:
    """(rule name, code, words) of the first rule that keeps the pair apart, or None: the travel limit
    first (the matcher applies it while finding pairs), then the hard rules in their order."""
    why = beyond_travel_limit(school, adviser)
    if why is not None:
        return (*TRAVEL_LIMIT, why)
    for rule in rules:
        why = rule.broken_by(area, school, adviser) or rule.broken_by_pins(area, {school.urn: adviser.adviser_ref})
        if why is not None:
            return rule.name, rule.unmatched.code, why
    return None


def candidates_for(snapshot: Snapshot, urn: str, rules: Sequence[HardRule] = HARD_RULES) -> tuple[Candidate, ...]:
    """Every adviser of the snapshot for school `urn`: the eligible ones by score (best first), then the
    excluded ones with the rule that excludes each. The school must be one of the snapshot's."""
    school = next((s for s in snapshot.schools if s.urn == urn), None)
    if school is None:
        raise KeyError(urn)
    area, text = index_snapshot(snapshot), TextMatcher(snapshot.weights)
    eligible: list[tuple[Adviser, float]] = []
    excluded: list[Candidate] = []
    for adviser in area.advisers:
        distance = _distance(school, adviser)
        found = excluding_rule(area, school, adviser, rules)
        if found is None and distance is not None:  # the travel limit rule needs both places
            eligible.append((adviser, distance))
        elif found is not None:
            rule, code, why = found
            excluded.append(Candidate(adviser.adviser_ref, adviser.name, _rounded(distance), rule=rule, code=code, why=why))
    return (*_ranked(snapshot, school, eligible, text), *excluded)


def _rounded(distance: float | None) -> float | None:
    return None if distance is None else round(distance, 3)


def _distance(school: School, adviser: Adviser) -> float | None:
    if None in (school.latitude, school.longitude, adviser.latitude, adviser.longitude):
        return None
    return haversine_km(school.latitude, school.longitude, adviser.latitude, adviser.longitude)  # type: ignore[arg-type]


def _ranked(snapshot: Snapshot, school: School, eligible: list[tuple[Adviser, float]], text: TextMatcher) -> list[Candidate]:
    if not eligible:
        return []
    advisers = tuple(a for a, _ in eligible)
    tables = build_tables((school,), advisers, snapshot.weights, text)
    index = np.arange(len(advisers), dtype=np.int64)
    distance = np.array([d for _, d in eligible], dtype=np.float64)
    parts = score_parts(tables, snapshot.weights, np.zeros(len(advisers), np.int64), index, distance)
    units = to_units(parts)
    found = [
        Candidate(
            a.adviser_ref,
            a.name,
            round(d, 3),
            score=int(units[k]) / UNITS_PER_POINT,
            score_parts=tuple((name, round(float(parts[name][k]), 2)) for name in PART_NAMES),
            reasons=reasons(school, a, d, text),
        )
        for k, (a, d) in enumerate(eligible)
    ]
    return sorted(found, key=lambda c: (-(c.score or 0), c.distance_km, c.adviser_ref))
