"""The board's term-end series and the year-end forecast with its backtest, on a small hand-made hub."""

from __future__ import annotations

from projections.board import board, term_series
from projections.forecast import forecast_year_end
from projections.report import Query
from tests.projections.factories import HUB, World, d, given_two_academic_years, institution


def test_the_term_series_has_one_row_per_term_end_with_that_days_figures(sqlite_world: World):
    given_two_academic_years(sqlite_world)

    rows = term_series(sqlite_world.db, HUB, ["2018/19", "2019/20"])

    shown = [
        (
            r["academic_year"],
            r["term"],
            r["term_ends_on"],
            r["assessed"],
            r["data_required"],
            r["average_benchmarks"],
            r["bm5_percent"],
            r["bm6_percent"],
            r["matched"],
        )
        for r in rows
    ]
    assert shown == [
        ("2018/19", "autumn", "2018-12-31", 2, 0, 0.5, 0, 0, 0),
        ("2018/19", "spring", "2019-03-31", 2, 1, 1.0, 0, 0, 0),
        ("2018/19", "summer", "2019-08-31", 2, 0, 2.5, 100, 50, 0),
        ("2019/20", "autumn", "2019-12-31", 2, 1, 3.0, 100, 50, 1),
        ("2019/20", "spring", "2020-03-31", 2, 1, 3.5, 100, 50, 1),
        ("2019/20", "summer", "2020-08-31", 2, 1, 4.5, 100, 100, 1),
    ]
    assert [r["target_average_benchmarks"] for r in rows] == [None] * 3 + [4.0] * 3
    assert [r["national_average_benchmarks"] for r in rows] == [None] + [2.5] * 5
    assert {(r["institutions"], r["engaged"]) for r in rows} == {(2, 2)}


def test_the_forecast_states_its_method_and_backtests_against_the_actual_year_end(sqlite_world: World):
    given_two_academic_years(sqlite_world)

    forecast = forecast_year_end(sqlite_world.db, HUB, d("2020-02-15"))

    assert "least-squares" in forecast["method"] and "31 August" in forecast["method"]
    assert forecast["academic_year"] == "2019/20" and forecast["predicted"]["year_end"] == "2020-08-31"
    assert forecast["targets"] == {"average_benchmarks": 4.0, "bm5_percent": 75.0, "bm6_percent": None}
    [past] = forecast["backtest"]
    # By hand, made on 15 Feb 2019: A's line through 1 Oct (bm2 = 50) and 1 Feb (bm2 = 100) passes 100 by
    # 31 Aug, bm1 stays 100, the rest stay 50: 2 achieved; B (one return, nothing at 100) keeps 0.
    assert (past["academic_year"], past["forecast_made_on"]) == ("2018/19", "2019-02-15")
    assert past["predicted"] == {"year_end": "2019-08-31", "average_benchmarks": 1.0, "bm5_percent": 0.0, "bm6_percent": 0.0}
    assert past["actual"] == {"average_benchmarks": 2.5, "bm5_percent": 100.0, "bm6_percent": 50.0}
    assert past["error"] == {"average_benchmarks": -1.5, "bm5_percent": -100.0, "bm6_percent": -50.0}
    assert forecast["backtest_mean_absolute_error"] == {"average_benchmarks": 1.5, "bm5_percent": 100.0, "bm6_percent": 50.0}


def test_the_board_compares_last_year_end_for_todays_members_with_today(sqlite_world: World):
    given_two_academic_years(sqlite_world)
    sqlite_world.load("institutions", institution("NEW", hub_joined_on="2019-09-01"))

    result = board(sqlite_world.db, Query(HUB, d("2020-02-15")))

    assert result["last_year_end"] == "2019-08-31"
    assert result["average_benchmarks"] == {
        "national": 2.5,
        "hub_last_year_end": 2.5,
        "target": 4.0,
        "hub_now": 3.5,
    }  # over assessed members
    assert result["benchmarks_5_6"] == [
        {"benchmark": 5, "target": 75.0, "hub_now": 100.0},
        {"benchmark": 6, "target": None, "hub_now": 50.0},
    ]
    assert (result["members"], result["data_required"]) == (3, 2)  # NEW has no return; A's is from autumn
    assert result["ean"] == {"engaged": 3, "matched": 1, "unmatched": 2}
