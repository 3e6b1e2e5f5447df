"""The matcher's quality weights, declared once (points out of 100 for a perfect pair).

Imports nothing of careerhub's. matching.weights.Weights is this dataclass plus its checks,
and snapshots serialise it field by field from the types declared here, so a new weight is
one field below and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

# A number of points in the score; the matcher requires every field declared so to be finite and >= 0.
Points = Annotated[float, "points"]


@dataclass(frozen=True)
class MatchingWeights:
    """How much each named part of a pair's quality is worth, and the tables behind them."""

    # Points for a pair 0 km apart, falling linearly to 0 at the adviser's own travel limit.
    travel: Points = 30.0
    # Points x the school's shortfall (100 - percent) / 100 on the weakest benchmark the
    # adviser's employer sector or skills help with.
    benchmark_fit: Points = 35.0
    # Points x the kind's priority (SEND and alternative provision need an adviser most).
    kind_priority: Points = 5.0
    # Points when one of the adviser's skills suits the institution's kind.
    kind_fit: Points = 10.0
    # Points for waiting `waiting_full_days` or longer since joining the EAN, linear before.
    waiting: Points = 20.0
    waiting_full_days: int = 365
    # Shortfall assumed on every benchmark of a school with no Compass assessment yet.
    unassessed_shortfall: float = 0.5
    # Any adviser with an employer offers encounters with employers (benchmark 5).
    employer_benchmarks: tuple[int, ...] = (5,)
    # Sectors (whole words in the adviser's sector) and the benchmarks they help with:
    # sectors with workplaces pupils can visit also serve benchmark 6.
    sector_benchmarks: tuple[tuple[str, tuple[int, ...]], ...] = (
        ("engineering", (5, 6)),
        ("manufacturing", (5, 6)),
        ("construction", (5, 6)),
        ("health", (5, 6)),
        ("healthcare", (5, 6)),
        ("nhs", (5, 6)),
        ("hospitality", (5, 6)),
        ("retail", (5, 6)),
        ("logistics", (5, 6)),
        ("energy", (5, 6)),
        ("public sector", (5, 6)),
        ("digital", (4, 5)),
        ("technology", (4, 5)),
        ("finance", (2, 5)),
        ("education", (7,)),
    )
    # Skills (whole words in one of the adviser's skills) and the benchmarks they help with.
    skill_benchmarks: tuple[tuple[str, tuple[int, ...]], ...] = (
        ("careers strategy", (1,)),
        ("strategy", (1,)),
        ("leadership", (1,)),
        ("governance", (1,)),
        ("labour market information", (2,)),
        ("lmi", (2,)),
        ("send", (3,)),
        ("mentoring", (3, 8)),
        ("stem", (4,)),
        ("curriculum", (4,)),
        ("enterprise", (5,)),
        ("careers talks", (5,)),
        ("interview practice", (5, 8)),
        ("work experience", (6,)),
        ("workplace visits", (6,)),
        ("apprenticeships", (7,)),
        ("higher education", (7,)),
        ("cv writing", (8,)),
    )
    # Priority of each institution kind, 0..1 (kinds not listed: 0).
    kind_priorities: tuple[tuple[str, float], ...] = (
        ("special", 1.0),
        ("alternative_provision", 1.0),
        ("college", 0.5),
    )
    # Skills (whole words) that suit an institution kind.
    kind_skills: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("special", ("send", "special educational needs", "disability")),
        ("alternative_provision", ("mentoring", "youth work", "send")),
        ("college", ("apprenticeships", "technical education", "higher education")),
    )


DEFAULT_WEIGHTS = MatchingWeights()
