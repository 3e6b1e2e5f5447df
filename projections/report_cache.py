"""Answers kept in the store's database, so that every process over one store (`serve --workers N`, the
projection worker, readers of a replica) computes each once: hub reports by (query, settled log
position), and the web's rendered fragments (web/fragments.py) by what they read.

The log is append-only, so the report of a query as known at a log position never changes: a kept
report is the answer, not a guess. Two things could still make one stale, and both clear the table
in their own transaction: a redaction (it rewrites history in place) and a rebuild of the read model.
A kept report is also the answer of the code that computed it, so the key holds a digest of that code:
a new careerhub never serves an older one's answer. Operational state, not history (as sign-in
attempts): these rows are not events, not in the log or its chain, and losing them costs only the time
to compute again. So keeping one never waits (Database.keep): on SQLite, while an import holds
the one write lock, a page is served without keeping what it computed. They name institutions, so with
encryption at rest (CAREERHUB_CIPHER_KEY) they are sealed as the read model's names are."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from config.calendar import Term
from engine.sql import Cursor, Database

KEEP_AT_MOST = 200_000  # reports; the oldest beyond it are forgotten by `prune` (the projection worker calls it)
# The modules whose code computes a report: their source is part of every key.
REPORT_CODE = (
    "config.calendar",
    "projections.figures",
    "projections.institutions",
    "projections.queries",
    "projections.report",
    "projections.tables",
)


def code_digest(modules: tuple[str, ...] = REPORT_CODE, folders: tuple[Path, ...] = (), suffixes: tuple[str, ...] = ()) -> str:
    """A digest of the source of these modules and of the files with these suffixes under these folders."""
    digest = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.origin is not None, name
        digest.update(Path(spec.origin).read_bytes())
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix in suffixes and path.is_file():
                digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


CODE = code_digest()


class SharedCache:
    """One table of answers kept for every process, each under a key of its own making (a digest): see the
    module."""

    def __init__(self, table: str, column: str, keep_at_most: int):
        self.table, self.column, self.keep_at_most = table, column, keep_at_most
        self.create = (  # with the read model's tables, outside any snapshot (readmodel.create_missing_tables)
            f"CREATE TABLE IF NOT EXISTS {table} (cache_key TEXT PRIMARY KEY, log_position BIGINT NOT NULL,"
            f" kept_at TEXT NOT NULL, {column} TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {table}_kept_at ON {table} (kept_at)",
        )
        self.seen: set[int] = set()  # id() of each Database that this process saw the table in

    def readable(self, db: Database) -> bool:
        """Can `db` (a read snapshot, or a database) read the table? Asked of each database once per process:
        a replica may not have replayed its creation yet, and a failed statement would abort the snapshot's
        transaction."""
        reader = getattr(db, "database", db)
        if id(reader) not in self.seen:
            if not self.has_table(db):
                return False
            self.seen.add(id(reader))
        return True

    def has_table(self, db: Database) -> bool:
        return self.table in {row["name"] for row in db.query(db.backend.list_tables)}

    def fetch(self, db: Database, key: str) -> str | None:
        """What is kept under `key`, read in the caller's snapshot; None if nothing is."""
        found = db.query(f"SELECT {self.column} FROM {self.table} WHERE cache_key = ?", (key,))
        return db.sealer.unseal(str(found[0][self.column])) if found else None

    def kept(self, db: Database, keys: list[str]) -> set[str]:
        """Which of `keys` are kept, read in the caller's snapshot."""
        if not keys:
            return set()
        among, params = db.backend.one_of("cache_key", keys)
        found = db.query(f"SELECT cache_key FROM {self.table} WHERE {among}", params)
        return {row["cache_key"] for row in found}

    def keep(self, db: Database, key: str, position: int, text: str) -> None:
        """Keep an answer for every process (Database.keep: best effort, waiting for no other writer and not for
        the disk; through a read snapshot, once the snapshot has ended)."""
        db.keep(
            f"INSERT INTO {self.table} (cache_key, log_position, kept_at, {self.column}) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (cache_key) DO NOTHING",
            (key, position, datetime.now(UTC).isoformat(), db.sealer.seal(text)),  # it names institutions
        )

    def clear(self, c: Cursor) -> None:
        """Forget everything kept, in the caller's transaction, if the table exists."""
        if self.table in {row["name"] for row in c.execute(c.backend.list_tables).fetchall()}:
            c.execute(f"DELETE FROM {self.table}")

    def prune(self, db: Database, keep_at_most: int | None = None) -> int:
        """Forget what was kept longest ago beyond `keep_at_most`; how many were forgotten."""
        if not self.readable(db):
            return 0
        with db.transaction(commit=True) as c:
            c.execute(
                f"DELETE FROM {self.table} WHERE cache_key IN (SELECT cache_key FROM {self.table}"
                f" ORDER BY kept_at DESC, cache_key {c.backend.offset} ?)",
                (self.keep_at_most if keep_at_most is None else keep_at_most,),
            )
            return c.changed_rows


REPORTS = SharedCache("report_cache", "report", KEEP_AT_MOST)
FRAGMENTS = SharedCache("fragment_cache", "body", 20_000)  # rendered pages (web/fragments.py), some 14 KB each
SHARED_CACHES = (REPORTS, FRAGMENTS)


def cache_key(query: Any, position: int) -> str:
    """A query (projections.report.Query, its known_at already turned into `position`) at a log position."""
    parts = [CODE, query.hub_id, query.as_of, query.cluster, query.cohort_as_of, position]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def clear(c: Cursor) -> None:
    """Forget everything every shared cache kept, in the caller's transaction (a redaction, a rebuild)."""
    for cache in SHARED_CACHES:
        cache.clear(c)


def prune(db: Database) -> int:
    """Bound every shared cache (the projection worker calls it); how many rows were forgotten."""
    return sum(cache.prune(db) for cache in SHARED_CACHES)


def encode_term(term: Term) -> list[str]:
    return [term.name, term.academic_year, term.starts_on.isoformat(), term.ends_on.isoformat()]


def decode_term(values: list[str]) -> Term:
    name, year, starts, ends = values
    return Term(name, year, date.fromisoformat(starts), date.fromisoformat(ends))
