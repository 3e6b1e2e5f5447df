"""What changed between two states of knowledge about the same day, institution by institution,
with every change attributed to the events recorded in between."""

from __future__ import annotations

from typing import Any

from config.values import KnownAt
from engine.sql import Database
from projections.institutions import public, standings
from projections.queries import as_known
from projections.report import Query, hub_report
from projections.tables import unseal_actors


def events_between(db: Database, hub_id: str, urn: str, n1: int, n2: int, day: str) -> list[dict[str, Any]]:
    """Events recorded in (n1, n2] that bear on this institution on the day: its own records valid on or
    before the day (or retractions, whose valid date is their record's), and the hub's own record and
    term dates, which decide its area and its term."""
    return unseal_actors(
        db.query(
            "SELECT nid, recorded_at, actor, reason, kind, event, record_key, source, valid_on FROM rm_log"
            " WHERE nid > ? AND nid <= ? AND ((urn = ? AND (valid_on IS NULL OR valid_on <= ? OR kind = 'institutions'))"
            " OR (kind IN ('hubs', 'terms') AND (record_key = ? OR substr(record_key, 1, ?) = ?))) ORDER BY nid",
            (n1, n2, urn, day, hub_id, len(hub_id) + 1, hub_id + " "),
        ),
        db.sealer,
    )


def compare_known_at(db: Database, query: Query, then: KnownAt | None, now: KnownAt | None) -> dict[str, Any]:
    """'As reported then vs as known now' for the report of `query` (its known_at is ignored)."""
    known_then, known_now = as_known(db, then), as_known(db, now)
    n1, n2 = known_then.position, known_now.position
    before = hub_report(db, Query(query.hub_id, query.as_of, then, query.cluster))
    after = hub_report(db, Query(query.hub_id, query.as_of, now, query.cluster))
    old = standings(known_then, query.hub_id, query.as_of, query.cluster) if n1 else {}
    new = standings(known_now, query.hub_id, query.as_of, query.cluster)
    institutions = []
    for urn in sorted(set(old) | set(new)):
        a, b = public(old.get(urn, {})), public(new.get(urn, {}))
        changes = [
            {"field": f, "then": a.get(f), "now": b.get(f)}
            for f in sorted(set(a) | set(b))
            if f not in ("urn", "name") and a.get(f) != b.get(f)
        ]
        if changes:
            institutions.append(
                {
                    "urn": urn,
                    "name": b.get("name") or a.get("name"),
                    "changes": changes,
                    "events": events_between(db, query.hub_id, urn, n1, n2, query.as_of.isoformat()),
                }
            )
    return {
        "hub_id": query.hub_id,
        "as_of": query.as_of.isoformat(),
        "known_at": then.isoformat() if then else None,
        "compare_known_at": now.isoformat() if now else None,
        "log_positions": [n1, n2],
        "figures": {k: {"then": before.figures[k], "now": v} for k, v in after.figures.items() if before.figures[k] != v},
        "all_figures": [
            {"figure": k, "then": before.figures[k], "now": v, "changed": before.figures[k] != v}
            for k, v in after.figures.items()
        ],
        "institutions": institutions,
        "then": before.to_json(),
        "now": after.to_json(),
    }
