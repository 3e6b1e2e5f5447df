"""The materialised read model: version rows and log rows written together with the tracking
position, in one transaction per batch, so every event is applied exactly once."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, InternalError, OperationalError, ProgrammingError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder

from engine.importing.schema import SCHEMAS
from engine.records import RECORD_CLASSES, REDACTED, redact_values
from engine.sql import Cursor, Database
from projections.tables import LOG_COLUMNS, insert_statement, table_groups, table_of, version_row

RECORD_EVENT_KINDS = {
    getattr(cls, name).TOPIC: (cls.KIND, name)
    for cls in RECORD_CLASSES.values() for name in ("Recorded", "Corrected", "Retracted", "Redacted")
}
ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")
SECRETS = ("password_hash",)  # stay in the event store only; never copied into a read model


@dataclass(frozen=True)
class Applied:
    nid: int
    recorded_at: str
    event: DomainEventProtocol


def urn_of(kind: str, values: dict[str, Any]) -> str | None:
    """The institution a record is about, if any (for history and the log's filter)."""
    if kind == "funding":
        return values.get("applicant") if values.get("stream") == "institutional" else None
    return values.get("urn") if kind in ("institutions", "assessments", "matches", "encounters") else None


def payload_of(event: DomainEventProtocol) -> str:
    fields = {k: v for k, v in vars(event).items() if k not in ENVELOPE and k not in SECRETS}
    return json.dumps(fields, sort_keys=True, default=lambda v: v.isoformat() if isinstance(v, date) else str(v))


class ReadModel:
    """Shared by both backends; the tracking table and its upsert come from the library."""

    dialect: str
    datastore: Any
    sealer: Any = None

    @property
    def db(self) -> Database:
        return Database(self.datastore, self.dialect, self.sealer)

    def apply_batch(self, application_name: str, items: Sequence[Applied]) -> None:
        with self.db.transaction(commit=True) as c:
            # Write first: on SQLite this takes the write lock before any read, so the batch never
            # reads a snapshot another process has since changed (which SQLite cannot upgrade).
            self._insert_tracking(c.raw, Tracking(application_name, items[-1].nid))
            for item in items:
                self.apply(c, item)

    def apply(self, c: Cursor, item: Applied) -> None:
        event = item.event
        topic = type(event).TOPIC if hasattr(type(event), "TOPIC") else type(event).__qualname__
        kind, name = RECORD_EVENT_KINDS.get(topic, (None, type(event).__name__))
        aggregate_id = str(event.originator_id)
        record_key = urn = None
        if kind is not None:
            record_key, urn = self.apply_record(c, kind, name, aggregate_id, item.nid, event)
        valid_on = getattr(event, "valid_on", None)
        c.execute(f"INSERT INTO rm_log ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join('?' * len(LOG_COLUMNS))})",
                  (item.nid, item.recorded_at, topic, kind or topic.split(":")[-1].split(".")[0], name, aggregate_id,
                   record_key, urn, getattr(event, "actor", None), getattr(event, "reason", None),
                   getattr(event, "source", None), valid_on.isoformat() if valid_on else None,
                   self.sealer.seal(payload_of(event))))

    def apply_record(self, c: Cursor, kind: str, name: str, aggregate_id: str, nid: int,
                     event: Any) -> tuple[str, str | None]:
        schema = SCHEMAS[kind]
        table = table_of(kind)
        if name == "Recorded":
            key = " ".join(event.key)
            c.execute(insert_statement(schema), version_row(schema, aggregate_id, nid, key, event.values, self.sealer))
            return key, urn_of(kind, event.values)
        current = c.execute(f"SELECT * FROM {table} WHERE aggregate_id = ? AND nid_to IS NULL",
                            (aggregate_id,)).fetchone()
        if name == "Redacted":
            self.erase(c, kind, aggregate_id, event.fields, self.sealer)
            return (current or {}).get("record_key") or self.last_key(c, table, aggregate_id), None
        c.execute(f"UPDATE {table} SET nid_to = ? WHERE aggregate_id = ? AND nid_to IS NULL", (nid, aggregate_id))
        key = current["record_key"] if current else self.last_key(c, table, aggregate_id)
        if name == "Corrected":
            c.execute(insert_statement(schema), version_row(schema, aggregate_id, nid, key, event.values, self.sealer))
            return key, urn_of(kind, event.values)
        return key, urn_of(kind, current or {})

    @staticmethod
    def erase(c: Cursor, kind: str, aggregate_id: str, fields: list[str], sealer: Any) -> None:
        """Remove personal values from every version row and every logged payload of a record."""
        schema = SCHEMAS[kind]
        text = [f for f in fields if schema.column(f).type == "text"]
        assignments = [f"{f} = CASE WHEN {f} IS NULL THEN NULL ELSE ? END" for f in text]
        marker = sealer.seal(REDACTED)
        assignments += [f"{f} = NULL" for f in fields if f not in text]
        c.execute(f"UPDATE {table_of(kind)} SET {', '.join(assignments)} WHERE aggregate_id = ?",
                  (*[marker] * len(text), aggregate_id))
        for row in c.execute("SELECT nid, payload FROM rm_log WHERE aggregate_id = ?", (aggregate_id,)).fetchall():
            payload = json.loads(sealer.unseal(row["payload"]))
            if "values" in payload:
                payload["values"] = redact_values(payload["values"], fields)
                c.execute("UPDATE rm_log SET payload = ? WHERE nid = ?",
                          (sealer.seal(json.dumps(payload, sort_keys=True)), row["nid"]))

    @staticmethod
    def last_key(c: Cursor, table: str, aggregate_id: str) -> str:
        row = c.execute(f"SELECT record_key FROM {table} WHERE aggregate_id = ? ORDER BY nid_from DESC LIMIT 1",
                        (aggregate_id,)).fetchone()
        return row["record_key"] if row else ""

    def reset(self, application_name: str) -> None:
        """Drop every view (so a rebuild also brings their definitions up to date) and forget the
        tracking position, in one transaction; then create them afresh."""
        with self.db.transaction(commit=True) as c:
            for table in table_groups(self.dialect):
                c.execute(f"DROP TABLE IF EXISTS {table}")
            c.execute(f"DELETE FROM {self.tracking_table} WHERE application_name = ?", (application_name,))
        create_missing_tables(self.db)


def existing_tables(db: Database) -> set[str]:
    if db.dialect == "sqlite":
        rows = db.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = db.query("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()")
    return {r["name"] for r in rows}


def create_missing_tables(db: Database) -> None:
    """Create only what is missing: even IF NOT EXISTS takes table locks that can deadlock a
    catch-up running in another process."""
    missing = {t: s for t, s in table_groups(db.dialect).items() if t not in existing_tables(db)}
    for statements in missing.values():
        with db.transaction(commit=True) as c:
            for statement in statements:
                c.execute(statement)


def retry_creation(create: Any, attempts: int = 5) -> None:
    """Two commands starting together on a fresh store may collide creating the same tables."""
    for attempt in range(attempts):
        try:
            create()
            return
        except (IntegrityError, ProgrammingError, OperationalError, InternalError):
            if attempt == attempts - 1:
                raise


class SQLiteReadModel(ReadModel, SQLiteTrackingRecorder):
    dialect = "sqlite"
    tracking_table = "tracking"

    def create_table(self) -> None:
        retry_creation(lambda: (super(SQLiteReadModel, self).create_table(), create_missing_tables(self.db)))


class PostgresReadModel(ReadModel, PostgresTrackingRecorder):
    dialect = "postgres"
    tracking_table = "readmodel_tracking"

    def __init__(self, datastore: Any) -> None:
        super().__init__(datastore, tracking_table_name=self.tracking_table)

    def create_table(self) -> None:
        retry_creation(lambda: (super(PostgresReadModel, self).create_table(), create_missing_tables(self.db)))
