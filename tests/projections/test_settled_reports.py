"""A hub report is served as computed at the last log position at which anything it reads changed
(projections/changes.py): given any history of imports and retractions, the report known at a position
equals the report known at its settled position, whether the read model was kept up event file by file
or rebuilt; and what another hub, a later day or a kind no report reads records leaves it where it was."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import Settings
from engine.errors import CareerHubError
from projections import report as report_module
from projections.queries import Known, all_hub_ids, as_known, position_at, settled_position
from projections.report import Query, Report, hub_report, known_reports, settled_report
from service.hub import HubService
from tests.core.factories import ADVISER, ASSESSMENT_HEADER, write_csv

HUBS = ("dorset", "wessex")
AREAS = ("Dorset", "Wiltshire")
URNS = ("100001", "100002", "100003")
DAYS = ("2019-10-01", "2020-01-15", "2020-03-01")
REPORT_DAYS = (date(2019, 12, 31), date(2020, 2, 1), date(2020, 6, 30))
HEADERS = {
    "hubs": ["hub_id", "name", "area"],
    "institutions": ["urn", "name", "kind", "area", "cluster", "ean_joined_on", "hub_id", "hub_joined_on", "hub_left_on"],
    "advisers": ["adviser_ref", "name"],
    "matches": ["urn", "adviser_ref", "matched_on", "ended_on"],
    "assessments": ASSESSMENT_HEADER,
    "funding": ["application_ref", "hub_id", "stream", "applicant", "amount_requested", "applied_on", "decision", "decided_on"],
    "national": ["metric", "published_on", "value"],
    "targets": ["hub_id", "academic_year", "metric", "value"],
}
day = st.sampled_from(DAYS)
ROWS = {
    "hubs": st.builds(lambda h, a: [h, h.title(), a], st.sampled_from(HUBS), st.sampled_from(AREAS)),
    "institutions": st.builds(
        lambda u, a, c, e, h, j, left: [u, "School", "school", a, c, e, h, j, left],
        st.sampled_from(URNS),
        st.sampled_from(AREAS),
        st.sampled_from(("east", "west")),
        st.sampled_from(("", "2019-09-01", "2020-02-01")),
        st.sampled_from(HUBS),
        day,
        st.sampled_from(("", "2020-02-15")),
    ),
    "matches": st.builds(lambda u, m, e: [u, "EA-1", m, e], st.sampled_from(URNS), day, st.sampled_from(("", "2020-04-01"))),
    "assessments": st.builds(
        lambda u, d, b: [u, d, *(["100"] * b + ["50"] * (8 - b))], st.sampled_from(URNS), day, st.integers(0, 8)
    ),
    "funding": st.builds(
        lambda ref, h, u, applied, decision: [
            ref,
            h,
            "institutional",
            u,
            "1000",
            applied,
            decision,
            "2020-03-15" if decision else "",
        ],
        st.sampled_from(("F-1", "F-2")),
        st.sampled_from(HUBS),
        st.sampled_from(URNS),
        day,
        st.sampled_from(("", "approved")),
    ),
    "national": st.builds(lambda d, v: ["average_benchmarks", d, str(v)], day, st.integers(1, 8)),
    "targets": st.builds(lambda h, v: [h, "2019/20", "average_benchmarks", str(v)], st.sampled_from(HUBS), st.integers(1, 8)),
}
KEY_WIDTH = {"hubs": 1, "institutions": 1, "matches": 3, "assessments": 2, "funding": 1, "national": 2, "targets": 3}
RETRACTABLE = {
    "institutions": [(u,) for u in URNS],
    "assessments": [(u, d) for u in URNS for d in DAYS],
    "funding": [("F-1",), ("F-2",)],
}
SEED = [
    ("import", "hubs", [["dorset", "Dorset", "Dorset"], ["wessex", "Wessex", "Wiltshire"]]),
    ("import", "advisers", [[ADVISER["adviser_ref"], ADVISER["name"]]]),
    (
        "import",
        "institutions",
        [[u, "School", "school", "Dorset", "east", "2019-09-01", "dorset", "2019-09-01", ""] for u in URNS],
    ),
]
imports = st.one_of(
    *(
        st.tuples(
            st.just("import"),
            st.just(kind),
            st.lists(rows, min_size=1, max_size=3).map(
                lambda rs, kind=kind: list({tuple(r[: KEY_WIDTH[kind]]): r for r in rs}.values())
            ),
        )
        for kind, rows in ROWS.items()
    )
)
retractions = st.one_of(*(st.tuples(st.just("retract"), st.just(k), st.sampled_from(keys)) for k, keys in RETRACTABLE.items()))
histories = st.lists(st.one_of(imports, imports, retractions), min_size=1, max_size=8).map(lambda ops: SEED + ops)


def record(service: HubService, folder: Path, step: int, operation: tuple) -> None:
    action, kind, payload = operation
    try:
        if action == "import":
            service.import_file(kind, write_csv(folder, f"{step}-{kind}.csv", HEADERS[kind], payload), "prop")
        else:
            service.retract(kind, payload, "prop", "withdrawn")
    except CareerHubError:
        pass  # a file the rules refuse (a retracted key, an unknown reference) records nothing


def computed(known: Known, hub_id: str, on: date, cohort_as_of: date | None = None) -> Report:
    """The report computed afresh from what was known at the position (nothing kept is served)."""
    return known_reports(known, Query(hub_id, on, cohort_as_of=cohort_as_of), [hub_id])[hub_id]


def same_answer(a: Report, b: Report) -> bool:
    return (a.figures, a.targets, a.national, a.term, a.data_required_institutions) == (
        b.figures,
        b.targets,
        b.national,
        b.term,
        b.data_required_institutions,
    )


def every_report_equals_its_settled_one(service: HubService) -> None:
    db = service.db
    for position in range(1, position_at(db, None) + 1):
        known = Known(db, position)
        for hub_id in HUBS:
            if hub_id not in all_hub_ids(known):
                continue
            for on, cohort_as_of in [*((d, None) for d in REPORT_DAYS), (REPORT_DAYS[0], REPORT_DAYS[2])]:
                settled = settled_position(known, hub_id, max(on, cohort_as_of or on))
                assert settled <= position
                then, now = computed(Known(db, settled), hub_id, on, cohort_as_of), computed(known, hub_id, on, cohort_as_of)
                assert same_answer(then, now), (position, hub_id, on, cohort_as_of, settled)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories)
def test_a_report_known_at_any_position_is_the_one_known_at_its_settled_position(history):
    with tempfile.TemporaryDirectory() as folder:
        service = HubService(Settings(database_url=f"sqlite:///{folder}/store.sqlite3", actor="prop"))
        for step, operation in enumerate(history):
            record(service, Path(folder), step, operation)
        every_report_equals_its_settled_one(service)
        service.projector.rebuild()  # one batch for the whole log: other rows of rm_changes, the same promise
        every_report_equals_its_settled_one(service)
        service.close()


def given_two_hubs(database_url: str, tmp_path: Path) -> HubService:
    service = HubService(Settings(database_url=database_url, actor="tester"))
    for step, operation in enumerate(SEED):
        record(service, tmp_path, step, operation)
    record(
        service,
        tmp_path,
        10,
        ("import", "institutions", [["100009", "School", "school", "Wiltshire", "", "", "wessex", "2019-09-01", ""]]),
    )
    return service


def settled(service: HubService, hub_id: str, on: date) -> int:
    return settled_position(as_known(service.db, None), hub_id, on)


def test_what_is_dated_after_the_day_leaves_its_reports_where_they_were(database_url, tmp_path):
    service = given_two_hubs(database_url, tmp_path)
    before = settled(service, "dorset", REPORT_DAYS[0])
    record(service, tmp_path, 20, ("import", "assessments", [["100001", "2020-01-15", *["100"] * 8]]))

    assert settled(service, "dorset", REPORT_DAYS[0]) == before  # 31 Dec 2019: before the assessment
    assert settled(service, "dorset", REPORT_DAYS[1]) == position_at(service.db, None)  # 1 Feb 2020: after it
    service.close()


def test_another_hubs_records_leave_a_hubs_reports_where_they_were(database_url, tmp_path):
    service = given_two_hubs(database_url, tmp_path)
    before = settled(service, "dorset", REPORT_DAYS[2])
    record(service, tmp_path, 20, ("import", "assessments", [["100009", "2019-10-01", *["100"] * 8]]))  # wessex's school
    record(
        service, tmp_path, 21, ("import", "funding", [["F-1", "wessex", "institutional", "100009", "1000", "2019-10-01", "", ""]])
    )

    assert settled(service, "dorset", REPORT_DAYS[2]) == before
    assert settled(service, "wessex", REPORT_DAYS[2]) == position_at(service.db, None)
    service.close()


def test_national_figures_reach_every_hub_from_their_day(database_url, tmp_path):
    service = given_two_hubs(database_url, tmp_path)
    record(service, tmp_path, 20, ("import", "national", [["average_benchmarks", "2020-01-15", "4"]]))
    head = position_at(service.db, None)

    assert [settled(service, h, REPORT_DAYS[1]) for h in HUBS] == [head, head]
    assert all(settled(service, h, REPORT_DAYS[0]) < head for h in HUBS)
    service.close()


def test_a_report_asked_again_after_another_hubs_import_is_not_computed_again(database_url, tmp_path, monkeypatch):
    service = given_two_hubs(database_url, tmp_path)
    settled_report.cache_clear()
    first = hub_report(service.db, Query("dorset", REPORT_DAYS[2]))
    record(service, tmp_path, 20, ("import", "assessments", [["100009", "2019-10-01", *["100"] * 8]]))

    def computing(*args, **kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(report_module, "known_reports", computing)
    again = hub_report(service.db, Query("dorset", REPORT_DAYS[2]))

    assert again.figures == first.figures
    assert again.log_position == position_at(service.db, None) > first.log_position  # read as of now
    service.close()
