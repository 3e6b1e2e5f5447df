"""The hub report of DATA.md §3: every figure as of a day, as known at a moment."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from config.calendar import Term, academic_year_of, term_containing
from config.values import KnownAt
from engine.kinds import METRICS
from engine.sql import Database
from projections import report_cache
from projections.figures import Facts, compute_figures, place
from projections.institutions import funding_applied, standings_by_hub
from projections.queries import (
    Known,
    all_hub_ids,
    as_known,
    by_column,
    hub_calendars,
    known_rows,
    remembered,
    settled_position,
)
from projections.report_cache import REPORTS, decode_term, encode_term

# The figures a national view shows for each hub, side by side (`careerhub national`, the hubs page).
HEADLINE_FIGURES = (
    "institutions",
    "assessed",
    "average_benchmarks",
    "bm5_percent",
    "bm6_percent",
    "engaged",
    "matched",
    "data_required",
)


@dataclass(frozen=True)
class Query:
    hub_id: str
    as_of: date
    known_at: KnownAt | None = None
    cluster: str | None = None
    cohort_as_of: date | None = None  # members as of this day, their state as of `as_of`


@remembered
def targets_by_hub(known: Known, hub_ids: list[str], academic_year: str) -> dict[str, dict[str, float]]:
    """hub id -> its targets for the academic year, in METRICS order."""
    among, among_params = known.db.backend.one_of("hub_id", hub_ids)
    rows = known_rows(known, "targets", f"{among} AND academic_year = ?", (*among_params, academic_year))
    grouped = by_column(sorted(rows, key=lambda r: METRICS.index(r["metric"])), "hub_id")
    return {h: {r["metric"]: r["value"] for r in grouped.get(h, [])} for h in hub_ids}


def national_figures(known: Known, day: date) -> dict[str, float]:
    """Each metric's latest national figure published on or before the day."""
    on = day.isoformat()
    latest: dict[str, dict[str, Any]] = {}
    for r in national_rows(known):
        if r["published_on"] <= on and (r["metric"] not in latest or r["published_on"] > latest[r["metric"]]["published_on"]):
            latest[r["metric"]] = r
    return {m: latest[m]["value"] for m in METRICS if m in latest}


@remembered
def national_rows(known: Known) -> list[dict[str, Any]]:
    """Every national figure, read once per position: a few per metric and year, where a query per day asked
    costs a round trip of its own (a dashboard asks of a new day each time)."""
    return known_rows(known, "national")


@dataclass(frozen=True)
class Report:
    """The hub report: every figure of the registry (projections/figures.py) as of a day, as known
    at a log position, with the hub's targets, the national figures and who still owes data."""

    query: Query
    log_position: int
    term: Term
    figures: dict[str, Any]
    targets: dict[str, float]
    national: dict[str, float]
    data_required_institutions: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        """DATA.md §3, plus the extra keys README lists."""
        q = self.query
        return {
            "hub_id": q.hub_id,
            "as_of": q.as_of.isoformat(),
            "known_at": q.known_at.isoformat() if q.known_at else None,
            "term": {
                "name": self.term.name,
                "academic_year": self.term.academic_year,
                "starts_on": self.term.starts_on.isoformat(),
                "ends_on": self.term.ends_on.isoformat(),
            },
            **place(self.figures),
            "targets": dict(self.targets),
            "national": dict(self.national),
            "cluster": q.cluster,
            "cohort_as_of": q.cohort_as_of.isoformat() if q.cohort_as_of else None,
            "data_required_institutions": [dict(i) for i in self.data_required_institutions],
            "log_position": self.log_position,
        }

    def encode(self) -> str:
        """Everything but the query, as JSON text (projections/report_cache.py keeps it)."""
        return json.dumps(
            {
                "log_position": self.log_position,
                "term": encode_term(self.term),
                "figures": self.figures,
                "targets": self.targets,
                "national": self.national,
                "data_required_institutions": list(self.data_required_institutions),
            }
        )

    @classmethod
    def decode(cls, query: Query, text: str) -> Report:
        encoded = json.loads(text)
        return cls(
            query,
            encoded["log_position"],
            decode_term(encoded["term"]),
            encoded["figures"],
            encoded["targets"],
            encoded["national"],
            tuple(encoded["data_required_institutions"]),
        )


def hub_report(db: Database, query: Query) -> Report:
    """The report of DATA.md §3 for the query."""
    return replace(known_report(as_known(db, query.known_at), replace(query, known_at=None)), query=query)


def known_report(known: Known, query: Query) -> Report:
    """The report from what was known at a log position: the one known at the last position at which
    anything it reads changed (projections/changes.py), read as of the position asked."""
    settled = settled_position(known, query.hub_id, max(query.as_of, query.cohort_as_of or query.as_of))
    return replace(settled_report(Known(known.db, settled), query), log_position=known.position)


@lru_cache(maxsize=4096)
def settled_report(known: Known, query: Query) -> Report:
    """The report from what was known at a log position. The log is append-only, so the answer for a
    given (query, position) never changes and is kept: by this process, and in the database for every
    process (projections/report_cache.py)."""
    if not REPORTS.readable(known.db):
        return known_reports(known, query, [query.hub_id])[query.hub_id]
    key = report_cache.cache_key(query, known.position)
    if (kept := REPORTS.fetch(known.db, key)) is not None:
        return Report.decode(query, kept)
    report = known_reports(known, query, [query.hub_id])[query.hub_id]
    REPORTS.keep(known.db, key, known.position, report.encode())
    return report


def all_hub_reports(db: Database, as_of: date, known_at: KnownAt | None = None) -> list[Report]:
    """The report of every hub known at the moment, as of the day, by hub id: each fact read once for all
    hubs (a national view costs a few set-based queries, not a round of queries per hub)."""
    known = as_known(db, known_at)
    query = Query("", as_of)
    reports = known_reports(known, query, all_hub_ids(known))
    return [replace(r, query=replace(r.query, known_at=known_at)) for _, r in sorted(reports.items())]


def known_reports(known: Known, query: Query, hub_ids: list[str]) -> dict[str, Report]:
    """hub id -> the report of `query` (its hub aside) for each of `hub_ids`, from what was known."""
    day = query.as_of
    funding = funding_applied(known, hub_ids, day)  # read once: standings_by_hub asks the same
    standing = standings_by_hub(known, hub_ids, day, query.cluster, query.cohort_as_of)
    calendars = hub_calendars(known, hub_ids)
    targets = targets_by_hub(known, hub_ids, academic_year_of(day))
    national = national_figures(known, day)
    reports = {}
    for hub_id in hub_ids:
        its = standing[hub_id]
        owing = tuple(
            {"urn": s["urn"], "name": s["name"], "latest_assessed_on": s["latest_assessed_on"]}
            for s in its.values()
            if s["data_required"]
        )
        figures = compute_figures(Facts(day, list(its.values()), funding[hub_id].counts))
        reports[hub_id] = Report(
            replace(query, hub_id=hub_id),
            known.position,
            term_containing(day, calendars[hub_id]),
            figures,
            targets[hub_id],
            national,
            owing,
        )
    return reports
