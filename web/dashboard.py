"""The hub lead's dashboard: the board figures as of any day, by cluster, with charts and exports."""

from __future__ import annotations

import re
from collections.abc import Hashable
from datetime import date
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, url_for

from config.calendar import Overrides, academic_year_label, academic_year_start, term_after
from engine.kinds import BENCHMARKS
from projections.board import board, term_series
from projections.figures import BENCHMARK_NAMES
from projections.paper import latest_data_day
from projections.queries import Known, all_hub_ids, as_known, hub_calendar, list_members, settled_position
from projections.report import Query
from web.access import check_hub, hub_service, now, requires, visible_hubs
from web.board import first_day, hub_clusters
from web.exports import csv_download
from web.forms import day_arg, text_arg
from web.fragments import kept_fragment
from web.htmx import page_or_fragment

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("/")
@requires("dashboard")
def index() -> Any:
    hubs = visible_hubs()
    if g.user.hub_id or len(hubs) == 1:
        return redirect(url_for(".hub", hub_id=g.user.hub_id or hubs[0]["hub_id"]))
    return render_template("dashboard/index.html", hubs=hubs)


def owing_since(owing: list[dict[str, Any]], members: dict[str, dict[str, Any]], calendar: Overrides) -> list[dict[str, Any]]:
    """Each institution that owes data, with the day it began to owe it: the start of the hub's first term
    after its latest assessment (the report's `data_required` counts by the same terms), or the day it
    joined the hub if it has never been assessed."""
    rows = []
    for row in owing:
        joined = members.get(row["urn"], {}).get("hub_joined_on")
        last = row["latest_assessed_on"]
        since = term_after(date.fromisoformat(last), calendar).starts_on.isoformat() if last else joined
        rows.append({**row, "since": max(filter(None, (since, joined)), default=None)})
    return sorted(rows, key=lambda r: (r["since"] or "", r["urn"]))


def term_points(db: Any, hub_id: str, as_of: date, cluster: str | None, now_report: dict[str, Any]) -> list[dict]:
    """Term-end figures of last and this academic year up to the day, then the day itself."""
    start = academic_year_start(as_of)
    years = [academic_year_label(start - 1), academic_year_label(start)]
    points = [p for p in term_series(db, hub_id, years, None, cluster) if p["term_ends_on"] <= as_of.isoformat()]
    if not points or points[-1]["term_ends_on"] != as_of.isoformat():
        points.append(
            {
                "academic_year": now_report["term"]["academic_year"],
                "term": f"as of {as_of.isoformat()}",
                "term_ends_on": as_of.isoformat(),
                "average_benchmarks": now_report["average_benchmarks"],
                "target_average_benchmarks": now_report["targets"].get("average_benchmarks"),
                "national_average_benchmarks": now_report["national"].get("average_benchmarks"),
            }
        )
    return points


def chart_specs(points: list[dict[str, Any]], report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """chart.js configurations (plain data; app.js draws them)."""
    labels = [f"{p['term']} {p['academic_year']}" if not p["term"].startswith("as of") else p["term"] for p in points]
    line = {
        "type": "line",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "label": "Hub average",
                    "data": [p["average_benchmarks"] for p in points],
                    "borderColor": "#1f4e9c",
                    "backgroundColor": "#1f4e9c",
                    "borderWidth": 3,
                },
                {
                    "label": "Target",
                    "data": [p["target_average_benchmarks"] for p in points],
                    "borderColor": "#8a3b00",
                    "backgroundColor": "#8a3b00",
                    "borderDash": [8, 4],
                    "borderWidth": 2,
                },
                {
                    "label": "National",
                    "data": [p["national_average_benchmarks"] for p in points],
                    "borderColor": "#3d3d3d",
                    "backgroundColor": "#3d3d3d",
                    "borderDash": [2, 3],
                    "borderWidth": 2,
                },
            ],
        },
        "options": {
            "scales": {"y": {"min": 0, "max": 8, "title": {"display": True, "text": "Benchmarks fully achieved (mean)"}}}
        },
    }
    bars = {
        "type": "bar",
        "data": {
            "labels": [f"BM{b}" for b in BENCHMARKS],
            "datasets": [
                {
                    "label": "Hub",
                    "data": [report["fully_achieved_percent"][str(b)] for b in BENCHMARKS],
                    "backgroundColor": "#1f4e9c",
                },
                {
                    "label": "National",
                    "data": [report["national"].get(f"bm{b}_percent") for b in BENCHMARKS],
                    "backgroundColor": "#6b6b6b",
                },
                {
                    "label": "Target",
                    "data": [report["targets"].get(f"bm{b}_percent") for b in BENCHMARKS],
                    "backgroundColor": "#b35c00",
                },
            ],
        },
        "options": {
            "scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% of assessed members fully achieving"}}}
        },
    }
    return {"term_chart": line, "benchmark_chart": bars}


