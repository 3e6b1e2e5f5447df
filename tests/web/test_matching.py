"""The coordinator's matching page: run, read why, accept or reject row by row, pin or forbid and
run again; a run that went stale is refused with a clear message."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from projections.audit import LogFilter, list_log
from projections.report import Query
from tests.web.factories import event_count, services, sign_in

DAY = "2020-02-15"


def proposals(html: str) -> dict[str, tuple[str, str]]:
    """urn -> (adviser_ref, state) of each proposal row."""
    rows = re.findall(r'<tr id="proposal-(\w+)" data-state="(\w+)">\s*<th scope="row">.*?</th>\s*<td>([\w-]+) ', html, re.S)
    return {urn: (ref, state) for urn, state, ref in rows}


def run_for(browser, **extra: str):
    response = browser.post("/matching/runs", {"area": "Dorset", "as_of": DAY, **extra}, htmx=True)
    assert response.status_code == 200, response.text
    run_id = response.headers["HX-Push-Url"].rsplit("/", 1)[-1]
    return run_id, response.text


def matched(app) -> int:
    return services(app).hub.report(Query("dorset", date.fromisoformat(DAY))).to_json()["ean"]["matched"]


def test_a_run_shows_proposals_with_reasons_and_the_unmatched(app):
    run_id, html = run_for(sign_in(app, "coordinator"))
    assert "<html" not in html and 'id="run"' in html
    assert set(proposals(html)) == {"100002", "100003"}
    assert all(state == "open" for _, state in proposals(html).values())
    assert 'class="reasons"' in html and "km away" in html
    page = sign_in(app, "coordinator").get(f"/matching/runs/{run_id}").text
    assert page.startswith("<!doctype html>") and proposals(page) == proposals(html)


def test_accepting_a_row_swaps_the_row_and_records_the_match_as_the_coordinator(app):
    coordinator = sign_in(app, "coordinator")
    run_id, html = run_for(coordinator)
    urn = "100002"
    adviser = proposals(html)[urn][0]
    before = matched(app)
    response = coordinator.post(f"/matching/runs/{run_id}/accept", {"urn": urn, "as_of_run": "yes"}, htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith(f'<tr id="proposal-{urn}" data-state="accepted">')
    assert f"valid from {DAY}, the run&#39;s day, as you confirmed" in response.text
    assert matched(app) == before + 1
    match = list_log(services(app).hub.db, LogFilter(kind="matches"))[-1]
    assert (match["actor"], match["record_key"], match["source"]) == (
        "coordinator",
        f"{urn} {adviser} {DAY}",
        f"match run {run_id}",
    )
    page = coordinator.get(f"/matching/runs/{run_id}").text
    assert proposals(page)[urn] == (adviser, "accepted") and proposals(page)["100003"][1] == "open"


def test_accepting_without_javascript_goes_back_to_the_run(app):
    coordinator = sign_in(app, "coordinator")
    run_id, _ = run_for(coordinator)
    response = coordinator.post(f"/matching/runs/{run_id}/accept", {})
    assert response.status_code == 303 and response.headers["Location"] == f"/matching/runs/{run_id}"
    page = coordinator.client.get(response.headers["Location"]).text
    assert "Accepted every open proposal, valid from " in page
    assert {state for _, state in proposals(page).values()} == {"accepted"}


def test_a_rejected_pair_is_not_proposed_again(app):
    coordinator = sign_in(app, "coordinator")
    run_id, html = run_for(coordinator)
    adviser = proposals(html)["100003"][0]
    response = coordinator.post(f"/matching/runs/{run_id}/reject", {"urn": "100003", "reason": "met before"}, htmx=True)
    assert 'data-state="rejected"' in response.text
    _, again = run_for(coordinator)
    assert proposals(again).get("100003", ("", ""))[0] != adviser


def test_a_rejection_needs_a_reason(app):
    coordinator = sign_in(app, "coordinator")
    run_id, _ = run_for(coordinator)
    response = coordinator.post(f"/matching/runs/{run_id}/reject", {"urn": "100003", "reason": " "}, htmx=True)
    assert response.status_code == 422 and "needs a reason" in response.text
    assert response.headers["HX-Retarget"] == "#alerts"


def test_forbidding_a_pair_and_running_again_leaves_it_out(app):
    coordinator = sign_in(app, "coordinator")
    _, html = run_for(coordinator)
    pair = f"100002={proposals(html)['100002'][0]}"
    _, again = run_for(coordinator, forbids=pair)
    assert proposals(again).get("100002", ("", ""))[0] != pair.split("=")[1]
    assert pair in again  # the forbidden pair stays in the re-run form


def test_a_pinned_pair_is_kept(app):
    coordinator = sign_in(app, "coordinator")
    _, html = run_for(coordinator, pins_text="100002=EA-2")
    assert proposals(html)["100002"][0] == "EA-2"


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "form"])
def test_accepting_a_stale_run_is_refused_with_a_clear_message(app, htmx):
    coordinator = sign_in(app, "coordinator")
    run_id, html = run_for(coordinator)
    services(app).hub.import_file(
        "matches", Path("m.csv"), "ec.west", "matched by phone", data=b"urn,adviser_ref,matched_on\n100002,EA-2,2020-02-10\n"
    )
    before = event_count(app)
    response = coordinator.post(f"/matching/runs/{run_id}/accept", {"urn": "100002"}, htmx=htmx)
    assert response.status_code == 409
    assert "This run is out of date; nothing was accepted." in response.text
    assert "institution 100002 is no longer a candidate" in response.text
    if htmx:
        assert response.headers["HX-Retarget"] == "#run-status" and "<html" not in response.text
    assert event_count(app) == before


def test_a_past_day_run_warns_and_its_matches_start_today_unless_confirmed(app):
    coordinator = sign_in(app, "coordinator")
    run_id, html = run_for(coordinator)
    assert "This run is for 2020-02-15, before today" in html
    assert 'id="as-of-run" name="as_of_run" value="yes"' in html and 'hx-include="#as-of-run"' in html
    before = matched(app)
    response = coordinator.post(f"/matching/runs/{run_id}/accept", {"urn": "100002"}, htmx=True)
    today = services(app).hub.db.query("SELECT matched_on FROM rm_matches WHERE urn = '100002'")[0]["matched_on"]
    assert today > DAY and f"valid from {today}." in response.text
    assert matched(app) == before  # the board's past figures do not move


def test_a_run_for_today_has_no_warning_and_no_confirmation(app):
    coordinator = sign_in(app, "coordinator")
    response = coordinator.post("/matching/runs", {"area": "Dorset", "as_of": date.today().isoformat()}, htmx=True)
    assert "before today" not in response.text and 'id="as-of-run"' not in response.text
