"""The coordinator's workbench reads: past matcher runs with what became of their proposals, the
adviser register of an area (capacity, current matches, availability, who owns each), and one
record's history in the log."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from engine.sql import Database
from projections.audit import LogFilter, decoded, list_log
from projections.queries import active_on, as_known, known_rows
from projections.tables import table_of


def list_runs(db: Database, areas: list[str] | None = None) -> list[dict[str, Any]]:
    """Every recorded matcher run (newest first), of the given areas (all if None): who ran it and when,
    for which area and day, the solver's status, and how many proposals were accepted and rejected."""
    runs: dict[str, dict[str, Any]] = {}
    for row in list_log(db, LogFilter(kind="MatchRun")):
        payload, run_id = row["payload"], row["aggregate_id"]
        if row["event"] == "Proposed":
            result = payload.get("result", {})
            runs[run_id] = {
                "run_id": run_id,
                "actor": row["actor"],
                "recorded_at": row["recorded_at"],
                "area": payload["area"],
                "as_of": payload["as_of"],
                "status": result.get("status"),
                "optimal": result.get("optimal"),
                "proposals": len(result.get("proposals", [])),
                "unmatched": len(result.get("unmatched", [])),
                "accepted": 0,
                "rejected": 0,
            }
        elif run_id in runs and row["event"] == "Accepted":
            runs[run_id]["accepted"] += len(payload.get("pairs", []))
        elif run_id in runs and row["event"] == "Rejected":
            runs[run_id]["rejected"] += 1
    found = [r for r in runs.values() if areas is None or r["area"] in areas]
    return sorted(found, key=lambda r: r["recorded_at"], reverse=True)


def adviser_register(db: Database, area: str, day: date) -> list[dict[str, Any]]:
    """The advisers a coordinator of `area` works with, as known now: those the area owns and those no
    area owns (the matcher offers both), each with its current matches on the day and whether it is
    available then."""
    known = as_known(db, None)
    advisers = known_rows(known, "advisers", "area = ? OR area IS NULL", (area,))
    condition, params = active_on(day, "matched_on", "ended_on")
    matches = known_rows(known, "matches", condition, params)
    load = Counter(m["adviser_ref"] for m in matches)
    urns: dict[str, list[str]] = {}
    for m in sorted(matches, key=lambda m: m["urn"]):
        urns.setdefault(m["adviser_ref"], []).append(m["urn"])
    shown = day.isoformat()
    return [
        {
            **a,
            "current_matches": load[a["adviser_ref"]],
            "matched_urns": urns.get(a["adviser_ref"], []),
            "available": (a["available_from"] or shown) <= shown <= (a["available_until"] or shown),
            "room": max(0, (a["capacity"] or 0) - load[a["adviser_ref"]]),
        }
        for a in sorted(advisers, key=lambda a: a["adviser_ref"])
    ]


def record_history(db: Database, kind: str, key: str) -> list[dict[str, Any]]:
    """Every logged event of one record (its key as the log writes it), in recording order."""
    rows = db.query("SELECT * FROM rm_log WHERE kind = ? AND record_key = ? ORDER BY nid", (kind, key))
    return [decoded(row, db.sealer) for row in rows]


def record_id_of(db: Database, kind: str, record_key: str) -> str | None:
    """The aggregate id of the record of `kind` whose key the log writes as `record_key`, if any."""
    rows = db.query(
        f"SELECT aggregate_id FROM {table_of(kind)} WHERE record_key = ? ORDER BY nid_from DESC LIMIT 1", (record_key,)
    )
    return rows[0]["aggregate_id"] if rows else None
