"""Real headless Chromium: the hub lead reads the board paper, follows a figure to its schools and
events, opens a school page and downloads the Word file; at 390 px and 1280 px, with axe-core; and
the same links work with JavaScript off."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect

from service.demo import load_demo, load_learner_demo
from tests.browser.conftest import LiveServer, serious_accessibility_violations, serve, sign_in
from tests.web.conftest import make_app
from tests.web.factories import PASSWORD, services

pytestmark = pytest.mark.browser
ON = "2020-02-15"


def horizontal_page_scroll(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_the_lead_follows_a_board_figure_to_its_schools_and_events(page: Page, live_server: LiveServer, screenshot_dir: Path):
    sign_in(page, live_server, "lead")
    page.goto(f"{live_server.url}/hub/dorset/board?on={ON}")
    expect(page.get_by_role("heading", name="End of autumn term 2019/20: as of 31 December 2019")).to_be_visible()
    expect(page.get_by_role("heading", name="On 15 February 2020", exact=True)).to_be_visible()
    expect(page.locator('[data-figure="term_end.average_benchmarks"]')).to_have_text("3.50")
    assert serious_accessibility_violations(page) == []

    page.locator('[data-figure="term_end.bm5_percent"]').click()  # htmx: the explanation opens below
    explanation = page.locator("#explanation")
    expect(explanation).to_contain_text("Benchmark 5 (Encounters with employers and employees): % fully achieved: 50.0 %")
    expect(explanation.locator('tr[data-urn="100001"]')).to_contain_text("100 % (fully achieved)")
    expect(explanation.locator('tr[data-urn="100001"] li', has_text="assessments Recorded 100001 2019-10-15")).to_have_count(1)
    assert page.url.endswith(f"/hub/dorset/board?on={ON}")  # still on the board
    page.screenshot(path=screenshot_dir / "board-explanation.png", full_page=True)
    assert serious_accessibility_violations(page) == []

    explanation.get_by_role("link", name="Castle School").click()
    expect(page.get_by_role("heading", name="Castle School (100001)")).to_be_visible()
    expect(page.locator("#school-benchmarks")).to_contain_text("2019-10-15")
    expect(page.locator("#school-matches")).to_contain_text("Ada Byron (EA-1)")
    expect(page.locator("#school-benchmark-chart")).to_have_attribute("width", re.compile(r"\d+"))
    page.screenshot(path=screenshot_dir / "school-page.png", full_page=True)
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        f"/hub/dorset/board?on={ON}",
        "/institution/100001?as_of=2020-02-15",
        f"/hub/dorset/explain/engaged?as_of={ON}",
        f"/dashboard/dorset?as_of={ON}",
        "/audit/?hub=dorset&as_of=2020-02-15",
        "/audit/log",
    ],
)
def test_a_phone_reads_the_pages_without_sideways_scrolling(page: Page, live_server: LiveServer, screenshot_dir: Path, path: str):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "lead")
    page.goto(live_server.url + path)
    # the navigation wraps, nothing off-screen
    expect(page.get_by_role("navigation").get_by_role("link", name="Audit", exact=True)).to_be_in_viewport()
    assert horizontal_page_scroll(page) == 0
    page.screenshot(path=screenshot_dir / f"phone{path.split('?')[0].replace('/', '-')}.png", full_page=True)
    assert serious_accessibility_violations(page) == []


def test_the_lead_downloads_the_board_as_a_word_file(page: Page, live_server: LiveServer):
    sign_in(page, live_server, "lead")
    page.goto(f"{live_server.url}/hub/dorset/board?on={ON}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Word document").click()
    document = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    rows = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert rows[1] == ["3.00", "no data", "4.00", "3.50"]  # national, last year end, target, end of autumn term


def test_without_javascript_a_figure_opens_its_own_page(browser: Browser, live_server: LiveServer):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "lead")
    page.goto(f"{live_server.url}/hub/dorset/board?on={ON}")
    page.locator('[data-figure="on_day.engaged"]').click()
    expect(page.get_by_role("heading", name="Engaged with the Enterprise Adviser Network: 3")).to_be_visible()
    page.get_by_role("link", name="Back to the board paper").click()
    expect(page.locator('[data-figure="on_day.engaged"]')).to_have_text("3")
    context.close()


@pytest.fixture
def learner_demo_server(sqlite_url: str) -> Iterator[LiveServer]:
    """The demo hub with its learner extension (issue 13), served on 127.0.0.1."""
    app = make_app(sqlite_url)
    assert load_demo(services(app).hub) and load_learner_demo(services(app).hub)
    services(app).users.add_user("lead", "hub_lead", "dorset", PASSWORD, "setup")
    yield from serve(app)


def test_the_lead_reads_measured_coverage_beside_the_self_assessment(
    browser: Browser, page: Page, learner_demo_server: LiveServer, screenshot_dir: Path
):
    sentence = "self-assessed BM5 100 %, measured 83 % of Year 10 (disadvantaged 71 %)"
    sign_in(page, learner_demo_server, "lead")
    page.goto(f"{learner_demo_server.url}/hub/dorset/board?on=2020-07-31")
    block = page.locator("#measured")
    expect(block.get_by_role("heading", name="Measured coverage on 31 July 2020")).to_be_visible()
    expect(block.locator("#measured-gaps li", has_text=sentence)).to_have_count(1)
    block.scroll_into_view_if_needed()
    block.screenshot(path=screenshot_dir / "board-measured-coverage.png")
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Cluster", exact=True).select_option("North Dorset")  # htmx: the paper, this block with it, is redrawn
    expect(block.locator("#measured-empty")).to_contain_text("No learner of the hub's schools in cluster North Dorset")
    page.get_by_label("Cluster", exact=True).select_option("Weymouth & Portland")
    expect(block.get_by_text("Cluster Weymouth & Portland, all year groups")).to_be_visible()
    expect(block.locator("#measured-gaps li", has_text=sentence)).to_have_count(1)

    context = browser.new_context(java_script_enabled=False)  # the same block without JavaScript
    plain = context.new_page()
    sign_in(plain, learner_demo_server, "lead")
    plain.goto(f"{learner_demo_server.url}/hub/dorset/board?on=2020-07-31")
    plain.locator("#measured-gaps li", has_text=sentence).get_by_role("link", name="Colmer School").click()
    expect(plain.get_by_role("heading", name="Colmer School (125699)")).to_be_visible()
    expect(plain.locator("#measured-coverage")).to_contain_text("83 %")
    context.close()
