"""Every unmatched school gets a true, specific reason."""

from __future__ import annotations

from matching.service import solve
from tests.matching.factories import adviser, school, snapshot


def reason_of(s, urn="1"):
    result = solve(s)
    [u] = [u for u in result.unmatched if u.urn == urn]
    return u.reason, u.code


def test_given_a_school_without_coordinates_then_the_reason_says_so():
    assert reason_of(snapshot([school("1", None)], [adviser("A")])) == (
        "no coordinates recorded for this school",
        "no_school_coordinates",
    )


def test_given_no_adviser_in_range_then_the_reason_names_the_nearest():
    reason, code = reason_of(snapshot([school("1", 0.0)], [adviser("A", 52.0, max_travel_km=40.0)]))
    assert code == "out_of_range"
    assert reason == "no adviser within travel limits (the nearest is 52.0 km away and travels up to 40 km)"


def test_given_advisers_without_coordinates_then_the_out_of_range_reason_mentions_them():
    reason, code = reason_of(snapshot([school("1", 0.0)], [adviser("A", 52.0), adviser("B", None), adviser("C", None)]))
    assert code == "out_of_range"
    assert reason.startswith("no adviser within travel limits")
    assert "2 advisers without recorded coordinates could not be considered" in reason


def test_given_no_adviser_has_coordinates_then_the_reason_says_so():
    assert reason_of(snapshot([school("1")], [adviser("A", None)]))[0] == (
        "no adviser within travel limits (no adviser has coordinates recorded)"
    )


def test_given_three_advisers_in_range_at_capacity_then_the_reason_counts_them():
    full = [adviser(r, capacity=1, active_matches=1) for r in "ABC"]
    assert reason_of(snapshot([school("1")], full)) == ("the 3 advisers in range are at capacity", "at_capacity")


def test_given_the_only_adviser_in_range_has_a_conflict_then_the_reason_says_so():
    s = snapshot([school("1")], [adviser("A", conflicts=frozenset({"1"})), adviser("FAR", 90.0)])
    assert reason_of(s) == ("only adviser in range has a conflict of interest", "conflict")


def test_given_advisers_in_range_unavailable_then_the_reason_names_the_day():
    s = snapshot([school("1")], [adviser("A", available=False), adviser("B", available=False)])
    assert reason_of(s) == ("the 2 advisers in range are not available on 2020-02-02", "unavailable")


def test_given_the_only_adviser_in_range_is_forbidden_then_the_reason_says_forbidden_by_coordinator():
    s = snapshot([school("1")], [adviser("A")], forbidden=(("1", "A"),))
    reason, code = reason_of(s)
    assert "forbidden by coordinator" in reason and code == "forbidden"


def test_given_advisers_taken_by_disadvantaged_schools_then_the_reason_is_capacity_competition():
    s = snapshot(
        [school("1"), school("2", disadvantaged=True), school("3", disadvantaged=True)],
        [adviser("A"), adviser("B")],
    )
    assert reason_of(s) == ("the 2 advisers in range were assigned to higher-priority schools", "taken")


def test_given_mixed_blockers_then_the_reason_counts_each():
    s = snapshot(
        [school("1"), school("2", disadvantaged=True)],
        [adviser("A", available=False), adviser("B", capacity=0), adviser("C"), adviser("D", conflicts=frozenset({"1", "2"}))],
    )
    assert reason_of(s) == (
        "of the 4 advisers in range: 1 with a conflict of interest, 1 not available on 2020-02-02, "
        "1 at capacity, 1 assigned to higher-priority schools",
        "mixed",
    )
