"""The `careerhub` command: thin; every command calls the same service the web uses."""

from __future__ import annotations

from importlib.metadata import version

import click

from cli.board import board
from cli.bundle import export, import_bundle_command
from cli.common import CareerHubGroup
from cli.data import history, import_command, log, projections, redact, retract, transactions
from cli.matching import match
from cli.reports import evidence, explain, national, report
from cli.trust import keygen, verify
from cli.users import users
from cli.web import demo, serve
from cli.worker import run as run_projections


@click.group(cls=CareerHubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version("careerhub"), prog_name="careerhub")
def main() -> None:
    """careerhub: an event-sourced Careers Hub tracker and Enterprise Adviser matcher.

    Data lives in CAREERHUB_DATABASE_URL (default sqlite:///instance/careerhub.sqlite3);
    every command also takes --database-url.
    """


for command in (
    import_command,
    retract,
    redact,
    log,
    transactions,
    history,
    projections,
    report,
    national,
    board,
    explain,
    evidence,
    match,
    demo,
    verify,
    keygen,
    export,
    import_bundle_command,
    users,
    serve,
):
    main.add_command(command)
projections.add_command(run_projections)
