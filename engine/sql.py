"""One way to run SQL on either backend: `?` placeholders, rows as dicts."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import PersistenceError

from engine.backends import Backend
from engine.sealing import NoSealer

log = logging.getLogger(__name__)


class Cursor:
    def __init__(self, raw: Any, backend: Backend):
        self.raw, self.backend = raw, backend

    def _sql(self, sql: str) -> str:
        return self.backend.placeholders(sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self.raw.execute(self._sql(sql), tuple(params))
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.raw.executemany(self._sql(sql), [tuple(r) for r in rows])

    def fetchall(self) -> list[dict[str, Any]]:
        return self.backend.fetched_dicts(self.raw)

    @property
    def changed_rows(self) -> int:
        """How many rows the last statement inserted, changed or deleted."""
        return self.backend.changed_rows(self.raw)

    def fetchone(self) -> dict[str, Any] | None:
        row = self.raw.fetchone()
        return None if row is None else dict(row)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.execute(sql, params).raw.fetchone()
        if row is None:
            return None
        return self.backend.first_value(row)


class Database:
    """The datastore of the event store, shared by the read model (same database kind)."""

    def __init__(self, datastore: Any, backend: Backend, sealer: NoSealer | None = None):
        self.datastore, self.backend = datastore, backend
        self.sealer = sealer or NoSealer()

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as raw:
            yield Cursor(raw, self.backend)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.transaction(commit=False) as c:
            return c.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.transaction(commit=False) as c:
            return c.scalar(sql, params)

    def asked_once(self, statement: str) -> Any:
        """The value of a statement whose answer only a write can change (a read snapshot asks it once)."""
        return self.scalar(statement)

    def keep(self, statement: str, params: Sequence[Any] = ()) -> None:
        """One write of an answer kept at no cost but recomputation (projections/report_cache.py), now (a read
        snapshot keeps its answers until it ends: Snapshot.keep)."""
        self.keep_all([(statement, params)])

    def keep_all(self, writes: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Writes of kept answers, in one transaction that waits for no other writer and not for the disk
        (Backend.keep). Best effort: a failure (another writer's lock, the database going away, a read-only
        server) costs only a recomputation later, so it is logged, not raised, and nothing of them is written."""
        try:
            self.backend.keep(self.datastore, writes)
        except PersistenceError as error:
            log.info("%d kept answer(s) not written: %s", len(writes), error)

    @contextmanager
    def snapshot(self, asked_first: Sequence[str] = ()) -> Iterator[Snapshot]:
        """One read-only transaction held open: every read through the handle it yields sees one state of
        the database, whatever is committed meanwhile, and pays for one BEGIN and one COMMIT or ROLLBACK in
        all (Backend.read_transaction). The statements `asked_first` (of one value each, see `asked_once`) are
        answered with the BEGIN, in one round trip where the backend can. What is kept through it is written
        once it has ended (Snapshot.keep)."""
        with self.backend.read_transaction(self.datastore, asked_first) as (raw, answers):
            snapshot = Snapshot(self, Cursor(raw, self.backend))
            snapshot.answers.update(zip(asked_first, answers, strict=True))
            yield snapshot
        if snapshot.kept:
            snapshot.writer.keep_all(snapshot.kept)


class Snapshot(Database):
    """A Database whose reads all run in one open read-only transaction (see Database.snapshot). It equals
    the database it was taken from, so that answers cached by log position are shared between snapshots."""

    def __init__(self, database: Database, cursor: Cursor):
        super().__init__(database.datastore, database.backend, database.sealer)
        self.database, self.cursor = database, cursor
        self.writer = database  # where what is read here may be written (kept answers): a replica's is the primary
        self.answers: dict[str, Any] = {}
        self.kept: list[tuple[str, Sequence[Any]]] = []

    def keep(self, statement: str, params: Sequence[Any] = ()) -> None:
        """Kept when the snapshot has ended, with every other answer kept through it, in one transaction of its
        writer's: a page that computes three answers commits once, and after its reads rather than among them."""
        self.kept.append((statement, tuple(params)))

    def asked_once(self, statement: str) -> Any:
        if statement not in self.answers:
            self.answers[statement] = self.scalar(statement)
        return self.answers[statement]

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Cursor]:
        if commit:
            raise RuntimeError("a read snapshot cannot write: write through the database it was taken from")
        yield self.cursor

    def __eq__(self, other: object) -> bool:
        return self.database == (other.database if isinstance(other, Snapshot) else other)

    def __hash__(self) -> int:
        return hash(self.database)
