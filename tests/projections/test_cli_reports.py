"""The `careerhub` report commands: report (JSON, board text, term series), explain and history."""

from __future__ import annotations

import pytest

from tests.projections.factories import (
    CONTRACT_KEYS,
    HUB,
    Cli,
    World,
    assessment,
    funding,
    given_two_academic_years,
    hub,
    institution,
    now,
)

AS_OF = "2020-02-15"


@pytest.fixture
def cli(sqlite_world: World) -> Cli:
    """`careerhub` on the store of a hub with two academic years of returns, a late joiner and funding."""
    given_two_academic_years(sqlite_world)
    sqlite_world.load("institutions", institution("NEW", hub_joined_on="2019-09-01"))
    sqlite_world.load(
        "funding", funding("F1", "A", "2019-10-01", decision="approved", decided_on="2019-11-01", amount_awarded=1200)
    )
    return Cli(sqlite_world.database_url)


def test_report_json_has_every_key_of_the_contract(cli: Cli):
    report = cli.json("report", "--hub", HUB, "--as-of", AS_OF)

    assert CONTRACT_KEYS <= set(report)
    assert set(report["term"]) == {"name", "academic_year", "starts_on", "ends_on"}
    assert set(report["fully_achieved_percent"]) == {str(b) for b in range(1, 9)}
    assert set(report["ean"]) == {"engaged", "matched", "unmatched"}
    assert set(report["funding"]) == {"applications", "institutional_applicants", "approved", "amount_awarded"}
    assert report["term"] == {"name": "spring", "academic_year": "2019/20", "starts_on": "2020-01-01", "ends_on": "2020-03-31"}
    assert (report["institutions"], report["assessed"], report["data_required"]) == (3, 2, 2)
    assert report["average_benchmarks"] == 3.5
    assert report["ean"] == {"engaged": 3, "matched": 1, "unmatched": 2}
    assert report["funding"] == {"applications": 1, "institutional_applicants": 1, "approved": 1, "amount_awarded": 1200.0}
    assert report["targets"] == {"average_benchmarks": 4.0, "bm5_percent": 75.0}
    assert report["national"] == {"average_benchmarks": 2.5}


def test_report_json_known_at_a_moment_before_a_late_import(cli: Cli, sqlite_world: World):
    before = now()
    sqlite_world.load("assessments", assessment("NEW", "2020-02-01", achieved=range(1, 9)))

    then = cli.json("report", "--hub", HUB, "--as-of", AS_OF, "--known-at", before.isoformat())
    latest = cli.json("report", "--hub", HUB, "--as-of", AS_OF)

    assert (then["assessed"], latest["assessed"]) == (2, 3)
    assert then["known_at"] == before.isoformat()


def test_report_text_has_the_board_phrases(cli: Cli):
    text = cli.ok("report", "--hub", HUB, "--as-of", AS_OF, "--format", "text").stdout

    assert "Data still required from 2 hub schools; data includes results from most recent assessment" in text
    assert "3 engaged, 1 matched" in text
    assert "end of last academic year" in text
    assert "1/3 hub institutions have applied" in text


def test_report_terms_prints_the_series_and_the_forecast_method(cli: Cli):
    text = cli.ok("report", "--hub", HUB, "--as-of", AS_OF, "--terms", "2018/19", "2019/20").stdout

    lines = text.splitlines()
    assert sum(line.startswith(("2018/19", "2019/20")) for line in lines) == 6
    assert any(line.startswith("2018/19 | summer | 2019-08-31") for line in lines)
    assert "Method:" in text
    assert "2018/19: predicted 1, actual 2.5 (error -1.50" in text


def test_explain_bm5_percent_names_the_institutions_and_events(cli: Cli):
    text = cli.ok("explain", "--hub", HUB, "--as-of", AS_OF, "bm5_percent").stdout
    result = cli.json("explain", "--hub", HUB, "--as-of", AS_OF, "bm5_percent")

    assert text.splitlines()[0].startswith("bm5_percent = 100.0")
    assert "assessments Recorded B 2020-02-01" in text
    assert [(i["urn"], i["value"]) for i in result["institutions"]] == [("A", 100), ("B", 100)]


def test_explain_refuses_an_unknown_figure(cli: Cli):
    result = cli("explain", "--hub", HUB, "--as-of", AS_OF, "happiness")

    assert result.exit_code != 0 and "happiness" in result.output


def test_history_lists_every_event_about_an_institution_with_its_correction_and_retraction(cli: Cli, sqlite_world: World):
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=(1,)), actor="bob", reason="typo")
    sqlite_world.retract("assessments", "A", "2020-05-01", actor="carol", reason="not ours")

    rows = cli.json("history", "A")
    text = cli.ok("history", "A").stdout

    assert {r["urn"] for r in rows} == {"A"}
    assert [(r["kind"], r["event"]) for r in rows].count(("assessments", "Recorded")) == 5
    assert [(r["event"], r["actor"], r["reason"], r["record_key"]) for r in rows[-2:]] == [
        ("Corrected", "bob", "typo", "A 2019-10-01"),
        ("Retracted", "carol", "not ours", "A 2020-05-01"),
    ]
    assert "retracted" in text and "carol" in text


def test_history_of_an_unknown_institution_is_an_error(cli: Cli):
    result = cli("history", "NOBODY")

    assert result.exit_code != 0 and "NOBODY" in result.output


def test_national_shows_every_hub_as_its_own_report_does(sqlite_world: World):
    """Given two hubs in two areas, `careerhub national` gives each hub the figures `report --hub` gives it."""
    given_two_academic_years(sqlite_world)
    sqlite_world.load("hubs", hub("south", area="Southshire"))
    sqlite_world.load(
        "institutions", institution("S1", hub_id="south", area="Southshire"), institution("S2", hub_id="south", area="Southshire")
    )
    sqlite_world.load("assessments", assessment("S1", "2019-10-01", achieved=range(1, 9)))
    cli = Cli(sqlite_world.database_url)

    every = cli.json("national", "--as-of", AS_OF)

    assert [r["hub_id"] for r in every["hubs"]] == sorted([HUB, "south"])
    for shown in every["hubs"]:
        alone = cli.json("report", "--hub", shown["hub_id"], "--as-of", AS_OF)
        alone.pop("measured_coverage")
        assert shown == alone
    south = next(r for r in every["hubs"] if r["hub_id"] == "south")
    assert (south["institutions"], south["assessed"], south["average_benchmarks"]) == (2, 1, 8)
    text = cli.ok("national", "--as-of", AS_OF).stdout
    assert f"Every hub as of {AS_OF}" in text and "south" in text and HUB in text


def test_national_with_no_hub_says_so(sqlite_world: World):
    assert "No hub is known" in Cli(sqlite_world.database_url).ok("national", "--as-of", AS_OF).stdout
