"""Match quality: a score out of ~100 points in named parts, each explainable in a sentence.

Parts (weights in config/matching.py):
- travel: shorter journeys score more (linear to 0 at the adviser's own travel limit);
- benchmark fit: the school's shortfall on the weakest Gatsby benchmark that the adviser's
  employer sector or skills help with (a school at 40 % on benchmark 6 gains most from an
  employer that offers workplace experiences);
- kind: priority of SEND/special and alternative provision (and colleges), plus a bonus when
  one of the adviser's skills suits that kind;
- waiting: time since the school joined the EAN.
The parts are computed for many pairs at once with numpy; reasons are written for the few
pairs that are proposed, from the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matching.schema import KINDS, Adviser, School, Weights

PART_NAMES = ("travel", "benchmark_fit", "kind", "waiting")
UNITS_PER_POINT = 100  # integer costs: a hundredth of a point is the finest distinction

_KIND_NOUN = {
    "school": "school",
    "college": "college",
    "special": "special school",
    "alternative_provision": "alternative provision",
    "independent": "independent school",
}


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


class TextMatcher:
    """Matches sectors and skills (whole words, any case) against the weights' tables.

    Advisers share few distinct sector and skill texts, so each text is matched once per
    matcher; build one per solve.
    """

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        self._sector = [(_words(p), bms) for p, bms in weights.sector_benchmarks]
        self._skill = [(_words(p), bms) for p, bms in weights.skill_benchmarks]
        self._kind = {k: [_words(p) for p in ps] for k, ps in weights.kind_skills}
        self._memo: dict[tuple[str, str], tuple[int, ...]] = {}
        self._suits: dict[tuple[str, str], bool] = {}

    def _hits(self, table: str, text: str) -> tuple[int, ...]:
        key = (table, text)
        if key not in self._memo:
            words = _words(text)
            rows = self._sector if table == "sector" else self._skill
            self._memo[key] = tuple(b for phrase, bms in rows if phrase in words for b in bms)
        return self._memo[key]

    def benchmark_sources(self, adviser: Adviser) -> dict[int, str]:
        """Return, per benchmark 1-8 the adviser helps with, a label saying why (first wins)."""
        found: dict[int, str] = {}
        if adviser.sector:
            for b in self._hits("sector", adviser.sector):
                found.setdefault(b, f"{adviser.sector} employer")
        for skill in adviser.skills:
            for b in self._hits("skill", skill):
                found.setdefault(b, f"'{skill}' skill")
        if adviser.employer or adviser.sector:
            for b in self.weights.employer_benchmarks:
                found.setdefault(b, f"employer ({adviser.employer or adviser.sector})")
        return {b: found[b] for b in sorted(found) if 1 <= b <= 8}

    def kind_skill(self, adviser: Adviser, kind: str) -> str | None:
        """Return the first of the adviser's skills that suits this institution kind, if any."""
        for skill in adviser.skills:
            key = (skill, kind)
            if key not in self._suits:
                words = _words(skill)
                self._suits[key] = any(p in words for p in self._kind.get(kind, ()))
            if self._suits[key]:
                return skill
        return None


@dataclass(frozen=True)
class Tables:
    """Per-school and per-adviser numbers that pair scores are built from."""

    shortfall: NDArray[np.float64]  # schools x 8, 0..1
    kind_priority: NDArray[np.float64]  # schools
    kind: NDArray[np.int64]  # schools, index into KINDS
    waiting: NDArray[np.float64]  # schools, 0..1
    helps: NDArray[np.bool_]  # advisers x 8
    suits_kind: NDArray[np.bool_]  # advisers x len(KINDS)
    max_travel_km: NDArray[np.float64]  # advisers


