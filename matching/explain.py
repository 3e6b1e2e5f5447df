"""Why a school is left unmatched: found by checking, never guessed.

A school without coordinates cannot be placed. Otherwise the advisers *in range* (with
coordinates, within their own travel limit) are examined one by one and each is counted
under the first hard rule that blocks it, in the words that rule carries; an adviser none
of them blocks was filled by other schools in the optimum (the validator checks that no
such adviser has room left).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from matching.geo import haversine_km_arrays
from matching.result import Unmatched
from matching.rules import FEASIBLE, Area, HardRule, Pairs, Wording

# An adviser in range that no rule keeps away was taken by schools the optimum put first.
_TAKEN = Wording(
    code="taken",
    only="only adviser in range was assigned to a higher-priority school",
    every="the {n} advisers in range were assigned to higher-priority schools",
    some="{k} assigned to higher-priority schools",
)


def _blocked_reason(codes: NDArray[np.int8], day: str, rules: Sequence[HardRule]) -> tuple[str, str]:
    """Name what keeps each of a school's advisers in range away: the rules in order, then competition."""
    wording = (_TAKEN, *(rule.unmatched for rule in rules))  # indexed by classify's codes
    counts = np.bincount(codes, minlength=len(wording))
    present = [k for k in (*range(1, len(wording)), FEASIBLE) if counts[k]]
    if len(present) == 1:
        w = wording[present[0]]
        return (w.only if len(codes) == 1 else w.every).format(n=len(codes), day=day), w.code
    parts = ", ".join(wording[k].some.format(k=counts[k], day=day) for k in present)
    return f"of the {len(codes)} advisers in range: {parts}", "mixed"


class _Located:
    """The advisers with coordinates, as arrays, for nearest-adviser sentences."""

    def __init__(self, area: Area) -> None:
        self.advisers = [a for a in area.advisers if a.latitude is not None and a.longitude is not None]
        self.missing = len(area.advisers) - len(self.advisers)
        self.lat = np.array([a.latitude for a in self.advisers], dtype=np.float64)
        self.lon = np.array([a.longitude for a in self.advisers], dtype=np.float64)

    def out_of_range_reason(self, lat: float, lon: float) -> str:
        if not self.advisers:
            return "no adviser within travel limits (no adviser has coordinates recorded)"
        n = len(self.advisers)
        d = haversine_km_arrays(np.full(n, lat), np.full(n, lon), self.lat, self.lon)
        k = int(np.argmin(d))
        reason = (
            f"no adviser within travel limits (the nearest is {d[k]:.1f} km away "
            f"and travels up to {self.advisers[k].max_travel_km:g} km)"
        )
        if self.missing:
            plural = "s" if self.missing != 1 else ""
            reason += f"; {self.missing} adviser{plural} without recorded coordinates could not be considered"
        return reason


def explain_unmatched(
    area: Area,
    pairs: Pairs,
    codes: NDArray[np.int8],
    matched: NDArray[np.bool_],
    rules: Sequence[HardRule],
) -> tuple[Unmatched, ...]:
    """Return an Unmatched with a true, specific reason for every school not matched."""
    day = area.snapshot.as_of.isoformat()
    located: _Located | None = None
    out = []
    for i in np.flatnonzero(~matched):
        school = area.schools[i]
        if school.latitude is None or school.longitude is None:
            out.append(Unmatched(school.urn, "no coordinates recorded for this school", "no_school_coordinates"))
            continue
        lo, hi = np.searchsorted(pairs.school, [i, i + 1])
        if lo == hi:
            located = located or _Located(area)
            reason = located.out_of_range_reason(school.latitude, school.longitude)
            out.append(Unmatched(school.urn, reason, "out_of_range"))
            continue
        reason, code = _blocked_reason(codes[lo:hi], day, rules)
        out.append(Unmatched(school.urn, reason, code))
    return tuple(out)


def solver_failed(area: Area, matched: NDArray[np.bool_], status: str) -> tuple[Unmatched, ...]:
    """Return the reason for every unmatched school when the solver found no optimum."""
    reason = f"the solver stopped without an optimal answer (status {status}); nothing proposed"
    return tuple(Unmatched(area.schools[i].urn, reason, "solver_failed") for i in np.flatnonzero(~matched))
