"""Given the demo hub, the coordinator's workbench: past runs with their accepted and rejected counts,
the adviser register with current matches, each adviser's history, and a school's candidates agreeing
with what the matcher proposed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from config.settings import load_settings
from engine.errors import CareerHubError
from service import matchruns
from service.demo import load_demo
from service.hub import HubService
from service.workbench import adviser_history, adviser_register_of, past_runs, school_candidates

DAY = date(2020, 2, 2)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("workbench") / "careerhub.sqlite3"
    service = HubService(load_settings(f"sqlite:///{path}", "ec.test"))
    assert load_demo(service)
    yield service
    service.close()


def test_past_runs_say_who_when_where_and_what_became_of_the_proposals(hub):
    first = matchruns.propose(hub, "Dorset", DAY, actor="ec.first")
    second = matchruns.propose(hub, "Dorset", DAY, actor="ec.second")
    two = [p["urn"] for p in first["proposals"][:2]]
    matchruns.accept(hub, first["run_id"], two, actor="ec.first", as_of_run=True)
    matchruns.reject(hub, second["run_id"], second["proposals"][-1]["urn"], "met before", "ec.second")
    runs = {r["run_id"]: r for r in past_runs(hub, ["Dorset"])}
    assert (runs[first["run_id"]]["accepted"], runs[first["run_id"]]["rejected"]) == (2, 0)
    assert (runs[second["run_id"]]["accepted"], runs[second["run_id"]]["rejected"]) == (0, 1)
    newest = past_runs(hub, ["Dorset"])[0]
    assert (newest["run_id"], newest["actor"], newest["area"], newest["as_of"], newest["status"]) == (
        second["run_id"],
        "ec.second",
        "Dorset",
        DAY.isoformat(),
        second["status"],
    )
    assert newest["proposals"] == len(second["proposals"])
    assert past_runs(hub, ["Elsewhere"]) == []


def test_the_register_counts_each_advisers_current_matches_on_the_day(hub):
    register = {a["adviser_ref"]: a for a in adviser_register_of(hub, "Dorset", DAY)}
    rows = hub.db.query(
        "SELECT adviser_ref FROM rm_matches WHERE nid_to IS NULL AND matched_on <= ? AND (ended_on IS NULL OR ended_on > ?)",
        (DAY.isoformat(),) * 2,
    )
    assert sum(a["current_matches"] for a in register.values()) == len(rows)
    busy = next(a for a in register.values() if a["current_matches"])
    assert busy["room"] == max(0, busy["capacity"] - busy["current_matches"]) and busy["matched_urns"]
    assert all(a["area"] in (None, "Dorset") for a in register.values())


def test_an_advisers_history_lists_every_event_of_its_record(hub):
    ref = adviser_register_of(hub, "Dorset", DAY)[0]["adviser_ref"]
    hub.import_file("advisers", Path("fix.csv"), "ec.test", "capacity raised", data=_adviser_row(hub, ref, capacity=3).encode())
    current, rows = adviser_history(hub, ref)
    assert current["capacity"] == 3
    assert [r["event"] for r in rows][-1] == "Corrected" and rows[-1]["reason"] == "capacity raised"
    assert rows[0]["event"] == "Recorded" and all(r["record_key"] == ref for r in rows)


def test_each_proposal_is_among_its_schools_eligible_candidates_with_the_same_score(hub):
    run = matchruns.propose(hub, "Dorset", date(2021, 3, 1), actor="ec.test")
    for proposal in run["proposals"][:5]:
        found = {c.adviser_ref: c for c in school_candidates(hub, "Dorset", date(2021, 3, 1), proposal["urn"])}
        chosen = found[proposal["adviser_ref"]]
        assert not chosen.excluded and chosen.score == proposal["score"]
        assert dict(chosen.score_parts) == proposal["score_parts"]


def test_an_unmatched_schools_excluded_candidates_carry_its_reason_codes(hub):
    run = matchruns.propose(hub, "Dorset", date(2021, 3, 1), actor="ec.test")
    single = [u for u in run["unmatched"] if u["code"] in ("at_capacity", "unavailable", "conflict", "forbidden")]
    for unmatched in single[:3]:
        found = school_candidates(hub, "Dorset", date(2021, 3, 1), unmatched["urn"])
        in_range = [c for c in found if c.code != "out_of_range"]
        assert in_range and {c.code for c in in_range} == {unmatched["code"]}


def test_a_school_that_is_not_waiting_is_refused_in_words(hub):
    matched = hub.db.query(
        "SELECT urn FROM rm_matches WHERE nid_to IS NULL AND matched_on <= ? AND ended_on IS NULL", (DAY.isoformat(),)
    )[0]["urn"]
    with pytest.raises(CareerHubError, match="not waiting for an adviser"):
        school_candidates(hub, "Dorset", DAY, matched)


def _adviser_row(hub: HubService, ref: str, **changes: object) -> str:
    row = hub.db.query("SELECT * FROM rm_advisers WHERE adviser_ref = ? AND nid_to IS NULL", (ref,))[0]
    columns = (
        "adviser_ref",
        "name",
        "employer",
        "sector",
        "skills",
        "postcode",
        "latitude",
        "longitude",
        "capacity",
        "max_travel_km",
        "available_from",
        "available_until",
        "conflicts",
        "area",
    )
    values = {**row, **changes}
    return ",".join(columns) + "\n" + ",".join("" if values[c] is None else str(values[c]) for c in columns) + "\n"
