"""The auditor's raw views: the event log with filters, and one institution's history."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from config.values import KnowledgePoint
from engine.kinds import KINDS, Kind
from engine.sql import Database
from engine.store import format_recorded_at
from projections.readmodel import plain
from projections.tables import table_of


@dataclass(frozen=True)
class LogFilter:
    kind: str | None = None
    urn: str | None = None
    actor: str | None = None
    since: KnowledgePoint | datetime | None = None  # a position: from that event on
    until: KnowledgePoint | datetime | None = None  # a position: up to that event
    after: int = 0  # log position to continue from (paging)
    limit: int | None = None


def list_log(db: Database, f: LogFilter) -> list[dict[str, Any]]:
    """Log rows in recording order, each with its payload decoded."""
    where: list[str] = ["nid > ?"]
    params: list[Any] = [f.after]
    for column, value in (("kind", f.kind), ("urn", f.urn), ("actor_key", db.sealer.lookup_key(f.actor))):
        if value:
            where.append(f"{column} = ?")
            params.append(value)
    for point, nid, recorded in ((f.since, "nid >= ?", "recorded_at >= ?"), (f.until, "nid <= ?", "recorded_at <= ?")):
        if point is None:
            continue
        if isinstance(point, datetime):
            point = KnowledgePoint(moment=point)
        where.append(recorded if point.moment else nid)
        params.append(format_recorded_at(point.moment) if point.moment else point.position)
    sql = f"SELECT * FROM rm_log WHERE {' AND '.join(where)} ORDER BY nid"
    if f.limit is not None:
        sql += f" LIMIT {int(f.limit)}"
    return [decoded(row, db.sealer) for row in db.query(sql, params)]


def decoded(row: dict[str, Any], sealer: Any) -> dict[str, Any]:
    row = dict(row)
    row.pop("actor_key", None)
    row["actor"] = sealer.unseal(row["actor"])
    row["payload"] = plain(json.loads(sealer.unseal(row["payload"])))
    return row


def institution_history(db: Database, urn: str) -> list[dict[str, Any]]:
    """Every event that touched an institution, including corrections and retractions."""
    return list_log(db, LogFilter(urn=urn))


def describe(row: dict[str, Any]) -> str:
    """One line for a log row: what the event said."""
    payload = row["payload"]
    if row["event"] == "Retracted":
        return "retracted"
    values = payload.get("values")
    if values is None:
        return ", ".join(f"{k}={v}" for k, v in payload.items() if k not in ("actor", "reason", "source"))[:200]
    shown = payload.get("changed") or [k for k, v in values.items() if v not in (None, [], "")]
    return ", ".join(f"{k}={values.get(k)}" for k in shown)


def readable_by_hub(db: Database, hub_id: str) -> Callable[[dict[str, Any]], bool]:
    """Which log rows a user limited to one hub may read, by the catalogue's owners of each kind:
    events about institutions that were ever in the hub or its area, records of the hub or owned by
    its area, and hub-wide records that no hub owns (national figures)."""
    areas = [r["area"] for r in db.query("SELECT DISTINCT area FROM rm_hubs WHERE hub_id = ?", (hub_id,))]
    urns = {r["urn"] for r in ever_owned(db, KINDS["institutions"], hub_id, areas, "urn")}
    keys = {kind.kind: {r["record_key"] for r in ever_owned(db, kind, hub_id, areas, "record_key")} for kind in KINDS.values()}
    unowned = {kind.kind for kind in KINDS.values() if kind.hub_wide and not kind.hub_column}
    return lambda row: row["urn"] in urns or row["record_key"] in keys.get(row["kind"], ()) or row["kind"] in unowned


def ever_owned(db: Database, kind: Kind, hub_id: str, areas: list[str], selected: str) -> list[dict[str, Any]]:
    """Distinct values of `selected` over every version, ever, of the kind's records owned by the hub
    (its hub column) or by one of its areas (its area column)."""
    owned = [(kind.hub_column, [hub_id]), (kind.area_column, areas)]
    conditions = [(f"{column} IN ({','.join('?' * len(values))})", values) for column, values in owned if column and values]
    if not conditions:
        return []
    where = " OR ".join(condition for condition, _ in conditions)
    params = tuple(value for _, values in conditions for value in values)
    return db.query(f"SELECT DISTINCT {selected} FROM {table_of(kind.kind)} WHERE {where}", params)


def aggregate_ids(db: Database, kind: str) -> list[str]:
    """Every aggregate of a kind that the log has seen (users, match runs)."""
    return [r["aggregate_id"] for r in db.query("SELECT DISTINCT aggregate_id FROM rm_log WHERE kind = ?", (kind,))]


def logged_payloads(db: Database, kind: str, event: str) -> list[dict[str, Any]]:
    """The decoded payloads of every logged event of a kind and name, in log order."""
    rows = db.query("SELECT payload FROM rm_log WHERE kind = ? AND event = ? ORDER BY nid", (kind, event))
    return [plain(json.loads(db.sealer.unseal(r["payload"]))) for r in rows]


def latest_valid_day(db: Database, until: date) -> str | None:
    """The latest valid-time day of anything recorded, on or before `until` (ISO text)."""
    return db.scalar("SELECT MAX(valid_on) FROM rm_log WHERE valid_on IS NOT NULL AND valid_on <= ?", (until.isoformat(),))
