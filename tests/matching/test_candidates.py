"""One school's candidates: ranked by the matcher's own score, each excluded adviser with the rule that
excludes it, in the words and code the matcher itself uses."""

from __future__ import annotations

import pytest

from matching.candidates import candidates_for
from matching.rules import HARD_RULES
from matching.service import solve
from tests.matching.factories import adviser, school, snapshot


def by_ref(found):
    return {c.adviser_ref: c for c in found}


def test_eligible_advisers_are_ranked_by_score_and_the_best_is_the_one_the_matcher_proposes():
    given = snapshot([school("1")], [adviser("near", 2), adviser("far", 30), adviser("mid", 10)])
    found = candidates_for(given, "1")
    assert [c.adviser_ref for c in found] == ["near", "mid", "far"]
    assert all(not c.excluded for c in found)
    proposal = solve(given).proposals[0]
    assert proposal.adviser_ref == found[0].adviser_ref
    assert found[0].score == proposal.score and dict(found[0].score_parts) == dict(proposal.score_parts)
    assert found[0].reasons == proposal.reasons


def test_each_excluded_adviser_names_the_first_rule_that_excludes_it():
    given = snapshot(
        [school("1")],
        [
            adviser("ok", 1),
            adviser("beyond", 60),
            adviser("conflicted", 1, conflicts=frozenset({"1"})),
            adviser("forbidden", 1),
            adviser("away", 1, available=False),
            adviser("full", 1, capacity=1, active_matches=1),
            adviser("nowhere", None),
        ],
        forbidden=(("1", "forbidden"),),
    )
    found = by_ref(candidates_for(given, "1"))
    assert not found["ok"].excluded
    excluded = {ref: (c.rule, c.code) for ref, c in found.items() if c.excluded}
    assert excluded == {
        "beyond": ("travel limit", "out_of_range"),
        "conflicted": ("conflict of interest", "conflict"),
        "forbidden": ("forbidden pair", "forbidden"),
        "away": ("availability", "unavailable"),
        "full": ("capacity", "at_capacity"),
        "nowhere": ("travel limit", "out_of_range"),
    }
    assert "beyond the adviser's 40 km limit" in found["beyond"].why
    assert "conflicts list" in found["conflicted"].why
    assert found["nowhere"].distance_km is None and "no coordinates" in found["nowhere"].why


def test_the_rules_come_from_the_list_the_matcher_is_given():
    given = snapshot([school("1")], [adviser("away", 1, available=False)])
    without_availability = tuple(r for r in HARD_RULES if r.name != "availability")
    assert candidates_for(given, "1")[0].excluded
    assert not candidates_for(given, "1", without_availability)[0].excluded


def test_a_school_not_in_the_snapshot_is_refused():
    with pytest.raises(KeyError):
        candidates_for(snapshot([school("1")], []), "2")
