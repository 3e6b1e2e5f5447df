"""The matcher's output: proposals, unmatched schools with reasons, and the objective."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Proposal:
    """A proposed (school, adviser) pair with its score and reasons in words."""

    urn: str
    adviser_ref: str
    distance_km: float
    score: float
    reasons: tuple[str, ...]
    pinned: bool = False
    score_parts: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Unmatched:
    """A school left without a proposal, and the true reason why."""

    urn: str
    reason: str
    code: str = ""


@dataclass(frozen=True)
class MatchResult:
    """Everything one run proposes, plus how the solver fared."""

    proposals: tuple[Proposal, ...]
    unmatched: tuple[Unmatched, ...]
    objective: dict[str, Any]
    optimal: bool
    solver: str
    status: str
    snapshot_digest: str = ""


def result_to_json(result: MatchResult) -> dict[str, Any]:
    """Return the DATA.md section 4 JSON object (plus solver, status, pinned, score_parts)."""
    return {
        "proposals": [
            {
                "urn": p.urn,
                "adviser_ref": p.adviser_ref,
                "distance_km": p.distance_km,
                "score": p.score,
                "reasons": list(p.reasons),
                "pinned": p.pinned,
                "score_parts": dict(p.score_parts),
            }
            for p in result.proposals
        ],
        "unmatched": [{"urn": u.urn, "reason": u.reason, "code": u.code} for u in result.unmatched],
        "objective": dict(result.objective),
        "optimal": result.optimal,
        "solver": result.solver,
        "status": result.status,
        "snapshot_digest": result.snapshot_digest,
    }
