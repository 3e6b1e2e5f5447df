"""Forecast of the academic year's end from each institution's own trend, with its backtest."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from config.calendar import academic_year_label, academic_year_start
from config.values import KnownAt
from engine.kinds import BENCHMARKS
from engine.sql import Database
from projections.queries import Known, as_known, known_rows, list_members
from projections.report import Query, hub_report

FORECAST = ("average_benchmarks", "bm5_percent", "bm6_percent")  # the figures the board forecasts
METHOD = (
    "each member's own least-squares trend of each benchmark's percentage over its assessments up to the "
    "day, projected to 31 August and rounded to the nearest Compass step of 25 %; a benchmark counts as "
    "fully achieved when the projection rounds to 100 %. Members with one assessment keep its values; "
    "members with none are left out, as in the report."
)
STEP = 25


def projected_percent(points: list[tuple[float, int]], at: float) -> float:
    """Least-squares line through (day, percent) points, evaluated at `at`, clipped to 0–100."""
    if len({x for x, _ in points}) < 2:
        return float(points[-1][1])
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)
    return min(100.0, max(0.0, mean_y + slope * (at - mean_x)))


def predict(known: Known, hub_id: str, day: date, cluster: str | None) -> dict[str, Any]:
    year_end = date(academic_year_start(day) + 1, 8, 31)
    urns = [m["urn"] for m in list_members(known, hub_id, day, cluster)]
    among, among_params = known.db.backend.one_of("urn", urns)
    rows = known_rows(known, "assessments", f"{among} AND assessed_on <= ?", (*among_params, day.isoformat()))
    by_urn: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_urn[row["urn"]].append(row)
    achieved_by_urn = {}
    for urn, assessments in by_urn.items():
        assessments.sort(key=lambda r: r["assessed_on"])
        achieved_by_urn[urn] = [
            b
            for b in BENCHMARKS
            if round(
                projected_percent(
                    [(date.fromisoformat(a["assessed_on"]).toordinal(), a[f"bm{b}"]) for a in assessments], year_end.toordinal()
                )
                / STEP
            )
            * STEP
            >= 100
        ]
    if not achieved_by_urn:
        return {"year_end": year_end.isoformat(), "average_benchmarks": None, "bm5_percent": None, "bm6_percent": None}
    count = len(achieved_by_urn)
    return {
        "year_end": year_end.isoformat(),
        "average_benchmarks": sum(len(a) for a in achieved_by_urn.values()) / count,
        "bm5_percent": 100 * sum(5 in a for a in achieved_by_urn.values()) / count,
        "bm6_percent": 100 * sum(6 in a for a in achieved_by_urn.values()) / count,
    }


def same_point_in_year(day: date, start_year: int) -> date:
    year = start_year if day.month >= 9 else start_year + 1
    return date(year, day.month, min(day.day, 28 if day.month == 2 else day.day))


def latest_assessment_day(db: Database, until: date) -> date | None:
    """The day of the latest assessment on or before `until`, of any institution."""
    latest = db.scalar("SELECT MAX(assessed_on) FROM rm_assessments WHERE assessed_on <= ?", (until.isoformat(),))
    return date.fromisoformat(latest) if latest else None


def backtest(db: Database, hub_id: str, day: date, known_at: KnownAt | None, cluster: str | None) -> list[dict[str, Any]]:
    """The same forecast made at the same point of each earlier academic year, against what happened."""
    known = as_known(db, known_at)
    earliest = db.scalar("SELECT MIN(assessed_on) FROM rm_assessments")
    if not earliest:
        return []
    results = []
    for start in range(academic_year_start(date.fromisoformat(earliest)), academic_year_start(day)):
        point = same_point_in_year(day, start)
        predicted = predict(known, hub_id, point, cluster)
        figures = hub_report(db, Query(hub_id, date(start + 1, 8, 31), known_at, cluster)).figures
        actual = {k: figures[k] for k in FORECAST}
        if predicted["average_benchmarks"] is None or actual["average_benchmarks"] is None:
            continue
        results.append(
            {
                "academic_year": academic_year_label(start),
                "forecast_made_on": point.isoformat(),
                "predicted": predicted,
                "actual": actual,
                "error": {k: predicted[k] - v for k, v in actual.items()},
            }
        )
    return results


def forecast_year_end(
    db: Database, hub_id: str, day: date, known_at: KnownAt | None = None, cluster: str | None = None
) -> dict[str, Any]:
    known = as_known(db, known_at)
    year = academic_year_label(academic_year_start(day))
    predicted = predict(known, hub_id, day, cluster)
    targets = hub_report(db, Query(hub_id, day, known_at, cluster)).targets
    past = backtest(db, hub_id, day, known_at, cluster)
    mae = {k: sum(abs(p["error"][k]) for p in past) / len(past) for k in FORECAST} if past else None
    return {
        "academic_year": year,
        "made_on": day.isoformat(),
        "method": METHOD,
        "predicted": predicted,
        "targets": {k: targets.get(k) for k in FORECAST},
        "backtest": past,
        "backtest_mean_absolute_error": mae,
    }
