"""Is the read model what the event log says? Replay the log into a scratch read model, with the
rebuild's own code, up to the live read model's position, and compare the two table by table and
row by row in key order; name the first difference. Reports read the read model, not the log, so
an edited row (`UPDATE rm_assessments SET bm5 = 100`) changes what they say while the hash chain
over the log still verifies.

The live store is only read, in one snapshot (PostgreSQL: a REPEATABLE READ, READ ONLY transaction),
so its position and its rows agree even while another process catches up. The scratch model is a
SQLite file in a temporary folder on either backend: nothing is created in the live database, and
its values (text, integers, doubles) read back as the same Python values as PostgreSQL's."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.persistence import PersistenceError
from eventsourcing.sqlite import SQLiteDatastore

from engine.application import CareerHub
from engine.backends import SQLiteBackend
from engine.errors import CareerHubError
from engine.kinds import KINDS
from engine.sealing import PREFIX
from engine.sql import Cursor
from projections.readmodel import SQLiteReadModel, read_model_class
from projections.runner import BATCH, Applied, Projector
from projections.tables import table_of

# What a replay makes: the log and one version table per kind. (rm_schema describes the tables'
# definitions, not the log, and differs between the two backends.)
TABLES = ("rm_log", *(table_of(kind) for kind in KINDS))
FETCH = 1000  # rows read at a time from each side
SHOWN = 60  # characters of a value shown in a difference (a log payload is long)


@dataclass(frozen=True)
class Difference:
    table: str
    row: dict[str, Any]  # the live row, or the replay's when the live one is missing
    column: str | None = None  # None: the whole row is missing or extra
    expected: Any = None
    found: Any = None
    missing: bool = False

    def __str__(self) -> str:
        if self.column is not None:
            return f"{where(self.table, self.row)}: {self.column}: expected {shown(self.expected)}, found {shown(self.found)}"
        if self.missing:
            return f"{where(self.table, self.row)}: missing (a replay of the log makes this row)"
        return f"{where(self.table, self.row)}: not made by a replay of the log (inserted or duplicated)"


@dataclass(frozen=True)
class Problem:
    """A difference that is not one row's: a table that cannot be read, a position the log lacks."""

    table: str
    text: str

    def __str__(self) -> str:
        return f"{self.table}: {self.text}"


@dataclass(frozen=True)
class ReadModelVerdict:
    ok: bool
    position: int  # the live read model's position: the replay stopped there
    behind: int  # events recorded after it (not yet applied; not a difference)
    rows: int  # rows that matched before the first difference (all of them when ok)
    difference: Difference | Problem | None = None


def where(table: str, row: dict[str, Any]) -> str:
    if table == "rm_log":
        return f"rm_log position {row['nid']}"
    return (
        f"{table} record {shown(row['record_key'])} (aggregate {row['aggregate_id']},"
        f" version from log position {row['nid_from']})"
    )


def shown(value: Any) -> str:
    if value is None:
        return "NULL"
    text = repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def order_key(table: str) -> tuple[str, ...]:
    """Each row's identity: a log position, or a record's version (one per aggregate and position)."""
    return ("nid",) if table == "rm_log" else ("aggregate_id", "nid_from")


def check_read_model(app: CareerHub, attempts: int = 2) -> ReadModelVerdict:
    """Compare the live read model with a replay of the log up to its position. A difference found
    while the log grew is checked again: a redaction rewrites earlier events and erases their
    rows, and the replay reads the events outside the snapshot."""
    for _ in range(attempts):
        head = app.recorder.max_notification_id() or 0
        verdict = compare_with_replay(app)
        if verdict.ok or (app.recorder.max_notification_id() or 0) == head:
            return verdict
    return verdict


def compare_with_replay(app: CareerHub) -> ReadModelVerdict:
    with tempfile.TemporaryDirectory(prefix="careerhub-check-") as folder, live_snapshot(app) as live:
        position, behind = live_position(app, live)
        head = live.scalar("SELECT MAX(notification_id) FROM event_log") or 0
        if position > head:  # events recorded up to it later would never be applied: stale reports, silently
            return ReadModelVerdict(
                False,
                position,
                0,
                0,
                Problem(
                    tracking_table(app),
                    (
                        f"the read model's position {position} is beyond the log's last event {head}"
                        " (events up to it would never be applied)"
                    ),
                ),
            )
        backend = SQLiteBackend(f"sqlite:///{Path(folder) / 'replay.sqlite3'}")
        scratch = replay(app, backend, position)
        try:
            with scratch.transaction(commit=False) as expected:
                return compare_tables(app, live, Cursor(expected, backend), position, behind)
        finally:
            scratch.close()


@contextmanager
def live_snapshot(app: CareerHub) -> Iterator[Cursor]:
    """One read-only transaction on the live store (rolled back at the end)."""
    with app.db.snapshot() as snapshot:
        yield snapshot.cursor


def live_position(app: CareerHub, live: Cursor) -> tuple[int, int]:
    """The live read model's tracking position, and how many events were recorded after it."""
    position = live.scalar(f"SELECT MAX(notification_id) FROM {tracking_table(app)} WHERE application_name = ?", (app.name,)) or 0
    behind = live.scalar("SELECT COUNT(*) FROM event_log WHERE notification_id > ?", (position,))
    return position, behind


