"""Walk the hash chain over the event log and name the first event that was altered, deleted,
inserted or reordered; or give the head digest an auditor can keep outside the system."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from config.values import parse_whole_number
from engine.application import CareerHub
from engine.errors import CareerHubError
from engine.records import Record
from engine.store import GENESIS, chain_link

BATCH = 5000


@dataclass(frozen=True)
class Verdict:
    ok: bool
    events: int
    head_position: int
    head_digest: str
    problem: str | None = None
    position: int | None = None

    @property
    def digest(self) -> str:
        """A token for `verify --extends`: the head position and its chain link."""
        return f"{self.head_position}:{self.head_digest}"


def stored_rows(app: CareerHub, after: int) -> list[dict[str, Any]]:
    """Events and their log rows after a position, matched by notification id (either may be missing)."""
    table = app.recorder.events_table_name
    nid = app.db.backend.position_column
    events = app.db.query(
        f"SELECT {nid} AS nid, originator_id, originator_version, topic, state FROM {table}"
        f" WHERE {nid} > ? ORDER BY {nid} LIMIT {BATCH}",
        (after,),
    )
    last = events[-1]["nid"] if events else None
    logs = app.db.query(
        "SELECT notification_id AS nid, payload_sha256, chain FROM event_log WHERE notification_id > ?"
        + (" AND notification_id <= ?" if last else "")
        + " ORDER BY notification_id",
        (after, last) if last else (after,),
    )
    by_nid: dict[int, dict[str, Any]] = {}
    for e in events:
        by_nid.setdefault(e["nid"], {})["event"] = e
    for row in logs:
        by_nid.setdefault(row["nid"], {})["log"] = row
    return [{"nid": n, **by_nid[n]} for n in sorted(by_nid)]


@dataclass(frozen=True)
class Redactions:
    """What the redactions in the log allow to differ from the hashes the chain covers."""

    committed: dict[tuple[str, int], str]  # (originator id, version) -> SHA-256 of the payload it wrote
    uncommitted: dict[str, int]  # originator id -> version of a redaction recorded without commitments

    def allows(self, originator_id: str, version: int, payload: str) -> bool:
        if (originator_id, version) in self.committed:
            return self.committed[originator_id, version] == payload
        return version < self.uncommitted.get(originator_id, 0)


def redactions(app: CareerHub) -> Redactions:
    """The commitments of every Redacted event, in log order (a later redaction's payload wins).
    The Redacted events are themselves covered by the chain, so their commitments can be trusted."""
    table = app.recorder.events_table_name
    nid = app.db.backend.position_column
    rows = app.db.query(
        f"SELECT originator_id, originator_version, topic, state FROM {table} WHERE topic LIKE '%.Redacted' ORDER BY {nid}"
    )
    committed: dict[tuple[str, int], str] = {}
    uncommitted: dict[str, int] = {}
    for row in rows:
        originator = UUID(str(row["originator_id"]))
        stored = StoredEvent(
            originator_id=originator,
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=as_bytes(row["state"]),
        )
        try:
            event = app.mapper.to_domain_event(stored)
        except Exception:  # altered beyond decoding: the chain walk names it
            continue
        if not isinstance(event, Record.Redacted):  # altered into another event: the chain walk names it
            continue
        if event.rewrites is None:
            uncommitted[originator.hex] = max(uncommitted.get(originator.hex, 0), stored.originator_version)
        for originator_id, version, payload in event.rewrites or ():
            committed[originator_id, version] = payload
    return Redactions(committed, uncommitted)


def verify_chain(app: CareerHub) -> Verdict:
    link, count, position, after = GENESIS, 0, 0, 0
    redacted = redactions(app)
    while rows := stored_rows(app, after):
        for row in rows:
            event, log = row.get("event"), row.get("log")
            nid = row["nid"]
            if log is None:
                return Verdict(False, count, position, link, "inserted: an event without its log entry", nid)
            if event is None:
                return Verdict(False, count, position, link, "deleted: the event of this log entry is missing", nid)
            originator_id = str(event["originator_id"]).replace("-", "")
            stored = StoredEvent(
                originator_id=originator_id,
                originator_version=event["originator_version"],
                topic=event["topic"],
                state=as_bytes(event["state"]),
            )
            payload = hashlib.sha256(stored.state).hexdigest()
            if payload != log["payload_sha256"] and not redacted.allows(originator_id, stored.originator_version, payload):
                return Verdict(False, count, position, link, "altered: the event's payload does not match its hash", nid)
            expected = chain_link(link, nid, normalised(stored), log["payload_sha256"])
            if expected != log["chain"]:
                return Verdict(
                    False, count, position, link, "altered, reordered, or an earlier event deleted: the chain breaks here", nid
                )
            link, position, count = log["chain"], nid, count + 1
        after = rows[-1]["nid"]
    return Verdict(True, count, position, link)


def as_bytes(state: Any) -> bytes:
    """A payload as bytes, even if someone rewrote it as text behind the library's back."""
    return state.encode() if isinstance(state, str) else bytes(state)


def normalised(stored: StoredEvent) -> StoredEvent:
    """The envelope as the recorder saw it when it chained the event (ids as UUID text)."""
    return StoredEvent(UUID(str(stored.originator_id)), stored.originator_version, stored.topic, stored.state)


def chain_link_at(app: CareerHub, position: int) -> str | None:
    """The hash chain's link at a log position (it commits to every event up to it), if recorded."""
    rows = app.db.query("SELECT chain FROM event_log WHERE notification_id = ?", (position,))
    return rows[0]["chain"] if rows else None


def recorded_times(app: CareerHub, upto: int) -> dict[int, str]:
    """Log position -> recording time, for every event up to a position."""
    rows = app.db.query("SELECT notification_id, recorded_at FROM event_log WHERE notification_id <= ?", (upto,))
    return {r["notification_id"]: r["recorded_at"] for r in rows}


def check_extends(app: CareerHub, digest: str) -> Verdict:
    """The log still contains the event a kept digest named, with the same chain link."""
    position_text, _, link = digest.partition(":")
    try:
        position = parse_whole_number(position_text)  # ASCII digits, within a database integer
    except ValueError:
        position = None
    if position is None or len(link) != 64:
        raise CareerHubError(f"{digest[:100]!r} is not a digest printed by `careerhub verify --digest`")
    verdict = verify_chain(app)
    row = app.db.query("SELECT chain FROM event_log WHERE notification_id = ?", (position,))
    if not row or row[0]["chain"] != link:
        return Verdict(
            False,
            verdict.events,
            verdict.head_position,
            verdict.head_digest,
            "rewritten: the log no longer extends the kept digest",
            position,
        )
    return verdict
