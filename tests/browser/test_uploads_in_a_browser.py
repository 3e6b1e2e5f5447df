"""Real headless Chromium: the coordinator previews a file, then imports it; retracts an assessment
from the school page with a reason; focus lands on each result; axe on each page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, serious_accessibility_violations, sign_in
from tests.web.test_upload_preview_and_retract import MIXED

pytestmark = pytest.mark.browser


def test_the_coordinator_previews_then_imports_a_file(page: Page, live_server: LiveServer):
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/data/")
    page.get_by_label("What the file holds").select_option("assessments")
    page.get_by_label("CSV file (UTF-8, first row the header)").set_input_files(
        files=[{"name": "spring.csv", "mimeType": "text/csv", "buffer": MIXED.encode()}]
    )
    page.get_by_role("button", name="Preview").click()
    counts = page.locator("#preview-counts")
    expect(counts).to_contain_text("1 new, 1 corrected, 1 unchanged")
    expect(page.locator("#upload-result")).to_be_focused()
    expect(page.locator("#preview-corrected td.changed")).to_have_count(1)
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Upload and import").click()  # the same file is still chosen
    expect(page.locator("#upload-result")).to_contain_text("2 events recorded, 1 rows unchanged")


def test_the_coordinator_retracts_an_assessment_from_the_school_page(page: Page, live_server: LiveServer):
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/institution/100002?as_of=2020-02-15")
    assert serious_accessibility_violations(page) == []
    page.locator("summary", has_text="Retract assessments 100002 2020-02-01").click()  # opens the form
    page.get_by_label("Why retract assessments 100002 2020-02-01?").fill("keyed twice")
    page.get_by_role("button", name="Retract assessments 100002 2020-02-01").click()
    status = page.locator("p.retracted")
    expect(status).to_contain_text("Retracted assessments 100002 2020-02-01")
    expect(status).to_be_focused()
    page.reload()
    expect(page.locator("#school-benchmarks tbody tr")).to_have_count(1)  # only the November assessment is left
