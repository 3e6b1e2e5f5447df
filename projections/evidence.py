"""Encounter evidence: what institutions recorded, year by year, against what they self-assess."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from config.calendar import academic_year_of, parse_academic_year
from engine.sql import Database
from projections.queries import as_known, known_rows, latest_assessments, list_members

# Year groups each benchmark's encounters must reach (DOMAIN.md: BM5 every year from age 11;
# BM6 a workplace experience by 16). Colleges teach years 12–13.
EXPECTED_YEAR_GROUPS = {
    ("employer_encounter", False): (7, 8, 9, 10, 11),
    ("workplace_experience", False): (10, 11),
    ("employer_encounter", True): (12, 13),
    ("workplace_experience", True): (12, 13),
}
BENCHMARK_KIND = {5: "employer_encounter", 6: "workplace_experience"}


def encounter_evidence(db: Database, hub_id: str, academic_year: str, known_at=None) -> list[dict[str, Any]]:
    """Per hub member: encounters by kind, year groups and students reached in the academic year, and a
    flag for each self-assessed 100 % on benchmark 5 or 6 with a year group that has no such encounter."""
    start = parse_academic_year(academic_year)
    first, last = date(start, 9, 1), date(start + 1, 8, 31)
    known = as_known(db, known_at)
    members = list_members(known, hub_id, last)
    urns = [m["urn"] for m in members]
    among, among_params = known.db.backend.one_of("urn", urns)
    period = (first.isoformat(), last.isoformat())
    rows = known_rows(known, "encounters", f"{among} AND occurred_on >= ? AND occurred_on <= ?", (*among_params, *period))
    latest = latest_assessments(known, urns, last)
    by_urn: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        counts = by_urn[row["urn"]].setdefault(row["kind"], {"encounters": 0, "year_groups": set(), "students": 0})
        counts["encounters"] += 1
        counts["year_groups"] |= {int(y) for y in (row["year_groups"] or "").split(";") if y}
        counts["students"] += row["students"] or 0
    result = []
    for m in members:
        kinds = by_urn.get(m["urn"], {})
        assessment = latest.get(m["urn"])
        if assessment is not None and academic_year_of(date.fromisoformat(assessment["assessed_on"])) != academic_year:
            assessment = None  # only a self-assessment of this year is checked
        flags = []
        for benchmark, kind in BENCHMARK_KIND.items():
            if assessment is not None and assessment[f"bm{benchmark}"] == 100:
                expected = EXPECTED_YEAR_GROUPS[(kind, m["kind"] == "college")]
                missing = [y for y in expected if y not in kinds.get(kind, {}).get("year_groups", set())]
                if missing:
                    flags.append(
                        {
                            "benchmark": benchmark,
                            "kind": kind,
                            "missing_year_groups": missing,
                            "message": f"self-assessed 100 % on benchmark {benchmark} on {assessment['assessed_on']}"
                            f" but no {kind.replace('_', ' ')} recorded for year "
                            f"{', '.join(map(str, missing))} in {academic_year}",
                        }
                    )
        result.append(
            {
                "urn": m["urn"],
                "name": m["name"],
                "academic_year": academic_year,
                "by_kind": {k: {**v, "year_groups": sorted(v["year_groups"])} for k, v in sorted(kinds.items())},
                "flags": flags,
            }
        )
    return result
