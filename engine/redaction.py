"""Erasure without breaking the chain: the redaction is an event; then the earlier payloads of the
same record are rewritten without the personal values. The chain covers each payload's hash as
recorded, so `careerhub verify` still passes and knows these rewrites were made on purpose."""
from __future__ import annotations

from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from engine.application import CareerHub
from engine.errors import UnknownRecordError
from engine.records import RECORD_CLASSES, Record, redact_values


def redact(app: CareerHub, kind: str, key: tuple[str, ...], actor: str, reason: str) -> UUID:
    """Record the redaction (once) and scrub every earlier payload of the record."""
    record_class = RECORD_CLASSES[kind]
    record_id = record_class.id_for(key)

    def plan() -> list[Record]:
        record = app.load_many([record_id]).get(record_id)
        if record is None:
            raise UnknownRecordError(f"no {kind} record with key {' '.join(key)}")
        record.redact(actor, reason)
        return [record]

    app.save_with_retry(plan)
    scrub(app, record_id, list(record_class.PERSONAL_FIELDS))
    return record_id


def scrub(app: CareerHub, record_id: UUID, fields: list[str]) -> None:
    table = app.recorder.events_table_name
    stored_id: Any = record_id.hex if app.db.dialect == "sqlite" else record_id
    with app.db.transaction(commit=True) as c:
        rows = c.execute(f"SELECT originator_version, topic, state FROM {table} WHERE originator_id = ?",
                         (stored_id,)).fetchall()
        for row in rows:
            event = app.mapper.to_domain_event(_stored(record_id, row))
            values = getattr(event, "values", None)
            if values is None:
                continue
            scrubbed = app.mapper.to_stored_event(replace(event, values=redact_values(values, fields)))
            c.execute(f"UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
                      (scrubbed.state, stored_id, row["originator_version"]))


def _stored(record_id: UUID, row: dict[str, Any]) -> StoredEvent:
    return StoredEvent(originator_id=record_id, originator_version=row["originator_version"],
                       topic=row["topic"], state=bytes(row["state"]))


