"""Property: for random event histories and random (DATE, T), the read model's report equals an oracle that
replays, in plain Python, only the events recorded by T and applies DATA.md §3 directly; and the read model
kept up to date import by import equals one rebuilt from scratch.

The oracle reads the event store itself (select_notifications, the mapper, event_log.recorded_at) and uses
nothing from projections/."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import CareerHubError, ImportRejected
from projections.report import all_hub_reports
from tests.projections.factories import World, adviser, now

HUBS = {"h1": "Alpha", "h2": "Beta"}
URNS = ("U1", "U2", "U3", "U4")
ADVISERS = ("EA1", "EA2")
DATES = tuple(
    date.fromisoformat(t)
    for t in (
        "2019-08-31",
        "2019-09-01",
        "2019-10-15",
        "2019-12-31",
        "2020-01-01",
        "2020-02-10",
        "2020-03-31",
        "2020-04-01",
        "2020-06-15",
        "2020-08-31",
        "2020-09-01",
    )
)
BENCHMARKS = range(1, 9)
KIND_OF_AGGREGATE = {
    "Hub": "hubs",
    "Target": "targets",
    "NationalFigure": "national",
    "Institution": "institutions",
    "EnterpriseAdviser": "advisers",
    "Match": "matches",
    "Assessment": "assessments",
    "Encounter": "encounters",
    "FundingApplication": "funding",
}
RETRACTABLE = ("assessments", "assessments", "institutions", "matches", "funding", "targets", "national")


# --- random histories ----------------------------------------------------------------------------

day = st.sampled_from(DATES)
maybe_day = st.one_of(st.none(), day)


def text(value: Any) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


@st.composite
def period(draw: st.DrawFn, optional_start: bool = True) -> tuple[date | None, date | None]:
    start = draw(maybe_day if optional_start else day)
    end = draw(maybe_day)
    if start is not None and end is not None and end < start:
        start, end = end, start
    return start, end


@st.composite
def institution_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    for urn in draw(st.lists(st.sampled_from(URNS), min_size=1, max_size=4, unique=True)):
        (hub_from, hub_to), (ean_from, ean_to) = draw(period()), draw(period())
        rows.append(
            {
                "urn": urn,
                "name": f"School {urn}",
                "kind": "school",
                "area": draw(st.sampled_from(["Alpha", "Beta"])),
                "cluster": draw(st.sampled_from(["", "c1", "c2"])),
                "hub_id": draw(st.sampled_from(["", "h1", "h2"])),
                "hub_joined_on": text(hub_from),
                "hub_left_on": text(hub_to),
                "ean_joined_on": text(ean_from),
                "ean_left_on": text(ean_to),
            }
        )
    return rows


@st.composite
def assessment_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    keys = draw(st.lists(st.tuples(st.sampled_from(URNS), day), min_size=1, max_size=5, unique=True))
    return [
        {"urn": urn, "assessed_on": on.isoformat(), **{f"bm{b}": str(draw(st.sampled_from([0, 50, 100]))) for b in BENCHMARKS}}
        for urn, on in keys
    ]


@st.composite
def match_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    keys = draw(st.lists(st.tuples(st.sampled_from(URNS), st.sampled_from(ADVISERS), day), min_size=1, max_size=3, unique=True))
    rows = []
    for urn, ref, on in keys:
        end = draw(maybe_day)
        rows.append(
            {
                "urn": urn,
                "adviser_ref": ref,
                "matched_on": on.isoformat(),
                "ended_on": text(end if end is None or end >= on else on),
            }
        )
    return rows


@st.composite
def funding_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    for ref in draw(st.lists(st.sampled_from(["F1", "F2", "F3"]), min_size=1, max_size=3, unique=True)):
        applied, decided = draw(period(optional_start=False))
        decision = draw(st.sampled_from(["", "approved", "rejected"]))
        institutional = draw(st.booleans())
        rows.append(
            {
                "application_ref": ref,
                "hub_id": draw(st.sampled_from(list(HUBS))),
                "stream": "institutional" if institutional else "collaborative",
                "applicant": draw(st.sampled_from(URNS)) if institutional else "c1",
                "amount_requested": "1000",
                "applied_on": applied.isoformat(),
                "decision": decision,
                "decided_on": text(decided),
                "amount_awarded": str(draw(st.sampled_from([100, 250]))) if decision == "approved" else "",
            }
        )
    return rows


@st.composite
def target_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(list(HUBS)),
                st.sampled_from(["2018/19", "2019/20", "2020/21"]),
                st.sampled_from(["average_benchmarks", "bm5_percent"]),
            ),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    return [{"hub_id": h, "academic_year": y, "metric": m, "value": str(draw(st.integers(0, 8)))} for h, y, m in keys]


@st.composite
def national_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    keys = draw(
        st.lists(st.tuples(st.sampled_from(["average_benchmarks", "bm5_percent"]), day), min_size=1, max_size=3, unique=True)
    )
    return [{"metric": m, "published_on": on.isoformat(), "value": str(draw(st.integers(0, 8)))} for m, on in keys]


@dataclass(frozen=True)
class Retract:
    kind: str
    pick: int


retraction = st.builds(Retract, st.sampled_from(RETRACTABLE), st.integers(0, 10))
step = st.one_of(
    st.tuples(st.just("assessments"), assessment_rows()),
    retraction,
    st.tuples(st.just("institutions"), institution_rows()),
    st.tuples(st.just("assessments"), assessment_rows()),
    retraction,
    st.tuples(st.just("matches"), match_rows()),
    st.tuples(st.just("funding"), funding_rows()),
    st.tuples(st.just("targets"), target_rows()),
    st.tuples(st.just("national"), national_rows()),
)
query = st.tuples(
    st.sampled_from(["h1", "h1", "h1", "h2"]),
    day,
    st.integers(0, 12),
    st.sampled_from([None, None, None, "c1"]),
    st.sampled_from([None, None, None, DATES[3]]),
)


# --- running a history through the import path ---------------------------------------------------

KEY_COLUMNS = {
    "institutions": ("urn",),
    "assessments": ("urn", "assessed_on"),
    "matches": ("urn", "adviser_ref", "matched_on"),
    "funding": ("application_ref",),
    "targets": ("hub_id", "academic_year", "metric"),
    "national": ("metric", "published_on"),
}


@contextmanager
def fresh_world() -> Iterator[World]:
    with tempfile.TemporaryDirectory(prefix="careerhub-oracle-") as folder:
        world = World(f"sqlite:///{folder}/store.sqlite3")
        try:
            yield world
        finally:
            world.close()


def run(world: World, steps: list[Any]) -> list[datetime]:
    """Import the setup and each step (a rejected file changes nothing); the moment after each."""
    world.load("hubs", *({"hub_id": h, "name": h, "area": area, "started_on": ""} for h, area in HUBS.items()))
    world.load("advisers", *(adviser(ref) for ref in ADVISERS))
    world.load(
        "institutions",
        *(
            {
                "urn": u,
                "name": u,
                "kind": "school",
                "area": "Alpha",
                "cluster": "c1",
                "hub_id": "h1",
                "hub_joined_on": "2019-08-31",
                "ean_joined_on": "2019-08-31",
            }
            for u in URNS
        ),
    )
    moments = [now()]
    keys: dict[str, list[tuple[str, ...]]] = {kind: [] for kind in KEY_COLUMNS}
    keys["institutions"] = [(u,) for u in URNS]
    for item in steps:
        position = world.service.app.last_position()
        if isinstance(item, Retract):
            known = keys[item.kind]
            try:
                if known:
                    world.retract(item.kind, *known[item.pick % len(known)])
            except CareerHubError:
                assert world.service.app.last_position() == position  # e.g. already retracted
        else:
            kind, rows = item
            try:
                world.load(kind, *rows)
                keys[kind].extend(tuple(r[c] for c in KEY_COLUMNS[kind]) for r in rows)
            except ImportRejected:
                assert world.service.app.last_position() == position  # refers to a retracted record
        moments.append(now())
    return moments


# --- the oracle ----------------------------------------------------------------------------------


def recorded_by(world: World, known_at: datetime | None) -> dict[str, list[dict[str, Any]]]:
    """The current values of every record not retracted, folding only the events recorded by `known_at`."""
    app = world.service.app
    recorded_at = {
        r["notification_id"]: datetime.strptime(r["recorded_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        for r in app.db.query("SELECT notification_id, recorded_at FROM event_log")
    }
    states: dict[Any, dict[str, Any]] = {}
    position = 0
    while notifications := app.recorder.select_notifications(start=position, limit=50, inclusive_of_start=False):
        for n in notifications:
            position = n.id
            if known_at is not None and recorded_at[n.id] > known_at:
                continue
            event = app.mapper.to_domain_event(n)
            aggregate, name = type(event).__qualname__.split(".")
            if name == "Recorded":
                states[event.originator_id] = {
                    "kind": KIND_OF_AGGREGATE[aggregate],
                    "values": dict(event.values),
                    "retracted": False,
                }
            elif name == "Corrected":
                states[event.originator_id].update(values=dict(event.values), retracted=False)
            elif name == "Retracted":
                states[event.originator_id]["retracted"] = True
    records: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KIND_OF_AGGREGATE.values()}
    for state in states.values():
        if not state["retracted"]:
            records[state["kind"]].append(state["values"])
    return records


def active(start: date | None, end: date | None, on: date) -> bool:
    return start is not None and start <= on and (end is None or end > on)


def term_start(on: date) -> date:
    if on.month >= 9:
        return date(on.year, 9, 1)
    return date(on.year, 1, 1) if on.month <= 3 else date(on.year, 4, 1)


def academic_year(on: date) -> str:
    start = on.year if on.month >= 9 else on.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def oracle(
    records: dict[str, list[dict[str, Any]]], hub_id: str, on: date, cluster: str | None, cohort_as_of: date | None
) -> dict[str, Any] | None:
    """DATA.md §3 applied to the records; None when the hub is not known."""
    hubs = [h for h in records["hubs"] if h["hub_id"] == hub_id]
    if not hubs:
        return None
    in_cluster = lambda i: cluster is None or i["cluster"] == cluster  # noqa: E731
    members = {
        i["urn"]
        for i in records["institutions"]
        if i["hub_id"] == hub_id and in_cluster(i) and active(i["hub_joined_on"], i["hub_left_on"], cohort_as_of or on)
    }
    latest: dict[str, dict[str, Any]] = {}
    for a in records["assessments"]:
        if (
            a["urn"] in members
            and a["assessed_on"] <= on
            and (a["urn"] not in latest or a["assessed_on"] > latest[a["urn"]]["assessed_on"])
        ):
            latest[a["urn"]] = a
    assessed = len(latest)
    achieved = [[b for b in BENCHMARKS if a[f"bm{b}"] == 100] for a in latest.values()]
    engaged = {
        i["urn"]
        for i in records["institutions"]
        if i["area"] == hubs[0]["area"] and in_cluster(i) and active(i["ean_joined_on"], i["ean_left_on"], on)
    }
    matched = {m["urn"] for m in records["matches"] if m["urn"] in engaged and active(m["matched_on"], m["ended_on"], on)}
    applied = [f for f in records["funding"] if f["hub_id"] == hub_id and f["applied_on"] <= on]
    approved = [f for f in applied if f["decision"] == "approved" and f["decided_on"] and f["decided_on"] <= on]
    national: dict[str, dict[str, Any]] = {}
    for figure in records["national"]:
        if figure["published_on"] <= on and (
            figure["metric"] not in national or figure["published_on"] > national[figure["metric"]]["published_on"]
        ):
            national[figure["metric"]] = figure
    return {
        "institutions": len(members),
        "assessed": assessed,
        "data_required": sum(1 for u in members if u not in latest or latest[u]["assessed_on"] < term_start(on)),
        "average_benchmarks": Fraction(sum(map(len, achieved)), assessed) if assessed else None,
        "fully_achieved_percent": {
            str(b): Fraction(100 * sum(b in a for a in achieved), assessed) if assessed else None for b in BENCHMARKS
        },
        "ean": {"engaged": len(engaged), "matched": len(matched), "unmatched": len(engaged - matched)},
        "funding": {
            "applications": len(applied),
            "approved": len(approved),
            "amount_awarded": sum(f["amount_awarded"] or 0 for f in approved),
            "institutional_applicants": len(
                {f["applicant"] for f in applied if f["stream"] == "institutional" and f["applicant"] in members}
            ),
        },
        "targets": {
            t["metric"]: t["value"]
            for t in records["targets"]
            if t["hub_id"] == hub_id and t["academic_year"] == academic_year(on)
        },
        "national": {metric: figure["value"] for metric, figure in national.items()},
    }


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """The report's figures, comparable with the oracle's exact fractions."""

    def exact(v: Any) -> Any:
        return None if v is None else Fraction(v).limit_denominator(10_000)

    return {
        "institutions": report["institutions"],
        "assessed": report["assessed"],
        "data_required": report["data_required"],
        "average_benchmarks": exact(report["average_benchmarks"]),
        "fully_achieved_percent": {b: exact(v) for b, v in report["fully_achieved_percent"].items()},
        "ean": report["ean"],
        "funding": report["funding"],
        "targets": report["targets"],
        "national": report["national"],
    }


# --- the properties ------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=10), queries=st.lists(query, min_size=3, max_size=10))
def test_the_report_equals_a_replay_of_the_events_recorded_by_t(steps: list[Any], queries: list[tuple]):
    with fresh_world() as world:
        moments = run(world, steps)
        for hub_id, on, moment, cluster, cohort in queries:
            known_at = None if moment >= len(moments) else moments[moment]
            expected = oracle(recorded_by(world, known_at), hub_id, on, cluster, cohort)

            report = world.report(on.isoformat(), known_at, cluster, cohort.isoformat() if cohort else None, hub_id)

            assert figures(report) == expected, (hub_id, on, known_at, cluster, cohort)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=10), queries=st.lists(query, min_size=2, max_size=6))
def test_every_hubs_report_read_at_once_equals_a_replay_of_the_events_recorded_by_t(steps: list[Any], queries: list[tuple]):
    """The national view (all_hub_reports: each fact read once for every hub) counts as each hub's report does."""
    with fresh_world() as world:
        moments = run(world, steps)
        for _, on, moment, _, _ in queries:
            known_at = None if moment >= len(moments) else moments[moment]

            reports = all_hub_reports(world.db, on, known_at)

            assert [r.query.hub_id for r in reports] == sorted(HUBS)
            for r in reports:
                expected = oracle(recorded_by(world, known_at), r.query.hub_id, on, None, None)
                assert figures(r.to_json()) == expected, (r.query.hub_id, on, known_at)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_the_read_model_kept_up_to_date_equals_one_rebuilt_from_scratch(steps: list[Any]):
    with fresh_world() as world:
        run(world, steps)
        incremental = world.dump()

        world.service.projector.rebuild()

        assert world.dump() == incremental


