"""The hub lead's and the auditor's reports."""
from __future__ import annotations

import click

from cli.common import DAY, MOMENT, echo_json, with_service
from projections.report import Query
from service.hub import HubService


@click.command()
@click.option("--hub", "hub_id", required=True, help="Hub id, e.g. dorset.")
@click.option("--as-of", type=DAY, required=True, help="Valid time: the state of the world at the end of this day.")
@click.option("--known-at", type=MOMENT, default=None, help="Record time: only what had been recorded by then.")
@click.option("--cluster", default=None, help="Only this cluster's institutions.")
@click.option("--cohort-as-of", type=DAY, default=None, help="Members as of this day, their state as of --as-of.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
@with_service
def report(service: HubService, hub_id, as_of, known_at, cluster, cohort_as_of, fmt) -> None:
    """The hub report (DATA.md §3) as of a day, as known at a moment."""
    figures = service.report(Query(hub_id, as_of, known_at, cluster, cohort_as_of))
    echo_json(figures)


@click.command()
@with_service
def explain(service: HubService) -> None:
    """Explain a figure."""
