"""Browser test fixtures: the web app on a live loopback server, signing in, and axe-core checks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from werkzeug.serving import make_server

from tests.conftest import skip_or_fail
from tests.web.conftest import loaded_app
from tests.web.factories import PASSWORD, services

AXE = Path(__file__).resolve().parents[2] / "web" / "static" / "vendor" / "axe.min.js"


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture
def live_server(sqlite_url: str) -> Iterator[LiveServer]:
    """The two-hub test dataset served on 127.0.0.1 (a free port) from a thread."""
    yield from serve(loaded_app(sqlite_url))


def serve(app: Flask) -> Iterator[LiveServer]:
    """Serve the app on 127.0.0.1 (a free port) from a thread until the generator is closed."""
    if not AXE.exists():
        skip_or_fail(f"{AXE} is missing: run `make setup` to install the front-end assets")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join()
    services(app).hub.close()


def sign_in(page: Page, server: LiveServer, name: str) -> None:
    page.goto(f"{server.url}/auth/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


def serious_accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical WCAG 2.x A/AA violations on the page as it is now."""
    page.add_script_tag(url="/static/vendor/axe.min.js")
    violations = page.evaluate("""() => axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}
    }).then(r => r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`))""")
    return violations
