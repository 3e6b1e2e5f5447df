"""Hard rules hold on every random instance; results are deterministic."""

from __future__ import annotations

import json
import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from matching.errors import PinError
from matching.schema import snapshot_digest, snapshot_from_dict, snapshot_to_dict
from matching.service import result_to_json, solve, validate
from tests.matching.factories import adviser, school, snapshot
from tests.matching.instances import random_snapshot

seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=300, deadline=None)
@given(seeds, st.integers(0, 12), st.integers(0, 8))
def test_given_any_instance_when_solved_then_every_hard_rule_holds(seed, n, m):
    snap = random_snapshot(random.Random(seed), n, m)
    result = solve(snap)
    assert validate(snap, result) == []
    assert result.optimal
    proposed = {(p.urn, p.adviser_ref) for p in result.proposals}
    assert set(snap.pins) <= proposed
    assert not proposed & set(snap.forbidden)
    assert all(u.reason and u.code for u in result.unmatched)


@settings(max_examples=60, deadline=None)
@given(seeds, st.integers(1, 8), st.integers(1, 6), st.lists(st.tuples(st.integers(0, 7), st.integers(0, 5)), max_size=4))
def test_given_arbitrary_pins_when_solved_then_pin_error_or_a_valid_result_keeping_them(seed, n, m, raw):
    snap = random_snapshot(random.Random(seed), n, m, pins=False)
    pins = tuple((f"U{i:03d}", f"A{j:03d}") for i, j in raw)
    snap = replace(snap, pins=pins)
    try:
        result = solve(snap)
    except PinError as e:
        assert "pin" in str(e)
        return
    assert validate(snap, result) == []
    assert set(pins) <= {(p.urn, p.adviser_ref) for p in result.proposals if p.pinned}


@settings(max_examples=40, deadline=None)
@given(seeds, st.integers(0, 25), st.integers(0, 15), st.randoms(use_true_random=False))
def test_given_the_same_snapshot_shuffled_when_solved_twice_then_identical_results(seed, n, m, shuffler):
    snap = random_snapshot(random.Random(seed), n, m)
    schools, advisers = list(snap.schools), list(snap.advisers)
    shuffler.shuffle(schools)
    shuffler.shuffle(advisers)
    shuffled = replace(
        snap,
        schools=tuple(schools),
        advisers=tuple(advisers),
        pins=tuple(reversed(snap.pins)),
        forbidden=tuple(reversed(snap.forbidden)),
    )
    first = result_to_json(solve(snap))
    assert result_to_json(solve(snap)) == first
    assert result_to_json(solve(shuffled)) == first


def test_given_many_equally_good_pairs_when_solved_then_the_same_choice_every_time():
    # Identical schools and advisers at one spot: every assignment ties on every criterion.
    snap = snapshot([school(f"{i}") for i in range(6)], [adviser(f"{r}", capacity=1) for r in "ABCD"])
    first = result_to_json(solve(snap))
    for _ in range(3):
        rev = replace(snap, schools=snap.schools[::-1], advisers=snap.advisers[::-1])
        assert result_to_json(solve(rev)) == first


@settings(max_examples=30, deadline=None)
@given(seeds, st.integers(0, 25), st.integers(0, 15))
def test_given_a_recorded_snapshot_when_replayed_from_json_then_identical_result_and_digest(seed, n, m):
    snap = random_snapshot(random.Random(seed), n, m)
    recorded = json.dumps(snapshot_to_dict(snap))
    replayed = snapshot_from_dict(json.loads(recorded))
    assert replayed == snap
    assert snapshot_digest(replayed) == snapshot_digest(snap)
    assert result_to_json(solve(replayed)) == result_to_json(solve(snap))
