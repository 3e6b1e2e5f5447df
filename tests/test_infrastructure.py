"""The test infrastructure itself: real PostgreSQL, per-test databases, SQLite paths, Chromium."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from playwright.sync_api import Page, expect
from werkzeug.middleware.shared_data import SharedDataMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

VENDOR_DIR = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor"

SMOKE_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>careerhub smoke test</title>
  <link rel="stylesheet" href="/vendor/pico.classless.min.css">
  <script src="/vendor/htmx.min.js"></script>
</head>
<body>
  <main>
    <h1>careerhub</h1>
    <p id="script-status">JavaScript did not run</p>
    <script>
      document.getElementById("script-status").textContent = "htmx " + htmx.version;
    </script>
  </main>
</body>
</html>
"""


def test_postgres_answers_select_1_over_loopback_with_a_password(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
        assert conn.info.host == "127.0.0.1"


def test_postgres_refuses_a_wrong_password(postgres_url: str) -> None:
    parts = urlsplit(postgres_url)
    wrong = postgres_url.replace(f":{parts.password}@", ":not-the-password@")

    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong)


def test_two_postgres_urls_are_distinct_databases(postgres_url: str, make_postgres_url: Callable[[], str]) -> None:
    other_url = make_postgres_url()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("create table only_here (id int)")

    with psycopg.connect(other_url) as other:
        name = other.execute("select current_database()").fetchone()
        visible = other.execute("select to_regclass('only_here')").fetchone()

    assert other_url != postgres_url
    assert name is not None and name[0] == urlsplit(other_url).path.lstrip("/")
    assert visible == (None,)


def test_sqlite_url_points_inside_tmp_path(sqlite_url: str, tmp_path: Path) -> None:
    assert sqlite_url.startswith("sqlite:///")
    path = Path(sqlite_url.removeprefix("sqlite:///"))

    assert path.is_absolute()
    assert path.parent == tmp_path


def test_database_url_connects_to_each_backend(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    else:
        assert database_url.startswith("postgresql://")
        with psycopg.connect(database_url) as pg:
            assert pg.execute("select 1").fetchone() == (1,)


@Request.application
def smoke_app(request: Request) -> Response:
    return Response(SMOKE_PAGE, mimetype="text/html")


@contextmanager
def serve_on_loopback(app: Callable[..., object]) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 from a daemon thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.mark.browser
def test_chromium_renders_a_page_with_the_vendored_assets(page: Page, screenshot_dir: Path) -> None:
    assert (VENDOR_DIR / "htmx.min.js").is_file(), "run `make setup` to install web assets"
    app = SharedDataMiddleware(smoke_app, {"/vendor": str(VENDOR_DIR)})

    with serve_on_loopback(app) as base_url:
        page.goto(base_url + "/")
        expect(page.get_by_role("heading", name="careerhub")).to_be_visible()
        expect(page.locator("#script-status")).to_have_text("htmx 2.0.11")
        page.screenshot(path=screenshot_dir / "infrastructure-smoke.png")
