"""The validator catches every broken rule; solve() never returns a result it rejects."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import matching.model
import matching.service
from matching.errors import InvalidResultError
from matching.model import FlowOutcome, lexicographic_bonuses
from matching.result import Proposal, Unmatched
from matching.service import solve, validate
from tests.matching.factories import adviser, school, snapshot


def base():
    snap = snapshot(
        [school("1"), school("2"), school("3", 80.0)],
        [
            adviser("A", capacity=2, conflicts=frozenset({"3"})),
            adviser("B", 1.0, available=False),
            adviser("C", 70.0, capacity=0),
        ],
        pins=(("1", "A"),),
        forbidden=(("2", "C"),),
    )
    return snap, solve(snap)


def with_proposals(result, *proposals):
    urns = {p.urn for p in proposals}
    return replace(
        result,
        proposals=tuple(sorted(proposals, key=lambda p: p.urn)),
        unmatched=tuple(Unmatched(u, "x") for u in ("1", "2", "3") if u not in urns),
        objective={**result.objective, "matched": len(proposals), "disadvantaged_matched": 0},
    )


def proposal(urn, ref, km=0.0, pinned=False):
    return Proposal(urn, ref, km, 50.0, ("r",), pinned)


def test_given_a_solved_result_then_the_validator_accepts_it():
    snap, result = base()
    assert validate(snap, result) == []


@pytest.mark.parametrize(
    "proposals, words",
    [
        ([proposal("1", "A", pinned=True), proposal("3", "A", 80.0)], "conflict"),
        ([proposal("1", "A", pinned=True), proposal("2", "B", 1.0)], "not available"),
        ([proposal("1", "A", pinned=True), proposal("3", "C", 10.0)], "capacity"),
        ([proposal("1", "A", pinned=True), proposal("2", "C", 70.0)], "forbidden"),
        ([proposal("1", "A", pinned=True), proposal("3", "B", 79.0)], "beyond"),
        ([proposal("2", "A")], "pin ('1', 'A') is not kept"),
        ([proposal("1", "A")], "pinned=False"),
        ([proposal("1", "A", 3.0, pinned=True)], "reports 3.0 km"),
        ([proposal("1", "A", pinned=True), proposal("9", "A")], "not among the schools"),
        ([proposal("1", "A", pinned=True), proposal("2", "Z")], "unknown"),
    ],
)
def test_given_a_result_breaking_a_rule_then_the_validator_names_it(proposals, words):
    snap, result = base()
    problems = validate(snap, with_proposals(result, *proposals))
    assert any(words in p for p in problems), problems


def test_given_a_school_proposed_twice_then_the_validator_objects():
    snap, result = base()
    bad = replace(result, proposals=(*result.proposals, proposal("1", "A", pinned=True)))
    assert any("at most one" in p for p in validate(snap, bad))


def test_given_a_school_missing_from_both_lists_then_the_validator_objects():
    snap, result = base()
    bad = replace(result, unmatched=result.unmatched[1:])
    assert any("exactly once" in p for p in validate(snap, bad))


def test_given_an_optimal_result_leaving_a_school_next_to_an_open_adviser_then_the_validator_objects():
    snap = snapshot([school("1")], [adviser("A")])
    result = solve(snap)
    bad = replace(result, proposals=(), unmatched=(Unmatched("1", "x"),), objective={**result.objective, "matched": 0})
    assert any("has room and is in range" in p for p in validate(snap, bad))


def test_given_a_model_bug_when_solving_then_invalid_result_error_not_a_result(monkeypatch):
    def every_pair(n, m, school, adviser, units, dis, room):
        return FlowOutcome(np.ones(len(school), np.bool_), "OPTIMAL", True, 1)

    monkeypatch.setattr(matching.service, "solve_flow", every_pair)
    with pytest.raises(InvalidResultError):
        solve(snapshot([school("1"), school("2")], [adviser("A")]))


def test_given_a_solver_failure_then_not_optimal_and_every_school_says_why(monkeypatch):
    def failed(n, m, school, adviser, units, dis, room):
        return FlowOutcome(np.zeros(len(school), np.bool_), "BAD_RESULT", False, 1)

    monkeypatch.setattr(matching.service, "solve_flow", failed)
    result = solve(snapshot([school("1"), school("2")], [adviser("A")], pins=(("2", "A"),)))
    assert not result.optimal and result.status == "BAD_RESULT"
    assert [p.urn for p in result.proposals] == ["2"]
    assert result.unmatched[0].code == "solver_failed" and "BAD_RESULT" in result.unmatched[0].reason


def test_given_costs_too_large_for_the_solver_then_quality_is_coarsened_and_reported(monkeypatch):
    monkeypatch.setattr(matching.model, "_INT64_MAX", 2**22)
    result = solve(snapshot([school(str(i), float(i)) for i in range(30)], [adviser(r, capacity=10) for r in "AB"]))
    assert result.optimal and result.objective["matched"] == 20
    assert result.objective["quality_resolution_points"] > 0.01


def test_given_the_proof_then_bonuses_satisfy_it():
    for n, q in [(1, 0), (1, 10_000), (5_000, 10_000), (70, 9_999)]:
        d, m = lexicographic_bonuses(n, q)
        assert m > n * q and d > n * m + n * q
