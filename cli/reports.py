"""The hub lead's and the auditor's reports."""

from __future__ import annotations

from datetime import date

import click

from cli.common import ACADEMIC_YEAR, DAY, KNOWN_AT, MOMENT, echo_json, echo_table, with_service
from cli.text import board_text, compare_text, national_text, series_text
from config.calendar import parse_academic_year
from projections.board import board, series_with_forecast
from projections.compare import compare_known_at
from projections.coverage import measured_coverage
from projections.evidence import encounter_evidence
from projections.explain import EXPLAINABLE
from projections.explain import explain as explain_figure
from projections.forecast import latest_assessment_day
from projections.queries import Known, as_known
from projections.report import Query, all_hub_reports
from service.hub import HubService

DEFINITIONS = click.option(
    "--definitions",
    default=None,
    metavar="NAME",
    help="Measure coverage under these benchmark definitions (e.g. 2025) rather than those in force.",
)


def year_end(academic_year: str) -> date:
    return date(parse_academic_year(academic_year) + 1, 8, 31)


def with_measured(rows: list[dict], coverage: dict) -> list[dict]:
    """Evidence rows with each school's measured coverage; a gap is a flag too."""
    by_urn: dict[str, list[dict]] = {}
    for row in coverage["institutions"]:
        by_urn.setdefault(row["urn"], []).append(row)
    return [
        {
            **r,
            "measured": by_urn.get(r["urn"], []),
            "flags": r["flags"]
            + [
                {"benchmark": m["benchmark"], "kind": "measured_coverage", "year_group": m["year_group"], "message": m["message"]}
                for m in by_urn.get(r["urn"], [])
                if m["gap"]
            ],
        }
        for r in rows
    ]


def default_forecast_day(service: HubService, years: list[str]) -> date:
    """The last day with data in the series: today, or the last assessment in the last year listed."""
    year_end = date(parse_academic_year(years[-1]) + 1, 8, 31)
    return min(date.today(), year_end, latest_assessment_day(service.db, year_end) or year_end)


@click.command()
@click.option("--hub", "hub_id", required=True, help="Hub id, e.g. dorset.")
@click.option("--as-of", type=DAY, default=None, help="Valid time: the state at the end of this day (default today).")
@KNOWN_AT
@click.option(
    "--compare-known-at",
    "compare_at",
    type=MOMENT,
    default=None,
    help="Show what changed between --known-at and this moment, institution by institution.",
)
@click.option("--cluster", default=None, help="Only this cluster's institutions.")
@click.option("--cohort-as-of", type=DAY, default=None, help="Members as of this day, their state as of --as-of.")
@click.option(
    "--terms",
    multiple=True,
    type=ACADEMIC_YEAR,
    help="Figures at each term end of these academic years, with a forecast (repeatable; or several after one flag).",
)
@DEFINITIONS
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.argument("more_terms", nargs=-1, type=ACADEMIC_YEAR, metavar="")
@with_service
def report(
    service: HubService, hub_id, as_of, known_at, compare_at, cluster, cohort_as_of, terms, definitions, fmt, more_terms
) -> None:
    """The hub report (DATA.md §3) as of a day, as known at a moment; or a term-end series."""
    years = [*terms, *more_terms]
    as_of = as_of or (default_forecast_day(service, years) if years else date.today())
    query = Query(hub_id, as_of, known_at, cluster, cohort_as_of)
    if years:
        result = series_with_forecast(service.db, hub_id, years, as_of, known_at, cluster)
        click.echo(series_text(result)) if fmt == "text" else echo_json(result)
    elif compare_at:
        result = compare_known_at(service.db, query, known_at, compare_at)
        click.echo(compare_text(result)) if fmt == "text" else echo_json(result)
    elif fmt == "json":
        hub_report = service.report(query)
        echo_json(
            {
                **hub_report.to_json(),
                "measured_coverage": measured_coverage(
                    Known(service.db, hub_report.log_position),
                    hub_id,
                    as_of,
                    definitions,
                    cluster,
                    service.settings.minimum_learners,
                ),
            }
        )
    else:
        click.echo(board_text(board(service.db, query)))
        coverage = measured_coverage(
            as_known(service.db, known_at), hub_id, as_of, definitions, cluster, service.settings.minimum_learners
        )
        if coverage["institutions"]:
            click.echo(
                f"\nMeasured coverage {coverage['academic_year']} (no figure from fewer than "
                f"{coverage['minimum_learners']} learners):"
            )
            for row in coverage["institutions"]:
                click.echo(f"  {row['urn']} {row['name']}: {row['message']}" + ("  [gap]" if row["gap"] else ""))


