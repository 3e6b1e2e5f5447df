"""Fixtures of the event-sourced core's tests: the `careerhub` command bound to a fresh store."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.core.factories import Cli


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than a minute (deselect with -m 'not slow')")


@pytest.fixture
def cli(database_url: str) -> Cli:
    """`careerhub` on a fresh store, once per backend (SQLite and PostgreSQL)."""
    return Cli(database_url, CliRunner())


@pytest.fixture
def sqlite_cli(sqlite_url: str) -> Cli:
    """`careerhub` on a fresh SQLite store only."""
    return Cli(sqlite_url, CliRunner())


@pytest.fixture
def postgres_cli(postgres_url: str) -> Cli:
    """`careerhub` on a fresh PostgreSQL database only."""
    return Cli(postgres_url, CliRunner())
