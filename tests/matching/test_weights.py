"""The weights are declared once (config/matching.py); their checks and JSON follow the fields."""

from __future__ import annotations

import json
from dataclasses import fields, replace

import pytest

from matching.errors import SnapshotError
from matching.schema import snapshot_digest
from matching.weights import Weights, weights_from_dict, weights_to_dict
from tests.matching.factories import snapshot

NOT_DEFAULT = Weights(
    travel=1.5,
    benchmark_fit=2.0,
    kind_priority=3.0,
    kind_fit=4.0,
    waiting=5.0,
    waiting_full_days=30,
    unassessed_shortfall=0.25,
    employer_benchmarks=(5, 7),
    sector_benchmarks=(("law", (2,)),),
    skill_benchmarks=(("coding", (4, 6)),),
    kind_priorities=(("special", 0.5),),
    kind_skills=(("college", ("welding",)),),
)


def test_given_weights_when_serialised_then_every_field_is_written_in_declared_order():
    assert list(weights_to_dict(Weights())) == [f.name for f in fields(Weights)]


def test_given_weights_differing_from_the_defaults_in_every_field_when_round_tripped_then_equal():
    assert all(getattr(NOT_DEFAULT, f.name) != getattr(Weights(), f.name) for f in fields(Weights))
    assert weights_from_dict(json.loads(json.dumps(weights_to_dict(NOT_DEFAULT)))) == NOT_DEFAULT


def test_given_whole_numbers_where_floats_are_declared_then_the_digest_is_that_of_the_floats():
    whole = Weights(travel=3, kind_priorities=(("special", 1),))
    floats = Weights(travel=3.0, kind_priorities=(("special", 1.0),))
    assert weights_to_dict(whole)["kind_priorities"] == [["special", 1.0]]
    assert snapshot_digest(snapshot([], [], weights=whole)) == snapshot_digest(snapshot([], [], weights=floats))


@pytest.mark.parametrize("name", ["travel", "benchmark_fit", "kind_priority", "kind_fit", "waiting"])
def test_given_a_negative_or_infinite_number_of_points_then_snapshot_error(name):
    for bad in (-1.0, float("inf")):
        with pytest.raises(SnapshotError, match="points"):
            replace(Weights(), **{name: bad})
