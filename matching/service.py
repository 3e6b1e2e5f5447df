"""The matcher's entry point: snapshot -> rules -> flow model -> proposals -> validated result.

Pure: reads nothing but the snapshot (no database, no clock), and the same snapshot always
gives the same result, whatever the order of its schools and advisers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from matching.errors import InvalidResultError
from matching.explain import explain_unmatched, solver_failed
from matching.model import SOLVER, solve_flow
from matching.quality import (
    PART_NAMES,
    UNITS_PER_POINT,
    Tables,
    TextMatcher,
    build_tables,
    reasons,
    score_parts,
    to_units,
)
from matching.result import MatchResult, Proposal, Unmatched, result_to_json
from matching.rules import (
    FEASIBLE,
    HARD_RULES,
    Area,
    HardRule,
    check_pins,
    classify,
    index_snapshot,
    pairs_in_range,
    spare_after_pins,
)
from matching.schema import Snapshot, snapshot_digest
from matching.validation import validate

__all__ = ["MatchResult", "Proposal", "Unmatched", "result_to_json", "solve", "validate"]


def solve(snapshot: Snapshot, rules: Sequence[HardRule] = HARD_RULES) -> MatchResult:
    """Propose pairs for the snapshot's schools; raise PinError if a pin breaks a hard rule.

    The model, the pin check and the reasons follow `rules`; the validator that checks the
    result before it is returned does not (it is the independent second opinion).
    """
    area = index_snapshot(snapshot)
    pins = check_pins(area, rules)
    room = spare_after_pins(area, pins)
    pairs = pairs_in_range(area)
    codes = classify(area, pairs, room, rules)
    n, m = len(area.schools), len(area.advisers)
    pinned = np.zeros(n, dtype=np.bool_)
    pinned[[p.school for p in pins]] = True
    candidate = (codes == FEASIBLE) & ~pinned[pairs.school]
    school, adviser, distance = pairs.school[candidate], pairs.adviser[candidate], pairs.distance_km[candidate]
    text = TextMatcher(snapshot.weights)
    tables = build_tables(area.schools, area.advisers, snapshot.weights, text)
    units = to_units(score_parts(tables, snapshot.weights, school, adviser, distance))
    disadvantaged = np.array([s.disadvantaged for s in area.schools], dtype=np.bool_)
    outcome = solve_flow(n, m, school, adviser, units, disadvantaged, room)

    pick = outcome.chosen
    chosen_school = np.concatenate((np.array([p.school for p in pins], np.int64), school[pick]))
    chosen_adviser = np.concatenate((np.array([p.adviser for p in pins], np.int64), adviser[pick]))
    chosen_distance = np.concatenate((np.array([p.distance_km for p in pins], np.float64), distance[pick]))
    proposals = _proposals(area, tables, text, chosen_school, chosen_adviser, chosen_distance, len(pins))
    matched = np.zeros(n, dtype=np.bool_)
    matched[chosen_school] = True
    if outcome.optimal:
        unmatched = explain_unmatched(area, pairs, codes, matched, rules)
    else:
        unmatched = solver_failed(area, matched, outcome.status)
    quality_units = sum(round(p.score * UNITS_PER_POINT) for p in proposals)
    result = MatchResult(
        proposals=proposals,
        unmatched=unmatched,
        objective={
            "disadvantaged_matched": int(np.count_nonzero(disadvantaged & matched)),
            "matched": int(np.count_nonzero(matched)),
            "quality": round(quality_units / UNITS_PER_POINT, 2),
            "schools": n,
            "disadvantaged_schools": int(np.count_nonzero(disadvantaged)),
            "pinned": len(pins),
            "candidate_pairs": len(school),
            "quality_resolution_points": outcome.quality_divisor / UNITS_PER_POINT,
        },
        optimal=outcome.optimal,
        solver=SOLVER,
        status=outcome.status,
        snapshot_digest=snapshot_digest(snapshot),
    )
    problems = validate(snapshot, result)
    if problems:
        raise InvalidResultError("matcher produced an invalid result: " + "; ".join(problems))
    return result


def _proposals(
    area: Area,
    tables: Tables,
    text: TextMatcher,
    school: NDArray[np.int64],
    adviser: NDArray[np.int64],
    distance: NDArray[np.float64],
    n_pins: int,
) -> tuple[Proposal, ...]:
    w = area.snapshot.weights
    parts = score_parts(tables, w, school, adviser, distance)
    units = to_units(parts)
    out = []
    for k in range(len(school)):
        s, a, d = area.schools[school[k]], area.advisers[adviser[k]], float(distance[k])
        why = reasons(s, a, d, text)
        if k < n_pins:
            why = ("pinned by coordinator", *why)
        out.append(
            Proposal(
                urn=s.urn,
                adviser_ref=a.adviser_ref,
                distance_km=round(d, 3),
                score=int(units[k]) / UNITS_PER_POINT,
                reasons=why,
                pinned=k < n_pins,
                score_parts=tuple((name, round(float(parts[name][k]), 2)) for name in PART_NAMES),
            )
        )
    return tuple(sorted(out, key=lambda p: p.urn))
