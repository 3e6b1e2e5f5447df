"""The auditor's export bundle: the report, the events behind it, formula-safe CSVs and a manifest
with every file's SHA-256, the query and the chain digest. Importing the events of a bundle into an
empty store reproduces the same report."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from engine.errors import CareerHubError
from engine.verify import chain_link_at, recorded_times, verify_chain
from projections.audit import LogFilter, list_log
from projections.compare import compare_known_at
from projections.figures import FIGURES
from projections.institutions import public, standings
from projections.queries import as_known
from projections.report import Query
from service.hub import HubService

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> str:
    """A CSV cell a spreadsheet shows as written and never runs as a formula (OWASP CSV injection): text
    that starts like a formula gets a leading apostrophe; a number stays a number (-2.5 is no formula).
    The one such function: every CSV careerhub writes (exports, bundles, the web's downloads) uses it."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([formula_safe(row.get(c)) for c in columns])
    return out.getvalue()


def stored_events_upto(service: HubService, n: int) -> list[dict[str, Any]]:
    notifications: list[Notification] = []
    after = 0
    while batch := service.app.recorder.select_notifications(start=after, limit=1000, stop=n, inclusive_of_start=False):
        notifications += batch
        after = batch[-1].id
    recorded = recorded_times(service.app, n)
    return [
        {
            "nid": e.id,
            "recorded_at": recorded[e.id],
            "originator_id": str(e.originator_id),
            "originator_version": e.originator_version,
            "topic": e.topic,
            "state": base64.b64encode(e.state).decode(),
        }
        for e in notifications
    ]


def export_bundle(service: HubService, query: Query, outdir: Path) -> dict[str, Any]:
    known = as_known(service.db, query.known_at)
    n = known.position
    report = service.report(query).to_json()
    events = stored_events_upto(service, n)
    log = list_log(service.db, LogFilter(limit=None))
    log = [r for r in log if r["nid"] <= n]
    institutions = [public(s) for s in standings(known, query.hub_id, query.as_of, query.cluster).values()]
    files = {
        "report.json": json.dumps(report, indent=2, sort_keys=True, default=str),
        "events.jsonl": "".join(json.dumps(e, sort_keys=True) + "\n" for e in events),
        "log.csv": csv_text(
            [{**r, "payload": json.dumps(r["payload"], sort_keys=True)} for r in log],
            ["nid", "recorded_at", "actor", "kind", "event", "record_key", "urn", "valid_on", "reason", "source", "payload"],
        ),
        "institutions.csv": csv_text(
            [{**i, "benchmarks": ";".join(map(str, i["benchmarks"] or []))} for i in institutions],
            [
                "urn",
                "name",
                "member",
                "engaged",
                "matched",
                "matched_with",
                "latest_assessed_on",
                "benchmarks",
                "benchmarks_achieved",
                "data_required",
                "funding_applied",
            ],
        ),
    }
    point = {"known_at": query.known_at.isoformat() if query.known_at else None, "cluster": query.cluster}
    manifest = sealed_manifest(service, {"hub_id": query.hub_id, "as_of": query.as_of.isoformat(), **point}, files)
    manifest.update(log_position=n, chain_digest=chain_digest(service, n))
    write_bundle(outdir, files, manifest)
    return manifest


def chain_digest(service: HubService, n: int) -> str | None:
    """`N:link`: the hash chain's link at log position n, which commits to every event up to it."""
    link = chain_link_at(service.app, n)
    return f"{n}:{link}" if link else None


def sealed_manifest(service: HubService, query: dict[str, Any], files: dict[str, str]) -> dict[str, Any]:
    """The query, the store's verified head and every file's SHA-256."""
    verdict = verify_chain(service.app)
    return {
        "query": query,
        "store_head_digest": verdict.digest,
        "store_verified": verdict.ok,
        "files": {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()},
    }


def write_bundle(outdir: Path, files: dict[str, str], manifest: dict[str, Any]) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (outdir / name).write_text(text, encoding="utf-8")
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")


COMPARISON_EVENT_COLUMNS = ["urn", "nid", "recorded_at", "actor", "kind", "event", "record_key", "valid_on", "reason", "source"]


def comparison_files(diff: dict[str, Any]) -> dict[str, str]:
    """A comparison as JSON and as three formula-safe CSVs: figures, changed fields, causing events."""
    figures = [{**row, "label": FIGURES[row["figure"]].label} for row in diff["all_figures"]]
    changes = [{"urn": i["urn"], "name": i["name"], **c} for i in diff["institutions"] for c in i["changes"]]
    events = [{"urn": i["urn"], **e} for i in diff["institutions"] for e in i["events"]]
    return {
        "comparison.json": json.dumps(diff, indent=2, sort_keys=True, default=str),
        "figures.csv": csv_text(figures, ["figure", "label", "then", "now", "changed"]),
        "institutions.csv": csv_text(changes, ["urn", "name", "field", "then", "now"]),
        "events.csv": csv_text(events, COMPARISON_EVENT_COLUMNS),
    }


def export_comparison(service: HubService, query: Query, then: Any, now: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """The files of a comparison between two knowledge points, and their manifest: the query, each point
    with its log position and chain digest, and the store's verified head."""
    diff = compare_known_at(service.db, query, then, now)
    files = comparison_files(diff)
    manifest = sealed_manifest(
        service,
        {
            "hub_id": query.hub_id,
            "as_of": query.as_of.isoformat(),
            "known_at": diff["known_at"],
            "compare_known_at": diff["compare_known_at"],
            "cluster": query.cluster,
        },
        files,
    )
    points = zip((diff["known_at"], diff["compare_known_at"]), diff["log_positions"], strict=True)
    manifest["knowledge_points"] = [
        {"known_at": point, "log_position": n, "chain_digest": chain_digest(service, n)} for point, n in points
    ]
    return files, manifest


def check_bundle(bundle: Path) -> dict[str, Any]:
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        if hashlib.sha256((bundle / name).read_bytes()).hexdigest() != digest:
            raise CareerHubError(f"{bundle / name}: does not match the manifest's SHA-256; the bundle was altered")
    return manifest


def import_bundle(service: HubService, bundle: Path) -> dict[str, Any]:
    """Record a bundle's events, payloads unchanged, into an empty store; returns the manifest."""
    manifest = check_bundle(bundle)
    if service.app.last_position():
        raise CareerHubError("a bundle is imported only into an empty store")
    events = [json.loads(line) for line in (bundle / "events.jsonl").read_text(encoding="utf-8").splitlines() if line]
    service.app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=UUID(e["originator_id"]),
                originator_version=e["originator_version"],
                topic=e["topic"],
                state=base64.b64decode(e["state"]),
            )
            for e in events
        ]
    )
    return manifest
