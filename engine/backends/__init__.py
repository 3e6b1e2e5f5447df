"""The databases an event store can live in, one module each; `backend_for` reads a database URL once."""
from __future__ import annotations

from urllib.parse import urlsplit

from engine.backends.base import Backend
from engine.backends.postgres import PostgresBackend
from engine.backends.sqlite import SQLiteBackend
from engine.errors import CareerHubError

BACKENDS: tuple[type[Backend], ...] = (SQLiteBackend, PostgresBackend)

__all__ = ["BACKENDS", "Backend", "PostgresBackend", "SQLiteBackend", "backend_for"]


def backend_for(url: str) -> Backend:
    """The backend a CAREERHUB_DATABASE_URL names (DATA.md §1)."""
    scheme = urlsplit(url).scheme
    for backend in BACKENDS:
        if scheme in backend.schemes:
            return backend(url)
    raise CareerHubError(f"database URL {url!r}: scheme must be sqlite:/// or postgresql://")
