"""The school page: one institution's benchmarks over time, data owed, advisers, encounters, funding."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g

from engine.errors import CareerHubError
from engine.kinds import BENCHMARKS
from projections.audit import readable_by_hub
from projections.coverage import school_measured
from projections.queries import Known
from projections.school import latest_day_of, school_profile
from web.access import can, hub_service, now, requires
from web.forms import day_arg, moment_arg, moment_value
from web.htmx import page_or_fragment

bp = Blueprint("institution", __name__, url_prefix="/institution")
COLOURS = ("#1f4e9c", "#8a3b00", "#2e6b30", "#6a1b9a", "#b00020", "#00695c", "#5d4037", "#37474f")


def benchmarks_chart(assessments: list[dict[str, Any]]) -> dict[str, Any]:
    """chart.js configuration: each benchmark's percentage at each assessment (app.js draws it)."""
    return {
        "type": "line",
        "data": {
            "labels": [a["assessed_on"] for a in assessments],
            "datasets": [
                {
                    "label": f"BM{b}",
                    "data": [a["benchmarks"][b - 1] for a in assessments],
                    "borderColor": COLOURS[b - 1],
                    "backgroundColor": COLOURS[b - 1],
                    "borderWidth": 2,
                }
                for b in BENCHMARKS
            ],
        },
        "options": {"scales": {"y": {"min": 0, "max": 100, "title": {"display": True, "text": "% of the benchmark met"}}}},
    }


@bp.get("/<urn>")
@requires("dashboard")
def page(urn: str) -> Any:
    """One institution as of a day (default today), for the people of its hub or its area."""
    service = hub_service()
    if g.user.hub_id and not readable_by_hub(service.db, g.user.hub_id)({"urn": urn, "record_key": None, "kind": None}):
        abort(403, description=f"Institution {urn} has never been in hub {g.user.hub_id} or its area.")
    latest, today = latest_day_of(service.db, urn), now().date()
    as_of, known_at = day_arg("as_of", min(today, latest or today), "As of"), moment_arg("known_at", "Known at")
    try:
        profile = school_profile(service.db, urn, as_of, known_at)
    except CareerHubError as error:
        abort(404, description=str(error))
    measured = school_measured(Known(service.db, profile["log_position"]), urn, as_of)
    return page_or_fragment(
        "institution/page.html",
        "institution/_profile.html",
        p=profile,
        as_of=as_of,
        measured=measured,
        known_at=moment_value(known_at),
        chart=benchmarks_chart(profile["assessments"]),
        show_history=can("audit"),
        retractable=can("upload") and known_at is None,
    )
