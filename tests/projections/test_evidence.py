"""Encounter evidence: a self-assessed 100 % on benchmark 5 needs an employer encounter for every year group."""

from __future__ import annotations

from projections.evidence import encounter_evidence
from tests.projections.factories import HUB, World, assessment, encounter, institution

YEAR = "2019/20"


def given_members_claiming_benchmark_5(world: World) -> None:
    world.given_hub(institution("GAP"), institution("FULL"), institution("OLD"))
    world.load(
        "assessments",
        assessment("GAP", "2019-10-01", achieved=(5,)),
        assessment("FULL", "2019-10-01", achieved=(5,)),
        assessment("OLD", "2019-06-01", achieved=(5,)),
    )
    world.load(
        "encounters",
        encounter("G1", "GAP", "2019-09-20", year_groups="7;8", students=200),
        encounter("G2", "GAP", "2019-11-20", year_groups="10;11", students=180),
        encounter("G3", "GAP", "2019-11-21", kind="workplace_experience", year_groups="9"),
        encounter("G4", "GAP", "2019-08-31", year_groups="9"),  # the previous academic year
        encounter("F1", "FULL", "2019-09-20", year_groups="7;8;9"),
        encounter("F2", "FULL", "2020-06-20", year_groups="10;11"),
    )


def flags_by_urn(world: World) -> dict[str, list[dict]]:
    return {row["urn"]: row["flags"] for row in encounter_evidence(world.db, HUB, YEAR)}


def test_a_member_claiming_benchmark_5_without_an_employer_encounter_for_year_9_is_flagged(sqlite_world: World):
    given_members_claiming_benchmark_5(sqlite_world)

    [flag] = flags_by_urn(sqlite_world)["GAP"]

    assert (flag["benchmark"], flag["kind"], flag["missing_year_groups"]) == (5, "employer_encounter", [9])
    assert "year 9" in flag["message"] and YEAR in flag["message"]


def test_a_member_with_every_year_group_covered_is_not_flagged(sqlite_world: World):
    given_members_claiming_benchmark_5(sqlite_world)

    flags = flags_by_urn(sqlite_world)

    assert flags["FULL"] == []
    assert flags["OLD"] == []  # its 100 % was claimed in the previous academic year


def test_the_evidence_counts_encounters_year_groups_and_students_by_kind(sqlite_world: World):
    given_members_claiming_benchmark_5(sqlite_world)

    [gap] = [r for r in encounter_evidence(sqlite_world.db, HUB, YEAR) if r["urn"] == "GAP"]

    assert gap["by_kind"]["employer_encounter"] == {"encounters": 2, "year_groups": [7, 8, 10, 11], "students": 380}
    assert gap["by_kind"]["workplace_experience"]["year_groups"] == [9]
