"""The coordinator's matching: run the matcher for an area and day, read the proposals and why,
pin or forbid pairs and run again, then accept or reject row by row (a stale run is refused)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from htmx_flask import make_response

from engine.errors import CareerHubError, InvalidValue, StaleRunError
from engine.matchruns import MatchRun
from service.matchruns import accept, get_run, propose, reject, run_view, run_warnings
from web.access import actor, hub_service, known_hubs, now, requires
from web.forms import InvalidField, day_arg, sentence, text_arg
from web.htmx import page_or_fragment, wants_fragment

bp = Blueprint("matching", __name__, url_prefix="/matching")


def my_areas() -> list[str]:
    """The areas the signed-in user may match in: their hub's, or every hub's for an admin."""
    return sorted({h["area"] for h in known_hubs() if g.user.hub_id in (None, h["hub_id"])})


def check_area(area: str) -> None:
    if area not in my_areas():
        abort(403, description=f"You do not coordinate matching in {area}.")


def lines(name: str) -> list[str]:
    text = request.form.get(name, "")
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


@bp.get("/")
@requires("match")
def index() -> Any:
    areas = my_areas()
    return render_template(
        "matching/index.html",
        areas=areas,
        area=areas[0] if areas else None,
        as_of=day_arg("as_of", now().date(), "Day"),
        pins="",
        forbids="",
    )


@bp.post("/runs")
@requires("match")
def run() -> Any:
    """Solve for the area and day; the run (inputs, proposals, who asked) is recorded."""
    area = text_arg("area", "form") or ""
    check_area(area)
    as_of = day_arg("as_of", None, "Day", source="form")
    if as_of is None:
        raise InvalidField("as_of", "Day: give the day to match on.")
    pins = lines("pins_text") + request.form.getlist("pins")
    forbids = lines("forbids_text") + request.form.getlist("forbids")
    try:
        result = propose(hub_service(), area, as_of, pins, forbids, actor(), now().date())
    except InvalidValue as error:
        return invalid_run(area, as_of, pins, forbids, error)
    if wants_fragment():
        body = render_template("matching/_run.html", **run_context(result["run_id"]))
        return make_response(body, push_url=url_for(".show", run_id=result["run_id"]))
    return redirect(url_for(".show", run_id=result["run_id"]), 303)


# The run form's field for each field an InvalidValue of the matcher names (engine/errors.py).
RUN_FIELDS = {"pin": "pins_text", "forbid": "forbids_text"}


def invalid_run(area: str, as_of: Any, pins: list[str], forbids: list[str], error: InvalidValue) -> Any:
    """The run form again, as sent, with the field the error concerns marked and the error beside it."""
    context = dict(
        areas=my_areas(),
        area=area,
        as_of=as_of,
        pins="\n".join(pins),
        forbids="\n".join(forbids),
        invalid={"field": RUN_FIELDS.get(error.field, "pins_text"), "message": sentence(error)},
    )
    if wants_fragment():
        body = render_template("matching/_rerun_form.html", **context)
        return make_response(body, 422, retarget="#rerun", reswap="outerHTML")
    return render_template("matching/index.html", **context), 422


def run_context(run_id: str, stale: str | None = None) -> dict[str, Any]:
    """The run as the page shows it: proposals with names and their state, unmatched with reasons."""
    try:
        run = get_run(hub_service(), run_id)
    except CareerHubError:
        run = None
    if not isinstance(run, MatchRun):
        abort(404, description=f"No match run {run_id!r}.")
    check_area(run.area)
    view = run_view(run)
    schools = {s["urn"]: s["name"] for s in run.inputs["schools"]}
    advisers = {a["adviser_ref"]: a["name"] for a in run.inputs["advisers"]}
    proposals = [
        {
            **p,
            "name": schools.get(p["urn"], ""),
            "adviser_name": advisers.get(p["adviser_ref"], ""),
            "state": "accepted" if p["urn"] in view["accepted"] else "rejected" if p["urn"] in view["rejected"] else "open",
        }
        for p in view["proposals"]
    ]
    unmatched = [{**u, "name": schools.get(u["urn"], "")} for u in view["unmatched"]]
    return {
        "run": view,
        "proposals": proposals,
        "unmatched": unmatched,
        "stale": stale,
        "warnings": run_warnings(hub_service(), run, now().date()),
        "back_dated": run.as_of < now().date(),
        "open_count": sum(p["state"] == "open" for p in proposals),
        "pins": "\n".join("=".join(p) for p in run.inputs["pins"]),
        "forbids": "\n".join("=".join(p) for p in run.inputs["forbidden"]),
    }


@bp.get("/runs/<run_id>")
@requires("match")
def show(run_id: str) -> Any:
    return page_or_fragment("matching/run.html", "matching/_run.html", **run_context(run_id))


def stale_response(run_id: str, error: StaleRunError) -> Any:
    if wants_fragment():
        body = render_template("matching/_stale.html", stale=str(error), run={"run_id": run_id})
        return make_response(body, 409, retarget="#run-status", reswap="innerHTML")
    return render_template("matching/run.html", **run_context(run_id, stale=str(error))), 409


def after_change(run_id: str, urn: str | None, message: str) -> Any:
    """htmx swaps just the row (or the whole run after 'accept all'); without JS, back to the run."""
    if wants_fragment():
        context = run_context(run_id)
        if urn is None:
            return render_template("matching/_run.html", **context)
        row = next(p for p in context["proposals"] if p["urn"] == urn)
        return render_template("matching/_proposal_row.html", p=row, run=context["run"], message=message)
    flash(message)
    return redirect(url_for(".show", run_id=run_id), 303)


@bp.post("/runs/<run_id>/accept")
@requires("match")
def accept_pairs(run_id: str) -> Any:
    """Record the match for one row (urn given) or every open row; refused if the run went stale."""
    run_context(run_id)  # 404/403 before any write
    urn = text_arg("urn", "form")
    as_of_run = request.form.get("as_of_run") == "yes"
    try:
        view = accept(hub_service(), run_id, [urn] if urn else None, actor(), now().date(), as_of_run)
    except StaleRunError as error:
        return stale_response(run_id, error)
    since = f"valid from {view['matched_on']}" + (", the run's day, as you confirmed" if as_of_run else "")
    return after_change(
        run_id, urn, f"Accepted the match for {urn}, {since}." if urn else f"Accepted every open proposal, {since}."
    )


@bp.post("/runs/<run_id>/reject")
@requires("match")
def reject_pair(run_id: str) -> Any:
    run_context(run_id)
    urn = text_arg("urn", "form") or ""
    reject(hub_service(), run_id, urn, text_arg("reason", "form") or "", actor())
    return after_change(run_id, urn, f"Rejected the proposal for {urn}; later runs will not propose it again.")
