"""Real headless Chromium: the coordinator's workbench — a run, the past runs and a replay, the adviser
register and an adviser's history, a school's candidates; focus after each swap, axe on each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, serious_accessibility_violations, sign_in

pytestmark = pytest.mark.browser


def test_the_coordinator_reviews_runs_advisers_and_a_schools_candidates(page: Page, live_server: LiveServer):
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/matching/")
    page.get_by_label("Day to match on").fill("2020-02-15")
    page.get_by_role("button", name="Run the matcher").click()
    expect(page.locator("#run")).to_be_focused()

    page.get_by_role("link", name="candidates for 100003").click()
    expect(page).to_have_url(re.compile(r"/matching/candidates/100003\?as_of=2020-02-15"))
    expect(page.locator("#ranked tbody tr")).not_to_have_count(0)
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Day to match on").fill("2019-10-01")  # 100003 joined the EAN before, with nobody yet
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#candidates")).to_be_focused()
    expect(page).to_have_url(re.compile(r"as_of=2019-10-01"))

    page.get_by_role("link", name="Past runs").click()
    expect(page.locator("#runs-table tbody tr")).to_have_count(1)
    assert serious_accessibility_violations(page) == []
    page.get_by_role("link", name=re.compile("^Replay")).click()
    expect(page.locator("#replay-verdict")).to_contain_text("The same proposals came out")

    page.get_by_role("link", name="Adviser register").click()
    expect(page.locator('[data-adviser="EA-1"]')).to_contain_text("Ada Byron")
    assert serious_accessibility_violations(page) == []
    page.get_by_label("On the day").fill("2019-09-15")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#advisers")).to_be_focused()
    expect(page.locator('[data-adviser="EA-1"] td.num').nth(1)).to_have_text("0")  # matched from 2019-10-01
    page.get_by_role("link", name="EA-1 Ada Byron").click()
    expect(page.locator("#history-table")).to_contain_text("Recorded")
    assert serious_accessibility_violations(page) == []
