"""Recent sign-in attempts, counted in the store's database so that every web process over it
shares one throttle, and reserved atomically so that attempts arriving together cannot all slip
under a limit before any of them is counted.

Operational state, not history: these rows are not events. They are not in the log or its hash
chain, not replayed, verified or exported, and they are deleted once they leave the window;
losing them only forgets recent failures. (Each failed password on a known account is also
recorded as a SignInFailed event, which is the history.) A key is stored as a hash, never as the
user name or address it counts (both are personal data); keyed with the store's lookup key when
a cipher key is set."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from eventsourcing.persistence import IntegrityError, InternalError, OperationalError, ProgrammingError

from engine.sql import Cursor, Database
from engine.store import format_recorded_at

TABLE = "sign_in_attempts"
CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (scope TEXT NOT NULL, attempt TEXT NOT NULL, attempted_at TEXT NOT NULL)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_scope ON {TABLE} (scope, attempted_at)",
)
CREATE_ATTEMPTS = 5


@dataclass(frozen=True)
class Quota:
    """At most `limit` attempts counted against `key` within the window."""

    key: str
    limit: int


@dataclass(frozen=True)
class Reservation:
    """An attempt counted against every quota (`attempt`), or refused for `wait` (nothing counted)."""

    attempt: str | None
    wait: timedelta | None = None


class SignInAttempts:
    def __init__(self, db: Database):
        self.db = db
        self.create_table()

    def create_table(self) -> None:
        """Create the table unless it exists; two processes starting together may collide on it."""
        for attempt in range(CREATE_ATTEMPTS):
            try:
                if TABLE not in {row["name"] for row in self.db.query(self.db.backend.list_tables)}:
                    with self.db.transaction(commit=True) as c:
                        for statement in CREATE:
                            c.execute(statement)
                return
            except (IntegrityError, InternalError, OperationalError, ProgrammingError):
                if attempt == CREATE_ATTEMPTS - 1:
                    raise

    def scope(self, key: str) -> str:
        return hashlib.sha256(self.db.sealer.lookup_key(key).encode()).hexdigest()

    def reserve(self, quotas: Sequence[Quota], now: datetime, window: timedelta) -> Reservation:
        """Count one attempt against every quota before its password is checked, all under the
        write lock; or, if a quota is used up, count nothing and say how long until it has room."""
        with self.db.transaction(commit=True) as c:
            self._lock_and_expire(c, now - window)
            waits = [wait for quota in quotas if (wait := self._wait(c, quota, now, window)) is not None]
            if waits:
                return Reservation(None, max(waits))
            attempt = uuid4().hex
            c.executemany(
                f"INSERT INTO {TABLE} (scope, attempt, attempted_at) VALUES (?, ?, ?)",
                [(self.scope(q.key), attempt, format_recorded_at(now)) for q in quotas],
            )
            return Reservation(attempt)

    def _lock_and_expire(self, c: Cursor, expired_before: datetime) -> None:
        """Queue behind any other reservation, then forget expired attempts. The lock comes first: where
        the backend takes none, the DELETE, this transaction's first statement, takes the write lock."""
        self.db.backend.lock_against_writers(c, TABLE)
        c.execute(f"DELETE FROM {TABLE} WHERE attempted_at < ?", (format_recorded_at(expired_before),))

    def _wait(self, c: Cursor, quota: Quota, now: datetime, window: timedelta) -> timedelta | None:
        row = c.execute(
            f"SELECT count(*) AS n, min(attempted_at) AS oldest FROM {TABLE} WHERE scope = ?", (self.scope(quota.key),)
        ).fetchone()
        if row is None or row["n"] < quota.limit:
            return None
        return parse_moment(row["oldest"]) + window - now

    def forgive(self, attempt: str, key: str) -> None:
        """Uncount an attempt that succeeded, and every attempt counted against `key`."""
        with self.db.transaction(commit=True) as c:
            c.execute(f"DELETE FROM {TABLE} WHERE attempt = ? OR scope = ?", (attempt, self.scope(key)))


def parse_moment(text: str) -> datetime:
    """The inverse of format_recorded_at."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
