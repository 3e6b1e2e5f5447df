"""The databases an event store can live in, one module each; `backend_for` reads a database URL once."""

from __future__ import annotations

from urllib.parse import urlsplit

from engine.backends.base import Backend
from engine.backends.postgres import PostgresBackend
from engine.backends.sqlite import SQLiteBackend
from engine.errors import CareerHubError

BACKENDS: tuple[type[Backend], ...] = (SQLiteBackend, PostgresBackend)

__all__ = ["BACKENDS", "Backend", "PostgresBackend", "SQLiteBackend", "backend_for", "replica_backend_for"]


def backend_for(url: str) -> Backend:
    """The backend a CAREERHUB_DATABASE_URL names (DATA.md §1)."""
    scheme = urlsplit(url).scheme
    for backend in BACKENDS:
        if scheme in backend.schemes:
            return backend(url)
    raise CareerHubError(f"database URL {url!r}: scheme must be sqlite:/// or postgresql://")


def replica_backend_for(read_url: str, primary: Backend) -> Backend:
    """The backend a CAREERHUB_READ_DATABASE_URL names: a read replica of the store, so a database of the
    store's own kind, and a kind that has replicas."""
    if not primary.read_replicas:
        raise CareerHubError(
            f"CAREERHUB_READ_DATABASE_URL (--read-database-url) is for a PostgreSQL store only: this store is {primary.name}"
        )
    replica = backend_for(read_url)
    if type(replica) is not type(primary):
        raise CareerHubError(
            f"CAREERHUB_READ_DATABASE_URL (--read-database-url) must name a {primary.name} replica"
            f" of the store, not a {replica.name} database"
        )
    return replica