@click.command()
@click.option("--as-of", type=DAY, default=None, help="Valid time: the state at the end of this day (default today).")
@KNOWN_AT
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_service
def national(service: HubService, as_of, known_at, fmt) -> None:
    """Every hub's report (DATA.md §3) as of a day, as known at a moment, side by side: each fact is read
    once for all hubs."""
    as_of = as_of or date.today()
    reports = all_hub_reports(service.db, as_of, known_at)
    if fmt == "text":
        click.echo(national_text(reports, as_of))
    else:
        echo_json(
            {
                "as_of": as_of.isoformat(),
                "known_at": known_at.isoformat() if known_at else None,
                "hubs": [r.to_json() for r in reports],
            }
        )


@click.command()
@click.option("--hub", "hub_id", required=True)
@click.option("--as-of", type=DAY, required=True)
@KNOWN_AT
@click.option("--cluster", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@click.argument("figure", type=click.Choice(EXPLAINABLE))
@with_service
def explain(service: HubService, hub_id, as_of, known_at, cluster, fmt, figure) -> None:
    """The institutions and the exact events behind one FIGURE of the report."""
    result = explain_figure(service.db, Query(hub_id, as_of, known_at, cluster), figure)
    if fmt == "json":
        echo_json(result)
        return
    click.echo(
        f"{figure} = {result['value']} ({result['definition']}), as of {as_of}"
        + (f", as known at {known_at.isoformat()}" if known_at else "")
    )
    for inst in result["institutions"]:
        value = f" value={inst['value']}" if "value" in inst else ""
        click.echo(f"\n{inst['urn']} {inst['name']}{value}")
        for e in inst["events"]:
            click.echo(
                f"  #{e['nid']} {e['kind']} {e['event']} {e['record_key']} recorded {e['recorded_at']} by {e['actor']}"
                + (f" ({e['reason']})" if e["reason"] else "")
                + (f" from {e['source']}" if e["source"] else "")
            )


@click.command()
@click.option("--hub", "hub_id", required=True)
@click.option("--year", "academic_year", required=True, type=ACADEMIC_YEAR)
@KNOWN_AT
@click.option("--flagged-only", is_flag=True, help="Only institutions with a flag.")
@DEFINITIONS
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_service
def evidence(service: HubService, hub_id, academic_year, known_at, flagged_only, definitions, fmt) -> None:
    """Encounters per hub member in an academic year, with flags where a self-assessed 100 % on
    benchmark 5 or 6 has no recorded encounter of that kind for some year group, and the coverage
    measured from learner records (as of the year's end) beside the self-assessment."""
    rows = with_measured(
        encounter_evidence(service.db, hub_id, academic_year, known_at),
        measured_coverage(
            as_known(service.db, known_at), hub_id, year_end(academic_year), definitions, None, service.settings.minimum_learners
        ),
    )
    if flagged_only:
        rows = [r for r in rows if r["flags"]]
    if fmt == "json":
        echo_json(rows)
        return
    table = [
        {
            "urn": r["urn"],
            "name": r["name"],
            **{
                k: f"{v['encounters']} ({v['students']} students; years {','.join(map(str, v['year_groups']))})"
                for k, v in r["by_kind"].items()
            },
            "flags": "; ".join(f["message"] for f in r["flags"]),
            "measured": "; ".join(m["message"] + (" [gap]" if m["gap"] else "") for m in r["measured"]),
        }
        for r in rows
    ]
    echo_table(
        table,
        [
            "urn",
            "name",
            "employer_encounter",
            "workplace_experience",
            "fe_he_encounter",
            "personal_guidance",
            "flags",
            "measured",
        ],
    )
