"""Hub reports kept in the store's database by (query, log position), so that every process over one
PostgreSQL (`serve --workers N`, the projection worker, readers of a replica) computes a report once.

The log is append-only, so the report of a query as known at a log position never changes: a kept
report is the answer, not a guess. Two things could still make one stale, and both clear the table:
a redaction (it rewrites history in place) and a rebuild of the read model. A kept report is also
the answer of the code that computed it, so the key holds a digest of that code: a new careerhub never
serves an older one's answer. Operational state, not history (as sign-in attempts): these rows are
not events, not in the log or its chain, and losing them costs only the time to compute again.

Only where the backend says caches are shared (PostgreSQL): on SQLite a page's write would queue
behind an import holding the one write lock, so each process keeps its own (projections.report)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import PersistenceError

from config.calendar import Term
from engine.sql import Cursor, Database

TABLE = "report_cache"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (cache_key TEXT PRIMARY KEY, log_position BIGINT NOT NULL,"
    " kept_at TEXT NOT NULL, report TEXT NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_kept_at ON {TABLE} (kept_at)",
)
KEEP_AT_MOST = 200_000  # rows; the oldest beyond it are forgotten by `prune` (the projection worker calls it)
# The modules whose code computes a report: their source is part of every key.
REPORT_CODE = (
    "config.calendar",
    "projections.figures",
    "projections.institutions",
    "projections.queries",
    "projections.report",
    "projections.tables",
)
log = logging.getLogger(__name__)
ready: set[int] = set()  # id() of each Database whose table is known to exist, in this process
ready_lock = threading.Lock()


def code_digest() -> str:
    digest = hashlib.sha256()
    for name in REPORT_CODE:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()


CODE = code_digest()


def cache_key(query: Any, position: int) -> str:
    """A query (projections.report.Query, its known_at already turned into `position`) at a log position."""
    parts = [CODE, query.hub_id, query.as_of, query.cluster, query.cohort_as_of, position]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def writer_of(db: Database) -> Database:
    """Where rows are written: a read snapshot's own database, or the primary for a replica's snapshot."""
    return getattr(db, "writer", db)


def ensure_table(db: Database) -> bool:
    """Is there a shared cache that `db` (a read snapshot, or a database) can read? Creates the table once
    per process, outside any snapshot, and looks for it in the snapshot's own view before its first use
    there: a replica may not have replayed its creation yet, and a failed statement would abort the
    snapshot's transaction."""
    if not db.backend.shared_caches:
        return False
    writer, reader = writer_of(db), getattr(db, "database", db)
    if id(writer) not in ready:
        with ready_lock:
            if not has_table(writer):
                with writer.transaction(commit=True) as c:
                    for statement in CREATE:
                        c.execute(statement)
            ready.add(id(writer))
    if id(reader) not in ready:
        if not has_table(db):
            return False
        ready.add(id(reader))
    return True


def has_table(db: Database) -> bool:
    return TABLE in {row["name"] for row in db.query(db.backend.list_tables)}


def fetch(db: Database, key: str) -> dict[str, Any] | None:
    """The report kept under `key`, as `encode` wrote it, read in the caller's snapshot; None if none is."""
    found = db.query(f"SELECT report FROM {TABLE} WHERE cache_key = ?", (key,))
    return json.loads(found[0]["report"]) if found else None


def kept(db: Database, keys: list[str]) -> set[str]:
    """Which of `keys` are kept, read in the caller's snapshot."""
    found = db.query(f"SELECT cache_key FROM {TABLE} WHERE cache_key IN ({', '.join('?' * len(keys))})", keys) if keys else []
    return {row["cache_key"] for row in found}


def keep(db: Database, key: str, position: int, encoded: dict[str, Any]) -> None:
    """Keep a report for every process. Best effort: a failure (the database going away, a read-only
    server) costs only a recomputation later, so it is logged and the page is still served."""
    try:
        with writer_of(db).transaction(commit=True) as c:
            c.backend.commit_without_waiting(c)
            c.execute(
                f"INSERT INTO {TABLE} (cache_key, log_position, kept_at, report) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (cache_key) DO NOTHING",
                (key, position, datetime.now(UTC).isoformat(), json.dumps(encoded)),
            )
    except PersistenceError as error:
        log.warning("a report was not kept in the shared cache: %s", error)


def clear(c: Cursor) -> None:
    """Forget every kept report, in the caller's transaction (a redaction, a rebuild), if there are any."""
    if c.backend.shared_caches and TABLE in {row["name"] for row in c.execute(c.backend.list_tables).fetchall()}:
        c.execute(f"DELETE FROM {TABLE}")


def prune(db: Database, keep_at_most: int = KEEP_AT_MOST) -> int:
    """Forget the reports kept longest ago beyond `keep_at_most`; how many were forgotten."""
    if not ensure_table(db):
        return 0
    with db.transaction(commit=True) as c:
        c.execute(
            f"DELETE FROM {TABLE} WHERE cache_key IN (SELECT cache_key FROM {TABLE} ORDER BY kept_at DESC, cache_key OFFSET ?)",
            (keep_at_most,),
        )
        return int(c.raw.rowcount or 0)


def encode_term(term: Term) -> list[str]:
    return [term.name, term.academic_year, term.starts_on.isoformat(), term.ends_on.isoformat()]


def decode_term(values: list[str]) -> Term:
    name, year, starts, ends = values
    return Term(name, year, date.fromisoformat(starts), date.fromisoformat(ends))
