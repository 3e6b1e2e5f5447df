"""`careerhub demo load`: the demo hub through the normal import path."""

from __future__ import annotations

import click

from cli.common import with_service
from service.demo import load_demo, load_learner_demo
from service.hub import HubService


@click.command("load")
@with_service(writes=True)
def load(service: HubService) -> None:
    """Load the demo hub (area Dorset, hub dorset) into an empty store, step by step with its history."""
    if not load_demo(service, None, echo=click.echo):
        raise click.ClickException(
            "the store is not empty; the demo loads only into an empty store "
            "(use --database-url sqlite:///demo.sqlite3 for a separate one)"
        )
    click.echo("demo loaded: try `careerhub report --hub dorset --as-of 2019-12-31`")


@click.command("learners")
@with_service(writes=True)
def learners(service: HubService) -> None:
    """Add the demo's learner records (two schools' Year 10 in 2019/20, pseudonymised) to the demo hub."""
    if not load_learner_demo(service, echo=click.echo):
        raise click.ClickException("load the demo hub first (careerhub demo load), into a store without learners")
    click.echo("demo learners loaded: try `careerhub evidence --hub dorset --year 2019/20` or the school page of 125699")
