"""The lexicographic order: disadvantaged first, then number matched, then quality."""

from __future__ import annotations

from matching.schema import Weights
from matching.service import solve
from tests.matching.factories import adviser, school, snapshot


def pairs(result):
    return {(p.urn, p.adviser_ref) for p in result.proposals}


def test_given_one_place_when_a_disadvantaged_school_is_far_then_it_still_wins_over_a_near_one():
    s = snapshot([school("NEAR", 0.0), school("DIS", 39.0, disadvantaged=True, benchmarks=(100,) * 8)], [adviser("A", 0.0)])
    result = solve(s)
    assert pairs(result) == {("DIS", "A")}
    assert result.objective["disadvantaged_matched"] == 1


def test_given_a_best_quality_pair_that_blocks_another_school_then_more_schools_are_matched():
    # A sits at school 1 (best pair by far); B reaches only school 1, A also reaches school 2.
    s = snapshot([school("1", 0.0), school("2", -39.0)], [adviser("A", 0.0), adviser("B", 39.0)])
    result = solve(s)
    assert pairs(result) == {("1", "B"), ("2", "A")}
    assert result.objective["matched"] == 2


def test_given_a_chain_of_good_pairs_then_one_more_school_beats_all_their_quality():
    # School i sits 10 km north of adviser i; each adviser reaches its own school (10 km,
    # high quality) and the previous one (90 km, low quality). Matching every school needs
    # every adviser to take the previous school: k + 1 matches at low quality beat k excellent ones.
    travel_only = Weights(travel=100.0, benchmark_fit=0.0, kind_priority=0.0, kind_fit=0.0, waiting=0.0)
    k = 3
    schools = [school(f"S{i}", 100.0 * i) for i in range(k + 1)]
    advisers = [adviser(f"A{i}", 100.0 * i - 10.0, max_travel_km=95.0) for i in range(1, k + 2)]
    result = solve(snapshot(schools, advisers, weights=travel_only))
    assert pairs(result) == {(f"S{i}", f"A{i + 1}") for i in range(k + 1)}
    assert result.objective["matched"] == k + 1


def test_given_equal_counts_then_quality_decides_the_closer_adviser():
    s = snapshot([school("1", 0.0)], [adviser("FAR", 30.0), adviser("NEAR", 1.0)])
    assert pairs(solve(s)) == {("1", "NEAR")}


def test_given_no_schools_or_no_advisers_then_an_empty_optimal_result():
    for s in (snapshot([], [adviser("A")]), snapshot([school("1")], []), snapshot([], [])):
        result = solve(s)
        assert result.optimal and result.status == "OPTIMAL" and result.proposals == ()
        assert result.objective["matched"] == 0
