"""The event store's shared parts: date transcoding, and what the recorders (one per backend, in
engine/backends/) write with each event: its recording time (the database's clock, in the event's own
transaction) and its link in a hash chain, so that "as known at T" is exact and history is tamper-evident."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import StoredEvent, Transcoding

if TYPE_CHECKING:
    from engine.sql import Database

GENESIS = "0" * 64
EVENT_LOG_COLUMNS = "notification_id, recorded_at, payload_sha256, chain"


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def format_recorded_at(moment: datetime) -> str:
    """Fixed-width UTC text, so that recording times compare correctly as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_link(previous: str, notification_id: int, stored: StoredEvent, payload_sha256: str) -> str:
    envelope = f"{previous}|{notification_id}|{stored.originator_id}|{stored.originator_version}|{stored.topic}|{payload_sha256}"
    return hashlib.sha256(envelope.encode()).hexdigest()


def log_rows(
    previous: dict[str, Any] | None, ids: Sequence[int], events: Sequence[StoredEvent], now: datetime
) -> list[tuple[int, str, str, str]]:
    """Rows of event_log for freshly inserted events: recording time never goes backwards."""
    recorded_at = format_recorded_at(now)
    link = GENESIS
    if previous:
        recorded_at = max(recorded_at, previous["recorded_at"])
        link = previous["chain"]
    rows = []
    for notification_id, stored in zip(ids, events, strict=True):
        payload_sha256 = hashlib.sha256(stored.state).hexdigest()
        link = chain_link(link, notification_id, stored, payload_sha256)
        rows.append((notification_id, recorded_at, payload_sha256, link))
    return rows


# A redaction's rewrites of earlier payloads, saved with the Redacted event that commits to them.
REWRITE = "UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?"
LAST_LINK = "SELECT recorded_at, chain FROM event_log ORDER BY notification_id DESC LIMIT 1"


def shares_log_with(db: Database, other: Database) -> bool | None:
    """Does `db` hold `other`'s event log, as far as it goes (a replica of it that may lag)? Its last link
    of the hash chain, which commits to every event before, must be `other`'s link at that position.
    None while `db` holds no event: nothing tells yet."""
    last = db.query("SELECT notification_id, chain FROM event_log ORDER BY notification_id DESC LIMIT 1")
    if not last:
        return None
    theirs = other.scalar("SELECT chain FROM event_log WHERE notification_id = ?", (last[0]["notification_id"],))
    return bool(theirs == last[0]["chain"])
