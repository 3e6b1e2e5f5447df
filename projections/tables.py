"""Read-model tables: one bitemporal version table per kind of record, and the event log.

Each version row knows the log positions between which it was the known truth
(`nid_from` <= n < `nid_to`), and its valid-time dates are ordinary columns, so both
"as of a day" and "as known at a moment" are index lookups.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import cache
from typing import Any

from engine.backends import Backend
from engine.kinds import KINDS, Column, Kind

# The actor (a user's e-mail address) is sealed; actor_key (a keyed hash of it) finds it by equality.
LOG_COLUMNS = (
    "nid",
    "recorded_at",
    "topic",
    "kind",
    "event",
    "aggregate_id",
    "record_key",
    "urn",
    "actor",
    "actor_key",
    "reason",
    "source",
    "valid_on",
    "payload",
)


def schema_digest(backend: Backend) -> str:
    """A fingerprint of the tables' definitions: a read model made under other ones is rebuilt."""
    statements = json.dumps(table_groups(backend), sort_keys=True)
    return hashlib.sha256(statements.encode()).hexdigest()


def table_of(kind: str) -> str:
    return f"rm_{kind}"


def sql_type(backend: Backend, schema: Kind, column: Column) -> str:
    if column.name in schema.sealed:
        return "TEXT"  # ciphertext, whatever the value's type
    return backend.column_types.get(column.type, "TEXT")


def table_groups(backend: Backend) -> dict[str, list[str]]:
    """Each read-model table with the statements that create it and its indexes."""
    big = backend.column_types["big"]
    groups = {
        "rm_schema": ["CREATE TABLE IF NOT EXISTS rm_schema (digest TEXT NOT NULL)"],
        "rm_log": [
            f"CREATE TABLE IF NOT EXISTS rm_log (nid {big} PRIMARY KEY, recorded_at TEXT NOT NULL, topic TEXT NOT NULL,"
            " kind TEXT, event TEXT NOT NULL, aggregate_id TEXT NOT NULL, record_key TEXT, urn TEXT, actor TEXT,"
            " actor_key TEXT, reason TEXT, source TEXT, valid_on TEXT, payload TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS rm_log_recorded_at ON rm_log (recorded_at, nid)",
            "CREATE INDEX IF NOT EXISTS rm_log_urn ON rm_log (urn, nid)",
            "CREATE INDEX IF NOT EXISTS rm_log_aggregate ON rm_log (aggregate_id, nid)",
            "CREATE INDEX IF NOT EXISTS rm_log_kind ON rm_log (kind, nid)",
            "CREATE INDEX IF NOT EXISTS rm_log_actor ON rm_log (actor_key, nid)",
        ],
    }
    groups["rm_changes"] = [  # where each batch's changes reach (projections/changes.py)
        f"CREATE TABLE IF NOT EXISTS rm_changes (scope TEXT NOT NULL, first_nid {big} NOT NULL, last_nid {big} NOT NULL,"
        " first_day TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS rm_changes_scope ON rm_changes (scope, first_nid)",
    ]
    for schema in KINDS.values():
        table = table_of(schema.kind)
        columns = ", ".join(f"{c.name} {sql_type(backend, schema, c)}" for c in schema.columns)
        statements = [
            f"CREATE TABLE IF NOT EXISTS {table} (aggregate_id TEXT NOT NULL, nid_from {big} NOT NULL,"
            f" nid_to {big}, record_key TEXT NOT NULL, {columns})",
            f"CREATE INDEX IF NOT EXISTS {table}_current ON {table} (aggregate_id, nid_to)",
        ]
        for index in schema.indexes:
            name = f"{table}_{'_'.join(index)}"
            statements.append(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({', '.join(index)}, nid_from)")
        groups[table] = statements
    return groups


def cell(value: Any) -> Any:
    """A domain value as stored in a read-model column; a date either decoded or as the event store
    keeps it ({"_type_": "date_iso", "_data_": "2019-09-01"}, read without decoding the event)."""
    if isinstance(value, dict):
        return value["_data_"]
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return value


PLAIN = frozenset({str, int, float, type(None)})  # stored as they are; bool is not among them (-> 0/1)


def version_row(schema: Kind, aggregate_id: str, nid: int, key: str, values: dict[str, Any], sealer: Any) -> list:
    """A version's row: its values in column order (dates, lists and booleans as `cell` stores them),
    sealed columns as sealed text. Built column by column in C where it can: it runs once per event."""
    row = [aggregate_id, nid, None, key]
    row += [v if v.__class__ in PLAIN else cell(v) for v in map(values.get, schema.column_names)]
    for position in sealed_positions(schema.kind):
        value = row[position]
        row[position] = sealer.seal(None if value is None else str(value))
    return row


@cache
def sealed_positions(kind: str) -> tuple[int, ...]:
    schema = KINDS[kind]
    return tuple(4 + i for i, name in enumerate(schema.column_names) if name in schema.sealed)


@cache
def sealed_columns(kind: str) -> tuple[tuple[str, bool], ...]:
    """The kind's sealed columns, each with whether it holds a number (stored as text, sealed or not)."""
    schema = KINDS[kind]
    return tuple((name, schema.column(name).type == "float") for name in schema.sealed)


def unseal_rows(kind: str, rows: list[dict[str, Any]], sealer: Any) -> list[dict[str, Any]]:
    """Rows of the kind with their sealed columns readable. Without encryption only numbers have anything to
    undo (stored as text); a national report reads some 13,000 rows with none."""
    if not any(number or sealer.seals for _, number in sealed_columns(kind)):
        return rows
    return [unseal_row(kind, row, sealer) for row in rows]


def unseal_row(kind: str, row: dict[str, Any], sealer: Any) -> dict[str, Any]:
    for name, number in sealed_columns(kind):
        if name not in row:  # not selected
            continue
        text = sealer.unseal(row[name])
        row[name] = float(text) if number and text is not None else text
    return row


def unseal_actors(rows: list[dict[str, Any]], sealer: Any) -> list[dict[str, Any]]:
    """Log rows with their actor readable (it is sealed at rest)."""
    for row in rows:
        row["actor"] = sealer.unseal(row["actor"])
    return rows


def version_columns(schema: Kind) -> tuple[str, ...]:
    return ("aggregate_id", "nid_from", "nid_to", "record_key", *schema.column_names)


def visible(alias: str = "") -> str:
    """The SQL condition 'this version was the known truth at log position ?' (two parameters)."""
    p = f"{alias}." if alias else ""
    return f"{p}nid_from <= ? AND ({p}nid_to IS NULL OR {p}nid_to > ?)"
