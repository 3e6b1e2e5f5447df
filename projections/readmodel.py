"""The materialised read model: version rows and log rows written together with the tracking
position, in one transaction per batch, so every event is applied exactly once."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import cache
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import IntegrityError, InternalError, OperationalError, ProgrammingError, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteConnection, SQLiteTrackingRecorder
from eventsourcing.utils import resolve_topic

from engine.backends import Backend, PostgresBackend, SQLiteBackend
from engine.kinds import KINDS
from engine.records import RECORD_CLASSES, REDACTED
from engine.redaction import scrubbed_attributes
from engine.sql import Cursor, Database
from projections import report_cache
from projections.changes import CHANGE_COLUMNS, Reached, institution_places
from projections.tables import (
    LOG_COLUMNS,
    cell,
    schema_digest,
    table_groups,
    table_of,
    version_columns,
    version_row,
)

RECORD_EVENT_KINDS = {
    getattr(cls, name).TOPIC: (cls.KIND, name)
    for cls in RECORD_CLASSES.values()
    for name in ("Recorded", "Corrected", "Retracted", "Redacted")
}
ENVELOPE = ("originator_id", "originator_version", "timestamp", "originator_topic")
SECRET = "password_hash"  # stays in the event store only; never copied into a read model
ID_CHUNK = 500  # ids per IN (...) query


class Applied(NamedTuple):
    """One event as the read model applies it. `fields` is its body as stored (decrypted JSON, read
    as it is: a date stays the library's {"_type_": "date_iso", "_data_": ...}, which `cell` reads),
    or, for the few events the library must decode itself (secrets, upcasting), its attributes."""

    nid: int
    recorded_at: str
    topic: str  # as stored
    aggregate_id: str
    fields: dict[str, Any]
    state: bytes  # the event's JSON as the library stored it (decrypted): the log's payload as is


class EventType(NamedTuple):
    """What the read model needs to know of an event class, found once per stored topic."""

    topic: str  # as the read model's log shows it
    log_kind: str
    kind: str | None  # a record's kind, for the events of records
    name: str
    defaults: dict[str, Any]  # class attributes standing in for fields an older event lacks
    decoded: bool  # read through the library: upcast, or holding a secret (see needs_decoding)


OPTIONAL_FIELDS = ("valid_on", "actor", "reason", "source", "rewrites")


@cache
def event_type(stored_topic: str) -> EventType:
    cls = resolve_topic(stored_topic)
    topic = cls.TOPIC if hasattr(cls, "TOPIC") else cls.__qualname__
    kind, name = RECORD_EVENT_KINDS.get(topic, (None, cls.__name__))
    declared = {name for c in cls.__mro__ for name in getattr(c, "__annotations__", {})}
    decoded = getattr(cls, "class_version", 1) > 1 or SECRET in declared
    return EventType(
        topic,
        kind or topic.split(":")[-1].split(".")[0],
        kind,
        name,
        {f: getattr(cls, f, None) for f in OPTIONAL_FIELDS},
        decoded,
    )


def needs_decoding(kind_of: EventType, fields: dict[str, Any]) -> bool:
    """Read through the library: an upcast event, or one with a secret (its logged payload is built
    from its decoded attributes, as it always was)."""
    return kind_of.decoded or SECRET in fields


class Batch:
    """The writes of one batch, made with one statement per table. Versions recorded and superseded
    inside the batch are written already closed; only versions from earlier batches are updated,
    and those are read in a few queries before the batch is applied (`fetch_current`)."""

    def __init__(self) -> None:
        self.rows: dict[str, list[list[Any]]] = {}
        self.open: dict[str, tuple[list[Any], dict[str, Any]]] = {}  # aggregate_id -> its newest row here
        self.closed: dict[str, tuple[str, dict[str, Any]]] = {}  # retracted in this batch: key, last values
        self.closes: dict[str, list[tuple[int, str]]] = {}
        self.current: dict[str, dict[str, Any]] = {}  # aggregate_id -> its current row from earlier batches
        self.log: list[tuple[Any, ...]] = []
        self.reached = Reached()

    def fetch_current(self, c: Cursor, items: Sequence[Applied]) -> None:
        """The current rows of every record the batch corrects or retracts, in a few queries."""
        wanted: dict[str, set[str]] = {}
        for item in items:
            kind_of = event_type(item.topic)
            if kind_of.kind is not None and kind_of.name in ("Corrected", "Retracted"):
                wanted.setdefault(kind_of.kind, set()).add(item.aggregate_id)
        for kind, ids in wanted.items():
            self.current.update(current_rows(c, table_of(kind), sorted(ids)))

    def insert(self, kind: str, aggregate_id: str, row: list[Any], values: dict[str, Any]) -> None:
        self.rows.setdefault(kind, []).append(row)
        self.open[aggregate_id] = (row, values)

    def close(self, c: Cursor, kind: str, aggregate_id: str, nid: int) -> tuple[str, dict[str, Any]]:
        """Supersede the record's current version at log position nid; its key and values."""
        if aggregate_id in self.open:
            row, values = self.open.pop(aggregate_id)
            row[2] = nid  # nid_to
            self.closed[aggregate_id] = (row[3], values)
            return row[3], values
        if aggregate_id in self.closed:  # restored after a retraction in this batch: nothing is open
            return self.closed[aggregate_id]
        self.closes.setdefault(kind, []).append((nid, aggregate_id))
        current = self.current.pop(aggregate_id, None) or latest_row(c, table_of(kind), aggregate_id)
        self.closed[aggregate_id] = (current["record_key"], current)
        return current["record_key"], current

    def flush(self, c: Cursor, model: ReadModel) -> None:
        """Write everything so far with the model's bulk statements (and forget what was read: a
        redaction then changes rows in place)."""
        for kind, closes in self.closes.items():
            model.close_versions(c, table_of(kind), closes)
        for kind, rows in self.rows.items():
            model.insert_rows(c, table_of(kind), version_columns(KINDS[kind]), rows)
        model.insert_rows(c, "rm_log", LOG_COLUMNS, self.log)
        places = institution_places(c, sorted(self.reached.urns))  # after this batch's institutions are written
        model.insert_rows(c, "rm_changes", CHANGE_COLUMNS, self.reached.rows(places))
        Batch.__init__(self)


def current_rows(c: Cursor, table: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        found = c.execute(
            f"SELECT * FROM {table} WHERE nid_to IS NULL AND aggregate_id IN ({', '.join('?' * len(chunk))})", chunk
        ).fetchall()
        rows.update((row["aggregate_id"], row) for row in found)
    return rows


def latest_row(c: Cursor, table: str, aggregate_id: str) -> dict[str, Any]:
    """The record's newest version: the current one, or, if it is retracted, its last (the key is
    that of its last version). Only the newest version can be open."""
    row = c.execute(f"SELECT * FROM {table} WHERE aggregate_id = ? ORDER BY nid_from DESC LIMIT 1", (aggregate_id,)).fetchone()
    return row or {"record_key": ""}


def payload_of(item: Applied) -> str:
    """The logged payload: the stored JSON itself (no second encoding), unless it holds a secret."""
    if SECRET in item.fields:
        fields = {k: (REDACTED if k == SECRET else v) for k, v in item.fields.items() if k not in ENVELOPE}
        return json.dumps(fields, sort_keys=True, default=lambda v: v.isoformat() if isinstance(v, date) else str(v))
    return item.state.decode()


def plain(value: Any) -> Any:
    """A logged payload with the library's typed values ({"_type_": ..., "_data_": ...}) as plain JSON."""
    if isinstance(value, dict):
        if set(value) == {"_type_", "_data_"}:
            return plain(value["_data_"])
        return {k: plain(v) for k, v in value.items() if k not in ENVELOPE}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class ReadModel:
    """Shared by both backends; the tracking table and its upsert come from the library, and each
    backend's class (READ_MODELS) writes many rows its own way."""

    REBUILD_PAGES_PER_COMMIT = 1  # pages of the log per transaction in a rebuild

    backend: Backend
    datastore: Any
    sealer: Any = None
    tracking_table: str
    bulk_db: Database | None = None  # during `bulk_writes`: where a rebuild writes
    if TYPE_CHECKING:  # from the library's tracking recorder that each backend's class also derives from

        def _insert_tracking(self, c: Any, tracking: Tracking) -> None: ...
        def max_tracking_id(self, application_name: str) -> int | None: ...

    @staticmethod
    def insert_rows(c: Cursor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Many rows in one statement."""
        raise NotImplementedError

    @staticmethod
    def close_versions(c: Cursor, table: str, closes: Sequence[tuple[int, str]]) -> None:
        """Supersede the current version of many records, (log position, aggregate_id) each, in one statement."""
        raise NotImplementedError

    @property
    def db(self) -> Database:
        return Database(self.datastore, self.backend, self.sealer)

    @property
    def writer(self) -> Database:
        return self.bulk_db or self.db

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """Settings for a rebuild's many large batches: none by default (see SQLiteReadModel)."""
        yield

    def apply_batch(self, application_name: str, items: Sequence[Applied]) -> None:
        self.apply_pages(application_name, [items])

    def apply_pages(self, application_name: str, pages: Iterable[Sequence[Applied]]) -> tuple[int, int]:
        """Apply pages of the log in one transaction, each page's rows written (and the page let go)
        before the next is taken; the last position applied and the number of events."""
        last = count = 0
        with self.writer.transaction(commit=True) as c:
            for items in pages:
                # Write first: on SQLite this takes the write lock before any read, so the batch never
                # reads a snapshot another process has since changed (which SQLite cannot upgrade).
                self._insert_tracking(c.raw, Tracking(application_name, items[-1].nid))
                batch = Batch()
                batch.fetch_current(c, items)
                for item in items:
                    self.apply(c, batch, item)
                batch.flush(c, self)
                last, count = items[-1].nid, count + len(items)
        return last, count

    def apply(self, c: Cursor, batch: Batch, item: Applied) -> None:
        kind_of = event_type(item.topic)
        fields, defaults = item.fields, kind_of.defaults
        record_key = urn = None
        if kind_of.kind is not None:
            record_key, urn = self.apply_record(c, batch, kind_of.kind, kind_of, item)
        valid_on, actor = fields.get("valid_on", defaults["valid_on"]), fields.get("actor", defaults["actor"])
        batch.log.append(
            (
                item.nid,
                item.recorded_at,
                kind_of.topic,
                kind_of.log_kind,
                kind_of.name,
                item.aggregate_id,
                record_key,
                urn,
                self.sealer.seal(actor),
                self.sealer.lookup_key(actor),
                fields.get("reason", defaults["reason"]),
                fields.get("source", defaults["source"]),
                cell(valid_on) if valid_on else None,
                self.sealer.seal(payload_of(item)),
            )
        )

    def apply_record(self, c: Cursor, batch: Batch, kind: str, kind_of: EventType, item: Applied) -> tuple[str, str | None]:
        name, aggregate_id, fields = kind_of.name, item.aggregate_id, item.fields
        schema = KINDS[kind]
        if name == "Redacted":
            batch.flush(c, self)  # rare: write what came before, then erase in place
            self.erase(c, kind, aggregate_id, fields["fields"], self.sealer)
            report_cache.clear(c)  # history was rewritten in place: what was kept may say otherwise
            key = self.last_key(c, table_of(kind), aggregate_id)  # a pseudonym in the key is erased too
            for carrier in {originator for originator, _, _ in fields.get("rewrites", kind_of.defaults["rewrites"]) or ()}:
                if UUID(carrier) != UUID(aggregate_id):
                    self.scrub_log(c, UUID(carrier), kind, key.split(" "), fields["fields"], self.sealer)
            return key, None
        if name == "Recorded":
            key, values = " ".join(fields["key"]), fields["values"]
        else:
            key, values = batch.close(c, kind, aggregate_id, item.nid)
            batch.reached.version(kind, item.nid, values)  # the version it supersedes
        if name in ("Recorded", "Corrected"):
            values = fields["values"]
            batch.reached.version(kind, item.nid, values)
            batch.insert(kind, aggregate_id, version_row(schema, aggregate_id, item.nid, key, values, self.sealer), values)
        return key, schema.institution_of(values)

    @staticmethod
    def erase(c: Cursor, kind: str, aggregate_id: str, fields: list[str], sealer: Any) -> None:
        """Remove personal values from every version row and every logged payload of a record."""
        schema = KINDS[kind]
        text = [f for f in fields if schema.column(f).type == "text"]
        assignments = [f"{f} = CASE WHEN {f} IS NULL THEN NULL ELSE ? END" for f in text]
        markers = [sealer.seal(REDACTED) if f in schema.sealed else REDACTED for f in text]  # a pseudonym is not sealed
        assignments += [f"{f} = NULL" for f in fields if f not in text]
        c.execute(f"UPDATE {table_of(kind)} SET {', '.join(assignments)} WHERE aggregate_id = ?", (*markers, aggregate_id))
        erased = [i for i, column in enumerate(schema.key) if column in fields]
        if erased:  # the key (a learner's pseudonym): as the rewritten Recorded event now has it
            parts = ReadModel.last_key(c, table_of(kind), aggregate_id).split(" ")
            key = " ".join(REDACTED if i in erased else part for i, part in enumerate(parts))
            c.execute(f"UPDATE {table_of(kind)} SET record_key = ? WHERE aggregate_id = ?", (key, aggregate_id))
            c.execute("UPDATE rm_log SET record_key = ? WHERE aggregate_id = ?", (key, aggregate_id))
        ReadModel.scrub_log(c, UUID(aggregate_id), kind, None, fields, sealer)

    @staticmethod
    def scrub_log(c: Cursor, aggregate_id: UUID, kind: str, key: list[str] | None, fields: list[str], sealer: Any) -> None:
        """Erase the person's values from the logged payloads of an aggregate: the record's own
        (key None), or another that carried them (a matcher run's inputs), as the store's were."""
        for row in c.execute("SELECT nid, payload FROM rm_log WHERE aggregate_id = ?", (str(aggregate_id),)).fetchall():
            payload = plain(json.loads(sealer.unseal(row["payload"])))
            changes = scrubbed_attributes(payload, key is None, kind, key or [], fields)
            if changes is not None:
                c.execute(
                    "UPDATE rm_log SET payload = ? WHERE nid = ?",
                    (sealer.seal(json.dumps({**payload, **changes}, sort_keys=True)), row["nid"]),
                )

    @staticmethod
    def last_key(c: Cursor, table: str, aggregate_id: str) -> str:
        row = c.execute(
            f"SELECT record_key FROM {table} WHERE aggregate_id = ? ORDER BY nid_from DESC LIMIT 1", (aggregate_id,)
        ).fetchone()
        return row["record_key"] if row else ""

    def reset(self, application_name: str) -> None:
        """Drop every view (so a rebuild also brings their definitions up to date) and forget the
        tracking position, in one transaction; then create the tables with only the index a replay
        needs; `create_indexes` adds the others once it has caught up (faster than maintaining them)."""
        with self.writer.transaction(commit=True) as c:
            for table in table_groups(self.backend):
                c.execute(f"DROP TABLE IF EXISTS {table}")
            c.execute(f"DELETE FROM {self.tracking_table} WHERE application_name = ?", (application_name,))
            report_cache.clear(c)
            for statements in table_groups(self.backend).values():
                for statement in statements[:2]:  # the table, and the index that finds a record's current row
                    c.execute(statement)
            c.execute("INSERT INTO rm_schema (digest) VALUES (?)", (schema_digest(self.backend),))

    def outdated(self) -> bool:
        """Were the tables made under other definitions (an older careerhub)? Then only a rebuild fits them."""
        rows = self.db.query("SELECT digest FROM rm_schema")
        return [r["digest"] for r in rows] != [schema_digest(self.backend)]

    def create_indexes(self) -> None:
        """The indexes a replay does without, then the planner's statistics of the tables just loaded."""
        with self.writer.transaction(commit=True) as c:
            for statements in table_groups(self.backend).values():
                for statement in statements[2:]:
                    c.execute(statement)
            self.backend.gather_statistics(c, list(table_groups(self.backend)))


def existing_objects(db: Database) -> set[str]:
    """Names of the tables and indexes that exist."""
    return {r["name"] for r in db.query(db.backend.list_tables_and_indexes)}


def created_name(statement: str) -> str:
    return statement.split()[5]  # CREATE TABLE|INDEX IF NOT EXISTS <name> ...


def create_missing_tables(db: Database) -> None:
    """Create only what is missing: even IF NOT EXISTS takes table locks that can deadlock a
    catch-up running in another process. The shared caches' tables too: they are not the read model's (a
    rebuild empties them rather than drops them), but every reader of it may look in them."""
    existing = existing_objects(db)
    for statements in [*table_groups(db.backend).values(), *(shared.create for shared in report_cache.SHARED_CACHES)]:
        missing = [s for s in statements if created_name(s) not in existing]
        if missing:
            with db.transaction(commit=True) as c:
                for statement in missing:
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


class OneConnection:
    """A datastore of a single connection (the library's), for a rebuild's own writer."""

    def __init__(self, connection: SQLiteConnection) -> None:
        self.connection = connection

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        with self.connection.transaction(commit=commit) as c:
            yield c


class SQLiteReadModel(ReadModel, SQLiteTrackingRecorder):
    tracking_table = "tracking"
    BULK_CACHE_KIB = 64 * 1024  # the rebuild writer's page cache (SQLite's default is 2 MiB)
    # Each commit writes every page of the version tables' `_current` indexes that its events
    # touched (random aggregate ids: most of the pages, at a million events) to the write-ahead
    # log, and checkpoints them: a rebuild commits every 5 pages (50,000 events), not every page.
    REBUILD_PAGES_PER_COMMIT = 5

    @contextmanager
    def bulk_writes(self) -> Iterator[None]:
        """A connection of the rebuild's own, with a page cache large enough for the version tables'
        `_current` indexes (random aggregate ids, read back by every batch) and the final index
        sorts; the pool's connections keep the default, and this one's memory goes when it closes.
        Only the read model is written through it. (An in-memory database has no second connection.)"""
        pool = self.datastore.pool
        if pool.is_sqlite_memory_mode:
            yield
            return
        raw = sqlite3.connect(
            pool.db_name, uri=True, check_same_thread=False, isolation_level=None, timeout=pool.lock_timeout or 5
        )
        raw.row_factory = sqlite3.Row
        raw.execute(f"PRAGMA cache_size = -{self.BULK_CACHE_KIB}")
        # Debian's SQLite zeroes every freed page (SECURE_DELETE): dropping the old tables would
        # write them all again. FAST still zeroes deleted content within the pages it writes, and a
        # rebuild writes nothing a redaction erased: it replays the event store as rewritten.
        raw.execute("PRAGMA secure_delete = FAST")
        connection = SQLiteConnection(raw, max_age=None)
        self.bulk_db = Database(OneConnection(connection), self.backend, self.sealer)
        try:
            yield
        finally:
            self.bulk_db = None
            connection.close()

    ROWS_PER_INSERT = 500  # rows per multi-row INSERT (each statement's parameters stay within SQLite's limit)

    @staticmethod
    def insert_rows(c: Cursor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Multi-row INSERTs of up to ROWS_PER_INSERT rows, one prepared statement for the full ones:
        each row of an executemany is a step of its own that gives up the GIL and takes it back,
        which a rebuild's read-ahead thread makes slow."""
        if not rows:
            return
        raw = c.raw.sqlite_cursor
        limit = raw.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        size = max(1, min(SQLiteReadModel.ROWS_PER_INSERT, limit // len(columns)))
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        one = f"({', '.join('?' * len(columns))})"
        full = len(rows) - len(rows) % size
        if full:
            raw.executemany(
                head + ", ".join([one] * size), [list(chain.from_iterable(rows[i : i + size])) for i in range(0, full, size)]
            )
        if rest := rows[full:]:
            raw.execute(head + ", ".join([one] * len(rest)), list(chain.from_iterable(rest)))

    @staticmethod
    def close_versions(c: Cursor, table: str, closes: Sequence[tuple[int, str]]) -> None:
        if not closes:
            return
        c.executemany(f"UPDATE {table} SET nid_to = ? WHERE aggregate_id = ? AND nid_to IS NULL", closes)

    def create_table(self) -> None:
        def create() -> None:
            super(SQLiteReadModel, self).create_table()
            create_missing_tables(self.db)

        retry_creation(create)


class PostgresReadModel(ReadModel, PostgresTrackingRecorder):
    tracking_table = "readmodel_tracking"

    def __init__(self, datastore: Any) -> None:
        super().__init__(datastore, tracking_table_name=self.tracking_table)

    def create_table(self) -> None:
        def create() -> None:
            super(PostgresReadModel, self).create_table()
            create_missing_tables(self.db)

        retry_creation(create)

    @staticmethod
    def insert_rows(c: Cursor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """COPY: cheaper than an INSERT per row, even pipelined."""
        if not rows:
            return
        with c.raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    @staticmethod
    def close_versions(c: Cursor, table: str, closes: Sequence[tuple[int, str]]) -> None:
        """One statement, with the positions and ids as two array parameters."""
        if not closes:
            return
        nids, ids = (list(column) for column in zip(*closes, strict=True))
        c.execute(
            f"UPDATE {table} AS t SET nid_to = v.nid FROM unnest(?::bigint[], ?::text[]) AS v(nid, id)"
            " WHERE t.aggregate_id = v.id AND t.nid_to IS NULL",
            (nids, ids),
        )


# Each backend's read model: chosen by the backend's class, never by a name.
READ_MODELS: dict[type[Backend], type[SQLiteReadModel] | type[PostgresReadModel]] = {
    SQLiteBackend: SQLiteReadModel,
    PostgresBackend: PostgresReadModel,
}


def read_model_class(backend: Backend) -> type[SQLiteReadModel] | type[PostgresReadModel]:
    return READ_MODELS[type(backend)]


def tracked_position(db: Database, application_name: str) -> int:
    """The log position up to which the read model in `db` has applied the log, read in `db`'s own
    transaction (a snapshot's: the position of the very state its other reads see)."""
    table = read_model_class(db.backend).tracking_table
    return db.scalar(f"SELECT MAX(notification_id) FROM {table} WHERE application_name = ?", (application_name,)) or 0
