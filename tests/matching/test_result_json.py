"""The DATA.md section 4 JSON shape."""

from __future__ import annotations

import json

from matching.service import result_to_json, solve
from tests.matching.factories import adviser, school, snapshot


def test_given_a_result_when_rendered_then_it_has_exactly_the_contract_keys_and_is_json():
    s = snapshot([school("2"), school("1"), school("3", None)], [adviser("A", capacity=2)], pins=(("2", "A"),))
    out = result_to_json(solve(s))
    json.dumps(out)
    assert {"proposals", "unmatched", "objective", "optimal"} <= set(out)
    assert [p["urn"] for p in out["proposals"]] == ["1", "2"]
    for p in out["proposals"]:
        assert {"urn", "adviser_ref", "distance_km", "score", "reasons"} <= set(p)
        assert isinstance(p["reasons"], list) and all(isinstance(r, str) for r in p["reasons"])
        assert isinstance(p["distance_km"], float) and isinstance(p["score"], float)
    assert out["unmatched"] == [
        {"urn": "3", "reason": "no coordinates recorded for this school", "code": "no_school_coordinates"},
    ]
    assert out["optimal"] is True
    assert {"disadvantaged_matched", "matched", "quality"} <= set(out["objective"])
    assert out["solver"] == "SimpleMinCostFlow" and out["status"] == "OPTIMAL"
    assert len(out["snapshot_digest"]) == 64
