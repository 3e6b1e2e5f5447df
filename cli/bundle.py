"""The auditor's export bundle, and its import into an empty store."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import DAY, KNOWN_AT, MOMENT, echo_json, with_service
from projections.report import Query
from service.export import export_bundle, export_comparison, import_bundle, write_bundle
from service.hub import HubService


@click.command("export")
@click.option("--hub", "hub_id", required=True)
@click.option("--as-of", type=DAY, required=True)
@KNOWN_AT
@click.option(
    "--compare-known-at",
    "compare_at",
    type=MOMENT,
    default=None,
    help="Export the comparison of --known-at with this point instead of one report.",
)
@click.option("--cluster", default=None)
@click.argument("outdir", type=click.Path(path_type=Path, file_okay=False))
@with_service
def export(service: HubService, hub_id, as_of, known_at, compare_at, cluster, outdir) -> None:
    """Write the report, the events behind it (JSON Lines), formula-safe CSVs and a manifest to OUTDIR;
    with --compare-known-at, the comparison of two knowledge points (JSON, CSVs and a manifest) instead."""
    query = Query(hub_id, as_of, known_at, cluster)
    if compare_at:
        if known_at is None:
            raise click.UsageError("--compare-known-at compares with --known-at: give both")
        files, manifest = export_comparison(service, query, known_at, compare_at)
        write_bundle(outdir, files, manifest)
        click.echo(
            f"wrote {len(files)} files and manifest.json to {outdir} (log positions "
            + " and ".join(f"{p['log_position']}" for p in manifest["knowledge_points"])
            + ")"
        )
        return
    manifest = export_bundle(service, query, outdir)
    click.echo(
        f"wrote {len(manifest['files'])} files and manifest.json to {outdir} (log position "
        f"{manifest['log_position']}, chain digest {manifest['chain_digest']})"
    )


@click.command("import-bundle")
@click.argument("bundle", type=click.Path(path_type=Path, file_okay=False, exists=True))
@with_service
def import_bundle_command(service: HubService, bundle: Path) -> None:
    """Check a bundle against its manifest and record its events into an empty store."""
    manifest = import_bundle(service, bundle)
    echo_json({"imported_events": manifest["log_position"], "query": manifest["query"]})
