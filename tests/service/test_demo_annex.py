"""Given the demo hub loaded through the import path, the report regenerates the February 2020 annex."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from config.settings import load_settings
from projections.report import Query
from service.demo import load_demo
from service.hub import HubService


@pytest.fixture
def hub(database_url: str):
    service = HubService(load_settings(database_url, "demo.test"))
    assert load_demo(service)
    yield service
    service.close()


def test_the_annex_figures_come_out_of_the_report(hub):
    summer = hub.report(Query("dorset", date(2019, 8, 31))).to_json()
    assert summer["average_benchmarks"] == 3.0 and summer["national"]["average_benchmarks"] == 3.0

    autumn = hub.report(Query("dorset", date(2019, 12, 31))).to_json()
    assert autumn["institutions"] == 40 and autumn["assessed"] == 40
    assert autumn["average_benchmarks"] == 4.5
    assert autumn["fully_achieved_percent"]["5"] == 62.5 and autumn["fully_achieved_percent"]["6"] == 65.0
    assert autumn["data_required"] == 2
    assert {k: autumn["targets"][k] for k in ("average_benchmarks", "bm5_percent", "bm6_percent")} == {
        "average_benchmarks": 4,
        "bm5_percent": 75,
        "bm6_percent": 60,
    }

    february = hub.report(Query("dorset", date(2020, 2, 2))).to_json()
    assert february["ean"] == {"engaged": 71, "matched": 54, "unmatched": 17}
    assert february["funding"]["institutional_applicants"] == 34 and february["institutions"] == 40

    weymouth = hub.report(Query("dorset", date(2019, 12, 31), cluster="Weymouth & Portland")).to_json()
    assert weymouth["institutions"] == 7


def test_the_demo_loads_only_into_an_empty_store(hub):
    position = hub.app.last_position()
    assert load_demo(hub) is False
    assert hub.app.last_position() == position


def test_the_demo_history_lets_an_auditor_see_an_earlier_state(hub):
    late_step = hub.db.scalar("SELECT MIN(recorded_at) FROM rm_log WHERE source LIKE '10-assessments-late-autumn%'")
    before_late = datetime.fromisoformat(late_step.replace("Z", "+00:00"))
    then = hub.report(Query("dorset", date(2019, 12, 31), known_at=before_late - timedelta(microseconds=1))).to_json()
    now = hub.report(Query("dorset", date(2019, 12, 31))).to_json()
    assert then["data_required"] > now["data_required"] == 2


def test_the_cli_compares_two_moments_and_names_the_events(hub, database_url):
    from click.testing import CliRunner

    from cli import main

    late_step = hub.db.scalar("SELECT MIN(recorded_at) FROM rm_log WHERE source LIKE '10-assessments-late-autumn%'")
    then = (datetime.fromisoformat(late_step.replace("Z", "+00:00")) - timedelta(microseconds=1)).isoformat()
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--hub",
            "dorset",
            "--as-of",
            "2019-12-31",
            "--known-at",
            then,
            "--compare-known-at",
            "2100-01-01T00:00:00Z",
            "--database-url",
            database_url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "data_required" in result.output and "because of #" in result.output and "late autumn assessments" in result.output
