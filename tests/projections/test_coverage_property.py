"""Property: whatever small history of learners, participations and retractions was recorded, the
coverage the read model's grouped queries give equals the coverage replayed from the events themselves
(each record's current state, counted in Python), and the read model equals a rebuild from the log."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from config.calendar import academic_year_of
from config.settings import load_settings
from engine.errors import CareerHubError
from engine.importing.derive import hub_learner_key, learner_key
from engine.records import RECORD_CLASSES
from projections.check import check_read_model
from projections.coverage import measured_coverage
from projections.queries import Known
from service.hub import HubService
from tests.projections.factories import csv_bytes

SECRET, HUB = "property secret", "h1"
URNS, PUPILS = ("A", "B"), ("P1", "P2", "P3", "P4")
ENCOUNTERS = {
    "EA1": ("A", "2025-08-31", "workplace_experience"),
    "EA2": ("A", "2025-09-01", "workplace_experience"),
    "EA3": ("A", "2025-10-01", "employer_encounter"),
    "EB1": ("B", "2025-10-02", "employer_encounter"),
    "EA0": ("A", "2025-03-01", "employer_encounter"),
}
DAYS = (date(2025, 8, 31), date(2025, 9, 1), date(2026, 3, 31))
YEARS = ("2024/25", "2025/26")

learner_rows = st.builds(
    lambda pupil, urn, group, year, dis, until: {
        "pupil_id": pupil,
        "urn": urn,
        "year_group": group,
        "academic_year": year,
        "disadvantaged": dis,
        "on_roll_until": until,
    },
    st.sampled_from(PUPILS),
    st.sampled_from(URNS),
    st.sampled_from((10, 11)),
    st.sampled_from(YEARS),
    st.sampled_from(("true", "false")),
    st.sampled_from(("", "2026-01-10")),
)
participation_rows = st.builds(
    lambda pupil, ref: {
        "pupil_id": pupil,
        "encounter_ref": ref,
        "urn": ENCOUNTERS[ref][0],
        "participated_on": ENCOUNTERS[ref][1],
    },
    st.sampled_from(PUPILS),
    st.sampled_from(sorted(ENCOUNTERS)),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("learners"), st.lists(learner_rows, min_size=1, max_size=4)),
        st.tuples(st.just("participations"), st.lists(participation_rows, min_size=1, max_size=4)),
        st.tuples(st.just("retract"), participation_rows),
    ),
    min_size=1,
    max_size=8,
).map(lambda ops: [SEED, *ops])
SEED = (
    "learners",
    [
        {"pupil_id": p, "urn": "A", "year_group": 10 + i, "academic_year": year, "disadvantaged": "true", "on_roll_until": ""}
        for p in PUPILS[:3]
        for i, year in enumerate(YEARS)
    ],
)


def pseudonym(pupil: str, urn: str) -> str:
    return learner_key(hub_learner_key(SECRET, HUB), urn, pupil)


def replayed(service: HubService, day: date) -> dict[tuple, tuple[int, int, int, int]]:
    """(urn, benchmark, year group) -> learners, reached, disadvantaged, disadvantaged reached, from the
    records' current state as their events give it (not the read model)."""
    load = service.app.load_many
    ids = {k: RECORD_CLASSES[k] for k in ("learners", "participations", "definitions", "encounters")}
    learners = [
        r
        for r in load(ids["learners"].id_for((pseudonym(p, u), y)) for p in PUPILS for u in URNS for y in YEARS).values()
        if not r.retracted
    ]
    took_part = [
        r
        for r in load(
            ids["participations"].id_for((pseudonym(p, u), e)) for p in PUPILS for u in URNS for e in ENCOUNTERS
        ).values()
        if not r.retracted
    ]
    encounters = {r.values["encounter_ref"]: r.values for r in load(ids["encounters"].id_for((e,)) for e in ENCOUNTERS).values()}
    name = "2014" if day <= date(2025, 8, 31) else "2025"
    year, result = academic_year_of(day), defaultdict(lambda: [0, 0, 0, 0])
    for b in (5, 6, 7, 8):
        definition = load([ids["definitions"].id_for((name, str(b)))]).popitem()[1].values
        first = date(int(year[:4]), 9, 1) if definition["span"] == "year" else date(1, 1, 1)
        for learner in learners:
            v = learner.values
            on_roll = v["on_roll_until"] is None or v["on_roll_until"] > day
            if v["academic_year"] != year or v["year_group"] not in definition["year_groups"] or not on_roll:
                continue
            met = {
                p.values["encounter_ref"]
                for p in took_part
                if p.values["learner_key"] == v["learner_key"]
                and p.values["urn"] == v["urn"]
                and encounters[p.values["encounter_ref"]]["kind"] in definition["encounter_kinds"]
                and first <= p.values["participated_on"] <= day
            }
            counts = result[v["urn"], b, v["year_group"]]
            reached = len(met) >= definition["required"]
            counts[0] += 1
            counts[1] += reached
            counts[2] += v["disadvantaged"]
            counts[3] += v["disadvantaged"] and reached
    return {k: tuple(v) for k, v in result.items()}


def from_read_model(service: HubService, day: date) -> dict[tuple, tuple[int, int, int, int]]:
    rows = measured_coverage(Known(service.db, service.app.last_position()), HUB, day, minimum=1)["institutions"]
    return {
        (r["urn"], r["benchmark"], r["year_group"]): (
            r["learners"],
            r["reached"],
            r["disadvantaged"]["learners"],
            r["disadvantaged"]["reached"],
        )
        for r in rows
    }


def given_a_hub(service: HubService) -> None:
    files = (
        ("hubs", [{"hub_id": HUB, "name": "Hub", "area": "Dorset"}]),
        (
            "institutions",
            [
                {"urn": u, "name": u, "kind": "school", "area": "Dorset", "hub_id": HUB, "hub_joined_on": "2018-09-01"}
                for u in URNS
            ],
        ),
        (
            "encounters",
            [{"encounter_ref": ref, "urn": urn, "occurred_on": on, "kind": kind} for ref, (urn, on, kind) in ENCOUNTERS.items()],
        ),
    )
    for kind, rows in files:
        service.import_file(kind, Path(f"{kind}.csv"), "setup", data=csv_bytes(rows))
    service.record_default_definitions()


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=operations)
def test_coverage_from_the_read_model_equals_a_replay_of_the_events(history):
    with tempfile.TemporaryDirectory() as folder:
        service = HubService(replace(load_settings(f"sqlite:///{folder}/c.sqlite3", "prop"), learner_secret=SECRET))
        try:
            given_a_hub(service)
            for step, (action, payload) in enumerate(history):
                try:
                    if action == "retract":
                        service.retract(
                            "participations",
                            (pseudonym(payload["pupil_id"], payload["urn"]), payload["encounter_ref"]),
                            "prop",
                            "mistake",
                        )
                    else:
                        service.import_file(action, Path(f"{step}.csv"), "prop", data=csv_bytes(payload))
                except CareerHubError:
                    pass  # a file with a bad row (or a retraction of nothing) records nothing: that is tested elsewhere
            for day in DAYS:
                expected = replayed(service, day)
                assert from_read_model(service, day) == expected, day
                event(
                    f"{day}: "
                    + (
                        "some learner reached"
                        if any(c[1] for c in expected.values())
                        else "learners, none reached"
                        if expected
                        else "no learners"
                    )
                )
            assert check_read_model(service.app).ok
        finally:
            service.close()
