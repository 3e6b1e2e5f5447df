"""Proofs an auditor can run: the hash chain, and the keys for encryption at rest."""
from __future__ import annotations

import click
from eventsourcing.cipher import AESCipher

from cli.common import with_service
from engine.verify import check_extends, verify_chain
from service.hub import HubService


@click.command()
@click.option("--digest", "show_digest", is_flag=True, help="Print only the head digest, to keep outside the system.")
@click.option("--extends", "kept", default=None, metavar="DIGEST",
              help="Also check the log still extends (does not rewrite) a digest kept earlier.")
@with_service
def verify(service: HubService, show_digest: bool, kept: str | None) -> None:
    """Walk the hash chain over every event; name the first altered, deleted, inserted or reordered one."""
    verdict = check_extends(service.app, kept) if kept else verify_chain(service.app)
    if not verdict.ok:
        raise click.ClickException(f"log position {verdict.position}: {verdict.problem}"
                                   f" ({verdict.events} events verified before it)")
    if show_digest:
        click.echo(verdict.digest)
    else:
        click.echo(f"ok: {verdict.events} events chained; head digest {verdict.digest}"
                   + (f"; extends {kept}" if kept else ""))


@click.command()
def keygen() -> None:
    """Print a new AES-256 key for CAREERHUB_CIPHER_KEY (encryption of event bodies at rest)."""
    click.echo(AESCipher.create_key(32))
