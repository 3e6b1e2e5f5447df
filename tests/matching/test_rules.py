"""Each hard rule, feasible and infeasible, through the public solve()."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.geo import haversine_km
from matching.rules import index_snapshot, pairs_in_range
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


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.5, 30.0), st.floats(1.0, 3000.0))
def test_given_random_points_when_pairs_in_range_are_found_then_they_equal_checking_every_pair(seed, spread, reach):
    rnd = random.Random(seed)

    def spot():
        lat = max(-89.0, min(89.0, 52.0 + rnd.uniform(-spread, spread)))
        return lat, rnd.uniform(-spread, spread) * 2

    snap = snapshot(
        [school(f"{i:03d}", None, latitude=(p := spot())[0], longitude=p[1]) for i in range(rnd.randrange(1, 300))],
        [
            adviser(f"{j:03d}", None, latitude=(p := spot())[0], longitude=p[1], max_travel_km=rnd.uniform(0, reach))
            for j in range(rnd.randrange(1, 120))
        ],
    )
    area = index_snapshot(snap)
    pairs = pairs_in_range(area)
    found = {(int(i), int(j)) for i, j in zip(pairs.school, pairs.adviser, strict=True)}
    expected = {
        (i, j)
        for i, s in enumerate(area.schools)
        for j, a in enumerate(area.advisers)
        if haversine_km(s.latitude, s.longitude, a.latitude, a.longitude) <= a.max_travel_km
    }
    assert found == expected
    assert list(zip(pairs.school, pairs.adviser, strict=True)) == sorted(found)
