"""Every figure of the hub report, declared once: its name, label, definition (DATA.md §3), where it
sits in the report JSON, which institutions it counts and their value (what `explain` lists), and how
the figure is computed from them. The report, explain, compare, the board, the text tables and the
web labels all read this registry; a new figure is one entry here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from engine.kinds import BENCHMARKS

Standing = dict[str, Any]  # one institution on the day: see projections/institutions.py
# The hub's funding applications made on or before the day, counted where they are kept (a nation's history
# holds some 11,000, which cost more to fetch than to count): each count's SQL over rm_funding, `?` the day.
# Each is a COUNT or a SUM, so counts of groups add up (projections/institutions.py funding_applied).
APPROVED_BY_THE_DAY = "decision = 'approved' AND decided_on <= ?"
FUNDING_COUNTS = {
    "applications": "COUNT(*)",
    "approved": f"SUM(CASE WHEN {APPROVED_BY_THE_DAY} THEN 1 ELSE 0 END)",
    "amount_awarded": f"SUM(CASE WHEN {APPROVED_BY_THE_DAY} THEN COALESCE(amount_awarded, 0) ELSE 0 END)",
}
NO_APPLICATIONS = dict.fromkeys(FUNDING_COUNTS, 0)


@dataclass(frozen=True)
class Facts:
    """What the figures are computed from: each member's and engaged institution's standing on the
    day, and the FUNDING_COUNTS of the hub's applications made on or before it. Each subset of the
    standings is found once: a report's figures ask for them some forty times."""

    day: date
    standings: list[Standing]
    funding: dict[str, Any]

    @cached_property
    def members(self) -> list[Standing]:
        return [s for s in self.standings if s["member"]]

    @cached_property
    def assessed(self) -> list[Standing]:
        return [s for s in self.members if s["latest_assessed_on"]]

    @cached_property
    def engaged(self) -> list[Standing]:
        return [s for s in self.standings if s["engaged"]]


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    definition: str
    path: tuple[str, ...]  # where the report JSON holds it
    compute: Callable[[Facts], Any]
    counts: Callable[[Standing], bool] | None = None  # the institutions behind it (None: not per institution)
    value: Callable[[Standing], Any] | None = None  # each one's value, where it has one
    unit: str = "count"  # count | mean | percent | money

    @property
    def explainable(self) -> bool:
        return self.counts is not None


def is_member(s: Standing) -> bool:
    return bool(s["member"])


def is_assessed(s: Standing) -> bool:
    return bool(s["member"] and s["latest_assessed_on"])


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def share_fully_achieving(benchmark: int) -> Callable[[Facts], float | None]:
    def compute(facts: Facts) -> float | None:
        assessed = facts.assessed
        if not assessed:
            return None
        return 100 * sum(s["benchmarks"][benchmark - 1] == 100 for s in assessed) / len(assessed)

    return compute


def benchmark_value(benchmark: int) -> Callable[[Standing], Any]:
    return lambda s: s["benchmarks"][benchmark - 1]


BENCHMARK_NAMES = {
    1: "A stable careers programme",
    2: "Learning from career and labour market information",
    3: "Addressing the needs of each pupil",
    4: "Linking curriculum learning to careers",
    5: "Encounters with employers and employees",
    6: "Experiences of workplaces",
    7: "Encounters with further and higher education",
    8: "Personal guidance",
}

FIGURES: dict[str, Figure] = {
    f.name: f
    for f in (
        Figure("institutions", "Hub members", "hub members on the day", ("institutions",), lambda f: len(f.members), is_member),
        Figure(
            "assessed",
            "Members assessed",
            "hub members with an assessment on or before the day",
            ("assessed",),
            lambda f: len(f.assessed),
            is_assessed,
        ),
        Figure(
            "average_benchmarks",
            "Average number of Gatsby benchmarks fully achieved",
            "mean over assessed members of the number of benchmarks at 100 %",
            ("average_benchmarks",),
            lambda f: mean([s["benchmarks_achieved"] for s in f.assessed]),
            is_assessed,
            lambda s: s["benchmarks_achieved"],
            unit="mean",
        ),
        *(
            Figure(
                f"bm{b}_percent",
                f"Benchmark {b} ({BENCHMARK_NAMES[b]}): % fully achieved",
                f"100 × assessed members with benchmark {b} at 100 % / assessed members",
                ("fully_achieved_percent", str(b)),
                share_fully_achieving(b),
                is_assessed,
                benchmark_value(b),
                unit="percent",
            )
            for b in BENCHMARKS
        ),
        Figure(
            "data_required",
            "Data still required",
            "hub members whose latest assessment is older than the term, or who have none",
            ("data_required",),
            lambda f: sum(s["data_required"] for s in f.standings),
            lambda s: bool(s["data_required"]),
        ),
        Figure(
            "engaged",
            "Engaged with the Enterprise Adviser Network",
            "institutions of the hub's area engaged with the EAN on the day",
            ("ean", "engaged"),
            lambda f: len(f.engaged),
            lambda s: bool(s["engaged"]),
        ),
        Figure(
            "matched",
            "Matched with an Enterprise Adviser",
            "engaged institutions with an active match on the day",
            ("ean", "matched"),
            lambda f: sum(s["matched"] for s in f.engaged),
            lambda s: bool(s["engaged"] and s["matched"]),
        ),
        Figure(
            "unmatched",
            "Not yet matched",
            "engaged institutions without an active match",
            ("ean", "unmatched"),
            lambda f: sum(not s["matched"] for s in f.engaged),
            lambda s: bool(s["engaged"] and not s["matched"]),
        ),
        Figure(
            "applications",
            "Funding applications",
            "the hub's funding applications applied on or before the day",
            ("funding", "applications"),
            lambda f: f.funding["applications"],
        ),
        Figure(
            "institutional_applicants",
            "Members that applied for institutional funding",
            "hub members with an institutional funding application on or before the day",
            ("funding", "institutional_applicants"),
            lambda f: sum(s["funding_applied"] for s in f.members),
            lambda s: bool(s["member"] and s["funding_applied"]),
        ),
        Figure(
            "approved",
            "Funding applications approved",
            "approved applications decided on or before the day",
            ("funding", "approved"),
            lambda f: f.funding["approved"],
        ),
        Figure(
            "amount_awarded",
            "Amount awarded",
            "sum awarded by approved applications decided on or before the day",
            ("funding", "amount_awarded"),
            lambda f: f.funding["amount_awarded"] or 0,  # 0, not 0.0, when nothing was awarded
            unit="money",
        ),
    )
}


def compute_figures(facts: Facts) -> dict[str, Any]:
    return {name: figure.compute(facts) for name, figure in FIGURES.items()}


def place(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures nested as the report JSON holds them (DATA.md §3), in registry order."""
    nested: dict[str, Any] = {}
    for name, figure in FIGURES.items():
        *parents, leaf = figure.path
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = figures[name]
    return nested
