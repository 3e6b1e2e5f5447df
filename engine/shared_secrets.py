"""Secrets that every process over one store must share, kept in the store's database: the web's
session-signing key when CAREERHUB_SECRET_KEY is not set. A random key per process would make a
session cookie signed by one web process unreadable by the next, so with several processes (or a
restart) each request could find itself signed out.

Operational state, not history: not events, not in the log or its chain. Sealed with the store's
cipher key when one is set, so a copied database file does not hand out the means to forge a session;
CAREERHUB_SECRET_KEY, kept outside the database, remains the stronger choice."""

from __future__ import annotations

import secrets

from eventsourcing.persistence import IntegrityError, InternalError, OperationalError, ProgrammingError

from engine.sql import Database

TABLE = "shared_secrets"
CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
# The first process to get here chooses the key; every later one, however close behind, reads that one.
INSERT_ONCE = f"INSERT INTO {TABLE} (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"
ATTEMPTS = 5


def shared_secret(db: Database, name: str) -> str:
    """The secret called `name`, made (32 random bytes, hex) by whichever process asks first."""
    for _ in range(ATTEMPTS - 1):
        try:
            return read_or_make(db, name)
        except (IntegrityError, InternalError, OperationalError, ProgrammingError):
            continue  # two processes creating the table at once collide on its row type: try again
    return read_or_make(db, name)


def read_or_make(db: Database, name: str) -> str:
    with db.transaction(commit=True) as c:
        c.execute(CREATE)
        c.execute(INSERT_ONCE, (name, db.sealer.seal(secrets.token_hex(32))))
        return db.sealer.unseal(c.scalar(f"SELECT value FROM {TABLE} WHERE name = ?", (name,)))
