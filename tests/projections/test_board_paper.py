"""The board paper's two-date rule: the term-end block is the report at the end of the last term that
ended on or before the day (the hub's own term dates where it set them), the on-day block the report
on the day; each is exactly the DATA.md §3 report at its date."""

from __future__ import annotations

from projections.board import benchmark_series, clusters_side_by_side
from projections.paper import board_paper, last_term_ended
from projections.report import Query, hub_report
from tests.projections.factories import (
    HUB,
    Cli,
    World,
    adviser,
    assessment,
    d,
    funding,
    given_two_academic_years,
    institution,
    match,
    now,
    target,
)
from tests.projections.test_hub_terms import given_a_hub_with_its_own_2019_20_terms, term_dates


def test_the_last_term_ended_in_the_default_calendar():
    assert last_term_ended(d("2020-02-02")).ends_on == d("2019-12-31")
    assert last_term_ended(d("2019-12-31")).name == "autumn"  # a term ending on the day itself counts
    assert (last_term_ended(d("2019-12-30")).name, last_term_ended(d("2019-12-30")).ends_on) == ("summer", d("2019-08-31"))
    assert last_term_ended(d("2019-09-01")).academic_year == "2018/19"


def test_a_hubs_own_term_ending_on_the_day_is_the_term_end_block(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=(5,)), assessment("B", "2019-06-01"))

    paper = board_paper(sqlite_world.db, HUB, d("2019-12-20"))

    assert (paper.term.name, paper.term.ends_on) == ("autumn", d("2019-12-20"))
    assert paper.term_end.query.as_of == paper.on_day.query.as_of == d("2019-12-20")
    assert paper.term_end.figures["data_required"] == 1  # B's last return is from the summer
    the_day_before = board_paper(sqlite_world.db, HUB, d("2019-12-19"))
    assert (the_day_before.term.name, the_day_before.term.ends_on) == ("summer", d("2019-07-23"))


def test_a_day_in_the_holidays_reports_the_term_just_ended_and_the_day_itself(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=(5,)), assessment("B", "2019-12-30"))

    paper = board_paper(sqlite_world.db, HUB, d("2020-01-03"))  # between the hub's 20 Dec and 6 Jan

    assert paper.term.ends_on == d("2019-12-20")
    assert paper.term_end.figures["assessed"] == 1  # B's return of 30 Dec is after the term's end
    assert paper.on_day.figures["assessed"] == 2 and paper.on_day.figures["data_required"] == 0
    assert paper.on_day.to_json()["term"]["ends_on"] == "2019-12-20"  # the holiday belongs to the term just ended


def test_early_in_a_term_the_term_end_block_is_not_everyone_owing_data(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=(5,)), assessment("B", "2019-11-01"))

    paper = board_paper(sqlite_world.db, HUB, d("2020-02-02"))

    assert paper.term_end.figures["data_required"] == 0
    assert paper.on_day.figures["data_required"] == 2  # the spring term began on 6 Jan: nobody has returned yet


def test_the_same_day_in_a_hub_on_the_default_calendar_ends_the_summer_term(sqlite_world: World):
    sqlite_world.given_hub(institution("A"))

    assert board_paper(sqlite_world.db, HUB, d("2019-12-20")).term.ends_on == d("2019-08-31")


def test_each_block_is_exactly_the_report_at_its_own_date(world: World):
    world.given_hub(
        institution("A", cluster="east"),
        institution("B", cluster="west"),
        institution("C", cluster="east", hub_joined_on="2020-01-15"),
    )
    world.load("advisers", adviser())
    world.load("matches", match("A", "2020-01-10"))
    world.load("targets", target("2019/20", "average_benchmarks", 4))
    world.load("assessments", assessment("A", "2019-10-01", achieved=(1, 5)), assessment("B", "2019-11-01"))
    world.load(
        "funding",
        {**funding("F-1", "A", "2019-10-01"), "focus": "events;resources"},
        {**funding("F-2", "C", "2020-01-20"), "focus": "resources"},
    )

    paper = board_paper(world.db, HUB, d("2020-02-02"))

    assert paper.to_json() == {
        "hub_id": HUB,
        "on": "2020-02-02",
        "known_at": None,
        "term_end": hub_report(world.db, Query(HUB, d("2019-12-31"))).to_json(),
        "on_day": hub_report(world.db, Query(HUB, d("2020-02-02"))).to_json(),
    }
    assert paper.term_end.figures["institutions"] == 2 and paper.on_day.figures["institutions"] == 3
    assert paper.term_end.figures["matched"] == 0 and paper.on_day.figures["matched"] == 1
    assert paper.members_per_cluster == {"east": 2, "west": 1}
    assert paper.funding_focus == {"resources": 2, "events": 1}
    assert (paper.last_year_end, paper.hub_last_year_end) == (d("2019-08-31"), None)  # nobody assessed by then


