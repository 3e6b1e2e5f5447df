"""Measured coverage from learner records: given learners, encounters and who took part, then the share
of each year group reached under the benchmark definition in force on the day (or the one asked for)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine.errors import ImportRejected
from projections.coverage import measured_coverage, school_measured
from projections.queries import as_known
from tests.projections.factories import HUB, World, assessment, d, encounter, institution

SECRET = "test learner secret"


def keyed_world(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("CAREERHUB_LEARNER_SECRET", SECRET)
    w = World(url)
    yield w
    w.close()


@pytest.fixture
def learner_world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A fresh store (each backend) whose service keys learners with a test secret."""
    yield from keyed_world(database_url, monkeypatch)


@pytest.fixture
def sqlite_learner_world(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    yield from keyed_world(sqlite_url, monkeypatch)


def learner(
    pupil_id: str,
    urn: str,
    year_group: int,
    academic_year: str,
    disadvantaged: bool = False,
    on_roll_from: str = "",
    on_roll_until: str = "",
) -> dict[str, Any]:
    return {
        "pupil_id": pupil_id,
        "urn": urn,
        "year_group": year_group,
        "academic_year": academic_year,
        "disadvantaged": str(disadvantaged).lower(),
        "on_roll_from": on_roll_from,
        "on_roll_until": on_roll_until,
    }


def took_part(pupil_id: str, encounter_ref: str, urn: str, on: str) -> dict[str, Any]:
    return {"pupil_id": pupil_id, "encounter_ref": encounter_ref, "urn": urn, "participated_on": on}


def coverage(world: World, as_of: str, definitions: str | None = None, minimum: int = 1) -> dict[tuple, dict]:
    """(urn, benchmark, year group) -> the school row of the hub view."""
    world.service.refresh()
    result = measured_coverage(as_known(world.db, None), HUB, d(as_of), definitions, None, minimum)
    return {(r["urn"], r["benchmark"], r["year_group"]): r for r in result["institutions"]}


def given_a_year_10_of_six_with_two_disadvantaged(world: World) -> None:
    world.given_hub(institution("A"))
    world.load("assessments", assessment("A", "2019-10-01", achieved=(5,)))
    world.load(
        "encounters",
        encounter("E1", "A", "2019-10-10", year_groups="10"),
        encounter("W1", "A", "2019-11-10", kind="workplace_experience", year_groups="10"),
    )
    world.load("learners", *(learner(f"P{i}", "A", 10, "2019/20", disadvantaged=i < 2) for i in range(6)))
    world.load(
        "participations",
        *(took_part(f"P{i}", "E1", "A", "2019-10-10") for i in (0, 2, 3, 4)),
        took_part("P5", "W1", "A", "2019-11-10"),
    )


def test_the_share_of_a_year_group_with_an_employer_encounter_and_of_its_disadvantaged_learners(learner_world: World):
    given_a_year_10_of_six_with_two_disadvantaged(learner_world)

    row = coverage(learner_world, "2020-07-31")["A", 5, 10]

    assert (row["learners"], row["reached"]) == (6, 4)
    assert row["disadvantaged"]["learners"] == 2 and row["disadvantaged"]["reached"] == 1
    assert row["self_assessed_percent"] == 100 and row["gap"] is True
    assert row["message"] == "self-assessed BM5 100 %, measured 67 % of Year 10 (disadvantaged 50 %)"


def test_before_the_encounter_nobody_is_reached_and_a_workplace_visit_is_not_an_employer_encounter(sqlite_learner_world: World):
    given_a_year_10_of_six_with_two_disadvantaged(sqlite_learner_world)

    assert coverage(sqlite_learner_world, "2019-10-09")["A", 5, 10]["reached"] == 0
    assert coverage(sqlite_learner_world, "2020-07-31")["A", 6, 10]["reached"] == 1


def test_the_school_sees_who_is_not_yet_reached_by_pseudonym_only(sqlite_learner_world: World):
    given_a_year_10_of_six_with_two_disadvantaged(sqlite_learner_world)
    world = sqlite_learner_world

    measured = school_measured(as_known(world.db, None), "A", d("2020-07-31"))

    unreached = measured["unreached"][5]
    assert len(unreached) == 2 and {u["disadvantaged"] for u in unreached} == {True, False}
    assert all(len(u["learner_key"]) == 32 and not u["learner_key"].startswith("P") for u in unreached)


def test_a_hub_view_shows_no_figure_from_fewer_learners_than_the_minimum(sqlite_learner_world: World):
    given_a_year_10_of_six_with_two_disadvantaged(sqlite_learner_world)

    row = coverage(sqlite_learner_world, "2020-07-31", minimum=5)["A", 5, 10]
    smaller = coverage(sqlite_learner_world, "2020-07-31", minimum=7)["A", 5, 10]

    assert row["learners"] == 6 and row["disadvantaged"] == {
        "learners": "<5",
        "reached": None,
        "percent": None,
        "suppressed": True,
    }
    assert (smaller["learners"], smaller["percent"], smaller["gap"]) == ("<7", None, None)


# --- definitions versioned by date: an encounter on 2025-08-31 and on 2025-09-01 ------------------


def given_two_pupils_with_workplace_experiences_either_side_of_september_2025(world: World) -> None:
    world.given_hub(institution("A"))
    world.load(
        "encounters",
        encounter("W1", "A", "2025-08-31", kind="workplace_experience", year_groups="10"),
        encounter("W2", "A", "2025-09-01", kind="workplace_experience", year_groups="11"),
    )
    world.load(
        "learners",
        learner("P1", "A", 10, "2024/25"),
        learner("P2", "A", 10, "2024/25"),
        learner("P1", "A", 11, "2025/26"),
        learner("P2", "A", 11, "2025/26"),
    )
    world.load(
        "participations",
        took_part("P1", "W1", "A", "2025-08-31"),
        took_part("P2", "W1", "A", "2025-08-31"),
        took_part("P1", "W2", "A", "2025-09-01"),
    )


def test_benchmark_6_uses_the_2014_wording_to_31_august_2025_and_the_updated_one_from_1_september(learner_world: World):
    given_two_pupils_with_workplace_experiences_either_side_of_september_2025(learner_world)

    before = coverage(learner_world, "2025-08-31")["A", 6, 10]
    after = coverage(learner_world, "2025-09-01")["A", 6, 11]

    assert (before["definition"], before["percent"]) == ("2014", 100)  # one experience by 16
    assert (after["definition"], after["reached"], after["learners"]) == ("2025", 1, 2)  # multiple by 16


def test_a_past_figure_can_be_recomputed_under_the_other_definitions(sqlite_learner_world: World):
    given_two_pupils_with_workplace_experiences_either_side_of_september_2025(sqlite_learner_world)

    assert coverage(sqlite_learner_world, "2025-08-31", definitions="2025")["A", 6, 10]["reached"] == 0
    assert coverage(sqlite_learner_world, "2025-09-01", definitions="2014")["A", 6, 11]["reached"] == 2


def test_a_new_definition_recorded_later_applies_from_its_date_only(sqlite_learner_world: World):
    given_two_pupils_with_workplace_experiences_either_side_of_september_2025(sqlite_learner_world)
    sqlite_learner_world.load(
        "definitions",
        {
            "definition": "2025",
            "benchmark": 6,
            "in_force_from": "2025-09-01",
            "in_force_until": "",
            "encounter_kinds": "workplace_experience",
            "year_groups": "10;11",
            "required": 3,
            "span": "cumulative",
            "wording": "three experiences by 16",
        },
    )

    assert coverage(sqlite_learner_world, "2025-09-01")["A", 6, 11]["reached"] == 0
    assert coverage(sqlite_learner_world, "2025-08-31")["A", 6, 10]["reached"] == 2


# --- a learner who changes school mid-year ---------------------------------------------------------


def test_a_learner_who_moves_school_mid_year_counts_where_they_are_on_roll_on_the_day(learner_world: World):
    world = learner_world
    world.given_hub(institution("A"), institution("B"))
    world.load("encounters", encounter("EA", "A", "2025-10-01", year_groups="10"))
    world.load(
        "learners",
        learner("P1", "A", 10, "2025/26", on_roll_until="2026-01-10"),
        learner("P2", "A", 10, "2025/26"),
        learner("P1", "B", 10, "2025/26", on_roll_from="2026-01-10"),
    )
    world.load("participations", took_part("P1", "EA", "A", "2025-10-01"))

    autumn, spring = coverage(world, "2025-12-31"), coverage(world, "2026-03-31")

    assert (autumn["A", 5, 10]["learners"], autumn["A", 5, 10]["reached"]) == (2, 1)
    assert ("B", 5, 10) not in autumn
    assert (spring["A", 5, 10]["learners"], spring["A", 5, 10]["reached"]) == (1, 0)
    assert (spring["B", 5, 10]["learners"], spring["B", 5, 10]["reached"]) == (1, 0)  # a new learner at B


# --- bad input: the same line and column errors, nothing recorded ---------------------------------


def given_one_learner(world: World) -> None:
    world.given_hub(institution("A"), institution("B"))
    world.load(
        "encounters",
        encounter("EA", "A", "2025-10-01"),
        encounter("EB", "B", "2025-10-01"),
        encounter("EA0", "A", "2024-10-01"),
        encounter("EA1", "A", "2025-09-02"),
    )
    world.load("learners", learner("P1", "A", 10, "2025/26", on_roll_from="2025-09-03"))


@pytest.mark.parametrize(
    "row, column, words",
    [
        (took_part("P9", "EA", "A", "2025-10-01"), "pupil_id", "no known learners record"),
        (took_part("P1", "EB", "A", "2025-10-01"), "urn", "differs from the urn of the encounters record"),
        (took_part("P1", "EA0", "A", "2024-10-01"), "pupil_id", "academic_year 2024/25"),
        (took_part("P1", "EA1", "A", "2025-09-02"), "participated_on", "outside the learners record"),
        (took_part("P1", "NOPE", "A", "2025-10-01"), "encounter_ref", "not a known encounters record"),
    ],
)
def test_a_participation_outside_the_learners_school_or_year_is_rejected_whole(sqlite_learner_world: World, row, column, words):
    given_one_learner(sqlite_learner_world)
    good = took_part("P1", "EA", "A", "2025-10-01")

    with pytest.raises(ImportRejected) as rejected:
        sqlite_learner_world.load("participations", good, row)

    assert (rejected.value.line, rejected.value.column) == (3, column) and words in str(rejected.value)
    assert "P1" not in str(rejected.value) and "P9" not in str(rejected.value)
    assert coverage(sqlite_learner_world, "2026-07-31")["A", 5, 10]["reached"] == 0


def test_a_pupil_listed_twice_in_a_year_with_different_values_is_rejected(sqlite_learner_world: World):
    sqlite_learner_world.given_hub(institution("A"))

    with pytest.raises(ImportRejected) as rejected:
        sqlite_learner_world.load("learners", learner("P1", "A", 10, "2025/26"), learner("P1", "A", 11, "2025/26"))

    assert (rejected.value.line, rejected.value.column) == (3, "year_group")


def test_a_file_with_a_learner_key_column_is_refused_the_key_is_made_by_careerhub(sqlite_learner_world: World):
    sqlite_learner_world.given_hub(institution("A"))

    with pytest.raises(ImportRejected) as rejected:
        sqlite_learner_world.load("learners", {**learner("P1", "A", 10, "2025/26"), "learner_key": "chosen"})

    assert rejected.value.column == "learner_key" and "unknown column" in str(rejected.value)


# --- complementary suppression: no small figure follows from a shown total -------------------------


def given_year_10s(world: World, sizes: dict[str, tuple[int, int]], clusters: dict[str, str] | None = None) -> None:
    """urn -> (learners, of them disadvantaged); every learner took part in the school's employer encounter."""
    clusters = clusters or {}
    world.given_hub(*(institution(urn, cluster=clusters.get(urn, "")) for urn in sizes))
    world.load("encounters", *(encounter(f"E{urn}", urn, "2019-10-10", year_groups="10") for urn in sizes))
    world.load(
        "learners",
        *(learner(f"P{i}", urn, 10, "2019/20", disadvantaged=i < dis) for urn, (n, dis) in sizes.items() for i in range(n)),
    )
    world.load(
        "participations", *(took_part(f"P{i}", f"E{urn}", urn, "2019-10-10") for urn, (n, _) in sizes.items() for i in range(n))
    )


def view(world: World, cluster: str | None = None) -> tuple[dict, dict]:
    """BM5's total and school rows (urn -> row) of the hub's (or a cluster's) view, minimum 5."""
    world.service.refresh()
    result = measured_coverage(as_known(world.db, None), HUB, d("2020-07-31"), None, cluster, 5)
    return result["benchmarks"]["5"], {r["urn"]: r for r in result["institutions"] if r["benchmark"] == 5}


def test_beside_one_small_year_group_the_next_smallest_is_withheld_so_the_total_less_the_rest_tells_nothing(
    sqlite_learner_world: World,
):
    given_year_10s(sqlite_learner_world, {"A": (3, 0), "B": (6, 0), "C": (8, 0), "D": (9, 0)})

    total, rows = view(sqlite_learner_world)

    assert total["learners"] == 26 and total["suppressed"] is False
    assert (rows["A"]["learners"], rows["B"]["learners"], rows["C"]["learners"]) == ("<5", "withheld", 8)
    assert rows["B"]["reached"] is None and rows["B"]["percent"] is None and rows["B"]["gap"] is None
    assert rows["B"]["message"] == "BM5 not self-assessed, Year 10 withheld (a smaller figure would follow from the total)"
    assert total["learners"] - rows["C"]["learners"] - rows["D"]["learners"] == 9  # A and B together, not A


def test_a_small_disadvantaged_count_is_not_left_to_total_less_the_others(sqlite_learner_world: World):
    given_year_10s(sqlite_learner_world, {"A": (10, 2), "B": (12, 6), "C": (9, 7)})

    total, rows = view(sqlite_learner_world)

    assert [rows[u]["learners"] for u in "ABC"] == [10, 12, 9]  # every year group's own figure is shown
    assert [rows[u]["disadvantaged"]["learners"] for u in "ABC"] == ["<5", "withheld", 7]
    assert total["disadvantaged"]["learners"] == 15


def test_with_two_small_year_groups_nothing_more_is_withheld(sqlite_learner_world: World):
    given_year_10s(sqlite_learner_world, {"A": (3, 0), "B": (4, 0), "C": (8, 0)})

    total, rows = view(sqlite_learner_world)

    assert [rows[u]["learners"] for u in "ABC"] == ["<5", "<5", 8] and total["learners"] == 15


def test_one_pattern_for_the_hub_and_its_clusters_so_no_view_gives_away_what_another_hides(learner_world: World):
    # west is one small school: its cluster total is that school, and the hub total less east's would be too
    given_year_10s(learner_world, {"A": (3, 0), "B": (6, 0), "C": (8, 0)}, {"A": "west", "B": "east", "C": "east"})

    hub_total, hub_rows = view(learner_world)
    west_total, _ = view(learner_world, "west")
    east_total, east_rows = view(learner_world, "east")

    assert [hub_rows[u]["learners"] for u in "ABC"] == ["<5", 6, 8]
    assert hub_total["learners"] == "withheld" and west_total["learners"] == "<5" and east_total["learners"] == 14
    assert [east_rows[u]["learners"] for u in "BC"] == [6, 8]
