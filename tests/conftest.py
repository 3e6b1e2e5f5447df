"""Shared test fixtures: a real PostgreSQL server, per-test databases, SQLite files, Chromium."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.pgserver import PostgresServer, find_postgres_bindir, started_postgres, started_replica

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def in_ci() -> bool:
    """Tell whether this run is CI, where a missing service must fail rather than skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> NoReturn:
    """Skip locally; fail in CI so that a missing dependency never passes silently."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Every test that drives a page is a browser test, marked or not: `-m "not browser"` works.
    for item in items:
        if "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throw-away PostgreSQL on 127.0.0.1 for the whole session; stop it at the end."""
    bindir = find_postgres_bindir()
    if bindir is None:
        skip_or_fail("PostgreSQL server programs not found under /usr/lib/postgresql/*/bin")
    with started_postgres(bindir) as server:
        yield server


# Every statement the replica is sent, with the role and database that sent it: what careerhub asks of
# a replica is then on the record (tests/deployment/test_read_replica.py reads it).
REPLICA_LOGS_STATEMENTS = "-c log_statement=all -c log_line_prefix=%u@%d[%p]:"


@pytest.fixture(scope="module")
def replicated_postgres() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    """A primary and a streaming replica of it (a hot standby, made by pg_basebackup -R), each on its own
    free port on 127.0.0.1, for one module's tests: (primary, replica)."""
    bindir = find_postgres_bindir()
    if bindir is None:
        skip_or_fail("PostgreSQL server programs not found under /usr/lib/postgresql/*/bin")
    with started_postgres(bindir, primary=True) as primary, started_replica(bindir, primary, REPLICA_LOGS_STATEMENTS) as replica:
        yield primary, replica


@pytest.fixture
def make_postgres_url(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """Give a factory of fresh role + database URLs; every database is dropped after the test."""
    created: list[str] = []

    def make() -> str:
        name, password = postgres_server.create_database()
        created.append(name)
        return postgres_server.url(name, password, name)

    yield make
    for name in created:
        postgres_server.drop_database(name)


@pytest.fixture
def postgres_url(make_postgres_url: Callable[[], str]) -> str:
    """A fresh, empty PostgreSQL database owned by its own role, dropped after the test."""
    return make_postgres_url()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file inside the test's own temporary folder."""
    return f"sqlite:///{tmp_path}/careerhub.sqlite3"


@pytest.fixture(params=["sqlite", "postgres"], ids=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Run the test once per backend; a SQLite-only selection never starts PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


# --- Browser (pytest-playwright driving Debian's Chromium) ------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, object]) -> dict[str, object]:
    """Point Playwright at Debian's Chromium: `playwright install` cannot download here."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} not found (apt-get install -y chromium)")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    """The folder for browser screenshots, test-artifacts/screenshots under the repo root."""
    path = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
