"""Erasure without breaking the chain. A redaction scrubs the person's values from every event that
carries them: the record's own events, and every matcher run whose recorded inputs list the adviser.
The Redacted event names each rewritten event with the SHA-256 of its new payload, and is saved in
the same transaction as the rewrites. The chain keeps covering the original hashes, so `careerhub
verify` accepts a rewritten payload only when it is exactly the one a redaction committed to."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any, cast
from uuid import UUID

from eventsourcing.domain import AggregateEvent
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from engine.application import CareerHub
from engine.errors import UnknownRecordError
from engine.kinds import KINDS
from engine.matchruns import MatchRun
from engine.records import RECORD_CLASSES, REDACTED, Record, redact_values


def redact(app: CareerHub, kind: str, key: tuple[str, ...], actor: str, reason: str) -> UUID:
    """Record the redaction (once) and, in the same transaction, scrub every payload carrying the person."""
    return redact_records(app, [(kind, key)], actor, reason)[0]


def redact_records(app: CareerHub, subjects: list[tuple[str, tuple[str, ...]]], actor: str, reason: str) -> list[UUID]:
    """Redact several records of one person together (a learner's records of each year and their
    participations): one transaction, each Redacted event committing to the rewrites of its own events."""
    ids = [RECORD_CLASSES[kind].id_for(key) for kind, key in subjects]
    rewrites: list[StoredEvent] = []

    def plan() -> list[Record]:
        found = app.load_many(ids)
        rewrites.clear()
        records = []
        for (kind, key), record_id in zip(subjects, ids, strict=True):
            record = found.get(record_id)
            if record is None:
                raise UnknownRecordError(f"no {kind} record with key {' '.join(key)}")
            own = scrubbed_events(app, record, list(record.PERSONAL_FIELDS))
            record.redact(actor, reason, [[UUID(str(e.originator_id)).hex, e.originator_version, payload_sha256(e)] for e in own])
            rewrites.extend(own)
            records.append(record)
        return records

    app.save_with_retry(plan, lambda: {"rewrites": rewrites})
    return ids


def payload_sha256(stored: StoredEvent) -> str:
    return hashlib.sha256(stored.state).hexdigest()


def scrubbed_events(app: CareerHub, record: Record, fields: list[str]) -> list[StoredEvent]:
    """Every stored event carrying the person's values, rewritten without them."""
    rewrites = []
    for stored in carriers(app, record):
        event = cast(AggregateEvent, app.mapper.to_domain_event(stored))  # careerhub's events are all dataclasses
        own = stored.originator_id == record.id
        changes = scrubbed_attributes(vars(event), own, record.KIND, record.key, fields)
        if changes is not None:
            rewrites.append(app.mapper.to_stored_event(replace(event, **changes)))
    return rewrites


def carriers(app: CareerHub, record: Record) -> list[StoredEvent]:
    """The record's own events, and the matcher runs (whose inputs copy advisers' values)."""
    table = app.recorder.events_table_name
    rows = app.db.query(
        f"SELECT originator_id, originator_version, topic, state FROM {table}"
        " WHERE originator_id = ? OR topic = ? ORDER BY originator_id, originator_version",
        (app.db.backend.stored_id(record.id), get_topic(MatchRun.Proposed)),
    )
    return [
        StoredEvent(
            originator_id=UUID(str(row["originator_id"])),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in rows
    ]


def scrubbed_attributes(
    attributes: dict[str, Any], own: bool, kind: str, key: list[str], fields: list[str]
) -> dict[str, Any] | None:
    """The changed attributes of an event without the person's values, or None if it carries none.
    Works on a decoded event's attributes and on a logged payload alike."""
    if own:
        values = attributes.get("values")
        if values is None:
            return None
        changes: dict[str, Any] = {"values": redact_values(values, fields)}
        erased = [i for i, column in enumerate(KINDS[kind].key) if column in fields]  # a pseudonym in the key
        if erased and isinstance(attributes.get("key"), list):
            changes["key"] = [REDACTED if i in erased else part for i, part in enumerate(attributes["key"])]
        return changes
    inputs = attributes.get("inputs")
    if kind != "advisers" or not isinstance(inputs, dict):
        return None
    advisers = inputs.get("advisers", [])
    person = next((a for a in advisers if a.get("adviser_ref") == key[0]), None)
    if person is None:
        return None
    changes = {"inputs": {**inputs, "advisers": [without(a, fields) if a is person else a for a in advisers]}}
    result = attributes.get("result")
    if isinstance(result, dict):  # the proposals' reasons quote the adviser's employer and skills
        texts = personal_texts(person, fields)
        changes["result"] = {
            **result,
            "proposals": [
                {**p, "reasons": [blanked(r, texts) for r in p.get("reasons", [])]} if p.get("adviser_ref") == key[0] else p
                for p in result.get("proposals", [])
            ],
        }
    return changes


def personal_texts(values: dict[str, Any], fields: list[str]) -> list[str]:
    """The person's text values (list items one by one), longest first so none is left half-blanked."""
    texts: list[Any] = []
    for field in fields:
        value = values.get(field)
        texts.extend(value if isinstance(value, list) else [value])
    return sorted({t for t in texts if isinstance(t, str) and t}, key=len, reverse=True)


def blanked(text: str, personal: list[str]) -> str:
    for value in personal:
        text = text.replace(value, REDACTED)
    return text


def without(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """A matcher input without the person's values, keeping each value's type (a replay still reads it)."""

    def erased(value: Any) -> Any:
        return REDACTED if isinstance(value, str) else [] if isinstance(value, list) else None

    return {k: erased(v) if k in fields and v is not None else v for k, v in values.items()}
