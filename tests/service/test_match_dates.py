"""Matches have honest dates: a match accepted from a run made for a past day is valid from the day it is
accepted, unless the coordinator confirms the run's day; a run for a past day says so before acceptance."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import Result

from cli import main
from config.settings import load_settings
from engine.errors import StaleRunError
from projections.report import Query
from service import matchruns
from service.hub import HubService
from tests.projections.factories import Cli
from tests.web.factories import load_hubs

RUN_DAY, TODAY = date(2020, 2, 15), date(2026, 3, 2)


@pytest.fixture
def hub(sqlite_url: str):
    """Dorset: 100001 matched since 2019-10-01; 100002 and 100003 engaged and unmatched; EA-1 has room for one more."""
    service = HubService(load_settings(sqlite_url, "ec.test"))
    load_hubs(service)
    yield service
    service.close()


def matched(service: HubService, day: date) -> int:
    return service.report(Query("dorset", day)).to_json()["ean"]["matched"]


def matched_on(service: HubService) -> set[str]:
    rows = service.db.query("SELECT matched_on FROM rm_matches WHERE nid_to IS NULL AND urn <> '100001'")
    return {r["matched_on"] for r in rows}


def test_a_past_day_run_accepted_without_confirmation_is_valid_from_today(hub):
    run = matchruns.propose(hub, "Dorset", RUN_DAY, actor="ec.test", today=TODAY)
    assert len(run["proposals"]) == 2
    before = (matched(hub, RUN_DAY), matched(hub, TODAY))

    view = matchruns.accept(hub, run["run_id"], actor="ec.test", today=TODAY)

    assert view["matched_on"] == TODAY.isoformat() and matched_on(hub) == {TODAY.isoformat()}
    assert matched(hub, RUN_DAY) == before[0] == 1  # the board's past figures do not move
    assert matched(hub, TODAY) == before[1] + 2


def test_with_confirmation_the_matches_carry_the_runs_day(hub):
    run = matchruns.propose(hub, "Dorset", RUN_DAY, actor="ec.test", today=TODAY)

    view = matchruns.accept(hub, run["run_id"], actor="ec.test", today=TODAY, as_of_run=True)

    assert view["matched_on"] == RUN_DAY.isoformat() and matched_on(hub) == {RUN_DAY.isoformat()}
    assert matched(hub, RUN_DAY) == 3
    reasons = {r["reason"] for r in hub.db.query("SELECT reason FROM rm_log WHERE kind = 'matches' AND actor = 'ec.test'")}
    assert reasons == {"accepted from matcher run, as of the run's day 2020-02-15 (confirmed)"}


def test_a_run_for_today_or_later_needs_no_confirmation(hub):
    run = matchruns.propose(hub, "Dorset", TODAY, actor="ec.test", today=TODAY)
    assert run["warnings"] == []
    assert matchruns.accept(hub, run["run_id"], actor="ec.test", today=TODAY)["matched_on"] == TODAY.isoformat()


def test_a_past_day_run_says_so_before_it_is_accepted(hub):
    run = matchruns.propose(hub, "Dorset", date(2019, 10, 20), actor="ec.test", today=TODAY)
    assert any("before today (2026-03-02)" in w and "record these matches as of 2019-10-20" in w for w in run["warnings"])
    assert any("data valid up to 2020-02-10 has been recorded" in w for w in run["warnings"])


def test_a_match_that_cannot_start_today_is_refused_whole(hub):
    run = matchruns.propose(hub, "Dorset", RUN_DAY, actor="ec.test", today=TODAY)
    hub.import_file("matches", Path("m.csv"), "ec.other", data=b"urn,adviser_ref,matched_on\n100002,EA-2,2021-01-01\n")
    before = hub.app.last_position()
    with pytest.raises(StaleRunError, match="institution 100002 already has an adviser on 2026-03-02"):
        matchruns.accept(hub, run["run_id"], actor="ec.test", today=TODAY)
    assert hub.app.last_position() == before


def test_the_cli_accepts_from_today_unless_told_as_of_run(hub, sqlite_url):
    cli = Cli(sqlite_url)
    run = cli.json("match", "--area", "Dorset", "--as-of", "2020-02-15")
    assert any("before today" in w for w in run["warnings"])
    first = run["proposals"][0]["urn"]

    def accept(*args: str) -> Result:
        return cli.runner.invoke(main, ["match", "accept", "--database-url", sqlite_url, *args])

    result = accept(run["run_id"], "--only", first)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Warning: This run is for 2020-02-15, before today" in text
    assert f"valid from {date.today().isoformat()}" in text
    confirmed = json.loads(accept(run["run_id"], "--as-of-run", "--format", "json").stdout)
    assert confirmed["matched_on"] == "2020-02-15" and confirmed["warnings"] == []
    assert matched(hub, RUN_DAY) == 2  # 100001 and the confirmed one; the first is valid from today
