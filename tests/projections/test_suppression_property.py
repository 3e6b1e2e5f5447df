"""Property: whatever a hub's schools, clusters and year groups, what its views of measured coverage show
(the hub's and each cluster's: every benchmark's total and every school year group) gives away no
suppressed figure. Each shown total is an equation over its cells; the cells of a year group hold the
same learners for every benchmark that measures it. An attacker who has every view can solve those
equations: no suppressed count may be fixed by them (exact rank test, numpy), and in particular no total
is shown with exactly one of its cells suppressed (the subtraction the rule is named for)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import event, given, settings
from hypothesis import strategies as st

from projections.coverage import gap_message, share, view_of

YEARS = {5: (9, 10, 11), 6: (10, 11)}  # BM5 measures more year groups than BM6: their totals overlap


@st.composite
def hubs(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, str | None], int]:
    """A hub's school rows (benchmarks 5 and 6) as school_coverage gives them, its clusters, the minimum."""
    minimum = draw(st.sampled_from((3, 5)))
    schools = draw(st.integers(1, 6))
    clusters = {f"U{i}": draw(st.sampled_from((None, "east", "west"))) for i in range(schools)}
    small_or_not = st.one_of(st.integers(1, minimum + 2), st.integers(1, 40))
    cohorts = {}
    for urn in clusters:
        for year in draw(st.sets(st.sampled_from(YEARS[5]), min_size=1)):
            learners = draw(small_or_not)
            cohorts[urn, year] = (learners, draw(st.integers(0, learners)))
    rows = []
    for b, years in YEARS.items():
        for (urn, year), (learners, disadvantaged) in sorted(cohorts.items()):
            if year in years:
                dis_reached = draw(st.integers(0, disadvantaged))
                reached = draw(st.integers(dis_reached, dis_reached + learners - disadvantaged))
                rows.append(
                    {
                        "urn": urn,
                        "benchmark": b,
                        "year_group": year,
                        **share(learners, reached),
                        "disadvantaged": share(disadvantaged, dis_reached),
                        "definition": "2014",
                        "self_assessed_percent": 100,
                        "gap": reached < learners,
                    }
                )
    for r in rows:
        r["message"] = gap_message(r)
    return rows, clusters, minimum


FIGURES = (("learners", lambda f: f), ("disadvantaged", lambda f: f["disadvantaged"]))


def views(rows: list[dict[str, Any]], clusters: dict[str, str | None], minimum: int):
    for cluster in (None, *sorted({c for c in clusters.values() if c})):
        yield view_of(rows, clusters, cluster, minimum, list(YEARS))


def given_away(rows: list[dict[str, Any]], clusters: dict[str, str | None], minimum: int) -> list[tuple]:
    """The suppressed counts that the equations of every view fix: (figure, count, cell)."""
    found = []
    for name, pick in FIGURES:
        for count in ("learners", "reached"):
            # a learner count is one number per school year group; a reached count one per benchmark too
            def variable(b: int, r: dict[str, Any], count: str = count) -> tuple:
                return (r["urn"], r["year_group"]) if count == "learners" else (b, r["urn"], r["year_group"])

            equations, hidden = [], set()
            for totals, shown in views(rows, clusters, minimum):
                for b in YEARS:
                    cells = [r for r in shown if r["benchmark"] == b]
                    hidden |= {variable(b, r) for r in cells if pick(r)["suppressed"]}
                    if cells and not pick(totals[str(b)])["suppressed"]:
                        equations.append({variable(b, r) for r in cells if pick(r)["suppressed"]})
            unknowns = sorted(hidden)
            if not unknowns:
                continue
            matrix = np.array([[1.0 if u in eq else 0.0 for u in unknowns] for eq in equations] or [[0.0] * len(unknowns)])
            rank = np.linalg.matrix_rank(matrix)
            for i, u in enumerate(unknowns):
                unit = np.eye(len(unknowns))[i]
                if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
                    found.append((name, count, u))
    return found


@settings(max_examples=400, deadline=None)
@given(hubs())
def test_no_suppressed_count_follows_from_the_shown_ones(hub):
    rows, clusters, minimum = hub
    assert given_away(rows, clusters, minimum) == []


@settings(max_examples=200, deadline=None)
@given(hubs())
def test_no_shown_total_has_exactly_one_suppressed_cell_and_no_small_figure_is_shown(hub):
    rows, clusters, minimum = hub
    withheld = 0
    for totals, shown in views(rows, clusters, minimum):
        for b in YEARS:
            for _name, pick in FIGURES:
                cells = [pick(r) for r in shown if r["benchmark"] == b]
                hidden = sum(f["suppressed"] for f in cells)
                assert pick(totals[str(b)])["suppressed"] or hidden != 1
                withheld += sum(f["learners"] == "withheld" for f in cells)
                for f in [*cells, pick(totals[str(b)])]:
                    assert f["suppressed"] or not 0 < f["learners"] < minimum
                    assert not f["suppressed"] or f["learners"] in (f"<{minimum}", "withheld")
            for r in shown:  # a suppressed year group shows nothing of its disadvantaged learners either
                assert not r["suppressed"] or r["disadvantaged"]["suppressed"]
    event("some figure withheld" if withheld else "nothing withheld")
