"""Given the demo hub loaded through the import path, one `careerhub board --on 2020-02-02` gives every
figure of the February 2020 annex (../shared/DOMAIN.md), each block at its own date."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli import main
from config.settings import load_settings
from service.demo import load_demo
from service.hub import HubService


@pytest.fixture
def demo_url(database_url: str):
    service = HubService(load_settings(database_url, "demo.test"))
    assert load_demo(service)
    service.close()
    return database_url


def board(database_url: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["board", "--hub", "dorset", "--on", "2020-02-02", *args, "--database-url", database_url])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_one_board_call_reproduces_the_annex_as_json(demo_url):
    paper = json.loads(board(demo_url, "--format", "json"))

    term_end, on_day = paper["term_end"], paper["on_day"]
    assert (paper["on"], term_end["as_of"], on_day["as_of"]) == ("2020-02-02", "2019-12-31", "2020-02-02")
    assert term_end["average_benchmarks"] == 4.5 and term_end["national"]["average_benchmarks"] == 3.0
    assert term_end["targets"]["average_benchmarks"] == 4
    assert term_end["fully_achieved_percent"]["5"] == 62.5 and term_end["targets"]["bm5_percent"] == 75
    assert term_end["fully_achieved_percent"]["6"] == 65.0 and term_end["targets"]["bm6_percent"] == 60
    assert term_end["data_required"] == 2 and term_end["institutions"] == 40
    assert on_day["ean"]["engaged"] == 71 and on_day["ean"]["matched"] == 54
    assert on_day["funding"]["institutional_applicants"] == 34 and on_day["institutions"] == 40


def test_one_board_call_reproduces_the_annex_as_text(demo_url):
    text = board(demo_url)

    assert "End of autumn term 2019/20 (2019-12-31)" in text and "On 2020-02-02" in text
    average = text.split("Average number of Gatsby benchmarks fully achieved\n")[1].splitlines()[2]
    assert [cell.strip() for cell in average.split("|")] == ["3", "3", "4", "4.5"]  # national, last year end, target, hub
    assert "| 75 %" in text and "| 62.5 %" in text and "| 60 %" in text and "| 65 %" in text
    assert "Data still required from 2 hub schools at 2019-12-31; data includes results from most recent assessment." in text
    assert "71 engaged, 54 matched" in text and "34/40 hub institutions have applied" in text
    assert "What the applications are for: resources" in text and "Weymouth & Portland 7" in text
