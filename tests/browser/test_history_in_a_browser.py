"""Real headless Chromium: back and forward restore the form fields with the figures, so the next change
sends what the page shows; every error on a page speaks the page's words and marks the field it concerns."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, serious_accessibility_violations, sign_in

pytestmark = pytest.mark.browser


def test_the_dashboard_fields_follow_the_url_on_back_and_forward(page: Page, live_server: LiveServer):
    sign_in(page, live_server, "lead")
    page.goto(f"{live_server.url}/dashboard/dorset?as_of=2019-12-31")
    figure = page.locator('[data-figure="average_benchmarks"]')
    day, cluster = page.locator("#as_of"), page.locator("#cluster")
    day.fill("2020-02-15")
    expect(figure).to_have_text("4.67")
    cluster.select_option("east")
    expect(figure).to_have_text("4.50")

    page.go_back()
    expect(figure).to_have_text("4.67")
    expect(day).to_have_value("2020-02-15")
    expect(cluster).to_have_value("")
    page.go_back()
    expect(figure).to_have_text("3.50")
    expect(day).to_have_value("2019-12-31")
    page.go_forward()
    page.go_forward()
    expect(figure).to_have_text("4.50")
    expect(day).to_have_value("2020-02-15")
    expect(cluster).to_have_value("east")
    cluster.select_option("")  # the next change sends the day the page shows
    expect(figure).to_have_text("4.67")


def test_an_error_marks_the_field_it_concerns_and_focuses_it(page: Page, live_server: LiveServer):
    sign_in(page, live_server, "auditor")
    page.goto(f"{live_server.url}/audit/?hub=dorset&as_of=2020-02-15")
    known_after = page.locator("#known_at")
    known_after.fill("@x")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#alerts")).to_contain_text("Known after")
    expect(known_after).to_have_attribute("aria-invalid", "true")
    expect(known_after).to_have_attribute("aria-describedby", "known_at-hint error-message")
    expect(known_after).to_be_focused()
    assert serious_accessibility_violations(page) == []
    known_after.fill("")
    page.get_by_role("button", name="Show the report").click()
    expect(known_after).not_to_have_attribute("aria-invalid", "true")
    expect(known_after).to_have_attribute("aria-describedby", "known_at-hint")


def test_a_bad_pair_in_the_run_form_is_marked_in_the_pages_words(page: Page, live_server: LiveServer):
    sign_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/matching/")
    page.get_by_label("Day to match on").fill("2020-02-15")
    page.get_by_label("Forbidden pairs, never proposed (one URN=ADVISER_REF a line)").fill("nonsense")
    page.get_by_role("button", name="Run the matcher").click()
    forbids = page.locator("#forbids_text")
    expect(page.locator("#forbids_text-error")).to_have_text(
        "'nonsense' is not a pair: expected URN=ADVISER_REF, e.g. 100001=EA-1."
    )
    expect(forbids).to_have_attribute("aria-invalid", "true")
    expect(forbids).to_be_focused()
    assert "--forbid" not in page.content()
    assert serious_accessibility_violations(page) == []
    forbids.fill("")
    page.get_by_role("button", name="Run the matcher").click()
    expect(page.locator("#run")).to_be_focused()
