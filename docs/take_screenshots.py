"""Screenshots of each role's main page on the demo hub, for the README (run: .venv/bin/python docs/take_screenshots.py)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from config.settings import Settings
from service.demo import load_demo
from service.users import Users
from web import create_app

OUT = Path(__file__).parent / "screenshots"
PASSWORD = "demo-password-123"
LAUNCH = dict(
    executable_path="/usr/bin/chromium",
    args=[
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
    ],
)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/demo.sqlite3", actor="screenshots", secret_key="x" * 32)
        app = create_app(settings)
        hub = app.extensions["careerhub"].hub
        load_demo(hub)
        users = Users(hub)
        for name, role in (("lead", "hub_lead"), ("coordinator", "coordinator"), ("auditor", "auditor")):
            users.add_user(name, role, "dorset", PASSWORD, "screenshots")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(**LAUNCH)
            shoot(browser, base, "lead", "/dashboard/dorset?as_of=2019-12-31", "dashboard")
            shoot(browser, base, "coordinator", "/matching/", "matching", run_matcher=True)
            shoot(browser, base, "auditor", "/audit/?as_of=2019-12-31", "audit")
            browser.close()
        server.shutdown()


def shoot(browser, base: str, user: str, path: str, name: str, run_matcher: bool = False) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/auth/sign-in")
    page.fill("#name", user)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(base + path)
    if run_matcher:
        page.fill("#as_of", "2020-02-02")
        page.click("form button[type=submit]")
        page.wait_for_selector("table")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
    page.close()


if __name__ == "__main__":
    main()
