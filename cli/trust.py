"""Proofs an auditor can run: the hash chain, and the keys for encryption at rest."""

from __future__ import annotations

import click
from eventsourcing.cipher import AESCipher

from cli.common import with_service
from engine.verify import check_extends, verify_chain
from projections.check import ReadModelVerdict, check_read_model
from service.hub import HubService


@click.command()
@click.option("--digest", "show_digest", is_flag=True, help="Print only the head digest, to keep outside the system.")
@click.option(
    "--extends",
    "kept",
    default=None,
    metavar="DIGEST",
    help="Also check the log still extends (does not rewrite) a digest kept earlier.",
)
@click.option(
    "--read-model",
    "read_model",
    is_flag=True,
    help="Also replay the log into a scratch read model and compare it with the live one row by row"
    " (as long as a rebuild; the live store is only read).",
)
@with_service(creates=False)
def verify(service: HubService, show_digest: bool, kept: str | None, read_model: bool) -> None:
    """Walk the hash chain over every event; name the first altered, deleted, inserted or reordered one.
    With --read-model, also name the first read-model row that differs from a replay of the log."""
    verdict = check_extends(service.app, kept) if kept else verify_chain(service.app)
    if not verdict.ok:
        raise click.ClickException(
            f"log position {verdict.position}: {verdict.problem} ({verdict.events} events verified before it)"
        )
    # Only a verified log is worth replaying: the chain's verdict comes first.
    model = check_read_model(service.app) if read_model else None
    if model is not None and not model.ok:
        raise click.ClickException(
            f"read model differs from a replay of the log: {model.difference} ({model.rows} rows matched before it)"
        )
    if show_digest:
        click.echo(verdict.digest)
    else:
        click.echo(
            f"ok: {verdict.events} events chained; head digest {verdict.digest}"
            + (f"; extends {kept}" if kept else "")
            + (read_model_line(model) if model else "")
        )


def read_model_line(model: ReadModelVerdict) -> str:
    behind = f", {model.behind} events behind the log (the next command catches up)" if model.behind else ""
    return f"; read model matches a replay up to log position {model.position} ({model.rows} rows){behind}"


@click.command()
def keygen() -> None:
    """Print a new AES-256 key for CAREERHUB_CIPHER_KEY (encryption of event bodies at rest)."""
    click.echo(AESCipher.create_key(32))
