"""`careerhub explain FIGURE`: the institutions and the exact events behind one number of the report."""
from __future__ import annotations

from typing import Any

from engine.errors import CareerHubError
from engine.sql import Database
from projections.institutions import events_for_versions, public, standings
from projections.queries import position_at
from projections.report import Query, hub_report

DEFINITIONS = {
    "institutions": ("hub members on the day", lambda s: s["member"], None),
    "assessed": ("hub members with an assessment on or before the day", lambda s: s["member"] and s["latest_assessed_on"], None),
    "data_required": ("hub members whose latest assessment is older than the term, or who have none",
                      lambda s: s["data_required"], None),
    "average_benchmarks": ("mean over assessed members of the number of benchmarks at 100 %",
                           lambda s: s["member"] and s["latest_assessed_on"], "benchmarks_achieved"),
    "engaged": ("institutions of the hub's area engaged with the EAN on the day", lambda s: s["engaged"], None),
    "matched": ("engaged institutions with an active match on the day", lambda s: s["engaged"] and s["matched"], None),
    "unmatched": ("engaged institutions without an active match", lambda s: s["engaged"] and not s["matched"], None),
    "institutional_applicants": ("hub members with an institutional funding application on or before the day",
                                 lambda s: s["member"] and s["funding_applied"], None),
}
for _b in range(1, 9):
    DEFINITIONS[f"bm{_b}_percent"] = (
        f"100 × assessed members with benchmark {_b} at 100 % / assessed members",
        lambda s: s["member"] and s["latest_assessed_on"], f"bm{_b}")


def figure_value(report: dict[str, Any], figure: str) -> Any:
    if figure.startswith("bm"):
        return report["fully_achieved_percent"][figure[2:-len("_percent")]]
    if figure in report["ean"]:
        return report["ean"][figure]
    if figure == "institutional_applicants":
        return report["funding"][figure]
    return report[figure]


def explain(db: Database, query: Query, figure: str) -> dict[str, Any]:
    if figure not in DEFINITIONS:
        raise CareerHubError(f"cannot explain {figure!r}; one of {', '.join(DEFINITIONS)}")
    definition, counted, value_field = DEFINITIONS[figure]
    n = position_at(db, query.known_at)
    report = hub_report(db, query)
    rows = []
    for standing in standings(db, query.hub_id, query.as_of, n, query.cluster).values():
        if not counted(standing):
            continue
        shown = public(standing)
        if value_field and value_field.startswith("bm"):
            shown["value"] = standing["benchmarks"][int(value_field[2:]) - 1]
            shown["fully_achieved"] = shown["value"] == 100
        elif value_field:
            shown["value"] = standing[value_field]
        versions = standing["_versions"]
        shown["events"] = events_for_versions(db, [versions["institution"], versions["assessment"], versions["match"]])
        rows.append(shown)
    return {"figure": figure, "value": figure_value(report, figure), "definition": definition,
            "hub_id": query.hub_id, "as_of": query.as_of.isoformat(),
            "known_at": query.known_at.isoformat() if query.known_at else None, "log_position": n,
            "institutions": rows}
