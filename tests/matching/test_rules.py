"""Each hard rule, feasible and infeasible, through the public solve()."""
from __future__ import annotations

from dataclasses import replace

from matching.geo import haversine_km
from matching.service import solve
from tests.matching.factories import adviser, school, snapshot


def pairs(result):
    return {(p.urn, p.adviser_ref) for p in result.proposals}


def test_given_an_adviser_within_travel_limit_when_solved_then_matched():
    assert pairs(solve(snapshot([school("1", 0.0)], [adviser("A", 39.0, max_travel_km=40.0)]))) == {("1", "A")}


def test_given_an_adviser_beyond_travel_limit_when_solved_then_not_matched():
    assert pairs(solve(snapshot([school("1", 0.0)], [adviser("A", 41.0, max_travel_km=40.0)]))) == set()


def test_given_a_pair_exactly_at_the_limit_when_solved_then_matched_and_a_hair_less_not():
    s, a = school("1", 0.0), adviser("A", 25.0)
    exact = haversine_km(s.latitude, s.longitude, a.latitude, a.longitude)
    assert pairs(solve(snapshot([s], [replace(a, max_travel_km=exact)]))) == {("1", "A")}
    assert pairs(solve(snapshot([s], [replace(a, max_travel_km=exact - 1e-9)]))) == set()


def test_given_missing_coordinates_on_either_side_when_solved_then_not_matched():
    assert pairs(solve(snapshot([school("1", None)], [adviser("A", 0.0)]))) == set()
    assert pairs(solve(snapshot([school("1", 0.0)], [adviser("A", None)]))) == set()


def test_given_a_conflict_when_solved_then_the_pair_is_never_proposed():
    result = solve(snapshot([school("1")], [adviser("A", conflicts=frozenset({"1"})), adviser("B", 30.0)]))
    assert pairs(result) == {("1", "B")}


def test_given_an_unavailable_adviser_when_solved_then_not_proposed():
    assert pairs(solve(snapshot([school("1")], [adviser("A", available=False)]))) == set()


def test_given_an_adviser_at_capacity_with_active_matches_when_solved_then_not_proposed():
    assert pairs(solve(snapshot([school("1")], [adviser("A", capacity=2, active_matches=2)]))) == set()


def test_given_spare_capacity_of_two_when_solved_then_two_schools_share_the_adviser():
    result = solve(snapshot([school("1"), school("2"), school("3")], [adviser("A", capacity=3, active_matches=1)]))
    assert len(result.proposals) == 2


def test_given_a_forbidden_pair_when_solved_then_never_proposed():
    result = solve(snapshot([school("1")], [adviser("A"), adviser("B", 30.0)], forbidden=(("1", "A"),)))
    assert pairs(result) == {("1", "B")}


def test_given_two_advisers_with_room_when_solved_then_a_school_gets_at_most_one():
    result = solve(snapshot([school("1")], [adviser("A"), adviser("B")]))
    assert len(result.proposals) == 1


def test_given_a_zero_km_travel_limit_when_the_adviser_is_at_the_school_then_matched():
    assert pairs(solve(snapshot([school("1", 5.0)], [adviser("A", 5.0, max_travel_km=0.0)]))) == {("1", "A")}
