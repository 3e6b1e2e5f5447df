"""The hub report of DATA.md §3: every figure as of a day, as known at a moment."""
from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, datetime
from typing import Any

from config.calendar import Term, academic_year_of, term_containing
from engine.importing.schema import BENCHMARKS, METRICS
from engine.sql import Database
from projections.queries import (active_matches, get_hub, hub_calendar, known_rows, latest_assessments, list_engaged,
                                 list_members, position_at)


@dataclass(frozen=True)
class Query:
    hub_id: str
    as_of: date
    known_at: datetime | None = None
    cluster: str | None = None
    cohort_as_of: date | None = None  # members as of this day, their state as of `as_of`


def achieved(assessment: dict[str, Any]) -> list[int]:
    return [b for b in BENCHMARKS if assessment[f"bm{b}"] == 100]


def benchmark_figures(members: list[dict[str, Any]], latest: dict[str, dict[str, Any]]) -> dict[str, Any]:
    assessed = [latest[m["urn"]] for m in members if m["urn"] in latest]
    if not assessed:
        return {"assessed": 0, "average_benchmarks": None, "fully_achieved_percent": {str(b): None for b in BENCHMARKS}}
    return {
        "assessed": len(assessed),
        "average_benchmarks": sum(len(achieved(a)) for a in assessed) / len(assessed),
        "fully_achieved_percent": {str(b): 100 * sum(a[f"bm{b}"] == 100 for a in assessed) / len(assessed)
                                   for b in BENCHMARKS},
    }


def data_required(members: list[dict[str, Any]], latest: dict[str, dict[str, Any]], term: Term) -> list[dict[str, Any]]:
    owing = []
    for m in members:
        last = latest.get(m["urn"])
        if last is None or last["assessed_on"] < term.starts_on.isoformat():
            owing.append({"urn": m["urn"], "name": m["name"], "latest_assessed_on": last and last["assessed_on"]})
    return owing


def ean_figures(db: Database, area: str, day: date, n: int, cluster: str | None) -> dict[str, int]:
    engaged = [r["urn"] for r in list_engaged(db, area, day, n, cluster)]
    matched = {r["urn"] for r in active_matches(db, engaged, day, n)}
    return {"engaged": len(engaged), "matched": len(matched), "unmatched": len(engaged) - len(matched)}


def funding_figures(db: Database, hub_id: str, day: date, n: int, member_urns: set[str]) -> dict[str, Any]:
    applied = known_rows(db, "funding", n, "hub_id = ? AND applied_on <= ?", (hub_id, day.isoformat()))
    approved = [r for r in applied if r["decision"] == "approved" and r["decided_on"] and r["decided_on"] <= day.isoformat()]
    applicants = {r["applicant"] for r in applied if r["stream"] == "institutional" and r["applicant"] in member_urns}
    return {"applications": len(applied), "institutional_applicants": len(applicants), "approved": len(approved),
            "amount_awarded": sum(r["amount_awarded"] or 0 for r in approved)}


def targets_for(db: Database, hub_id: str, academic_year: str, n: int) -> dict[str, float]:
    rows = known_rows(db, "targets", n, "hub_id = ? AND academic_year = ?", (hub_id, academic_year))
    return {r["metric"]: r["value"] for r in sorted(rows, key=lambda r: METRICS.index(r["metric"]))}


def national_figures(db: Database, day: date, n: int) -> dict[str, float]:
    rows = known_rows(db, "national", n, "published_on <= ?", (day.isoformat(),))
    latest: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["metric"] not in latest or r["published_on"] > latest[r["metric"]]["published_on"]:
            latest[r["metric"]] = r
    return {m: latest[m]["value"] for m in METRICS if m in latest}


def hub_report(db: Database, query: Query) -> dict[str, Any]:
    """The report JSON of DATA.md §3 (plus extra keys: cluster, cohort_as_of, data_required_institutions)."""
    n = position_at(db, query.known_at)
    report = copy.deepcopy(report_at_position(db, replace(query, known_at=None), n))
    report["known_at"] = query.known_at.isoformat() if query.known_at else None
    return report


@lru_cache(maxsize=4096)
def report_at_position(db: Database, query: Query, n: int) -> dict[str, Any]:
    """The report from what was known at log position n. The log is append-only, so the answer for a
    given (query, n) never changes and is kept: a dashboard's term-end series is computed once."""
    hub = get_hub(db, query.hub_id, n)
    day = query.as_of
    term = term_containing(day, hub_calendar(db, query.hub_id, n))
    members = list_members(db, query.hub_id, query.cohort_as_of or day, n, query.cluster)
    urns = [m["urn"] for m in members]
    latest = latest_assessments(db, urns, day, n)
    owing = data_required(members, latest, term)
    return {
        "hub_id": query.hub_id, "as_of": day.isoformat(),
        "known_at": None,
        "term": {"name": term.name, "academic_year": term.academic_year,
                 "starts_on": term.starts_on.isoformat(), "ends_on": term.ends_on.isoformat()},
        "institutions": len(members),
        **benchmark_figures(members, latest),
        "data_required": len(owing),
        "ean": ean_figures(db, hub["area"], day, n, query.cluster),
        "funding": funding_figures(db, query.hub_id, day, n, set(urns)),
        "targets": targets_for(db, query.hub_id, academic_year_of(day), n),
        "national": national_figures(db, day, n),
        "cluster": query.cluster,
        "cohort_as_of": query.cohort_as_of.isoformat() if query.cohort_as_of else None,
        "data_required_institutions": owing,
        "log_position": n,
    }
