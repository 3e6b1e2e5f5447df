"""The event store: backend selection by URL, date transcoding, and the recorders that write
each event's recording time (the database's clock, in the event's own transaction) and its link
in a hash chain, so that "as known at T" is exact and history is tamper-evident."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import IntegrityError, InternalError, OperationalError, ProgrammingError, StoredEvent, Transcoding
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from engine.errors import CareerHubError

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


def log_rows(previous: dict[str, Any] | None, ids: Sequence[int], events: Sequence[StoredEvent],
             now: datetime) -> list[tuple[int, str, str, str]]:
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


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + [
            "CREATE TABLE IF NOT EXISTS event_log (notification_id INTEGER PRIMARY KEY,"
            " recorded_at TEXT NOT NULL, payload_sha256 TEXT NOT NULL, chain TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS event_log_recorded_at ON event_log (recorded_at)",
        ]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = self._insert_stored_events(c, stored_events)
        c.execute(LAST_LINK)
        last = c.fetchone()
        previous = dict(last) if last else None
        rows = log_rows(previous, ids, stored_events, datetime.now(UTC))
        c.executemany(f"INSERT INTO event_log ({EVENT_LOG_COLUMNS}) VALUES (?,?,?,?)", rows)
        c.executemany(REWRITE.format(table=self.events_table_name),
                      [(e.state, e.originator_id.hex, e.originator_version) for e in kwargs.get("rewrites", ())])
        return ids

    def _insert_stored_events(self, c: Any, stored_events: Sequence[StoredEvent]) -> list[int]:
        """All the events in one executemany, where the library runs one INSERT (and reads its rowid)
        per event. A version already taken fails the whole statement: the library's IntegrityError.
        The rowids are the next ones after the largest: this transaction holds the write lock from its
        first insert, and SQLite gives each new row the largest rowid + 1."""
        if not stored_events:
            return []
        c.executemany(self.insert_events_statement, [
            (e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id,
             e.originator_version, e.topic, e.state) for e in stored_events])
        c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
        last = c.fetchone()[0]
        return list(range(last - len(stored_events) + 1, last + 1))


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    def create_table(self) -> None:
        # The library re-creates its insert function every time; two commands starting at once then
        # collide on it ('tuple concurrently updated'). Create only what is missing, and retry a collision.
        for attempt in range(5):
            try:
                if not self.store_exists():
                    super().create_table()
                    self.create_event_log()
                return
            except (InternalError, IntegrityError, ProgrammingError, OperationalError):
                if attempt == 4:
                    raise

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """As the library does, but outside psycopg's pipeline mode, where a file of 20,000 events
        sent as one array parameter left client and server waiting on each other for ever."""
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            if not stored_events:
                return []
            self._insert_stored_events(curs, stored_events, **kwargs)  # locks the table, then inserts
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            for e in kwargs.get("rewrites", ()):
                curs.execute(REWRITE.format(table=self.events_table_name).replace("?", "%s"),
                             (e.state, e.originator_id, e.originator_version))
            return ids

    def store_exists(self) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass('event_log') IS NOT NULL AS ok",
                         (self.events_table_name,))
            row = curs.fetchone()
            return bool(row and row["ok"])

    def create_event_log(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "CREATE TABLE IF NOT EXISTS event_log (notification_id BIGINT PRIMARY KEY,"
                " recorded_at TEXT NOT NULL, payload_sha256 TEXT NOT NULL, chain TEXT NOT NULL)")
            curs.execute("CREATE INDEX IF NOT EXISTS event_log_recorded_at ON event_log (recorded_at)")

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent],
                                       **kwargs: Any) -> Sequence[int] | None:
        # The events table is locked EXCLUSIVE here, so the clock and the chain follow commit order.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        curs.execute(LAST_LINK)
        previous = curs.fetchone()
        curs.execute("SELECT clock_timestamp() AS now")
        now = curs.fetchone()["now"]
        rows = log_rows(previous, ids or [], stored_events, now)
        # One statement with array parameters, not thousands of round trips.
        columns = [list(column) for column in zip(*rows, strict=True)] or [[], [], [], []]
        curs.execute(f"INSERT INTO event_log ({EVENT_LOG_COLUMNS}) SELECT * FROM"
                     " unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])", columns)
        return ids


def dialect_of(url: str) -> str:
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("postgresql", "postgres"):
        return "postgres"
    raise CareerHubError(f"database URL {url!r}: scheme must be sqlite:/// or postgresql://")


def store_env(url: str, cipher_key: str | None = None, create: bool = True) -> dict[str, str]:
    """eventsourcing settings for a CAREERHUB_DATABASE_URL (DATA.md §1); a store that does not exist yet
    is created, unless `create` is false."""
    parts = urlsplit(url)
    if dialect_of(url) == "sqlite":
        path = Path(unquote(url[len("sqlite:///"):]))
        if not path.name:
            raise CareerHubError(f"database URL {url!r} names no file")
        if not create and (not path.is_file() or path.stat().st_size == 0):
            raise CareerHubError(f"no event store at {path}: the file does not exist or is empty")
        path.parent.mkdir(parents=True, exist_ok=True)
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path),
               "SQLITE_LOCK_TIMEOUT": "30",
               "APPLICATION_RECORDER_TOPIC": get_topic(ChainedSQLiteRecorder)}
    else:
        env = {"PERSISTENCE_MODULE": "eventsourcing.postgres",
               "POSTGRES_DBNAME": parts.path.lstrip("/"), "POSTGRES_HOST": parts.hostname or "127.0.0.1",
               "POSTGRES_PORT": str(parts.port or 5432), "POSTGRES_USER": unquote(parts.username or ""),
               "POSTGRES_PASSWORD": unquote(parts.password or ""), "POSTGRES_LOCK_TIMEOUT": "30",
               "APPLICATION_RECORDER_TOPIC": get_topic(ChainedPostgresRecorder)}
    env["CREATE_TABLE"] = "yes" if create else "no"
    if cipher_key:
        env.update({"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": cipher_key})
    return env
