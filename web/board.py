"""The hub lead's board paper in the browser: the last completed term's figures beside the day's,
each figure a link to the institutions and events behind it."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, g, redirect, render_template, url_for

from config.calendar import academic_year_label, academic_year_start
from engine.kinds import METRICS
from projections.board import benchmark_series, clusters_side_by_side
from projections.coverage import learners_recorded, measured_coverage, measured_long_rows
from projections.explain import explain as explain_figure
from projections.figures import FIGURES
from projections.forecast import forecast_year_end
from projections.paper import board_paper, latest_data_day, long_rows
from projections.queries import Known, as_known, list_members
from projections.report import HEADLINE_FIGURES, Query, all_hub_reports
from web.access import can, check_hub, hub_service, now, requires, visible_hubs
from web.board_charts import clusters_chart, series_charts
from web.exports import csv_download
from web.forms import InvalidField, day_arg, moment_arg, moment_value, text_arg
from web.htmx import page_or_fragment
from web.paper_docx import paper_document

bp = Blueprint("board", __name__, url_prefix="/hub")
LONG_COLUMNS = ("figure", "block", "as_of", "value")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def get_visible_hub(hub_id: str) -> dict[str, Any]:
    """The hub, if the signed-in user may see it: 403 for another hub's people, 404 if unknown."""
    check_hub(hub_id)
    hub = next((h for h in visible_hubs() if h["hub_id"] == hub_id), None)
    if hub is None:
        abort(404, description=f"No hub {hub_id!r} is known.")
    return hub


@bp.get("/")
@requires("dashboard")
def index() -> Any:
    hubs = visible_hubs()
    if g.user.hub_id or len(hubs) == 1:
        return redirect(url_for(".paper", hub_id=g.user.hub_id or hubs[0]["hub_id"]))
    on = day_arg("on", now().date(), "On")
    reports = all_hub_reports(hub_service().db, on) if hubs else []
    return render_template(
        "board/index.html",
        hubs={h["hub_id"]: h for h in hubs},
        reports=reports,
        on=on,
        headline=[FIGURES[name] for name in HEADLINE_FIGURES],
    )


def first_day(latest: date | None, today: date) -> date:
    """The day a board opens on when none is asked for: today, or the latest data's day if it is earlier."""
    return min(today, latest) if latest else today


def paper_context(hub_id: str) -> dict[str, Any]:
    hub = get_visible_hub(hub_id)
    service = hub_service()
    latest = latest_data_day(as_known(service.db, None), hub_id)
    today = now().date()
    on = day_arg("on", first_day(latest, today), "On")
    known_at, cluster = moment_arg("known_at", "Known at"), text_arg("cluster")
    paper = board_paper(service.db, hub_id, on, known_at, cluster)
    # links carry the moment whole (a sub-second moment must not lose the events of its last second)
    common = {k: v for k, v in {"known_at": known_at.isoformat() if known_at else None, "cluster": cluster}.items() if v}
    clusters = hub_clusters(Known(service.db, paper.term_end.log_position), hub_id, on)
    coverage = measured_coverage(
        Known(service.db, paper.on_day.log_position), hub_id, on, None, cluster, service.settings.minimum_learners
    )
    return {
        "hub": hub,
        "paper": paper,
        "on": on,
        "today": today,
        "latest": latest,
        "cluster": cluster,
        "known_at": moment_value(known_at),
        "common": common,
        "query": {"on": on.isoformat(), **common},
        "clusters": clusters,
        "coverage": coverage,
        "measured": measured_block(coverage, learners_recorded(service.db)),
    }


BOARD_BENCHMARKS = (5, 6)  # the board's own benchmarks: what encounters evidence for employers and workplaces


