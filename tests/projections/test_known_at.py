"""Record time: the report as it could have been produced at T1, what changed by T2 and why, and the
events behind a figure. Moments are taken from the clock between imports (never by sleeping)."""

from __future__ import annotations

import pytest

from projections.compare import compare_known_at
from projections.explain import explain
from projections.report import Query
from tests.projections.factories import HUB, World, assessment, d, given_two_rounds_of_imports, hub, institution, now

AS_OF = "2019-12-31"


def change(institution: dict, field: str) -> tuple:
    [c] = [c for c in institution["changes"] if c["field"] == field]
    return c["then"], c["now"]


def test_the_report_as_known_at_t1_shows_only_what_was_recorded_by_then(world: World):
    moments = given_two_rounds_of_imports(world)

    then = world.report(AS_OF, known_at=moments.t1)
    between = world.report(AS_OF, known_at=moments.t2)
    latest = world.report(AS_OF)

    assert then["known_at"] == moments.t1.isoformat()
    assert (then["institutions"], then["assessed"], then["data_required"]) == (3, 3, 1)  # C's June return is old
    assert then["average_benchmarks"] == pytest.approx((1 + 3 + 1) / 3)
    assert (between["institutions"], between["assessed"], between["data_required"]) == (2, 2, 0)
    assert between["average_benchmarks"] == pytest.approx((4 + 2) / 2)
    assert latest["average_benchmarks"] == pytest.approx((8 + 2) / 2)


def test_a_moment_before_anything_was_recorded_knows_no_hub(sqlite_world: World):
    from engine.errors import CareerHubError

    before = now()
    sqlite_world.given_hub(institution("A"))

    with pytest.raises(CareerHubError, match="no hub"):
        sqlite_world.report(AS_OF, known_at=before)


def test_compare_known_at_lists_each_changed_institution_with_the_events_recorded_in_between(world: World):
    moments = given_two_rounds_of_imports(world)

    result = compare_known_at(world.db, Query(HUB, d(AS_OF)), moments.t1, moments.t2)

    changed = {i["urn"]: i for i in result["institutions"]}
    assert sorted(changed) == ["A", "B", "C"]
    assert change(changed["A"], "benchmarks_achieved") == (1, 4)
    assert change(changed["B"], "member") == (True, False)
    assert change(changed["C"], "latest_assessed_on") == ("2019-06-01", "2019-11-15")
    attributed = {urn: [(e["kind"], e["event"], e["actor"], e["reason"]) for e in i["events"]] for urn, i in changed.items()}
    assert attributed == {
        "A": [("assessments", "Corrected", "bob", "late returns")],
        "B": [("institutions", "Corrected", "bob", "B left the hub")],
        "C": [
            ("assessments", "Recorded", "bob", "late returns"),
            ("assessments", "Retracted", "carol", "entered for the wrong school"),
        ],
    }
    assert result["figures"]["average_benchmarks"] == {"then": pytest.approx(5 / 3), "now": pytest.approx(3)}
    assert result["figures"]["institutions"] == {"then": 3, "now": 2}


def test_compare_known_at_between_equal_states_finds_no_change(sqlite_world: World):
    moments = given_two_rounds_of_imports(sqlite_world)

    result = compare_known_at(sqlite_world.db, Query(HUB, d("2019-09-30")), moments.t2, moments.t2)

    assert result["figures"] == {} and result["institutions"] == []


def test_explain_lists_the_exact_institutions_and_events_behind_a_figure(world: World):
    moments = given_two_rounds_of_imports(world)

    result = explain(world.db, Query(HUB, d(AS_OF), moments.t2), "bm5_percent")

    assert result["value"] == pytest.approx(100.0)
    shown = {i["urn"]: i for i in result["institutions"]}
    assert sorted(shown) == ["A", "C"]  # B left the hub before the day
    assert (shown["A"]["value"], shown["A"]["fully_achieved"]) == (100, True)
    assert [(e["kind"], e["event"], e["actor"], e["record_key"]) for e in shown["A"]["events"]] == [
        ("institutions", "Recorded", "alice", "A"),
        ("assessments", "Corrected", "bob", "A 2019-10-01"),
    ]
    assert [(e["kind"], e["event"], e["actor"], e["record_key"]) for e in shown["C"]["events"]] == [
        ("institutions", "Recorded", "alice", "C"),
        ("assessments", "Recorded", "bob", "C 2019-11-15"),
    ]


def test_explain_as_known_at_t1_shows_the_events_known_then(sqlite_world: World):
    moments = given_two_rounds_of_imports(sqlite_world)

    result = explain(sqlite_world.db, Query(HUB, d(AS_OF), moments.t1), "data_required")

    assert result["value"] == 1
    [c] = result["institutions"]
    assert c["urn"] == "C" and c["latest_assessed_on"] == "2019-06-01"
    assert [(e["event"], e["actor"], e["reason"]) for e in c["events"]] == [
        ("Recorded", "alice", "roll"),
        ("Recorded", "alice", "autumn returns"),
    ]


def test_compare_known_at_attributes_a_change_made_by_the_hubs_term_dates(sqlite_world: World):
    sqlite_world.given_hub(institution("A"))
    sqlite_world.load("assessments", assessment("A", "2020-01-03"))
    t1 = now()
    sqlite_world.load(
        "terms",
        {"hub_id": HUB, "academic_year": "2019/20", "term": "spring", "starts_on": "2020-01-06", "ends_on": "2020-04-03"},
        actor="lead",
        reason="our own term dates",
    )
    t2 = now()

    result = compare_known_at(sqlite_world.db, Query(HUB, d("2020-01-10")), t1, t2)

    [a] = result["institutions"]
    assert change(a, "data_required") == (False, True)
    assert [(e["kind"], e["event"], e["actor"], e["reason"]) for e in a["events"]] == [
        ("terms", "Recorded", "lead", "our own term dates")
    ]


def test_compare_known_at_attributes_engagement_changed_by_a_correction_of_the_hubs_area(sqlite_world: World):
    sqlite_world.given_hub(institution("A", area="Southshire"))
    t1 = now()
    sqlite_world.load(
        "hubs",
        {"hub_id": HUB, "name": "North Careers Hub", "area": "Southshire", "started_on": "2018-09-01"},
        actor="lead",
        reason="wrong area",
    )
    t2 = now()

    result = compare_known_at(sqlite_world.db, Query(HUB, d("2020-01-10")), t1, t2)

    [a] = result["institutions"]
    assert change(a, "engaged") == (False, True)
    assert [(e["kind"], e["event"], e["actor"]) for e in a["events"]] == [("hubs", "Corrected", "lead")]


def test_compare_known_at_does_not_attribute_another_hubs_term_dates(sqlite_world: World):
    sqlite_world.load("hubs", hub("north_east", "Northshire"), hub("north-east", "Elsewhere"))
    sqlite_world.load("institutions", institution("A", hub_id="north_east"))
    t1 = now()
    sqlite_world.load(
        "terms",
        {
            "hub_id": "north-east",
            "academic_year": "2019/20",
            "term": "spring",
            "starts_on": "2020-01-06",
            "ends_on": "2020-04-03",
        },
        actor="other lead",
    )
    sqlite_world.load("assessments", assessment("A", "2020-01-08"), actor="bob")
    t2 = now()

    result = compare_known_at(sqlite_world.db, Query("north_east", d("2020-01-10")), t1, t2)

    [a] = result["institutions"]
    assert [(e["kind"], e["actor"]) for e in a["events"]] == [("assessments", "bob")]
