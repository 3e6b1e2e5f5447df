"""Pins are kept; a pin that breaks a hard rule is a clear error naming the pin and the rule."""

from __future__ import annotations

import pytest

from matching.errors import PinError
from matching.service import solve
from tests.matching.factories import adviser, school, snapshot


def test_given_a_pin_worse_than_the_optimum_when_solved_then_the_pin_is_kept():
    s = snapshot([school("1")], [adviser("NEAR", 0.0), adviser("FAR", 35.0)], pins=(("1", "FAR"),))
    result = solve(s)
    assert [(p.urn, p.adviser_ref, p.pinned) for p in result.proposals] == [("1", "FAR", True)]
    assert result.proposals[0].reasons[0] == "pinned by coordinator"


def test_given_a_pin_when_solved_then_it_uses_the_advisers_capacity():
    s = snapshot([school("1"), school("2")], [adviser("A")], pins=(("2", "A"),))
    result = solve(s)
    assert [(p.urn, p.adviser_ref) for p in result.proposals] == [("2", "A")]
    assert result.unmatched[0].reason == "only adviser in range is at capacity"


@pytest.mark.parametrize(
    "schools, advisers, extra, words",
    [
        ([school("1")], [adviser("A", 50.0)], {}, ["pin (1, A)", "travel limit", "50.0 km"]),
        ([school("1", None)], [adviser("A")], {}, ["pin (1, A)", "travel limit", "no coordinates"]),
        ([school("1")], [adviser("A", None)], {}, ["pin (1, A)", "travel limit", "no coordinates"]),
        ([school("1")], [adviser("A", conflicts=frozenset({"1"}))], {}, ["pin (1, A)", "conflict of interest"]),
        ([school("1")], [adviser("A", available=False)], {}, ["pin (1, A)", "availability", "2020-02-02"]),
        ([school("1")], [adviser("A")], {"forbidden": (("1", "A"),)}, ["pin (1, A)", "forbidden"]),
        ([school("1")], [adviser("A", capacity=1, active_matches=1)], {}, ["(1, A)", "capacity"]),
        ([school("1"), school("2")], [adviser("A")], {"pins": (("1", "A"), ("2", "A"))}, ["(1, A)", "(2, A)", "capacity"]),
        ([school("1")], [adviser("A"), adviser("B")], {"pins": (("1", "A"), ("1", "B"))}, ["pin (1, B)", "one new adviser"]),
        ([school("1")], [adviser("A")], {"pins": (("9", "A"),)}, ["pin (9, A)", "not an engaged institution"]),
        ([school("1")], [adviser("A")], {"pins": (("1", "Z"),)}, ["pin (1, Z)", "unknown"]),
    ],
)
def test_given_a_pin_breaking_a_rule_when_solved_then_pin_error_names_pin_and_rule(schools, advisers, extra, words):
    extra.setdefault("pins", (("1", "A"),))
    with pytest.raises(PinError) as err:
        solve(snapshot(schools, advisers, **extra))
    for w in words:
        assert w in str(err.value)
    assert isinstance(err.value, ValueError)