def measured_block(coverage: dict[str, Any], recorded: bool) -> dict[str, Any]:
    """The board's measured coverage block: one row per school and year group with benchmarks 5 and 6 side
    by side (the hub or cluster view's figures, small numbers already suppressed), the view's totals, and
    the gaps in words."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for r in coverage["institutions"]:
        if r["benchmark"] in BOARD_BENCHMARKS:
            row = rows.setdefault(
                (r["urn"], r["year_group"]),
                {"urn": r["urn"], "name": r["name"] or r["urn"], "year_group": r["year_group"], "by": {}},
            )
            row["by"][r["benchmark"]] = r
    ordered = sorted(rows.values(), key=lambda r: (r["name"], r["urn"], r["year_group"]))
    return {
        "recorded": recorded,
        "academic_year": coverage["academic_year"],
        "minimum": coverage["minimum_learners"],
        "benchmarks": [b for b in BOARD_BENCHMARKS if str(b) in coverage["definitions"]],
        "definitions": {b: coverage["definitions"][str(b)] for b in BOARD_BENCHMARKS if str(b) in coverage["definitions"]},
        "totals": {b: coverage["benchmarks"][str(b)] for b in BOARD_BENCHMARKS if str(b) in coverage["benchmarks"]},
        "rows": ordered,
        "gaps": [r for row in ordered for b, r in sorted(row["by"].items()) if r["gap"]],
    }


def with_trends(c: dict[str, Any]) -> dict[str, Any]:
    return {**c, **trends(hub_service().db, c["paper"], [c["cluster"]] if c["cluster"] else c["clusters"])}


def trends(db: Any, paper: Any, clusters: list[str]) -> dict[str, Any]:
    """All eight benchmarks at each term end of last and this academic year, the year-end forecast
    against target, and the clusters side by side at the term end."""
    start = academic_year_start(paper.on)
    years = [academic_year_label(start - 1), academic_year_label(start)]
    series = benchmark_series(db, paper.hub_id, years, paper.on, paper.known_at, paper.cluster)
    side = clusters_side_by_side(db, paper.hub_id, clusters, paper.term.ends_on, paper.known_at)
    return {
        "series": series,
        "side": side,
        "metrics": METRICS,
        "forecast": forecast_year_end(db, paper.hub_id, paper.on, paper.known_at, paper.cluster),
        "charts": {**series_charts(series), "clusters": clusters_chart(side)},
    }


def hub_clusters(known: Known, hub_id: str, day: date) -> list[str]:
    """The clusters of the hub's members on the day (what the cluster filters offer)."""
    return sorted({m["cluster"] for m in list_members(known, hub_id, day) if m["cluster"]})


@bp.get("/<hub_id>/board")
@requires("dashboard")
def paper(hub_id: str) -> Any:
    """The board paper on a day: the last term end on or before it, and the day itself."""
    return page_or_fragment("board/page.html", "board/_paper.html", **with_trends(paper_context(hub_id)))


@bp.get("/<hub_id>/explain/<figure>")
@requires("dashboard")
def explain(hub_id: str, figure: str) -> Any:
    """The institutions and the exact events behind one figure of the report on a day."""
    hub = get_visible_hub(hub_id)
    if figure not in FIGURES or not FIGURES[figure].explainable:
        abort(404, description=f"The figure {figure!r} cannot be explained institution by institution.")
    as_of = day_arg("as_of", None, "As of")
    if as_of is None:
        raise InvalidField("as_of", "As of: give the day the figure is as of.")
    query = Query(
        hub_id, as_of, moment_arg("known_at", "Known at"), text_arg("cluster"), day_arg("cohort_as_of", None, "Members as of")
    )
    service = hub_service()
    result = explain_figure(service.db, query, figure)
    back = {
        k: v
        for k, v in {
            "on": text_arg("on") or as_of.isoformat(),
            "known_at": query.known_at.isoformat() if query.known_at else None,
            "cluster": query.cluster,
        }.items()
        if v
    }
    return page_or_fragment(
        "board/explain.html",
        "board/_explain.html",
        hub=hub,
        figure=FIGURES[figure],
        result=result,
        query=query,
        back=back,
        show_actors=can("audit", hub_id),
    )


def download_name(hub_id: str, on: date, extension: str) -> str:
    return f"board-{re.sub(r'[^A-Za-z0-9_-]', '_', hub_id)}-{on.isoformat()}.{extension}"


@bp.get("/<hub_id>/board.csv")
@requires("dashboard")
def paper_csv(hub_id: str) -> Any:
    """The paper as one tidy long table: figure, block, as_of, value (measured coverage as the board shows it)."""
    c = paper_context(hub_id)
    rows = [*long_rows(c["paper"]), *measured_long_rows(c["coverage"])]
    return csv_download([LONG_COLUMNS, *rows], download_name(hub_id, c["on"], "csv"))


@bp.get("/<hub_id>/board.docx")
@requires("dashboard")
def paper_docx(hub_id: str) -> Any:
    c = with_trends(paper_context(hub_id))
    response = Response(paper_document(c["paper"], c["hub"]["name"], c["charts"], c["measured"]), mimetype=DOCX)
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(hub_id, c["on"], "docx")}"'
    return response


@bp.get("/<hub_id>/board/print")
@requires("dashboard")
def printable(hub_id: str) -> Any:
    return render_template("board/print.html", **with_trends(paper_context(hub_id)))