def test_the_oracle_sees_a_correction_a_retraction_and_a_departure_only_after_they_were_recorded(sqlite_world: World):
    """A hand-checked example of the oracle itself (so that agreeing with it means something)."""
    steps = [
        ("assessments", [{"urn": "U1", "assessed_on": "2019-10-15", **{f"bm{b}": "100" for b in BENCHMARKS}}]),
        ("assessments", [{"urn": "U1", "assessed_on": "2019-10-15", **{f"bm{b}": "50" for b in BENCHMARKS}}]),
        Retract("assessments", 0),
        (
            "institutions",
            [
                {
                    "urn": "U1",
                    "name": "U1",
                    "kind": "school",
                    "area": "Alpha",
                    "cluster": "c1",
                    "hub_id": "h1",
                    "hub_joined_on": "2019-08-31",
                    "hub_left_on": "2019-12-31",
                    "ean_joined_on": "2019-08-31",
                    "ean_left_on": "",
                }
            ],
        ),
    ]
    moments = run(sqlite_world, steps)

    def expect(moment: int) -> tuple:
        o = oracle(recorded_by(sqlite_world, moments[moment]), "h1", date(2019, 12, 31), None, None)
        return o["institutions"], o["assessed"], o["data_required"], o["average_benchmarks"]

    assert [expect(m) for m in range(5)] == [(4, 0, 4, None), (4, 1, 3, 8), (4, 1, 3, 0), (4, 0, 4, None), (3, 0, 3, None)]
