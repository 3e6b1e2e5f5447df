"""One school or college on a day, as known at a moment: its eight benchmarks over time, whether it
owes data, its advisers and matches, its encounters with the evidence flags, its funding."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from config.calendar import academic_year_of
from config.values import KnownAt
from engine.errors import CareerHubError
from engine.kinds import BENCHMARKS
from engine.sql import Database
from projections.evidence import encounter_evidence
from projections.institutions import public, standings
from projections.queries import Known, as_known, known_rows


def by_day(rows: list[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r[column] or "", r.get("record_key") or ""))


def assessments_over_time(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "assessed_on": r["assessed_on"],
            "record_key": r["record_key"],
            "benchmarks": [r[f"bm{b}"] for b in BENCHMARKS],
            "achieved": sum(r[f"bm{b}"] == 100 for b in BENCHMARKS),
        }
        for r in by_day(rows, "assessed_on")
    ]


def matches_with_advisers(known: Known, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    refs = sorted({r["adviser_ref"] for r in rows})
    advisers = {a["adviser_ref"]: a for a in known_rows(known, "advisers", *known.db.backend.one_of("adviser_ref", refs))}
    return [
        {
            "record_key": r["record_key"],
            "adviser_ref": r["adviser_ref"],
            "adviser_name": advisers.get(r["adviser_ref"], {}).get("name"),
            "employer": advisers.get(r["adviser_ref"], {}).get("employer"),
            "matched_on": r["matched_on"],
            "ended_on": r["ended_on"],
        }
        for r in by_day(rows, "matched_on")
    ]


def encounters_by_year_and_kind(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """academic year -> kind -> encounters, students reached and year groups."""
    years: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for r in by_day(rows, "occurred_on"):
        kind = years[academic_year_of(date.fromisoformat(r["occurred_on"]))].setdefault(
            r["kind"], {"encounters": 0, "students": 0, "year_groups": set()}
        )
        kind["encounters"] += 1
        kind["students"] += r["students"] or 0
        kind["year_groups"] |= {int(y) for y in str(r["year_groups"] or "").split(";") if y}
    return {
        y: {k: {**v, "year_groups": sorted(v["year_groups"])} for k, v in sorted(kinds.items())}
        for y, kinds in sorted(years.items(), reverse=True)
    }


def school_profile(db: Database, urn: str, day: date, known_at: KnownAt | None = None) -> dict[str, Any]:
    """Everything the school page shows about one institution, as of the day, as known at the moment."""
    known = as_known(db, known_at)
    found = known_rows(known, "institutions", "urn = ?", (urn,))
    if not found:
        raise CareerHubError(f"no institution {urn!r} is known" + (" at that moment" if known_at else ""))
    institution = found[0]
    hub_id = institution["hub_id"]
    standing = standings(known, hub_id, day).get(urn) if hub_id else None
    encounters = encounters_by_year_and_kind(known_rows(known, "encounters", "urn = ?", (urn,)))
    years = sorted({academic_year_of(day), *(y for y in encounters if y <= academic_year_of(day))}, reverse=True)
    flags = [
        flag
        for year in years
        if hub_id
        for e in encounter_evidence(db, hub_id, year, known_at)
        if e["urn"] == urn
        for flag in e["flags"]
    ]
    funding = known_rows(known, "funding", "applicant = ?", (urn,))
    return {
        "urn": urn,
        "institution": institution,
        "as_of": day.isoformat(),
        "log_position": known.position,
        "standing": public(standing) if standing else None,
        "assessments": assessments_over_time(known_rows(known, "assessments", "urn = ?", (urn,))),
        "matches": matches_with_advisers(known, known_rows(known, "matches", "urn = ?", (urn,))),
        "encounters": encounters,
        "evidence_years": years,
        "flags": flags,
        "funding": by_day(funding, "applied_on"),
    }


def latest_day_of(db: Database, urn: str) -> date | None:
    """The newest valid date of anything recorded about the institution."""
    day = db.scalar("SELECT MAX(valid_on) FROM rm_log WHERE urn = ?", (urn,))
    return date.fromisoformat(str(day)[:10]) if day else None
