"""Given the demo hub, when a coordinator runs, accepts and rejects matches, then the log and report follow."""

from __future__ import annotations

from datetime import date

import pytest

from config.settings import load_settings
from engine.errors import CareerHubError, StaleRunError
from projections.report import Query
from service import matchruns
from service.demo import load_demo
from service.hub import HubService

DAY = date(2020, 2, 2)


@pytest.fixture
def hub(database_url: str):
    service = HubService(load_settings(database_url, "ec.test"))
    assert load_demo(service)
    yield service
    service.close()


def matched(service: HubService) -> int:
    return service.report(Query("dorset", DAY)).to_json()["ean"]["matched"]


def test_a_run_is_recorded_with_its_inputs_and_replays_to_the_same_proposals(hub):
    run = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    assert run["optimal"] is True and run["proposals"]
    logged = hub.db.query("SELECT actor, event FROM rm_log WHERE kind = 'MatchRun'")
    assert logged == [{"actor": "ec.test", "event": "Proposed"}]
    replay = matchruns.replay(hub, run["run_id"])
    assert replay["same_proposals"] and replay["inputs_digest"] == run["inputs_digest"]


def test_accepting_as_of_the_run_records_one_match_per_pair_and_moves_the_matched_count(hub):
    before = matched(hub)
    run = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    accepted = matchruns.accept(hub, run["run_id"], actor="ec.test", as_of_run=True)
    assert len(accepted["accepted"]) == len(run["proposals"])
    assert matched(hub) == before + len(run["proposals"])
    sources = {r["source"] for r in hub.db.query("SELECT source FROM rm_log WHERE kind = 'matches' AND actor = 'ec.test'")}
    assert sources == {f"match run {run['run_id']}"}


def test_a_stale_run_is_refused_whole_and_names_what_changed(hub):
    first = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    second = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    urn = first["proposals"][0]["urn"]
    matchruns.accept(hub, first["run_id"], [urn], actor="ec.test")
    before = hub.app.last_position()
    with pytest.raises(StaleRunError, match=f"institution {urn}"):
        matchruns.accept(hub, second["run_id"], actor="ec.test")
    assert hub.app.last_position() == before


def test_partial_accepts_of_one_run_do_not_make_it_stale(hub):
    run = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    urns = [p["urn"] for p in run["proposals"]]
    matchruns.accept(hub, run["run_id"], urns[:1], actor="ec.test", as_of_run=True)
    rest = matchruns.accept(hub, run["run_id"], actor="ec.test", as_of_run=True)
    assert sorted(rest["accepted"]) == sorted(urns)
    with pytest.raises(CareerHubError, match="no open proposals"):
        matchruns.accept(hub, run["run_id"], actor="ec.test")


def test_a_rejected_pair_is_never_proposed_again(hub):
    run = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    proposal = run["proposals"][0]
    matchruns.reject(hub, run["run_id"], proposal["urn"], "school wants another sector", "ec.test")
    again = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    pairs = {(p["urn"], p["adviser_ref"]) for p in again["proposals"]}
    assert (proposal["urn"], proposal["adviser_ref"]) not in pairs
    with pytest.raises(CareerHubError, match="rejected"):
        matchruns.accept(hub, run["run_id"], [proposal["urn"]], actor="ec.test")


def test_pins_are_kept_and_forbidden_pairs_never_appear(hub):
    run = matchruns.propose(hub, "Dorset", DAY, actor="ec.test")
    keep, drop = run["proposals"][0], run["proposals"][1]
    again = matchruns.propose(
        hub,
        "Dorset",
        DAY,
        pins=[f"{keep['urn']}={keep['adviser_ref']}"],
        forbids=[f"{drop['urn']}={drop['adviser_ref']}"],
        actor="ec.test",
    )
    pairs = {(p["urn"], p["adviser_ref"]) for p in again["proposals"]}
    assert (keep["urn"], keep["adviser_ref"]) in pairs
    assert (drop["urn"], drop["adviser_ref"]) not in pairs


def test_a_malformed_pin_is_a_clear_error(hub):
    with pytest.raises(CareerHubError, match="expected URN=ADVISER_REF"):
        matchruns.propose(hub, "Dorset", DAY, pins=["123456"], actor="ec.test")
