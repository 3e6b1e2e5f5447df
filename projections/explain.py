"""`careerhub explain FIGURE`: the institutions and the exact events behind one number of the report."""

from __future__ import annotations

from typing import Any

from engine.errors import CareerHubError
from engine.sql import Database
from projections.figures import FIGURES
from projections.institutions import events_for_versions, public, standings
from projections.queries import as_known
from projections.report import Query, hub_report

EXPLAINABLE = [name for name, figure in FIGURES.items() if figure.explainable]


def explain(db: Database, query: Query, name: str) -> dict[str, Any]:
    figure = FIGURES.get(name)
    if figure is None or figure.counts is None:
        raise CareerHubError(f"cannot explain {name!r}; one of {', '.join(EXPLAINABLE)}")
    known = as_known(db, query.known_at)
    report = hub_report(db, query)
    rows = []
    for standing in standings(known, query.hub_id, query.as_of, query.cluster, query.cohort_as_of).values():
        if not figure.counts(standing):
            continue
        shown = public(standing)
        if figure.value is not None:
            shown["value"] = figure.value(standing)
        if figure.unit == "percent":
            shown["fully_achieved"] = shown["value"] == 100
        versions = standing["_versions"]
        shown["events"] = events_for_versions(db, [versions["institution"], versions["assessment"], versions["match"]])
        rows.append(shown)
    return {
        "figure": name,
        "value": report.figures[name],
        "definition": figure.definition,
        "hub_id": query.hub_id,
        "as_of": query.as_of.isoformat(),
        "known_at": query.known_at.isoformat() if query.known_at else None,
        "log_position": known.position,
        "institutions": rows,
    }