def test_the_paper_as_known_at_a_moment_leaves_out_later_records(sqlite_world: World):
    sqlite_world.given_hub(institution("A"))
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=(5,)))
    before = now()
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=(5, 6)), reason="corrected")

    then, later = (board_paper(sqlite_world.db, HUB, d("2020-02-02"), at) for at in (before, None))

    assert then.term_end.figures["average_benchmarks"] == 1 and later.term_end.figures["average_benchmarks"] == 2
    assert then.to_json()["known_at"] == before.isoformat() == then.to_json()["term_end"]["known_at"]


def test_the_cluster_narrows_both_blocks(sqlite_world: World):
    sqlite_world.given_hub(institution("A", cluster="east"), institution("B", cluster="west"))

    paper = board_paper(sqlite_world.db, HUB, d("2020-02-02"), cluster="east")

    assert paper.term_end.figures["institutions"] == paper.on_day.figures["institutions"] == 1
    assert paper.members_per_cluster == {"east": 1}


def test_the_board_command_prints_both_dates_and_json_of_two_reports(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load("terms", term_dates("2019/20", "summer", "2020-04-20", "2020-07-22"))
    cli = Cli(sqlite_world.database_url)

    text = cli.ok("board", "--hub", HUB, "--on", "2020-01-03").stdout
    result = cli.json("board", "--hub", HUB, "--on", "2020-01-03")

    assert "End of autumn term 2019/20 (2019-12-20)" in text and "On 2020-01-03" in text
    assert "data includes results from most recent assessment" in text
    assert list(result) == ["hub_id", "on", "known_at", "term_end", "on_day"]
    assert (result["term_end"]["as_of"], result["on_day"]["as_of"]) == ("2019-12-20", "2020-01-03")


def test_the_board_command_refuses_an_unknown_hub_and_a_bad_day(sqlite_world: World):
    sqlite_world.given_hub(institution("A"))
    cli = Cli(sqlite_world.database_url)

    unknown = cli("board", "--hub", "nowhere", "--on", "2020-02-02")
    bad_day = cli("board", "--hub", HUB, "--on", "2020-02-30")

    assert unknown.exit_code == 1 and "no hub 'nowhere'" in unknown.output
    assert bad_day.exit_code == 2 and "--on" in bad_day.output


def test_the_benchmark_series_has_all_eight_at_each_term_end_up_to_the_day(sqlite_world: World):
    given_two_academic_years(sqlite_world)

    rows = benchmark_series(sqlite_world.db, HUB, ["2018/19", "2019/20"], d("2020-02-15"))

    assert [r["term_ends_on"] for r in rows] == ["2018-12-31", "2019-03-31", "2019-08-31", "2019-12-31"]
    last = rows[-1]  # A: 1, 2, 3, 5 (1 Oct 2019); B: 5, 6 (1 Jun 2019)
    assert last["figures"] == {
        "average_benchmarks": 3.0,
        "bm1_percent": 50.0,
        "bm2_percent": 50.0,
        "bm3_percent": 50.0,
        "bm4_percent": 0.0,
        "bm5_percent": 100.0,
        "bm6_percent": 50.0,
        "bm7_percent": 0.0,
        "bm8_percent": 0.0,
    }
    assert last["targets"]["average_benchmarks"] == 4 and last["targets"]["bm8_percent"] is None
    assert last["national"]["average_benchmarks"] == 2.5


def test_clusters_side_by_side_are_each_clusters_own_report(sqlite_world: World):
    sqlite_world.given_hub(institution("A", cluster="east"), institution("B", cluster="west"), institution("C", cluster="west"))
    sqlite_world.load("assessments", assessment("A", "2019-10-01", achieved=(1, 2)), assessment("B", "2019-10-01", achieved=(5,)))

    side = clusters_side_by_side(sqlite_world.db, HUB, ["east", "west"], d("2019-12-31"))

    assert [
        (c["cluster"], c["figures"]["institutions"], c["figures"]["average_benchmarks"], c["figures"]["data_required"])
        for c in side
    ] == [("east", 1, 2.0, 0), ("west", 2, 1.0, 1)]
