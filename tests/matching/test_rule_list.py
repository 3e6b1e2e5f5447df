"""The model, the pin check and the reasons follow HARD_RULES; the validator keeps its own opinion."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import matching.validation
from matching.errors import InvalidResultError, PinError
from matching.rules import HARD_RULES, ConflictOfInterest
from matching.service import solve
from tests.matching.factories import adviser, school, snapshot

WITHOUT_CONFLICTS = tuple(r for r in HARD_RULES if not isinstance(r, ConflictOfInterest))


def reason_of(result):
    [u] = result.unmatched
    return u.reason, u.code


def test_given_rules_without_conflicts_then_the_model_offers_the_pair_and_the_validator_refuses_it():
    s = snapshot([school("1")], [adviser("A", conflicts=frozenset({"1"}))])
    assert reason_of(solve(s)) == ("only adviser in range has a conflict of interest", "conflict")
    with pytest.raises(InvalidResultError, match="conflict of interest"):
        solve(s, rules=WITHOUT_CONFLICTS)


def test_given_rules_without_conflicts_then_a_conflicting_pin_passes_the_pin_check_but_not_the_validator():
    s = snapshot([school("1")], [adviser("A", conflicts=frozenset({"1"}))], pins=(("1", "A"),))
    with pytest.raises(PinError, match="breaks the conflict of interest rule"):
        solve(s)
    with pytest.raises(InvalidResultError, match="conflict of interest"):
        solve(s, rules=WITHOUT_CONFLICTS)


def test_given_rules_without_conflicts_then_the_reason_names_the_next_rule_that_blocks():
    s = snapshot([school("1")], [adviser("A", conflicts=frozenset({"1"}), capacity=0)])
    assert reason_of(solve(s, rules=WITHOUT_CONFLICTS)) == ("only adviser in range is at capacity", "at_capacity")


def test_given_the_rules_then_each_has_its_own_name_and_reason_code():
    assert len({r.name for r in HARD_RULES}) == len({r.unmatched.code for r in HARD_RULES}) == len(HARD_RULES)


def test_given_the_validator_then_it_imports_no_rule_or_model_code():
    tree = ast.parse(Path(matching.validation.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not imported & {"matching.rules", "matching.model", "matching.explain", "matching.service"}
