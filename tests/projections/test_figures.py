"""The registry of figures is the report: every DATA.md §3 figure is declared once, sits where the
contract puts it, and `explain` lists exactly the institutions a counted figure counts."""

from __future__ import annotations

import pytest

from projections.explain import explain
from projections.figures import FIGURES
from projections.report import Query
from tests.projections.factories import HUB, World, d, funding, given_two_academic_years, institution

DATA_MD_FIGURES = [
    ("institutions",),
    ("assessed",),
    ("data_required",),
    ("average_benchmarks",),
    *(("fully_achieved_percent", str(b)) for b in range(1, 9)),
    ("ean", "engaged"),
    ("ean", "matched"),
    ("ean", "unmatched"),
    ("funding", "applications"),
    ("funding", "institutional_applicants"),
    ("funding", "approved"),
    ("funding", "amount_awarded"),
]


def at(report: dict, path: tuple[str, ...]):
    for key in path:
        report = report[key]
    return report


def test_every_figure_of_the_data_contract_is_declared_once():
    paths = [figure.path for figure in FIGURES.values()]
    assert sorted(paths) == sorted(DATA_MD_FIGURES)
    assert all(figure.label and figure.definition for figure in FIGURES.values())


@pytest.mark.parametrize("day", ["2019-08-31", "2019-12-31", "2020-02-15", "2020-08-31"])
def test_each_figure_sits_where_the_report_json_puts_it(world: World, day: str):
    given_two_academic_years(world)
    world.load("funding", funding("F1", "A", "2019-10-01", decision="approved", decided_on="2019-11-01", amount_awarded=500))
    report = world.service.report(Query(HUB, d(day)))
    as_json = report.to_json()
    assert {name: at(as_json, figure.path) for name, figure in FIGURES.items()} == report.figures


@pytest.mark.parametrize("name", [n for n, f in FIGURES.items() if f.explainable and f.unit == "count"])
def test_explain_lists_exactly_the_institutions_a_counted_figure_counts(world: World, name: str):
    given_two_academic_years(world)
    world.load("institutions", institution("C", hub_id="", hub_joined_on="", ean_joined_on="2019-09-01"), reason="engaged only")
    world.load("funding", funding("F1", "B", "2019-10-01"))
    query = Query(HUB, d("2020-02-15"))
    result = explain(world.db, query, name)
    assert result["value"] == len(result["institutions"])
    assert result["definition"] == FIGURES[name].definition
