"""Real headless Chromium over the demo hub: the auditor, without typing a timestamp, shows what the board
could have said before the late autumn returns and what changed after them, and downloads it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from service.demo import load_demo
from tests.browser.conftest import LiveServer, serious_accessibility_violations, serve, sign_in
from tests.web.conftest import make_app
from tests.web.factories import PASSWORD, services

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_server(sqlite_url: str) -> Iterator[LiveServer]:
    app = make_app(sqlite_url)
    assert load_demo(services(app).hub)
    services(app).users.add_user("auditor", "auditor", "dorset", PASSWORD, "setup")
    yield from serve(app)


def test_the_auditor_compares_before_and_after_the_late_returns(page: Page, demo_server: LiveServer, screenshot_dir: Path):
    sign_in(page, demo_server, "auditor")
    page.goto(f"{demo_server.url}/audit/")
    page.get_by_label("As of (day)").fill("2019-12-31")
    page.get_by_role("button", name="Show the report").click()
    expect(page.locator("#timetravel-heading")).to_contain_text("now (everything recorded)")

    page.get_by_label("Reason, file or kind contains").fill("late autumn")
    page.get_by_role("button", name="Find transactions").click()
    rows = page.locator("#points-table tbody tr")
    expect(rows).to_have_count(1)
    expect(page.locator("#points")).to_be_focused()  # focus follows the swapped result
    rows.get_by_role("link", name="Before and after this").click()

    changed = page.locator('tr.changed[data-figure="data_required"]')
    expect(changed).to_be_visible()
    then, now = (int(t) for t in changed.locator("td.num").all_inner_texts())
    assert then > now
    institutions = page.locator("article.institution-change")
    assert institutions.count() >= then - now
    expect(institutions.first).to_contain_text("late autumn assessments")
    expect(page.get_by_label("Known after (empty = everything recorded)")).to_have_value(re.compile(r"^@\d+$"))
    page.screenshot(path=screenshot_dir / "audit-before-after-late-returns.png", full_page=True)
    assert serious_accessibility_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name="Download this comparison").click()
    assert download.value.suggested_filename.endswith(".zip")


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    def luminance(rgb: tuple[float, ...]) -> float:
        c = [v / 255 for v in rgb[:3]]
        c = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_keyboard_focus_ring_has_3_to_1_contrast(page: Page, demo_server: LiveServer):
    sign_in(page, demo_server, "auditor")
    page.goto(f"{demo_server.url}/audit/")
    page.get_by_label("Known after (empty = everything recorded)").focus()
    page.keyboard.press("Tab")  # keyboard focus: :focus-visible applies
    style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, getComputedStyle(document.body).backgroundColor]; }""")
    outline_style, width, colour, background = style

    def numbers(text: str) -> tuple[float, ...]:
        return tuple(float(v) for v in re.findall(r"[0-9.]+", text)[:3])

    assert outline_style == "solid" and float(width.rstrip("px")) >= 2
    page_colour = (255.0, 255.0, 255.0) if background == "rgba(0, 0, 0, 0)" else numbers(background)  # the canvas
    assert contrast(numbers(colour), page_colour) >= 3
