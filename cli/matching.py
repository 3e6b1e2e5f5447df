"""`careerhub match`: propose pairs, then accept or reject them; every step is an event."""

from __future__ import annotations

from datetime import date

import click

from cli.common import DAY, echo_json, echo_table, with_service
from service import matchruns
from service.hub import HubService


def show_run(view: dict, fmt: str) -> None:
    if fmt == "json":
        echo_json(view)
        return
    optimal = "proven optimal" if view["optimal"] else f"NOT proven optimal ({view['status']})"
    click.echo(f"run {view['run_id']}: {view['area']} as of {view['as_of']}, {len(view['proposals'])} proposals, {optimal}")
    if view["proposals"]:
        echo_table(
            [
                {
                    **p,
                    "reasons": "; ".join(p["reasons"]),
                    "distance_km": f"{p['distance_km']:.1f}",
                    "score": f"{p['score']:.1f}",
                    "status": "accepted" if p["urn"] in view["accepted"] else "rejected" if p["urn"] in view["rejected"] else "",
                }
                for p in view["proposals"]
            ],
            ["urn", "adviser_ref", "distance_km", "score", "status", "reasons"],
        )
    if view["unmatched"]:
        click.echo("\nLeft unmatched:")
        echo_table(view["unmatched"], ["urn", "reason"])
    for warning in view.get("warnings", ()):
        click.echo(f"\nWarning: {warning}")


@click.group(invoke_without_command=True)
@click.option("--area", default=None, help="The EAN area, e.g. Dorset.")
@click.option("--as-of", type=DAY, default=None, help="Match as of this day (default today).")
@click.option("--pin", multiple=True, metavar="URN=REF", help="Keep this pair (repeatable).")
@click.option("--forbid", multiple=True, metavar="URN=REF", help="Never propose this pair (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True)
@with_service(writes=True)
def match(service: HubService, area, as_of, pin, forbid, fmt) -> None:
    """Propose adviser matches for an area's unmatched institutions (DATA.md §4); the run is recorded.

    Then: `careerhub match accept RUN_ID`, `careerhub match reject RUN_ID URN --reason ...`."""
    if not area:
        raise click.UsageError("--area is required to run the matcher")
    view = matchruns.propose(service, area, as_of or date.today(), pin, forbid, service.settings.actor)
    show_run(view, fmt)


@match.command()
@click.argument("run_id")
@click.option("--only", multiple=True, metavar="URN", help="Accept only these institutions' proposals.")
@click.option(
    "--as-of-run",
    is_flag=True,
    help="Record the matches as valid from the run's own day (confirm a back-dated match) instead of today.",
)
@click.option("--format", "fmt", type=click.Choice(["json", "table"]), default="table", show_default=True)
@with_service(writes=True)
def accept(service: HubService, run_id, only, as_of_run, fmt) -> None:
    """Record the run's proposed matches (all, or --only some), valid from today unless --as-of-run;
    refused whole if the run is stale."""
    today = date.today()
    run = matchruns.get_run(service, run_id)
    warnings = [] if as_of_run else matchruns.run_warnings(service, run, today)
    view = matchruns.accept(service, run_id, list(only) or None, service.settings.actor, today, as_of_run)
    if fmt == "json":
        echo_json({**view, "warnings": warnings})
        return
    for warning in warnings:
        click.echo(f"Warning: {warning}")
    click.echo(
        f"run {run_id}: {len(view['accepted'])} matches accepted in all; these are valid from {view['matched_on']}"
        + (" (the run's day, as confirmed)" if as_of_run else "")
    )


@match.command()
@click.argument("run_id")
@click.argument("urn")
@click.option("--reason", required=True, help="Why the pair is rejected; later runs will not propose it again.")
@with_service(writes=True)
def reject(service: HubService, run_id, urn, reason) -> None:
    """Reject the pair proposed for URN in a run; later runs respect it."""
    view = matchruns.reject(service, run_id, urn, reason, service.settings.actor)
    click.echo(f"rejected {urn} = {view['rejected'][urn]} in run {run_id}")


@match.command()
@click.argument("run_id")
@with_service
def replay(service: HubService, run_id) -> None:
    """Solve again from a run's recorded inputs and say whether the same proposals come out."""
    echo_json(matchruns.replay(service, run_id))