def tracking_table(app: CareerHub) -> str:
    return read_model_class(app.db.backend).tracking_table


class Replay(Projector):
    """The rebuild itself (reset, catch up in batches, indexes), aimed at a scratch read model and
    stopping at a position: the read model is compared only as far as it claims to have applied."""

    def __init__(self, app: CareerHub, model: SQLiteReadModel, until: int):
        # Not Projector's: it opens the live read model (and would create tables in it).
        self.app, self.model, self.until = app, model, until

    def read_batch(self, after: int, size: int = BATCH) -> list[Applied]:
        if after >= self.until:
            return []
        batch = super().read_batch(after, min(size, self.until - after))
        return [item for item in batch if item.nid <= self.until]  # positions may have gaps


class OpenSealer:
    """The live sealer's keyed lookup hashes, but text left open: sealing uses random IVs, so the
    live side is opened before comparing anyway, and encrypting a scratch copy only to decrypt it
    again would double the check's time."""

    seals = False

    def __init__(self, sealer: Any):
        self.sealer = sealer

    def seal(self, text: str | None) -> str | None:
        return text

    def unseal(self, text: str | None) -> str | None:
        return text

    def __getattr__(self, name: str) -> Any:  # lookup_key, and whatever else the sealer offers
        return getattr(self.sealer, name)


def replay(app: CareerHub, backend: SQLiteBackend, until: int) -> SQLiteDatastore:
    """A scratch read model in the backend's file made from the log's first `until` positions."""
    datastore = SQLiteDatastore(str(backend.path))
    model = SQLiteReadModel(datastore)
    model.backend, model.sealer = backend, OpenSealer(app.db.sealer)
    model.create_table()
    Replay(app, model, until).rebuild()
    return datastore


def compare_tables(app: CareerHub, live: Cursor, expected: Cursor, position: int, behind: int) -> ReadModelVerdict:
    rows = 0
    for table in TABLES:
        try:
            matched, difference = compare_table(app, table, live, expected)
        except (PersistenceError, sqlite3.Error, psycopg.Error) as error:  # a column dropped, say
            matched, difference = 0, Problem(table, f"cannot be read as a replay makes it ({error})")
        rows += matched
        if difference is not None:
            return ReadModelVerdict(False, position, behind, rows, difference)
    return ReadModelVerdict(True, position, behind, rows)


def compare_table(app: CareerHub, table: str, live: Cursor, expected: Cursor) -> tuple[int, Difference | Problem | None]:
    """Walk both tables in key order together (a merge): rows matched, and the first difference."""
    columns = column_names(expected, table)
    key = order_key(table)
    ours = in_order(expected, table, columns, key)
    theirs = (unsealed(app, row) for row in in_order(live, table, columns, key))
    matched = 0
    want, found = next(ours, None), next(theirs, None)
    while want is not None and found is not None:
        if identity(want, key) < identity(found, key):
            return matched, Difference(table, want, missing=True)
        if identity(found, key) < identity(want, key):
            return matched, Difference(table, found)
        column = first_unequal_column(want, found, columns)
        if column is not None:
            return matched, Difference(table, found, column, want[column], found[column])
        matched += 1
        want, found = next(ours, None), next(theirs, None)
    if want is not None:  # the live table ends early
        return matched, Difference(table, want, missing=True)
    if found is not None:  # the live table has rows a replay does not make
        return matched, Difference(table, found)
    return matched, None


def column_names(expected: Cursor, table: str) -> list[str]:
    """The columns a replay makes (an extra column added to a live table is not read)."""
    return [row["name"] for row in expected.execute(f"PRAGMA table_info({table})").fetchall()]


def in_order(c: Cursor, table: str, columns: list[str], key: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """The table's rows in key order. PostgreSQL orders text by byte (COLLATE "C"), as SQLite and
    Python do, or the two sides would not walk in step."""
    order = ", ".join(c.backend.byte_order(k) if k == "aggregate_id" else k for k in key)
    return c.backend.streamed(c, f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}", FETCH)


def identity(row: dict[str, Any], key: tuple[str, ...]) -> tuple:
    """The row's key in the order the databases sort it. SQLite keeps text (or bytes) that is not a
    number in an INTEGER column and sorts NULL, numbers, text, then bytes; Python would refuse to
    compare them."""
    return tuple((storage_class(row[k]), row[k]) for k in key)


def storage_class(value: Any) -> int:
    if value is None:
        return 0
    return 1 if isinstance(value, (int, float)) else 2 if isinstance(value, str) else 3


def first_unequal_column(want: dict[str, Any], found: dict[str, Any], columns: list[str]) -> str | None:
    # `==`: a whole number read from a PostgreSQL DOUBLE column equals SQLite's; a text '4' differs from 4.
    return next((c for c in columns if want[c] != found[c]), None)


def unsealed(app: CareerHub, row: dict[str, Any]) -> dict[str, Any]:
    """Every sealed text opened, whichever columns are sealed. A value that does not open (not sealed
    with this key) stays as found, and so differs from the replay's."""
    return {column: opened(app, value) for column, value in row.items()}


def opened(app: CareerHub, value: Any) -> Any:
    if not (isinstance(value, str) and value.startswith(PREFIX)):
        return value
    try:
        return app.db.sealer.unseal(value)
    except CareerHubError:
        return value
