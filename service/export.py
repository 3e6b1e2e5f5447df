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

from eventsourcing.persistence import StoredEvent

from engine.errors import CareerHubError
from engine.verify import verify_chain
from projections.audit import LogFilter, list_log
from projections.institutions import public, standings
from projections.queries import position_at
from projections.report import Query
from service.hub import HubService

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([formula_safe(row.get(c)) for c in columns])
    return out.getvalue()


def stored_events_upto(service: HubService, n: int) -> list[dict[str, Any]]:
    notifications, after = [], 0
    while batch := service.app.recorder.select_notifications(start=after, limit=1000, stop=n, inclusive_of_start=False):
        notifications += batch
        after = batch[-1].id
    recorded = {r["notification_id"]: r["recorded_at"] for r in service.db.query(
        "SELECT notification_id, recorded_at FROM event_log WHERE notification_id <= ?", (n,))}
    return [{"nid": e.id, "recorded_at": recorded[e.id], "originator_id": str(e.originator_id),
             "originator_version": e.originator_version, "topic": e.topic,
             "state": base64.b64encode(e.state).decode()} for e in notifications]


def export_bundle(service: HubService, query: Query, outdir: Path) -> dict[str, Any]:
    service.refresh()
    outdir.mkdir(parents=True, exist_ok=True)
    n = position_at(service.db, query.known_at)
    report = service.report(query).to_json()
    events = stored_events_upto(service, n)
    log = list_log(service.db, LogFilter(limit=None))
    log = [r for r in log if r["nid"] <= n]
    institutions = [public(s) for s in standings(service.db, query.hub_id, query.as_of, n, query.cluster).values()]
    files = {
        "report.json": json.dumps(report, indent=2, sort_keys=True, default=str),
        "events.jsonl": "".join(json.dumps(e, sort_keys=True) + "\n" for e in events),
        "log.csv": csv_text([{**r, "payload": json.dumps(r["payload"], sort_keys=True)} for r in log],
                            ["nid", "recorded_at", "actor", "kind", "event", "record_key", "urn", "valid_on",
                             "reason", "source", "payload"]),
        "institutions.csv": csv_text([{**i, "benchmarks": ";".join(map(str, i["benchmarks"] or []))} for i in institutions],
                                     ["urn", "name", "member", "engaged", "matched", "matched_with",
                                      "latest_assessed_on", "benchmarks", "benchmarks_achieved", "data_required",
                                      "funding_applied"]),
    }
    for name, text in files.items():
        (outdir / name).write_text(text, encoding="utf-8")
    verdict = verify_chain(service.app)
    chain = service.db.query("SELECT chain FROM event_log WHERE notification_id = ?", (n,))
    manifest = {
        "query": {"hub_id": query.hub_id, "as_of": query.as_of.isoformat(),
                  "known_at": query.known_at.isoformat() if query.known_at else None, "cluster": query.cluster},
        "log_position": n, "chain_digest": f"{n}:{chain[0]['chain']}" if chain else None,
        "store_head_digest": verdict.digest, "store_verified": verdict.ok,
        "files": {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()},
    }
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest


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
    service.app.recorder.insert_events([
        StoredEvent(originator_id=UUID(e["originator_id"]), originator_version=e["originator_version"],
                    topic=e["topic"], state=base64.b64decode(e["state"])) for e in events])
    service.refresh()
    return manifest
