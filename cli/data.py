"""Commands that record data, and the auditor's raw views of what was recorded."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.common import DAY, MOMENT, WHOLE_NUMBER, echo_json, echo_table, with_service
from engine.kinds import KINDS
from projections.audit import LogFilter, describe, institution_history, list_log, readable_by_hub
from projections.queries import as_known, get_hub
from projections.transactions import TransactionSearch, list_transactions, search_transactions
from service.hub import HubService

LOG_COLUMNS = ("nid", "recorded_at", "actor", "kind", "event", "record_key", "valid_on", "reason", "what")


@click.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--reason", default=None, help="Why these rows are recorded (kept with every event).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--dry-run", is_flag=True, help="Check and plan the file as an import would; record nothing.")
@with_service(writes=True)
def import_command(service: HubService, kind: str, file: Path, reason: str | None, fmt: str, dry_run: bool) -> None:
    """Import a CSV file of KIND (DATA.md §2): whole or not at all; re-imports record nothing."""
    summary = service.import_file(kind, file, service.settings.actor, reason, dry_run=dry_run)
    plan = summary.plan
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    **summary.to_json(),
                    **({"dry_run": True, "new": len(plan.new), "corrected": len(plan.corrected)} if plan else {}),
                }
            )
        )
    elif plan is not None:
        click.echo(
            f"{file}: {summary.rows} rows; would record {len(plan.new)} new and {len(plan.corrected)} corrected"
            f" records, {summary.unchanged} unchanged. Nothing was recorded (--dry-run)."
        )
    elif summary.recorded == 0:
        click.echo(f"{file}: nothing new — all {summary.rows} rows were already recorded with the same values.")
    else:
        click.echo(f"{file}: {summary.rows} rows, {summary.recorded} events recorded, {summary.unchanged} unchanged.")


@click.command()
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.argument("key", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why the record is withdrawn.")
@with_service(writes=True)
def retract(service: HubService, kind: str, key: tuple[str, ...], reason: str) -> None:
    """Withdraw a record entered by mistake (KEY: its natural key, e.g. URN ASSESSED_ON).

    The retraction is an event; the record stays visible to --known-at before it."""
    position = service.retract(kind, key, service.settings.actor, reason)
    click.echo(f"retracted {kind} {' '.join(key)} (log position {position})")


@click.command()
@click.argument("kind", type=click.Choice(["advisers", "learners"]))
@click.argument("key", nargs=-1, required=True)
@click.option("--reason", required=True, help="Why, e.g. 'the adviser asked to be forgotten (UK GDPR art. 17)'.")
@with_service(writes=True)
def redact(service: HubService, kind: str, key: tuple[str, ...], reason: str) -> None:
    """Erase a volunteer's personal data (KEY: adviser_ref), or a learner (KEY: learner_key) from every record
    carrying them, from the store and every read model; the chain still verifies."""
    service.redact(kind, key, service.settings.actor, reason)
    click.echo(f"redacted the personal data of {kind} {' '.join(key)}")


def log_rows(rows: list[dict]) -> list[dict]:
    return [{**r, "what": describe(r)} for r in rows]


@click.command()
@click.option("--kind", default=None, help="Only this kind (hubs, institutions, assessments, ..., MatchRun, User).")
@click.option("--urn", default=None, help="Only events about this institution.")
@click.option("--actor", "by_actor", default=None, help="Only events recorded by this actor.")
@click.option("--since", type=MOMENT, default=None, help="Recorded at or after (ISO 8601, UTC if no offset).")
@click.option("--until", type=MOMENT, default=None, help="Recorded at or before.")
@click.option("--limit", type=WHOLE_NUMBER, default=None, help="At most this many events.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@with_service
def log(service: HubService, kind, urn, by_actor, since, until, limit, fmt) -> None:
    """The event log: every recorded event, in recording order."""
    rows = list_log(service.db, LogFilter(kind=kind, urn=urn, actor=by_actor, since=since, until=until, limit=limit))
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, default=str))
    else:
        echo_table(log_rows(rows), LOG_COLUMNS)


@click.command()
@click.option("--hub", "hub_id", default=None, help="Only transactions with events a user of this hub may read.")
@click.option("--search", "text", default=None, help="Only those whose reason, source or kinds contain this text.")
@click.option("--actor", "by_actor", default=None, help="Only those recorded by an actor whose name contains this.")
@click.option("--on", type=DAY, default=None, help="Only those recorded on this day (UTC).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@with_service
def transactions(service: HubService, hub_id, text, by_actor, on, fmt) -> None:
    """Every transaction of the log (an import, a retraction, an acceptance...): the knowledge points that
    --known-at @POSITION names. POSITION is the log position of the transaction's last event."""
    readable = None
    if hub_id:
        get_hub(as_known(service.db, None), hub_id)
        readable = readable_by_hub(service.db, hub_id)
    found = search_transactions(list_transactions(service.db, readable), TransactionSearch(text, by_actor, on))
    rows = [t.to_json() for t in found]
    if fmt == "json":
        echo_json(rows)
    else:
        echo_table(
            [{**r, "kinds": ",".join(r["kinds"]), "position": f"@{r['position']}"} for r in rows],
            ("position", "recorded_at", "actor", "events", "kinds", "reason", "source"),
        )


@click.command()
@click.argument("urn")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@with_service
def history(service: HubService, urn: str, fmt: str) -> None:
    """Every event that touched institution URN: valid date, recording time, actor, reason, values."""
    rows = institution_history(service.db, urn)
    if not rows:
        raise click.ClickException(f"nothing has been recorded about institution {urn}")
    if fmt == "json":
        echo_json(rows)
    else:
        echo_table(log_rows(rows), LOG_COLUMNS)


@click.group()
def projections() -> None:
    """Maintain the read model."""


@projections.command()
@with_service
def rebuild(service: HubService) -> None:
    """Rebuild every read-model table from the event log, from scratch."""
    position = service.projector.rebuild(progress=True)
    click.echo(f"read model rebuilt up to log position {position}")