def build_tables(
    schools: tuple[School, ...],
    advisers: tuple[Adviser, ...],
    w: Weights,
    text: TextMatcher | None = None,
) -> Tables:
    """Turn the schools, advisers and weights into the arrays pair scores need."""
    text = text or TextMatcher(w)
    priorities = dict(w.kind_priorities)
    shortfall = np.array(
        [[(100 - b) / 100 for b in s.benchmarks] if s.benchmarks is not None else [w.unassessed_shortfall] * 8 for s in schools],
        dtype=np.float64,
    ).reshape(len(schools), 8)
    helps = np.zeros((len(advisers), 8), dtype=np.bool_)
    suits = np.zeros((len(advisers), len(KINDS)), dtype=np.bool_)
    for j, a in enumerate(advisers):
        for b in text.benchmark_sources(a):
            helps[j, b - 1] = True
        for k, kind in enumerate(KINDS):
            suits[j, k] = text.kind_skill(a, kind) is not None
    return Tables(
        shortfall=shortfall,
        kind_priority=np.array([priorities.get(s.kind, 0.0) for s in schools], dtype=np.float64),
        kind=np.array([KINDS.index(s.kind) for s in schools], dtype=np.int64),
        waiting=np.array(
            [min(s.waiting_days, w.waiting_full_days) / w.waiting_full_days for s in schools],
            dtype=np.float64,
        ),
        helps=helps,
        suits_kind=suits,
        max_travel_km=np.array([a.max_travel_km for a in advisers], dtype=np.float64),
    )


def score_parts(
    t: Tables,
    w: Weights,
    school: NDArray[np.int64],
    adviser: NDArray[np.int64],
    distance_km: NDArray[np.float64],
) -> dict[str, NDArray[np.float64]]:
    """Return each named part's points for the given pairs (all >= 0)."""
    limit = t.max_travel_km[adviser]
    closeness = np.where(limit > 0, 1.0 - distance_km / np.where(limit > 0, limit, 1.0), 1.0)
    fit = (t.shortfall[school] * t.helps[adviser]).max(axis=1) if len(school) else np.zeros(0)
    suits = t.suits_kind[adviser, t.kind[school]] if len(school) else np.zeros(0, np.bool_)
    return {
        "travel": w.travel * np.clip(closeness, 0.0, 1.0),
        "benchmark_fit": w.benchmark_fit * fit,
        "kind": w.kind_priority * t.kind_priority[school] + w.kind_fit * suits,
        "waiting": w.waiting * t.waiting[school],
    }


def to_units(parts: dict[str, NDArray[np.float64]]) -> NDArray[np.int64]:
    """Return total quality in integer units (hundredths of a point), rounded once."""
    total = parts["travel"] + parts["benchmark_fit"] + parts["kind"] + parts["waiting"]
    return np.rint(total * UNITS_PER_POINT).astype(np.int64)


def _waited(days: int) -> str:
    if days < 31:
        return f"waiting {days} day{'s' if days != 1 else ''} since joining the EAN"
    months = int(days / 30.4375)
    if months < 24:
        return f"waiting {months} month{'s' if months != 1 else ''} since joining the EAN"
    return f"waiting {months // 12} years since joining the EAN"


def reasons(school: School, adviser: Adviser, distance_km: float, text: TextMatcher) -> tuple[str, ...]:
    """Explain a proposed pair in words, one sentence per part that scored."""
    w = text.weights
    noun = _KIND_NOUN[school.kind]
    out = []
    if school.disadvantaged:
        out.append("disadvantaged school: matched first")
    out.append(f"{distance_km:.1f} km away (adviser travels up to {adviser.max_travel_km:g} km)")
    sources = text.benchmark_sources(adviser)
    if sources and w.benchmark_fit > 0:
        benchmarks = school.benchmarks
        if benchmarks is None:
            b = min(sources)
            out.append(f"{sources[b]} helps with benchmark {b}; no Compass assessment recorded yet")
        else:
            b = min(sources, key=lambda x: (benchmarks[x - 1], x))
            out.append(f"{sources[b]} for a {noun} at {benchmarks[b - 1]} % on benchmark {b}")
    if dict(w.kind_priorities).get(school.kind, 0.0) > 0 and w.kind_priority > 0:
        out.append(f"{noun}: a priority kind of institution")
    skill = text.kind_skill(adviser, school.kind)
    if skill is not None and w.kind_fit > 0:
        out.append(f"'{skill}' suits a {noun}")
    if w.waiting > 0:
        out.append(_waited(school.waiting_days))
    return tuple(out)
