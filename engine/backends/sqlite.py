"""SQLite: a file, one writer at a time. careerhub's recorder (the event log's clock and hash chain,
written under the write lock) and everything else that differs from PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import get_topic

from engine.backends.base import Backend
from engine.errors import CareerHubError
from engine.store import EVENT_LOG_COLUMNS, LAST_LINK, REWRITE, log_rows

if TYPE_CHECKING:
    from engine.sql import Cursor


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
        c.executemany(
            REWRITE.format(table=self.events_table_name),
            [(e.state, e.originator_id.hex, e.originator_version) for e in kwargs.get("rewrites", ())],
        )
        return ids

    def _insert_stored_events(self, c: Any, stored_events: Sequence[StoredEvent]) -> list[int]:
        """All the events in one executemany, where the library runs one INSERT (and reads its rowid)
        per event. A version already taken fails the whole statement: the library's IntegrityError.
        The rowids are the next ones after the largest: this transaction holds the write lock from its
        first insert, and SQLite gives each new row the largest rowid + 1."""
        if not stored_events:
            return []
        c.executemany(
            self.insert_events_statement,
            [
                (
                    e.originator_id.hex if isinstance(e.originator_id, UUID) else e.originator_id,
                    e.originator_version,
                    e.topic,
                    e.state,
                )
                for e in stored_events
            ],
        )
        c.execute(f"SELECT MAX(rowid) FROM {self.events_table_name}")
        last = c.fetchone()[0]
        return list(range(last - len(stored_events) + 1, last + 1))


class SQLiteBackend(Backend):
    name = "sqlite"
    offset = "LIMIT -1 OFFSET"  # SQLite has no OFFSET without a LIMIT
    schemes = ("sqlite",)
    position_column = "rowid"
    column_types = {"int": "INTEGER", "percent": "INTEGER", "bool": "INTEGER", "float": "REAL", "big": "INTEGER"}
    list_tables = "SELECT name FROM sqlite_master WHERE type = 'table'"
    list_tables_and_indexes = "SELECT name FROM sqlite_master WHERE type IN ('table', 'index')"
    notifies = False  # nothing to listen to: a follower polls
    poll_seconds = 0.5
    read_replicas = False  # one file: nothing to replicate it to

    def __init__(self, url: str):
        super().__init__(url)
        self.path = Path(unquote(url[len("sqlite:///") :]))
        if not self.path.name:
            raise CareerHubError(f"database URL {url!r} names no file")

    def persistence_env(self, create: bool) -> dict[str, str]:
        path = self.path
        if not create and (not path.is_file() or path.stat().st_size == 0):
            raise CareerHubError(f"no event store at {path}: the file does not exist or is empty")
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": get_topic(ChainedSQLiteRecorder),
        }

    def placeholders(self, sql: str) -> str:
        return sql

    def one_of(self, column: str, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        return f"{column} IN ({','.join('?' * len(values)) or 'NULL'})", tuple(values)

    def text_rows(self, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        return f"(VALUES {', '.join('(?)' for _ in values)})", tuple(values)

    def fetched_dicts(self, raw: Any) -> list[dict[str, Any]]:
        """Plain tuples zipped with the column names: dict(sqlite3.Row) costs half as much again (a national
        report fetches some 17,000 rows)."""
        cursor = raw.sqlite_cursor
        columns = [d[0] for d in cursor.description]
        factory, cursor.row_factory = cursor.row_factory, None  # applied per fetch
        try:
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        finally:
            cursor.row_factory = factory

    def changed_rows(self, raw: Any) -> int:
        return int(raw.sqlite_cursor.rowcount)  # the library's wrapper does not pass it on

    def first_value(self, row: Any) -> Any:
        return row[0]

    def stored_id(self, aggregate_id: UUID) -> Any:
        return aggregate_id.hex  # the library keeps the 32 hex digits as text

    def lock_against_writers(self, c: Cursor, table: str) -> None:
        """Nothing to do, if the transaction's first statement is a write: that takes the database's
        write lock at once, as BEGIN IMMEDIATE would."""

    @contextmanager
    def read_transaction(self, datastore: Any, questions: Sequence[str]) -> Iterator[tuple[Any, list[Any]]]:
        """A transaction's reads already share the snapshot of its first. It ends with ROLLBACK: one that may
        commit takes the library pool's one writer connection."""
        with datastore.transaction(commit=False) as raw:
            answers = []
            for question in questions:
                raw.execute(question)
                answers.append(self.first_value(raw.fetchone()))
            yield raw, answers

    def keep(self, datastore: Any, writes: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Queued behind no writer. The library's pool lets one writer connection out per process at a time (an
        import through the web holds it for its whole file): this connection is not asked for as a writer's.
        And SQLite has one write lock per file (an import in another process): the first write fails at once
        ("database is locked") while it is taken; the connection waits as before once the block ends. A commit
        in WAL mode costs some 0.4 ms here."""
        connection = datastore.pool.get_connection(is_writer=None)
        try:
            with connection.transaction(commit=True) as raw:
                waits = raw.sqlite_cursor.execute("PRAGMA busy_timeout").fetchone()[0]
                raw.execute("PRAGMA busy_timeout = 0")
                try:
                    for statement, params in writes:
                        raw.execute(self.placeholders(statement), params)
                finally:
                    raw.execute(f"PRAGMA busy_timeout = {int(waits)}")
        finally:
            datastore.pool.put_connection(connection)

    def byte_order(self, column: str) -> str:
        return column  # SQLite's default collation, BINARY

    def streamed(self, c: Cursor, sql: str, size: int) -> Iterator[dict[str, Any]]:
        cursor = c.raw.sqlite_cursor  # the library's wrapper has no fetchmany
        cursor.execute(sql)
        while rows := cursor.fetchmany(size):
            yield from (dict(row) for row in rows)

    def gather_statistics(self, c: Cursor, tables: list[str]) -> None:
        """Nothing: without statistics SQLite's planner takes the index that matches a query's columns,
        which is what every read-model query is written for; statistics could make it choose otherwise."""

    def compact(self) -> None:
        """VACUUM, and truncate the write-ahead log."""
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        try:
            connection.execute("VACUUM")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
