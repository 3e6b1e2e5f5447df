"""A hub's own term dates (the `terms` import) in the report: the term, data_required, targets, the series."""

from __future__ import annotations

from projections.board import term_series
from tests.projections.factories import HUB, World, assessment, institution, now, target


def term_dates(academic_year: str, term: str, starts_on: str, ends_on: str) -> dict[str, str]:
    return {"hub_id": HUB, "academic_year": academic_year, "term": term, "starts_on": starts_on, "ends_on": ends_on}


def given_a_hub_with_its_own_2019_20_terms(world: World) -> None:
    world.given_hub(institution("A"), institution("B"))
    world.load(
        "terms",
        term_dates("2018/19", "summer", "2019-04-23", "2019-07-23"),
        term_dates("2019/20", "autumn", "2019-09-04", "2019-12-20"),
        term_dates("2019/20", "spring", "2020-01-06", "2020-04-03"),
    )


def test_an_assessment_before_the_hubs_own_term_start_is_data_required(world: World):
    given_a_hub_with_its_own_2019_20_terms(world)
    world.load("assessments", assessment("A", "2019-09-03"), assessment("B", "2019-09-04"))

    report = world.report("2019-09-04")

    assert report["term"] == {"name": "autumn", "academic_year": "2019/20", "starts_on": "2019-09-04", "ends_on": "2019-12-20"}
    assert [i["urn"] for i in report["data_required_institutions"]] == ["A"]


def test_a_holiday_day_belongs_to_the_term_just_ended(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load("assessments", assessment("A", "2019-09-10"), assessment("B", "2019-12-30"))

    christmas = sqlite_world.report("2020-01-03")

    assert (christmas["term"]["name"], christmas["term"]["ends_on"]) == ("autumn", "2019-12-20")
    assert christmas["data_required"] == 0
    assert sqlite_world.report("2020-01-06")["data_required"] == 2


def test_the_term_overrides_are_known_from_their_recording_on(sqlite_world: World):
    sqlite_world.given_hub(institution("A"))
    before = now()
    sqlite_world.load("terms", term_dates("2019/20", "autumn", "2019-09-04", "2019-12-20"))

    assert sqlite_world.report("2019-09-04", known_at=before)["term"]["starts_on"] == "2019-09-01"
    assert sqlite_world.report("2019-09-04")["term"]["starts_on"] == "2019-09-04"


def test_the_term_series_ends_each_term_on_the_hubs_own_last_day(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load("assessments", assessment("A", "2019-12-21", achieved=(1,)))

    rows = term_series(sqlite_world.db, HUB, ["2019/20"])

    assert [(r["term"], r["term_ends_on"], r["assessed"]) for r in rows] == [
        ("autumn", "2019-12-20", 0),
        ("spring", "2020-04-03", 1),
        ("summer", "2020-08-31", 1),
    ]


def test_targets_are_those_of_the_academic_year_containing_the_day_even_before_the_hubs_autumn_term(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load("targets", target("2018/19", "average_benchmarks", 3), target("2019/20", "average_benchmarks", 4))

    report = sqlite_world.report("2019-09-02")  # 2019/20 began on 1 Sep; the hub's autumn term on 4 Sep

    assert report["targets"] == {"average_benchmarks": 4.0}


def test_a_hubs_autumn_term_starting_in_august_contains_the_last_days_of_august(sqlite_world: World):
    given_a_hub_with_its_own_2019_20_terms(sqlite_world)
    sqlite_world.load(
        "terms",
        term_dates("2020/21", "autumn", "2020-08-27", "2020-12-18"),
        term_dates("2019/20", "summer", "2020-04-20", "2020-07-22"),
    )

    report = sqlite_world.report("2020-08-28")

    assert report["term"] == {"name": "autumn", "academic_year": "2020/21", "starts_on": "2020-08-27", "ends_on": "2020-12-18"}
