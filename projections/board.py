"""What a hub lead puts in front of the board: the annex tables, the term-end series, a forecast."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from config.calendar import Overrides, academic_year_label, academic_year_start, hub_terms_of_year, parse_academic_year
from config.values import KnownAt
from engine.kinds import METRICS
from engine.sql import Database
from projections import report_cache
from projections.forecast import FORECAST, forecast_year_end
from projections.queries import all_hub_ids, as_known, hub_calendar, hub_calendars, settled_position
from projections.report import Query, hub_report, known_reports
from projections.report_cache import REPORTS

SERIES = (
    "institutions",
    "assessed",
    "data_required",
    "average_benchmarks",
    "bm5_percent",
    "bm6_percent",
    "engaged",
    "matched",
)  # the figures of each term-end row


def last_year_end(day: date) -> date:
    """31 August that ended the previous academic year."""
    return date(day.year if day.month >= 9 else day.year - 1, 8, 31)


def board(db: Database, query: Query) -> dict[str, Any]:
    """The annex tables: national vs hub at the end of last academic year (for today's members),
    the target, and the hub as of the day; benchmarks 5 and 6; EAN; funding; data still required."""
    now = hub_report(db, query)
    year_end = last_year_end(query.as_of)
    then = hub_report(db, replace(query, as_of=year_end, cohort_as_of=query.as_of))
    report = now.to_json()
    return {
        "report": report,
        "last_year_end": year_end.isoformat(),
        "average_benchmarks": {
            "national": now.national.get("average_benchmarks"),
            "hub_last_year_end": then.figures["average_benchmarks"],
            "target": now.targets.get("average_benchmarks"),
            "hub_now": now.figures["average_benchmarks"],
        },
        "benchmarks_5_6": [
            {"benchmark": b, "target": now.targets.get(f"bm{b}_percent"), "hub_now": now.figures[f"bm{b}_percent"]}
            for b in (5, 6)
        ],
        "ean": report["ean"],
        "funding": report["funding"],
        "members": now.figures["institutions"],
        "data_required": now.figures["data_required"],
    }


def term_ends(academic_years: list[str], calendar: Overrides) -> list[tuple[str, str, date]]:
    return [
        (term.academic_year, term.name, term.ends_on)
        for year in academic_years
        for term in hub_terms_of_year(parse_academic_year(year), calendar)
    ]


def term_series(
    db: Database, hub_id: str, academic_years: list[str], known_at: KnownAt | None = None, cluster: str | None = None
) -> list[dict[str, Any]]:
    """The figures at each term end of the given academic years (rows of the annex tables)."""
    rows = []
    calendar = hub_calendar(as_known(db, known_at), hub_id)
    for year, term, day in term_ends(academic_years, calendar):
        r = hub_report(db, Query(hub_id, day, known_at, cluster))
        rows.append(
            {
                "academic_year": year,
                "term": term,
                "term_ends_on": day.isoformat(),
                **{k: r.figures[k] for k in SERIES},
                **{f"target_{k}": r.targets.get(k) for k in FORECAST},
                "national_average_benchmarks": r.national.get("average_benchmarks"),
            }
        )
    return rows


def keep_term_end_reports(db: Database, today: date) -> int:
    """Every hub's report at each term end of last and this academic year (the board's series), as known
    now, computed set-based per day and kept for every process (projections/report_cache.py), unless kept
    already; then the oldest kept beyond the cache's bound are forgotten. The projection worker calls it
    after catching up, so boards read them rather than the hubs' history. How many reports it computed."""
    if not REPORTS.readable(db):
        return 0
    start = academic_year_start(today)
    years = [academic_year_label(start - 1), academic_year_label(start)]
    computed = 0
    with db.snapshot() as snapshot:
        known = as_known(snapshot, None)
        hub_ids = all_hub_ids(known)
        calendars = hub_calendars(known, hub_ids)
        hubs_on: dict[date, list[str]] = {}
        for hub_id in hub_ids:
            for _, _, day in term_ends(years, calendars[hub_id]):
                hubs_on.setdefault(day, []).append(hub_id)
        for day, hubs in sorted(hubs_on.items()):
            settled = {h: settled_position(known, h, day) for h in hubs}  # the key of its report (settled_report)
            keys = {h: report_cache.cache_key(Query(h, day), settled[h]) for h in hubs}
            kept = REPORTS.kept(snapshot, list(keys.values()))
            missing = [h for h in hubs if keys[h] not in kept]
            if missing:
                for hub_id, report in known_reports(known, Query("", day), missing).items():
                    REPORTS.keep(snapshot, keys[hub_id], settled[hub_id], report.encode())  # all in one transaction
            computed += len(missing)
    report_cache.prune(db)
    return computed


def series_with_forecast(
    db: Database, hub_id: str, academic_years: list[str], as_of: date, known_at: KnownAt | None = None, cluster: str | None = None
) -> dict[str, Any]:
    return {
        "hub_id": hub_id,
        "as_of": as_of.isoformat(),
        "known_at": known_at.isoformat() if known_at else None,
        "terms": term_series(db, hub_id, academic_years, known_at, cluster),
        "forecast": forecast_year_end(db, hub_id, as_of, known_at, cluster),
    }


def benchmark_series(
    db: Database, hub_id: str, academic_years: list[str], until: date, known_at: KnownAt | None = None, cluster: str | None = None
) -> list[dict[str, Any]]:
    """At each term end of the years up to `until`: the hub average and the share fully achieving each of
    the eight benchmarks, beside the national figures and targets known then."""
    calendar = hub_calendar(as_known(db, known_at), hub_id)
    rows = []
    for year, term, day in term_ends(academic_years, calendar):
        if day > until:
            continue
        r = hub_report(db, Query(hub_id, day, known_at, cluster))
        rows.append(
            {
                "academic_year": year,
                "term": term,
                "term_ends_on": day.isoformat(),
                "figures": {k: r.figures[k] for k in METRICS},
                "targets": {k: r.targets.get(k) for k in METRICS},
                "national": {k: r.national.get(k) for k in METRICS},
            }
        )
    return rows


def clusters_side_by_side(
    db: Database, hub_id: str, clusters: list[str], day: date, known_at: KnownAt | None = None
) -> list[dict[str, Any]]:
    """Each cluster's figures on the same day, as the report gives them for that cluster alone."""
    return [{"cluster": c, "figures": hub_report(db, Query(hub_id, day, known_at, c)).figures} for c in clusters]
