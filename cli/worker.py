"""`careerhub projections run`: the projection worker (projections/worker.py) as a process."""

from __future__ import annotations

import signal
from datetime import UTC, datetime

import click

from cli.common import with_service
from engine.follow import log_waiter
from projections.board import keep_term_end_reports
from projections.runner import BATCH
from projections.worker import ProjectionWorker
from service.hub import HubService


def say(message: str) -> None:
    click.echo(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%S.%fZ} projections: {message}")


@click.command("run")
@click.option("--once", is_flag=True, help="Catch up with the log, then exit.")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(0.01, 3600),
    default=None,
    help="Look at the log at least this often (default: 30 on PostgreSQL, which also wakes on"
    " every commit by LISTEN/NOTIFY; 0.5 on SQLite, which has no notifications).",
)
@click.option(
    "--batch-size", type=click.IntRange(1, 1_000_000), default=BATCH, show_default=True, help="Events applied per transaction."
)
@with_service(replica=False)  # it writes the primary's read model: a read replica plays no part
def run(service: HubService, once: bool, poll_seconds: float | None, batch_size: int) -> None:
    """Follow the event log and keep the read model caught up (one line per batch applied), until
    SIGTERM or SIGINT; serve with CAREERHUB_PROJECTION_WORKER=1 so that web requests leave it to this."""
    waiter = log_waiter(service.app.db, service.settings.database_url)
    worker = ProjectionWorker(
        service.projector,
        waiter,
        say,
        poll_seconds or service.app.db.backend.poll_seconds,
        batch_size,
        keep_reports=lambda: keep_term_end_reports(service.app.db, datetime.now(UTC).date()),
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, worker.stop.request)
    say(f"following the log from position {service.projector.position()}")
    try:
        worker.run(once=once)
    finally:
        waiter.close()
