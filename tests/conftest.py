"""Shared test fixtures: a real PostgreSQL server, per-test databases, SQLite files, Chromium."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from psycopg import sql

from tests.pgserver import PostgresServer, find_postgres_bindir, started_postgres

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


@pytest.fixture
def make_postgres_url(postgres_server: PostgresServer) -> Iterator[Callable[[], str]]:
    """Give a factory of fresh role + database URLs; every database is dropped after the test."""
    created: list[str] = []

    def make() -> str:
        name = f"careerhub_test_{uuid.uuid4().hex[:12]}"
        password = secrets.token_urlsafe(12)
        with postgres_server.connect_as_superuser() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(name), sql.Literal(password)
                )
            )
            created.append(name)
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(name)
                )
            )
        return postgres_server.url(name, password, name)

    yield make
    with postgres_server.connect_as_superuser() as conn:
        for name in created:
            ident = sql.Identifier(name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(ident))


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
