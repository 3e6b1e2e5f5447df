"""Real headless Chromium: the hub lead moves the date, the auditor compares two moments, the
coordinator accepts a match; each page is checked with axe-core and photographed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from projections.audit import LogFilter, list_log
from tests.browser.conftest import LiveServer, serious_accessibility_violations, sign_in
from tests.web.factories import CORRECTION, services

pytestmark = pytest.mark.browser


def test_the_hub_lead_moves_the_date_and_the_figures_follow(page: Page, live_server: LiveServer, screenshot_dir: Path):
    sign_in(page, live_server, "lead")
    page.goto(f"{live_server.url}/dashboard/dorset?as_of=2019-12-31")
    figure = page.locator('[data-figure="average_benchmarks"]')
    expect(figure).to_have_text("3.50")  # (5 + 2) / 2
    expect(page.locator('[data-figure="bm5_percent"]')).to_have_text("50.0 %")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()

    page.get_by_label("As of (end of day)").fill("2020-02-15")  # a change event: htmx swaps the board
    expect(figure).to_have_text("4.67")  # (5 + 6 + 3) / 3
    expect(page.locator('[data-figure="bm5_percent"]')).to_have_text("66.7 %")
    expect(page.locator('[data-figure="data_required"]')).to_contain_text("1 of 3 members")
    expect(page.locator("#owing-table")).to_contain_text("Castle School")
    expect(page).to_have_url(re.compile(r"as_of=2020-02-15"))
    expect(page.locator("#term-chart")).to_have_attribute("width", re.compile(r"\d+"))  # chart.js drew it

    page.get_by_label("Cluster").select_option("east")
    expect(figure).to_have_text("4.50")  # 100002 (6) and 100003 (3)
    page.screenshot(path=screenshot_dir / "dashboard-lead-2020-02-15-east.png", full_page=True)
    assert serious_accessibility_violations(page) == []


def second_after_last_event(live_server: LiveServer) -> str:
    """The next whole second after the last recording (a datetime-local field holds whole seconds)."""
    hub = services(live_server.app).hub
    hub.refresh()
    last = datetime.fromisoformat(list_log(hub.db, LogFilter())[-1]["recorded_at"].replace("Z", "+00:00"))
    return (last.replace(microsecond=0) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")


def test_the_auditor_compares_two_known_at_moments(page: Page, live_server: LiveServer, screenshot_dir: Path):
    first = second_after_last_event(live_server)
    # the correction must be recorded after `first`: wait until the clock has passed it
    page.wait_for_function("t => Date.now() > t", arg=datetime.fromisoformat(first + "+00:00").timestamp() * 1000)
    services(live_server.app).hub.import_file(
        "assessments", Path("fix.csv"), "coordinator", "BM6 evidence withdrawn", data=CORRECTION.encode()
    )
    second = second_after_last_event(live_server)
    sign_in(page, live_server, "auditor")
    page.goto(f"{live_server.url}/audit/")
    page.get_by_label("As of (day)").fill("2020-02-15")
    page.get_by_label("Known after (empty = everything recorded)").fill(first)
    page.get_by_label("Compare with (optional)").fill(second)
    page.get_by_role("button", name="Show the report").click()
    changed = page.locator('tr.changed[data-figure="average_benchmarks"]')
    expect(changed).to_contain_text("4.67")
    expect(changed).to_contain_text("4.33")
    expect(page.locator('tr[data-figure="institutions"]')).not_to_have_class("changed")
    institution = page.locator('article[data-urn="100002"]')
    expect(institution).to_contain_text("BM6 evidence withdrawn")
    page.screenshot(path=screenshot_dir / "audit-compare-known-at.png", full_page=True)
    assert serious_accessibility_violations(page) == []


def test_the_coordinator_runs_the_matcher_and_accepts_a_row(page: Page, live_server: LiveServer, screenshot_dir: Path):
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/dashboard/dorset?as_of=2020-02-15")
    expect(page.locator('[data-figure="matched"]')).to_have_text("1")
    page.goto(f"{live_server.url}/matching/")
    page.get_by_label("Day to match on").fill("2020-02-15")
    page.get_by_role("button", name="Run the matcher").click()
    row = page.locator("#proposal-100002")
    expect(row).to_have_attribute("data-state", "open")
    assert "/matching/runs/" in page.url
    expect(page.locator("#run")).to_be_focused()  # focus moves to the run, not the top of the page
    expect(page.locator("#run-warnings")).to_contain_text("This run is for 2020-02-15, before today")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Record these matches as of 2020-02-15").check()  # confirm the back-dated match
    row.get_by_role("button", name=re.compile("^Accept")).click()
    expect(row).to_have_attribute("data-state", "accepted")
    expect(row).to_contain_text("Accepted")
    expect(row.locator(".row-status")).to_be_focused()
    expect(page.locator("#proposal-100003")).to_have_attribute("data-state", "open")
    page.screenshot(path=screenshot_dir / "matching-row-accepted.png", full_page=True)
    page.goto(f"{live_server.url}/dashboard/dorset?as_of=2020-02-15")
    expect(page.locator('[data-figure="matched"]')).to_have_text("2")


@pytest.mark.parametrize(
    "user,path",
    [
        (None, "/auth/sign-in"),
        ("auditor.all", "/audit/log"),
        ("auditor", "/audit/institutions/100002"),
        ("coordinator", "/data/"),
        ("admin", "/auth/users"),
    ],
)
def test_the_other_main_pages_pass_axe(page: Page, live_server: LiveServer, screenshot_dir: Path, user, path):
    if user:
        sign_in(page, live_server, user)
    page.goto(live_server.url + path)
    page.screenshot(path=screenshot_dir / f"page{path.replace('/', '-')}.png", full_page=True)
    assert serious_accessibility_violations(page) == []