def asked_day(hub_id: str) -> tuple[date, date | None]:
    """The day the dashboard shows (asked for, else the first day a board opens on) and the hub's latest data."""
    latest = latest_data_day(as_known(hub_service().db, None), hub_id)
    return day_arg("as_of", first_day(latest, now().date()), "As of"), latest


def what_it_reads(hub_id: str) -> Hashable | None:
    """What the dashboard of a hub on a day shows beyond its URL, its reader's scope and today: the hub's
    data on or before the day, up to its settled position, and the day of its latest data. None for a hub
    not known (the view answers that)."""
    known = as_known(hub_service().db, None)
    if hub_id not in all_hub_ids(known):
        return None
    as_of, latest = asked_day(hub_id)
    return settled_position(known, hub_id, as_of), latest


def board_context(hub_id: str) -> dict[str, Any]:
    check_hub(hub_id)
    hub = next((h for h in visible_hubs() if h["hub_id"] == hub_id), None)
    if hub is None:
        abort(404, description=f"No hub {hub_id!r} is known.")
    as_of, latest = asked_day(hub_id)
    cluster = text_arg("cluster")
    service = hub_service()
    db = service.db
    figures = board(db, Query(hub_id, as_of, None, cluster))
    report = figures["report"]
    # Read where the report was computed (its settled position): the same answers, already remembered.
    known = Known(db, settled_position(as_known(db, None), hub_id, as_of))
    members = {m["urn"]: m for m in list_members(known, hub_id, as_of, cluster)}
    clusters = hub_clusters(known, hub_id, as_of)
    points = term_points(db, hub_id, as_of, cluster, report)
    return {
        "hub": hub,
        "as_of": as_of,
        "latest": latest,
        "cluster": cluster,
        "clusters": clusters,
        "board": figures,
        "report": report,
        "owing": owing_since(report["data_required_institutions"], members, hub_calendar(known, hub_id)),
        "points": points,
        "charts": chart_specs(points, report),
        "benchmark_names": BENCHMARK_NAMES,
        "query": {"as_of": as_of.isoformat(), **({"cluster": cluster} if cluster else {})},
    }


@bp.get("/<hub_id>")
@requires("dashboard")
@kept_fragment(what_it_reads)
def hub(hub_id: str) -> Any:
    return page_or_fragment("dashboard/hub.html", "dashboard/_board.html", **board_context(hub_id))


@bp.get("/<hub_id>/print")
@requires("dashboard")
def printable(hub_id: str) -> Any:
    return render_template("dashboard/print.html", **board_context(hub_id))


def board_rows(c: dict[str, Any]) -> list[list[Any]]:
    """The board tables as CSV sections: a title row, a header row, the rows, a blank row."""
    b, r = c["board"], c["report"]
    avg = b["average_benchmarks"]
    rows: list[list[Any]] = [
        ["hub", c["hub"]["hub_id"], "as_of", c["as_of"].isoformat(), "cluster", c["cluster"] or "all"],
        [],
        ["Average number of benchmarks fully achieved"],
        [
            "national",
            f"hub_at_{b['last_year_end']}_for_members_as_of_{c['as_of'].isoformat()}",
            f"target_{r['term']['academic_year']}",
            "hub_as_of",
        ],
        [avg["national"], avg["hub_last_year_end"], avg["target"], avg["hub_now"]],
        [],
        ["% of assessed members fully achieving"],
        ["benchmark", "name", "national", "target", "hub_as_of"],
        *[
            [
                f"BM{k}",
                BENCHMARK_NAMES[k],
                r["national"].get(f"bm{k}_percent"),
                r["targets"].get(f"bm{k}_percent"),
                r["fully_achieved_percent"][str(k)],
            ]
            for k in BENCHMARKS
        ],
        [],
        ["Enterprise Adviser Network"],
        ["engaged", "matched", "unmatched"],
        [b["ean"]["engaged"], b["ean"]["matched"], b["ean"]["unmatched"]],
        [],
        ["Funding"],
        ["applications", "institutional_applicants", "members", "approved", "amount_awarded"],
        [
            b["funding"]["applications"],
            b["funding"]["institutional_applicants"],
            b["members"],
            b["funding"]["approved"],
            b["funding"]["amount_awarded"],
        ],
        [],
        ["Data still required"],
        ["urn", "name", "latest_assessed_on", "owing_since"],
        *[[o["urn"], o["name"], o["latest_assessed_on"], o["since"]] for o in c["owing"]],
    ]
    return rows


@bp.get("/<hub_id>/board.csv")
@requires("dashboard")
def board_csv(hub_id: str) -> Any:
    context = board_context(hub_id)
    name = re.sub(r"[^A-Za-z0-9_-]", "_", hub_id)
    return csv_download(board_rows(context), f"board-{name}-{context['as_of'].isoformat()}.csv")
