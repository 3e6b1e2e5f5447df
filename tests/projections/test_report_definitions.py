"""DATA.md §3, one definition at a time: given these imported events, then the report says this."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.projections.factories import (
    CONTRACT_KEYS,
    HUB,
    World,
    adviser,
    assessment,
    funding,
    hub,
    institution,
    match,
    national,
    now,
    target,
)

BENCHMARKS = [str(b) for b in range(1, 9)]


# --- hub members ---------------------------------------------------------------------------------


def on_days(world: World, figure: Callable[[dict], Any], *days: str) -> list[Any]:
    """The figure of the report as of each day."""
    return [figure(world.report(day)) for day in days]


def members(report: dict) -> int:
    return report["institutions"]


def test_a_school_joining_the_hub_on_the_day_is_a_member(world: World):
    world.given_hub(institution("A", hub_joined_on="2019-10-01"))

    assert on_days(world, members, "2019-09-30", "2019-10-01", "2019-10-02") == [0, 1, 1]


def test_a_school_leaving_the_hub_on_the_day_is_no_longer_a_member(world: World):
    world.given_hub(institution("A", hub_joined_on="2019-10-01", hub_left_on="2020-02-29"))

    assert on_days(world, members, "2020-02-28", "2020-02-29", "2020-03-01") == [1, 0, 0]


def test_only_schools_of_this_hub_with_a_joining_date_are_members(world: World):
    world.load("hubs", hub(), hub("south", "Southshire"))
    world.load(
        "institutions",
        institution("A"),
        institution("B", hub_id="south"),
        institution("C", hub_id=""),
        institution("D", hub_joined_on=""),
        institution("E", area="Elsewhere"),
    )

    report = world.report("2020-01-15")

    assert report["institutions"] == 2  # A and E (membership does not depend on the area)


# --- EAN: engaged and matched --------------------------------------------------------------------


def ean(report: dict) -> tuple[int, int, int]:
    return report["ean"]["engaged"], report["ean"]["matched"], report["ean"]["unmatched"]


def test_engagement_starts_on_ean_joined_on_and_ends_on_ean_left_on(world: World):
    world.given_hub(institution("A", ean_joined_on="2019-10-01", ean_left_on="2020-03-31"))

    assert on_days(world, ean, "2019-09-30", "2019-10-01", "2020-03-30", "2020-03-31") == [
        (0, 0, 0),
        (1, 0, 1),
        (1, 0, 1),
        (0, 0, 0),
    ]


def test_engaged_counts_every_institution_of_the_hubs_area_members_or_not(world: World):
    world.load("hubs", hub(), hub("south", "Southshire"))
    world.load(
        "institutions",
        institution("A"),
        institution("B", hub_id="", hub_joined_on=""),
        institution("C", hub_id="south"),
        institution("D", area="Southshire"),
        institution("E", ean_joined_on=""),
    )

    report = world.report("2020-01-15")

    assert report["ean"]["engaged"] == 3  # A, B, C are in Northshire and engaged; D is elsewhere; E never engaged
    assert report["institutions"] == 3  # A, D, E are members of the north hub


def test_a_match_counts_from_matched_on_until_the_day_before_ended_on(world: World):
    world.given_hub(institution("A"))
    world.load("advisers", adviser())
    world.load("matches", match("A", "2019-12-01", "2020-06-01"))

    assert on_days(world, ean, "2019-11-30", "2019-12-01", "2020-05-31", "2020-06-01") == [
        (1, 0, 1),
        (1, 1, 0),
        (1, 1, 0),
        (1, 0, 1),
    ]


def test_matched_counts_engaged_institutions_once_however_many_advisers(world: World):
    world.given_hub(institution("A"), institution("B"), institution("C", ean_left_on="2019-12-31"))
    world.load("advisers", adviser("EA-1"), adviser("EA-2"))
    world.load(
        "matches",
        match("A", "2019-10-01", adviser_ref="EA-1"),
        match("A", "2019-11-01", adviser_ref="EA-2"),
        match("C", "2019-10-01", adviser_ref="EA-1"),
    )

    report = world.report("2020-01-15")

    assert report["ean"] == {"engaged": 2, "matched": 1, "unmatched": 1}  # C's match no longer counts: not engaged


# --- latest assessment, assessed, averages and percentages ---------------------------------------


def test_figures_are_over_assessed_members_with_benchmarks_at_100(world: World):
    world.given_hub(institution("A"), institution("B"), institution("C"), institution("X", hub_id=""))
    world.load(
        "assessments",
        assessment("A", "2019-10-10", achieved=(1, 5)),
        assessment("B", "2019-10-11", achieved=(5, 6, 7, 8), bm1=99),
        assessment("X", "2019-10-12", achieved=range(1, 9)),
    )

    report = world.report("2019-12-31")

    assert (report["institutions"], report["assessed"], report["data_required"]) == (3, 2, 1)
    assert report["average_benchmarks"] == pytest.approx(3.0)
    assert report["fully_achieved_percent"] == pytest.approx(
        {"1": 50.0, "2": 0.0, "3": 0.0, "4": 0.0, "5": 100.0, "6": 50.0, "7": 50.0, "8": 50.0}
    )


def test_nothing_assessed_leaves_the_averages_undefined(world: World):
    world.given_hub(institution("A"), institution("B"))

    report = world.report("2019-12-31")

    assert (report["assessed"], report["data_required"], report["average_benchmarks"]) == (0, 2, None)
    assert report["fully_achieved_percent"] == {b: None for b in BENCHMARKS}


def test_the_latest_assessment_on_or_before_the_day_counts_and_later_ones_do_not(world: World):
    world.given_hub(institution("A"))
    world.load(
        "assessments",
        assessment("A", "2019-10-01", achieved=(1,)),
        assessment("A", "2019-11-01", achieved=(1, 2)),
        assessment("A", "2019-12-01", achieved=(1, 2, 3)),
    )

    assert world.report("2019-09-30")["assessed"] == 0
    assert world.report("2019-10-31")["average_benchmarks"] == 1
    assert world.report("2019-11-01")["average_benchmarks"] == 2
    assert world.report("2019-12-31")["average_benchmarks"] == 3


def test_the_latest_correction_of_an_assessment_counts(world: World):
    world.given_hub(institution("A"))
    world.load("assessments", assessment("A", "2019-10-01", achieved=(1,)))
    world.load("assessments", assessment("A", "2019-10-01", achieved=(1, 2, 3)), reason="typo")
    world.load("assessments", assessment("A", "2019-10-01", achieved=(4, 5)), reason="second look")

    report = world.report("2019-12-31")

    assert (report["assessed"], report["average_benchmarks"]) == (1, 2)
    assert report["fully_achieved_percent"]["4"] == 100 and report["fully_achieved_percent"]["1"] == 0


def test_a_retracted_assessment_is_absent_from_its_recording_onwards(world: World):
    world.given_hub(institution("A"))
    world.load("assessments", assessment("A", "2019-10-01", achieved=(1,)), assessment("A", "2019-11-01", achieved=(1, 2)))
    before = now()
    world.retract("assessments", "A", "2019-11-01")

    assert world.report("2019-12-31")["average_benchmarks"] == 1  # the earlier one is the latest again
    assert world.report("2019-12-31", known_at=before)["average_benchmarks"] == 2


def test_a_retracted_then_reimported_assessment_counts_again(world: World):
    world.given_hub(institution("A"))
    world.load("assessments", assessment("A", "2019-10-01", achieved=(1,)))
    world.retract("assessments", "A", "2019-10-01")
    world.load("assessments", assessment("A", "2019-10-01", achieved=(1, 2)))

    assert world.report("2019-12-31")["average_benchmarks"] == 2


# --- term and data_required ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "as_of, name, year, starts_on, ends_on",
    [
        ("2019-08-31", "summer", "2018/19", "2019-04-01", "2019-08-31"),
        ("2019-09-01", "autumn", "2019/20", "2019-09-01", "2019-12-31"),
        ("2019-12-31", "autumn", "2019/20", "2019-09-01", "2019-12-31"),
        ("2020-01-01", "spring", "2019/20", "2020-01-01", "2020-03-31"),
        ("2020-03-31", "spring", "2019/20", "2020-01-01", "2020-03-31"),
        ("2020-04-01", "summer", "2019/20", "2020-04-01", "2020-08-31"),
    ],
)
def test_the_term_is_the_default_calendar_term_containing_the_day(sqlite_world: World, as_of, name, year, starts_on, ends_on):
    sqlite_world.given_hub()

    assert sqlite_world.report(as_of)["term"] == {"name": name, "academic_year": year, "starts_on": starts_on, "ends_on": ends_on}


TERM_STARTS = [("2019-09-01", "2019-08-31"), ("2020-01-01", "2019-12-31"), ("2020-04-01", "2020-03-31")]


def owing(report: dict) -> list[str]:
    return [i["urn"] for i in report["data_required_institutions"]]


@pytest.mark.parametrize("term_starts, day_before", TERM_STARTS[:1])
def test_an_assessment_on_the_terms_first_day_is_current_and_one_the_day_before_is_still_counted(
    world: World, term_starts: str, day_before: str
):
    world.given_hub(institution("ON"), institution("BEFORE"))
    world.load("assessments", assessment("ON", term_starts, achieved=(1, 2)), assessment("BEFORE", day_before))

    report = world.report(term_starts)

    assert (report["assessed"], report["data_required"], owing(report)) == (2, 1, ["BEFORE"])
    assert report["average_benchmarks"] == 1  # BEFORE's older assessment (0 at 100) still counts
    assert owing(world.report(day_before)) == ["ON"]  # the day before: BEFORE is current, ON's is still to come


@pytest.mark.parametrize("term_starts, day_before", TERM_STARTS)
def test_each_new_term_makes_the_previous_terms_assessments_data_required(sqlite_world: World, term_starts: str, day_before: str):
    sqlite_world.given_hub(institution("ON"), institution("BEFORE"))
    sqlite_world.load("assessments", assessment("ON", term_starts), assessment("BEFORE", day_before))

    assert owing(sqlite_world.report(day_before)) == ["ON"]
    assert owing(sqlite_world.report(term_starts)) == ["BEFORE"]


# --- targets and national figures ----------------------------------------------------------------


def test_targets_are_those_of_the_academic_year_containing_the_day(world: World):
    world.load("hubs", hub(), hub("south", "Southshire"))
    world.load(
        "targets",
        target("2018/19", "average_benchmarks", 3),
        target("2018/19", "bm5_percent", 50),
        target("2019/20", "average_benchmarks", 4),
        target("2020/21", "average_benchmarks", 9, hub_id="south"),
    )

    assert on_days(world, lambda r: r["targets"], "2019-08-31", "2019-09-01", "2020-08-31", "2020-09-01") == [
        {"average_benchmarks": 3.0, "bm5_percent": 50.0},
        {"average_benchmarks": 4.0},
        {"average_benchmarks": 4.0},
        {},
    ]


def test_national_figures_are_the_latest_published_on_or_before_the_day(world: World):
    world.given_hub()
    world.load(
        "national",
        national("average_benchmarks", "2019-06-01", 3.0),
        national("bm5_percent", "2019-07-01", 52),
        national("average_benchmarks", "2019-12-01", 3.5),
    )

    assert on_days(world, lambda r: r["national"], "2019-05-31", "2019-06-01", "2019-11-30", "2019-12-01") == [
        {},
        {"average_benchmarks": 3.0},
        {"average_benchmarks": 3.0, "bm5_percent": 52.0},
        {"average_benchmarks": 3.5, "bm5_percent": 52.0},
    ]


# --- funding -------------------------------------------------------------------------------------


def test_funding_counts_applications_decisions_and_distinct_member_applicants(world: World):
    world.load("hubs", hub(), hub("south", "Southshire"))
    world.load(
        "institutions",
        institution("A"),
        institution("B"),
        institution("GONE", hub_left_on="2019-09-30"),
        institution("S", hub_id="south"),
    )
    world.load(
        "funding",
        funding("F1", "A", "2019-10-01", decision="approved", decided_on="2019-11-01", amount_awarded=1200),
        funding("F2", "A", "2019-10-05", decision="rejected", decided_on="2019-10-20"),
        funding("F3", "B", "2019-10-15", decision="approved", decided_on="2019-12-01", amount_awarded=800.5),
        funding("F4", "west", "2019-10-02", stream="collaborative"),
        funding("F5", "GONE", "2019-10-03"),
        funding("F6", "S", "2019-10-01", hub_id="south", decision="approved", decided_on="2019-10-02", amount_awarded=999),
        funding("F7", "B", "2019-12-02"),
    )

    def figures(as_of: str) -> dict:
        return world.report(as_of)["funding"]

    assert figures("2019-09-30") == {"applications": 0, "institutional_applicants": 0, "approved": 0, "amount_awarded": 0}
    assert figures("2019-10-01") == {"applications": 1, "institutional_applicants": 1, "approved": 0, "amount_awarded": 0}
    assert figures("2019-11-01") == {"applications": 5, "institutional_applicants": 2, "approved": 1, "amount_awarded": 1200}
    assert figures("2019-12-01") == {
        "applications": 5,
        "institutional_applicants": 2,
        "approved": 2,
        "amount_awarded": pytest.approx(2000.5),
    }
    assert figures("2019-12-02")["applications"] == 6 and figures("2019-12-02")["institutional_applicants"] == 2


def test_an_approval_counts_only_once_decided_on_or_before_the_day_and_a_correction_can_undo_it(world: World):
    world.given_hub(institution("A"))
    world.load("funding", funding("F1", "A", "2019-10-01", decision="approved", decided_on="2019-11-01", amount_awarded=500))
    world.load("funding", funding("F1", "A", "2019-10-01", decision="rejected", decided_on="2019-11-01"))

    assert world.report("2019-12-01")["funding"] == {
        "applications": 1,
        "institutional_applicants": 1,
        "approved": 0,
        "amount_awarded": 0,
    }


# --- --cluster and --cohort-as-of ----------------------------------------------------------------


def test_a_cluster_report_counts_only_that_clusters_institutions(world: World):
    world.given_hub(institution("W1", cluster="west"), institution("W2", cluster="west"), institution("E1", cluster="east"))
    world.load("assessments", assessment("W1", "2019-10-01", achieved=(5,)), assessment("E1", "2019-10-01", achieved=(1, 2, 3)))

    west = world.report("2019-12-31", cluster="west")

    assert (west["institutions"], west["assessed"], west["data_required"], west["average_benchmarks"]) == (2, 1, 1, 1)
    assert west["fully_achieved_percent"]["5"] == 100
    assert west["ean"]["engaged"] == 2
    assert west["cluster"] == "west"
    assert world.report("2019-12-31")["institutions"] == 3


def test_cohort_as_of_takes_members_on_that_day_with_their_state_on_the_report_day(world: World):
    world.given_hub(
        institution("STAYED", hub_joined_on="2018-09-01"),
        institution("JOINED", hub_joined_on="2019-09-01"),
        institution("LEFT", hub_joined_on="2018-09-01", hub_left_on="2019-12-31"),
    )
    world.load(
        "assessments",
        assessment("STAYED", "2019-06-01", achieved=(1,)),
        assessment("JOINED", "2019-06-01", achieved=(1, 2, 3)),
        assessment("LEFT", "2019-06-01", achieved=()),
        assessment("JOINED", "2020-01-10", achieved=range(1, 9)),
    )

    report = world.report("2019-08-31", cohort_as_of="2020-01-15")

    assert (report["institutions"], report["assessed"], report["average_benchmarks"]) == (2, 2, 2)
    assert report["cohort_as_of"] == "2020-01-15"
    assert world.report("2019-08-31")["institutions"] == 2  # STAYED and LEFT on the day itself


# --- the JSON ------------------------------------------------------------------------------------


def test_the_report_has_every_key_of_the_contract(sqlite_world: World):
    sqlite_world.given_hub(institution("A"))

    report = sqlite_world.report("2020-01-15")

    assert CONTRACT_KEYS <= set(report)
    assert set(report["term"]) == {"name", "academic_year", "starts_on", "ends_on"}
    assert list(report["fully_achieved_percent"]) == BENCHMARKS
    assert set(report["ean"]) == {"engaged", "matched", "unmatched"}
    assert set(report["funding"]) == {"applications", "institutional_applicants", "approved", "amount_awarded"}
    assert (report["hub_id"], report["as_of"], report["known_at"]) == (HUB, "2020-01-15", None)


def test_an_unknown_hub_is_an_error_naming_it(sqlite_world: World):
    from engine.errors import CareerHubError

    sqlite_world.given_hub()

    with pytest.raises(CareerHubError, match="nowhere"):
        sqlite_world.report("2020-01-15", hub_id="nowhere")
