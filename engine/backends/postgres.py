"""PostgreSQL: a server, many writers. careerhub's recorder (the event log's clock and hash chain,
written under the library's table lock, outside psycopg's pipeline mode) and everything else that
differs from SQLite."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

import psycopg
from eventsourcing.persistence import IntegrityError, InternalError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic

from engine.backends.base import Backend
from engine.store import EVENT_LOG_COLUMNS, LAST_LINK, REWRITE, log_rows

if TYPE_CHECKING:
    from engine.sql import Cursor


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
                curs.execute(
                    REWRITE.format(table=self.events_table_name).replace("?", "%s"),
                    (e.state, e.originator_id, e.originator_version),
                )
            return ids

    def store_exists(self) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT to_regclass(%s) IS NOT NULL AND to_regclass('event_log') IS NOT NULL AS ok", (self.events_table_name,)
            )
            row = curs.fetchone()
            return bool(row and row["ok"])

    def create_event_log(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                "CREATE TABLE IF NOT EXISTS event_log (notification_id BIGINT PRIMARY KEY,"
                " recorded_at TEXT NOT NULL, payload_sha256 TEXT NOT NULL, chain TEXT NOT NULL)"
            )
            curs.execute("CREATE INDEX IF NOT EXISTS event_log_recorded_at ON event_log (recorded_at)")

    def _fetch_ids_after_insert_events(
        self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The events table is locked EXCLUSIVE here, so the clock and the chain follow commit order.
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        curs.execute(LAST_LINK)
        previous = curs.fetchone()
        curs.execute("SELECT clock_timestamp() AS now")
        now = curs.fetchone()["now"]
        rows = log_rows(previous, ids or [], stored_events, now)
        # One statement with array parameters, not thousands of round trips.
        columns = [list(column) for column in zip(*rows, strict=True)] or [[], [], [], []]
        curs.execute(
            f"INSERT INTO event_log ({EVENT_LOG_COLUMNS}) SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])",
            columns,
        )
        return ids


class PostgresBackend(Backend):
    name = "postgres"
    offset = "OFFSET"
    schemes = ("postgresql", "postgres")
    position_column = "notification_id"
    column_types = {"int": "BIGINT", "percent": "INTEGER", "bool": "INTEGER", "float": "DOUBLE PRECISION", "big": "BIGINT"}
    list_tables = "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
    list_tables_and_indexes = f"{list_tables} UNION SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    notifies = True  # a trigger on event_log notifies every commit that records events (engine/follow.py)
    poll_seconds = 30.0  # the poll only covers a lost notification
    read_replicas = True  # a hot standby answers read-only REPEATABLE READ transactions (service/replica.py)

    def persistence_env(self, create: bool) -> dict[str, str]:
        parts = urlsplit(self.url)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": parts.path.lstrip("/"),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or ""),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "30",
            "APPLICATION_RECORDER_TOPIC": get_topic(ChainedPostgresRecorder),
        }

    def placeholders(self, sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def one_of(self, column: str, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        """One array parameter, so that the statement's text is the same however many values: psycopg
        prepares a statement it has run five times, PostgreSQL then plans it once per connection. A list
        of placeholders made a new statement for each length, never prepared (nor is any statement of more
        than 50 parameters), and each new one pushed a prepared statement out of psycopg's hundred."""
        return f"{column} = ANY(?)", (list(values),)

    def text_rows(self, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """One array parameter, as `one_of`."""
        return "(SELECT unnest(CAST(? AS text[])) AS column1)", (list(values),)

    def fetched_dicts(self, raw: Any) -> list[dict[str, Any]]:
        return raw.fetchall()  # the library's connections make each row a new dict (dict_row)

    def changed_rows(self, raw: Any) -> int:
        return int(raw.rowcount)

    def first_value(self, row: Any) -> Any:
        return next(iter(row.values()))  # rows are dicts

    def stored_id(self, aggregate_id: UUID) -> Any:
        return aggregate_id  # a uuid column

    def lock_against_writers(self, c: Cursor, table: str) -> None:
        """This lock mode conflicts with itself but not with plain reads."""
        c.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")

    @contextmanager
    def read_transaction(self, datastore: Any, questions: Sequence[str]) -> Iterator[tuple[Any, list[Any]]]:
        """REPEATABLE READ, or each statement would see a newer snapshot. The read model a page reads is in
        memory, which PostgreSQL's default cost of a random page (4, for spinning disks) does not assume: it
        planned the matches of a hub's area (125 schools in 13,000 versions, national scale) as a scan of the
        whole table, 2.0 ms, where the index takes 0.26 ms. 1.1 is the usual setting for data that is cached
        or on SSD. BEGIN, both settings and the questions go in one round trip (statements without parameters
        go by the simple protocol, which takes several), where psycopg's transaction sends BEGIN on its own
        and each question would take one more. A request whose page another process kept makes four: the
        session's user, this, the page and COMMIT. It ends with COMMIT: after a ROLLBACK psycopg forgets every
        statement the connection had prepared (DEALLOCATE ALL), so each request would parse and plan its
        queries afresh. If the reads fail, the pool's connection rolls back."""
        begin = ("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", "SET LOCAL random_page_cost = 1.1")
        with datastore.get_connection() as connection:
            results = connection.execute("; ".join((*begin, *questions)))
            answers = []
            while True:  # one result per statement, those of BEGIN and SET without rows
                if results.description is not None:
                    answers.append(self.first_value(results.fetchone()))
                if not results.nextset():
                    break
            yield connection.cursor(), answers
            connection.commit()

    def keep(self, datastore: Any, writes: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Short INSERTs take row locks only, so they never queue behind an import; their commit does not wait
        for the WAL to reach the disk (the WAL is still replicated). The transaction in one round trip: a
        client-side cursor binds the parameters, so the simple protocol can send several statements at once."""
        statements = "; ".join(self.placeholders(statement) for statement, _ in writes)
        params = [value for _, values in writes for value in values]
        with datastore.get_connection() as connection:  # which rolls back if a statement failed (COMMIT skipped)
            psycopg.ClientCursor(connection).execute(f"BEGIN; SET LOCAL synchronous_commit TO OFF; {statements}; COMMIT", params)

    def byte_order(self, column: str) -> str:
        return f'{column} COLLATE "C"'

    def streamed(self, c: Cursor, sql: str, size: int) -> Iterator[dict[str, Any]]:
        """A server-side cursor: a plain one receives the whole result at once."""
        with c.raw.connection.cursor(name="careerhub_streamed") as cursor:
            cursor.itersize = size
            yield from cursor.execute(sql)

    def gather_statistics(self, c: Cursor, tables: list[str]) -> None:
        """ANALYZE: a rebuilt table has no statistics until autovacuum's next round, and the first queries
        after a rebuild were seen to take seconds where they take milliseconds (benchmarks/README.md)."""
        c.execute(f"ANALYZE {', '.join(tables)}")

    def compact(self) -> None:
        """Nothing: PostgreSQL keeps dead row versions until (auto)vacuum."""
