"""The coordinator's workbench: past runs, the adviser register with each adviser's history, and one
school's candidate advisers as the matcher would rank and exclude them on a day."""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.errors import CareerHubError
from matching.candidates import Candidate, candidates_for
from projections.queries import as_known, known_rows
from projections.workbench import adviser_register, list_runs, record_history
from service.hub import HubService
from service.matchruns import build_snapshot

__all__ = ["adviser_history", "adviser_register_of", "current_institution", "past_runs", "school_candidates"]


def past_runs(service: HubService, areas: list[str] | None = None) -> list[dict[str, Any]]:
    """The recorded matcher runs of the areas (all if None), newest first."""
    return list_runs(service.db, areas)


def adviser_register_of(service: HubService, area: str, day: date) -> list[dict[str, Any]]:
    """The advisers of an area (owned by it, or by no area) with their matches and availability on the day."""
    return adviser_register(service.db, area, day)


def adviser_history(service: HubService, adviser_ref: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The adviser as known now (None if retracted or unknown) and every logged event of its record."""
    found = known_rows(as_known(service.db, None), "advisers", "adviser_ref = ?", (adviser_ref,))
    return (found[0] if found else None), record_history(service.db, "advisers", adviser_ref)


def current_institution(service: HubService, urn: str) -> dict[str, Any] | None:
    """An institution as known now (None if unknown or retracted)."""
    found = known_rows(as_known(service.db, None), "institutions", "urn = ?", (urn,))
    return found[0] if found else None


def school_candidates(service: HubService, area: str, as_of: date, urn: str) -> tuple[Candidate, ...]:
    """The school's advisers on the day, from the snapshot a run would take: ranked by the matcher's score,
    or excluded by the hard rule the matcher applies. Refused for a school that is not waiting for an
    adviser that day (not engaged, or matched already)."""
    snapshot = build_snapshot(service, area, as_of)
    try:
        return candidates_for(snapshot, urn)
    except KeyError:
        raise CareerHubError(
            f"institution {urn} is not waiting for an adviser in {area} on {as_of.isoformat()}: "
            "it is not engaged with the EAN that day, or it has an adviser already"
        ) from None
