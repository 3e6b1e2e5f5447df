"""Fixtures of the projection tests: a fresh store fed through the import path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.projections.factories import World


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """A fresh store, once per backend (SQLite and PostgreSQL)."""
    w = World(database_url)
    yield w
    w.close()


@pytest.fixture
def sqlite_world(sqlite_url: str) -> Iterator[World]:
    """A fresh SQLite store only."""
    w = World(sqlite_url)
    yield w
    w.close()
