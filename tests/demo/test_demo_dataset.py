"""The demo history, checked by an independent oracle.

The oracle reads only the CSV text: it replays the steps in order (a later row with the same natural
key replaces the earlier one, a retraction removes it) and recomputes the DATA.md §3 figures itself.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from datetime import date
from fractions import Fraction
from functools import lru_cache

import pytest

from demohub.generate import AREA, HUB_ID, DemoStep, Retraction, demo_history

# DATA.md §2: (natural key, required columns, optional columns)
SPEC: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "hubs": (("hub_id",), ("hub_id", "name", "area"), ("started_on",)),
    "targets": (("hub_id", "academic_year", "metric"), ("hub_id", "academic_year", "metric", "value"), ()),
    "national": (("metric", "published_on"), ("metric", "published_on", "value"), ("academic_year",)),
    "institutions": (
        ("urn",),
        ("urn", "name", "kind", "area"),
        (
            "postcode",
            "latitude",
            "longitude",
            "cluster",
            "ean_joined_on",
            "ean_left_on",
            "hub_id",
            "hub_joined_on",
            "hub_left_on",
            "disadvantaged",
        ),
    ),
    "advisers": (
        ("adviser_ref",),
        ("adviser_ref", "name"),
        (
            "employer",
            "sector",
            "skills",
            "postcode",
            "latitude",
            "longitude",
            "capacity",
            "max_travel_km",
            "available_from",
            "available_until",
            "conflicts",
        ),
    ),
    "matches": (("urn", "adviser_ref", "matched_on"), ("urn", "adviser_ref", "matched_on"), ("ended_on",)),
    "assessments": (("urn", "assessed_on"), ("urn", "assessed_on", *(f"bm{b}" for b in range(1, 9))), ()),
    "encounters": (("encounter_ref",), ("urn", "occurred_on", "kind"), ("encounter_ref", "provider", "year_groups", "students")),
    "funding": (
        ("application_ref",),
        ("application_ref", "hub_id", "stream", "applicant", "amount_requested", "applied_on"),
        ("focus", "decision", "decided_on", "amount_awarded"),
    ),
}
DATE_COLUMNS = {
    "started_on",
    "published_on",
    "ean_joined_on",
    "ean_left_on",
    "hub_joined_on",
    "hub_left_on",
    "available_from",
    "available_until",
    "matched_on",
    "ended_on",
    "assessed_on",
    "occurred_on",
    "applied_on",
    "decided_on",
}
ORDERED = (
    ("ean_joined_on", "ean_left_on"),
    ("hub_joined_on", "hub_left_on"),
    ("available_from", "available_until"),
    ("matched_on", "ended_on"),
    ("applied_on", "decided_on"),
)
METRICS = {"average_benchmarks", *(f"bm{b}_percent" for b in range(1, 9))}
CHOICES = {
    "kind": {
        "school",
        "college",
        "special",
        "alternative_provision",
        "independent",
        "employer_encounter",
        "workplace_experience",
        "fe_he_encounter",
        "personal_guidance",
    },
    "stream": {"institutional", "collaborative"},
    "decision": {"", "approved", "rejected"},
    "disadvantaged": {"", "true", "false"},
    "metric": METRICS,
}
EARTH_KM = 6371.0088
TODAY = date(2026, 1, 15)  # a stand-in for "today": every recorded fact lies before it


# ------------------------------------------------------------------------------------------------ replay
def rows_of(step: DemoStep) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(step.csv_text)))


def key_of(kind: str, row: dict[str, str]) -> tuple[str, ...]:
    if kind == "encounters" and not row["encounter_ref"]:
        return tuple(sorted(row.items()))
    return tuple(row[c] for c in SPEC[kind][0])


State = dict[str, dict[tuple[str, ...], dict[str, str]]]


@lru_cache(maxsize=1)
def history() -> tuple[DemoStep | Retraction, ...]:
    return tuple(demo_history())


@lru_cache(maxsize=1)
def states() -> tuple[State, ...]:
    """The state before any step, then after each step, in order."""
    state: State = {kind: {} for kind in SPEC}
    result = [state]
    for step in history():
        state = {kind: dict(rows) for kind, rows in state.items()}
        if isinstance(step, Retraction):
            del state[step.kind][step.key]
        else:
            for row in rows_of(step):
                state[step.kind][key_of(step.kind, row)] = row
        result.append(state)
    return tuple(result)


def final() -> State:
    return states()[-1]


def step_index(predicate) -> int:
    return next(i for i, step in enumerate(history()) if predicate(step))


# ------------------------------------------------------------------------------------------------ oracle
def d(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def term_start(day: date) -> date:
    if day.month >= 9:
        return date(day.year, 9, 1)
    return date(day.year, 1, 1) if day.month <= 3 else date(day.year, 4, 1)


def academic_year(day: date) -> str:
    start = day.year if day.month >= 9 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def active(since: str, until: str, day: date) -> bool:
    start, end = d(since), d(until)
    return start is not None and start <= day and (end is None or end > day)


def members(state: State, hub: str, day: date) -> list[dict[str, str]]:
    return [i for i in state["institutions"].values() if i["hub_id"] == hub and active(i["hub_joined_on"], i["hub_left_on"], day)]


def latest(state: State, urn: str, day: date) -> dict[str, str] | None:
    mine = [a for a in state["assessments"].values() if a["urn"] == urn and d(a["assessed_on"]) <= day]
    return max(mine, key=lambda a: a["assessed_on"], default=None)


def engaged(state: State, area: str, day: date) -> list[dict[str, str]]:
    return [i for i in state["institutions"].values() if i["area"] == area and active(i["ean_joined_on"], i["ean_left_on"], day)]


def matched_urns(state: State, day: date) -> set[str]:
    return {m["urn"] for m in state["matches"].values() if active(m["matched_on"], m["ended_on"], day)}


def report(state: State, hub_id: str, day: date) -> dict:
    """The DATA.md §3 figures, computed from scratch."""
    hub = state["hubs"][(hub_id,)]
    hub_members = members(state, hub_id, day)
    latest_of = {m["urn"]: latest(state, m["urn"], day) for m in hub_members}
    assessed = [a for a in latest_of.values() if a]
    full = [[int(a[f"bm{b}"]) == 100 for b in range(1, 9)] for a in assessed]
    in_area = engaged(state, hub["area"], day)
    matched = matched_urns(state, day)
    apps = [f for f in state["funding"].values() if f["hub_id"] == hub_id and d(f["applied_on"]) <= day]
    approved = [f for f in apps if f["decision"] == "approved" and d(f["decided_on"]) <= day]
    member_urns = {m["urn"] for m in hub_members}
    year = academic_year(day)
    published = [n for n in state["national"].values() if n["metric"] == "average_benchmarks" and d(n["published_on"]) <= day]
    return {
        "institutions": len(hub_members),
        "assessed": len(assessed),
        "data_required": sum(1 for a in latest_of.values() if a is None or d(a["assessed_on"]) < term_start(day)),
        "average_benchmarks": Fraction(sum(map(sum, full)), len(full)) if full else None,
        "fully_achieved_percent": {
            b: Fraction(100 * sum(f[b - 1] for f in full), len(full)) if full else None for b in range(1, 9)
        },
        "ean": {"engaged": len(in_area), "matched": sum(1 for i in in_area if i["urn"] in matched)},
        "funding": {
            "applications": len(apps),
            "institutional_applicants": len(
                {f["applicant"] for f in apps if f["stream"] == "institutional" and f["applicant"] in member_urns}
            ),
            "approved": len(approved),
            "amount_awarded": sum(float(f["amount_awarded"]) for f in approved),
        },
        "targets": {
            t["metric"]: float(t["value"])
            for t in state["targets"].values()
            if t["hub_id"] == hub_id and t["academic_year"] == year
        },
        "national": float(max(published, key=lambda n: n["published_on"])["value"]) if published else None,
    }


def distance_km(a: dict[str, str], b: dict[str, str]) -> float:
    p1, p2 = math.radians(float(a["latitude"])), math.radians(float(b["latitude"]))
    dl = math.radians(float(b["longitude"]) - float(a["longitude"]))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


def in_range(adviser: dict[str, str], inst: dict[str, str]) -> bool:
    return distance_km(adviser, inst) <= float(adviser["max_travel_km"] or 40)


def available(adviser: dict[str, str], day: date) -> bool:
    start, end = d(adviser["available_from"]), d(adviser["available_until"])
    return (start is None or start <= day) and (end is None or end >= day)


def spare(state: State, adviser: dict[str, str], day: date) -> int:
    busy = sum(
        1
        for m in state["matches"].values()
        if m["adviser_ref"] == adviser["adviser_ref"] and active(m["matched_on"], m["ended_on"], day)
    )
    return int(adviser["capacity"] or 1) - busy


def conflicts(adviser: dict[str, str]) -> set[str]:
    return set(filter(None, adviser["conflicts"].split(";")))


# ------------------------------------------------------------------------------------------------- tests
def test_history_is_deterministic_and_names_the_hub():
    assert demo_history() == demo_history()
    assert (HUB_ID, AREA) == ("dorset", "Dorset")
    assert final()["hubs"][("dorset",)] == {
        "hub_id": "dorset",
        "name": "Dorset Careers Hub",
        "area": "Dorset",
        "started_on": "2019-11-01",
    }


def test_steps_come_in_the_loading_order():
    kinds = [step.kind for step in history()]
    assert kinds[:9] == [
        "hubs",
        "targets",
        "national",
        "institutions",
        "advisers",
        "matches",
        "assessments",
        "encounters",
        "funding",
    ]
    reasons = [step.reason for step in history()]
    late = reasons.index("late autumn assessments")
    retraction = step_index(lambda s: isinstance(s, Retraction))
    assert 9 <= late < retraction
    assert sum(isinstance(s, Retraction) for s in history()) == 1
    names = [s.filename for s in history() if isinstance(s, DemoStep)]
    assert len(set(names)) == len(names) and all(re.fullmatch(r"\d\d-[a-z0-9-]+\.csv", n) for n in names)
    assert all(re.fullmatch(r"[a-z.]+@dorset\.example", s.actor) and s.reason for s in history())


def check_row(kind: str, row: dict[str, str]) -> None:
    for column, value in row.items():
        if column in DATE_COLUMNS and value:
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", value) and d(value)
        if column in CHOICES:
            assert value in CHOICES[column] or (column == "kind" and kind not in ("institutions", "encounters"))
    for column in SPEC[kind][1]:
        assert row[column] != "", (kind, column, row)
    for start, end in ORDERED:
        if row.get(start) and row.get(end):
            assert row[end] >= row[start], (kind, row)
    if kind == "assessments":
        assert all(re.fullmatch(r"\d{1,3}", row[f"bm{b}"]) and int(row[f"bm{b}"]) <= 100 for b in range(1, 9))
    if kind in ("targets", "national"):
        assert float(row["value"]) >= 0
    if row.get("academic_year"):
        assert re.fullmatch(r"(\d{4})/(\d\d)", row["academic_year"])
    if kind == "encounters":
        assert all(1 <= int(y) <= 14 for y in row["year_groups"].split(";")) and int(row["students"]) >= 0
    if kind == "institutions":
        assert re.fullmatch(r"1\d{5}", row["urn"])
        assert -90 <= float(row["latitude"]) <= 90 and -180 <= float(row["longitude"]) <= 180


def references(kind: str, row: dict[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    found = []
    if kind in ("targets", "funding") or (kind == "institutions" and row["hub_id"]):
        found.append(("hubs", (row["hub_id"],)))
    if kind in ("matches", "assessments", "encounters"):
        found.append(("institutions", (row["urn"],)))
    if kind == "matches":
        found.append(("advisers", (row["adviser_ref"],)))
    if kind == "advisers":
        found += [("institutions", (urn,)) for urn in conflicts(row)]
    if kind == "funding" and row["stream"] == "institutional":
        found.append(("institutions", (row["applicant"],)))
    return found


def test_every_file_is_valid_on_its_own_when_imported_in_order():
    for before, step in zip(states(), history(), strict=False):  # the state after the last step precedes none
        if isinstance(step, Retraction):
            assert step.key in before[step.kind]
            continue
        header = next(csv.reader(io.StringIO(step.csv_text)))
        _, required, optional = SPEC[step.kind]
        assert set(required) <= set(header) <= set(required) | set(optional), step.filename
        rows = rows_of(step)
        assert rows, step.filename
        keys = [key_of(step.kind, row) for row in rows]
        assert len(set(keys)) == len(keys), step.filename
        for row in rows:
            check_row(step.kind, row)
            for kind, wanted in references(step.kind, row):
                assert wanted in before[kind], (step.filename, kind, wanted)


def test_the_hub_as_of_31_august_2019():
    figures = report(final(), HUB_ID, date(2019, 8, 31))
    assert figures["institutions"] == 40 and figures["assessed"] == 40
    assert figures["average_benchmarks"] == 3
    assert figures["national"] == 3.0


def test_national_figures():
    national = {(n["metric"], n["academic_year"]): float(n["value"]) for n in final()["national"].values()}
    assert [national[(f"bm{b}_percent", "2018/19")] for b in range(1, 9)] == [21, 45, 20, 38, 52, 47, 21, 57]
    assert national[("average_benchmarks", "2017/18")] == 2.13
    assert national[("average_benchmarks", "2018/19")] == 3.0
    published = {n["metric"]: n["published_on"] for n in final()["national"].values() if n["academic_year"] == "2018/19"}
    assert all(on <= "2019-08-31" for on in published.values())


def test_the_hub_as_of_31_december_2019():
    figures = report(final(), HUB_ID, date(2019, 12, 31))
    assert (figures["institutions"], figures["assessed"], figures["data_required"]) == (40, 40, 2)
    assert figures["average_benchmarks"] == Fraction(9, 2)
    assert figures["fully_achieved_percent"][5] == Fraction(125, 2)
    assert figures["fully_achieved_percent"][6] == 65
    assert figures["targets"] == {"average_benchmarks": 4, "bm5_percent": 75, "bm6_percent": 60}
    assert report(final(), HUB_ID, date(2020, 12, 31))["targets"] == {
        "average_benchmarks": 5,
        "bm5_percent": 85,
        "bm6_percent": 70,
    }
    lapsed = [
        m
        for m in members(final(), HUB_ID, date(2019, 12, 31))
        if latest(final(), m["urn"], date(2019, 12, 31))["assessed_on"] < "2019-09-01"
    ]
    assert len(lapsed) == 2  # their older assessment still counts: all 40 are assessed


def test_the_area_and_the_fund_on_2_february_2020():
    figures = report(final(), HUB_ID, date(2020, 2, 2))
    assert figures["ean"] == {"engaged": 71, "matched": 54}
    assert figures["funding"]["institutional_applicants"] == 34
    assert figures["funding"] == {"applications": 38, "institutional_applicants": 34, "approved": 25, "amount_awarded": 22800.0}
    apps = [f for f in final()["funding"].values() if d(f["applied_on"]) <= date(2020, 2, 2)]
    decisions = Counter(f["decision"] if f["decided_on"] and d(f["decided_on"]) <= date(2020, 2, 2) else "" for f in apps)
    assert decisions["approved"] > 0 and decisions[""] > 0 and 1 <= decisions["rejected"] <= 2
    clusters = {i["cluster"] for i in final()["institutions"].values()}
    assert {f["applicant"] for f in apps if f["stream"] == "collaborative"} <= clusters
    assert len([f for f in apps if f["stream"] == "collaborative"]) >= 2
    focus = {x for f in final()["funding"].values() for x in f["focus"].split(";")}
    assert focus == {"events", "careers champions", "resources", "equipment"}


def test_engagement_boundaries_are_exercised():
    institutions = final()["institutions"].values()
    day = "2020-02-02"
    assert any(i["ean_joined_on"] == day for i in institutions)
    assert any(i["ean_left_on"] == day for i in institutions)
    assert any(i["ean_left_on"] == "2020-02-03" for i in institutions)
    assert any(i["ean_joined_on"] > day for i in institutions)
    assert any(i["ean_left_on"] and i["ean_left_on"] < day for i in institutions)
    assert any(not i["ean_joined_on"] for i in institutions)
    non_members = [i for i in engaged(final(), AREA, date(2020, 2, 2)) if not i["hub_id"]]
    assert len(non_members) >= 31
    matches = final()["matches"].values()
    assert any(m["matched_on"] == day for m in matches) and any(m["ended_on"] == day for m in matches)
    assert any(m["ended_on"] and m["ended_on"] < day for m in matches)


def test_clusters_and_institution_mix():
    hub = members(final(), HUB_ID, date(2019, 12, 31))
    assert Counter(m["cluster"] for m in hub)["Weymouth & Portland"] == 7
    assert {m["cluster"] for m in hub} == {
        "Weymouth & Portland",
        "Poole",
        "Bournemouth",
        "North Dorset",
        "West Dorset",
        "Purbeck & East Dorset",
    }
    assert all("2019-07-01" <= m["hub_joined_on"] <= "2019-08-31" for m in hub)
    institutions = list(final()["institutions"].values())
    kinds = Counter(i["kind"] for i in institutions)
    assert kinds["school"] > len(institutions) / 2 and all(kinds[k] for k in ("college", "special", "alternative_provision"))
    share = sum(i["disadvantaged"] == "true" for i in institutions) / len(institutions)
    assert 0.25 <= share <= 0.35
    assert len({i["name"] for i in institutions}) == len(institutions)


def term_end_average(day: date) -> Fraction:
    return report(final(), HUB_ID, day)["average_benchmarks"]


def test_assessments_rise_term_by_term_with_gaps():
    series = [term_end_average(date(y, 7, 31)) for y in (2019, 2020, 2021)]
    assert series[0] < series[1] < series[2]
    hub = [m["urn"] for m in members(final(), HUB_ID, date(2020, 1, 1))]
    terms = (
        [(date(2018, 9, 1), date(2018, 12, 31))]
        + [(date(y, m1, 1), date(y, m2, 30 if m2 == 6 else 31)) for y in (2019, 2020, 2021) for m1, m2 in ((1, 3), (4, 8))]
        + [(date(y, 9, 1), date(y, 12, 31)) for y in (2019, 2020)]
    )
    seen = Counter()
    for urn in hub:
        days = [d(a["assessed_on"]) for a in final()["assessments"].values() if a["urn"] == urn]
        seen[sum(any(s <= x <= e for x in days) for s, e in terms)] += 1
    assert seen[9] >= 5 and sum(n for k, n in seen.items() if k < 9) >= 10
    values = Counter(int(a[f"bm{b}"]) for a in final()["assessments"].values() for b in range(1, 9))
    coarse = sum(values[v] for v in (0, 25, 50, 75, 100))
    assert 0.85 < coarse / sum(values.values()) < 1
    outside = [a for a in final()["assessments"].values() if a["urn"] not in hub]
    assert 0 < len(outside) < len(final()["assessments"]) / 4


def test_advisers_and_matches_obey_the_matchers_rules():
    advisers = final()["advisers"]
    assert 55 <= len(advisers) <= 65
    rows = list(advisers.values())
    assert {r["capacity"] for r in rows} == {"1", "2"}
    assert all(15 <= float(r["max_travel_km"]) <= 40 for r in rows)
    assert any(r["available_until"] and r["available_until"] < "2020-02-02" for r in rows)
    assert any(r["available_from"] > "2020-02-02" for r in rows)
    assert sum(bool(r["conflicts"]) for r in rows) >= 2
    assert len({r["sector"] for r in rows}) >= 12 and all(r["skills"] for r in rows)
    institutions = final()["institutions"]
    matches = list(final()["matches"].values())
    for m in matches:
        adviser, inst = advisers[(m["adviser_ref"],)], institutions[(m["urn"],)]
        assert in_range(adviser, inst) and m["urn"] not in conflicts(adviser)
        assert available(adviser, d(m["matched_on"])) and m["matched_on"] >= inst["ean_joined_on"]
        if adviser["available_until"]:
            assert m["ended_on"] and m["ended_on"] <= adviser["available_until"]
        assert spare(final(), adviser, d(m["matched_on"])) >= 0
    assert len({m["urn"] for m in matches if m["ended_on"] and m["ended_on"] <= "2020-02-02"}) >= 5


@pytest.mark.parametrize("day", [date(2020, 2, 2), TODAY])
def test_the_matcher_has_a_real_job(day):
    state = final()
    matched = matched_urns(state, day)
    waiting = [i for i in engaged(state, AREA, day) if i["urn"] not in matched]
    advisers = [a for a in state["advisers"].values() if available(a, day) and spare(state, a, day) > 0]
    reachable = [i for i in waiting if any(in_range(a, i) and i["urn"] not in conflicts(a) for a in advisers)]
    assert len(advisers) >= 5 and 5 <= len(reachable) < len(waiting)
    assert sum(i["disadvantaged"] == "true" for i in reachable) >= 2
    everyone = list(state["advisers"].values())
    nobody = [i for i in waiting if not any(in_range(a, i) for a in everyone)]
    assert nobody
    blocked = [
        i
        for i in waiting
        if [a for a in everyone if in_range(a, i)] and all(i["urn"] in conflicts(a) for a in everyone if in_range(a, i))
    ]
    assert len(blocked) == 1
    only = [a for a in everyone if in_range(a, blocked[0])]
    assert len(only) == 1 and only[0] in advisers  # available, with room, but conflicted


def test_matching_day_has_seventeen_waiting():
    state = final()
    day = date(2020, 2, 2)
    matched = matched_urns(state, day)
    assert len([i for i in engaged(state, AREA, day) if i["urn"] not in matched]) == 17


def evidence_gaps(benchmark: int, kind: str, school_years: set[int]) -> set[tuple[str, str, tuple[int, ...]]]:
    """(urn, year, missing year groups) where a self-assessed 100 has no encounter of `kind` for a year group."""
    encounters = list(final()["encounters"].values())
    institutions = final()["institutions"]
    gaps = set()
    for a in final()["assessments"].values():
        year = academic_year(d(a["assessed_on"]))
        if int(a[f"bm{benchmark}"]) != 100 or year not in ("2018/19", "2019/20"):
            continue
        expected = {12, 13} if institutions[(a["urn"],)]["kind"] == "college" else school_years
        covered = {
            int(y)
            for e in encounters
            if e["urn"] == a["urn"] and e["kind"] == kind and academic_year(d(e["occurred_on"])) == year
            for y in e["year_groups"].split(";")
        }
        if not expected <= covered:
            gaps.add((a["urn"], year, tuple(sorted(expected - covered))))
    return gaps


def test_encounters_back_self_assessments_but_for_one_evidence_gap():
    encounters = list(final()["encounters"].values())
    assert 300 <= len(encounters) <= 600
    assert [e["encounter_ref"] for e in encounters] == [f"ENC{i:04d}" for i in range(1, len(encounters) + 1)]
    assert {e["kind"] for e in encounters} == {
        "employer_encounter",
        "workplace_experience",
        "fe_he_encounter",
        "personal_guidance",
    }
    assert all("2018-09-01" <= e["occurred_on"] <= "2020-08-31" for e in encounters)
    gaps = evidence_gaps(5, "employer_encounter", {7, 8, 9, 10, 11})
    assert len(gaps) == 1
    urn, year, missing = gaps.pop()
    assert (year, missing) == ("2019/20", (9,))
    assert final()["institutions"][(urn,)]["hub_id"] == HUB_ID
    assert all(
        int(a["bm5"]) == 100
        for a in final()["assessments"].values()
        if a["urn"] == urn and academic_year(d(a["assessed_on"])) == year
    )
    assert evidence_gaps(6, "workplace_experience", {10, 11}) == set()


def test_corrections_and_the_retraction_change_history():
    steps = history()
    corrections = step_index(lambda s: s.reason.startswith("correction: schools re-submitted"))
    before = states()[corrections]
    changed = [r for r in rows_of(steps[corrections]) if before["assessments"][key_of("assessments", r)] != r]
    assert len(changed) >= 2 and len(changed) < len(rows_of(steps[corrections]))
    fix = step_index(lambda s: s.kind == "institutions" and s.reason.startswith("correction"))
    moved = [r for r in rows_of(steps[fix]) if states()[fix]["institutions"][(r["urn"],)]["cluster"] != r["cluster"]]
    assert [r["cluster"] for r in moved] == ["Weymouth & Portland"]
    assert Counter(i["cluster"] for i in states()[fix]["institutions"].values())["Weymouth & Portland"] == 6
    retraction = step_index(lambda s: isinstance(s, Retraction))
    assert steps[retraction].key in states()[retraction]["assessments"]
    assert steps[retraction].key not in final()["assessments"]


def december(state: State) -> tuple:
    f = report(state, HUB_ID, date(2019, 12, 31))
    return (
        f["assessed"],
        f["data_required"],
        f["average_benchmarks"],
        f["fully_achieved_percent"][5],
        f["fully_achieved_percent"][6],
    )


def test_earlier_states_give_different_december_figures():
    late = step_index(lambda s: s.reason == "late autumn assessments")
    corrections = step_index(lambda s: s.reason.startswith("correction: schools re-submitted"))
    retraction = step_index(lambda s: isinstance(s, Retraction))
    expected_final = (40, 2, Fraction(9, 2), Fraction(125, 2), 65)
    assert december(states()[late]) == EXPECTED_BEFORE_LATE
    assert december(states()[late + 1]) == EXPECTED_AFTER_LATE
    assert december(states()[corrections + 1]) == EXPECTED_AFTER_CORRECTIONS
    assert december(states()[retraction]) == EXPECTED_AFTER_CORRECTIONS
    assert december(states()[retraction + 1]) == expected_final
    assert december(final()) == expected_final
    assert len({EXPECTED_BEFORE_LATE, EXPECTED_AFTER_LATE, EXPECTED_AFTER_CORRECTIONS, expected_final}) == 4
    assert report(states()[6], HUB_ID, date(2019, 12, 31))["assessed"] == 0  # before any assessment


# (assessed, data_required, average_benchmarks, bm5 %, bm6 %) as of 2019-12-31, known after each stage
EXPECTED_BEFORE_LATE = (40, 28, Fraction(69, 20), Fraction(115, 2), Fraction(105, 2))
EXPECTED_AFTER_LATE = (40, 1, Fraction(181, 40), 60, Fraction(135, 2))
EXPECTED_AFTER_CORRECTIONS = (40, 1, Fraction(181, 40), Fraction(125, 2), 65)
