"""The coordinator's workbench around the matcher: past runs (with replay), the adviser register of
an area with each adviser's history, and one school's ranked and excluded candidate advisers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort

from engine.errors import CareerHubError
from projections.audit import describe
from service.matchruns import get_run, replay
from service.workbench import adviser_history, adviser_register_of, current_institution, past_runs, school_candidates
from web.access import hub_service, now, requires
from web.data import mark_retractable
from web.forms import day_arg, text_arg
from web.htmx import page_or_fragment
from web.matching import check_area, my_areas

bp = Blueprint("workbench", __name__, url_prefix="/matching")


def chosen_area() -> str:
    """The area asked for (default: the user's first), which the user must coordinate."""
    areas = my_areas()
    area = text_arg("area") or (areas[0] if areas else None)
    if area is None:
        abort(404, description="No hub is known yet, so there is no area to match in.")
    check_area(area)
    return area


@bp.get("/runs")
@requires("match")
def runs() -> Any:
    """Every recorded run of the user's areas, newest first, with what became of its proposals."""
    return page_or_fragment("workbench/runs.html", "workbench/_runs.html", runs=past_runs(hub_service(), my_areas()))


@bp.get("/runs/<run_id>/replay")
@requires("match")
def replay_run(run_id: str) -> Any:
    """Solve again from the run's recorded inputs: are the proposals the same?"""
    try:
        run = get_run(hub_service(), run_id)
    except CareerHubError:
        abort(404, description=f"No match run {run_id!r}.")
    check_area(run.area)
    result = replay(hub_service(), run_id)
    return page_or_fragment("workbench/replay.html", "workbench/_replay.html", run=run, result=result)


@bp.get("/advisers")
@requires("match")
def advisers() -> Any:
    """The area's adviser register on a day (default today)."""
    area, day = chosen_area(), day_arg("on", now().date(), "Day")
    return page_or_fragment(
        "workbench/advisers.html",
        "workbench/_advisers.html",
        areas=my_areas(),
        area=area,
        on=day,
        advisers=adviser_register_of(hub_service(), area, day),
    )


@bp.get("/advisers/<adviser_ref>")
@requires("match")
def adviser(adviser_ref: str) -> Any:
    """One adviser as known now, and every event of its record (corrections and retractions included)."""
    current, rows = adviser_history(hub_service(), adviser_ref)
    if not rows:
        abort(404, description=f"Nothing has been recorded about adviser {adviser_ref}.")
    owner = (current or rows[-1]["payload"].get("values") or {}).get("area")
    if owner is not None:
        check_area(owner)
    return page_or_fragment(
        "workbench/adviser.html",
        "audit/_history_rows.html",
        ref=adviser_ref,
        adviser=current,
        rows=mark_retractable([{**r, "what": describe(r)} for r in rows]),
    )


@bp.get("/candidates/<urn>")
@requires("match")
def candidates(urn: str) -> Any:
    """The school's candidate advisers on a day: ranked by the matcher's score, or excluded by a rule."""
    institution = current_institution(hub_service(), urn)
    if institution is None:
        abort(404, description=f"No institution {urn} is known.")
    check_area(institution["area"])
    day = day_arg("as_of", now().date(), "Day")
    context = dict(urn=urn, institution=institution, as_of=day, ranked=[], excluded=[], problem=None)
    try:
        found = school_candidates(hub_service(), institution["area"], day, urn)
    except CareerHubError as error:
        context["problem"] = str(error)
        return page_or_fragment("workbench/candidates.html", "workbench/_candidates.html", **context), 422
    return page_or_fragment(
        "workbench/candidates.html",
        "workbench/_candidates.html",
        **{**context, "ranked": [c for c in found if not c.excluded], "excluded": [c for c in found if c.excluded]},
    )
