"""The coordinator's workbench in the web: past runs with replay, the adviser register and each adviser's
history, a school's ranked and excluded candidates; every route for every role, other hubs refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.factories import PASSWORD, services, sign_in

DAY = "2020-02-15"


@pytest.fixture(scope="module")
def bench(shared_app):
    """The shared store with a Solent coordinator, a Solent-owned adviser and one Dorset run."""
    hub = services(shared_app).hub
    services(shared_app).users.add_user("coordinator.solent", "coordinator", "solent", PASSWORD, "setup")
    hub.import_file(
        "advisers",
        Path("solent.csv"),
        "admin",
        "Solent's register",
        data=b"adviser_ref,name,capacity,latitude,longitude,area\nEA-S,Sol Adviser,1,50.9,-1.4,Solent\n",
    )
    coordinator = sign_in(shared_app, "coordinator")
    response = coordinator.post("/matching/runs", {"area": "Dorset", "as_of": DAY}, htmx=True)
    run_id = response.headers["HX-Push-Url"].rsplit("/", 1)[-1]
    coordinator.post(f"/matching/runs/{run_id}/reject", {"urn": "100003", "reason": "met before"}, htmx=True)
    return shared_app, run_id


def routes(run_id: str) -> list[str]:
    return [
        "/matching/runs",
        f"/matching/runs/{run_id}/replay",
        "/matching/advisers",
        "/matching/advisers/EA-1",
        f"/matching/candidates/100002?as_of={DAY}",
    ]


@pytest.mark.parametrize(
    "user, status", [("coordinator", 200), ("admin", 200), ("lead", 403), ("auditor", 403), ("auditor.all", 403)]
)
def test_every_workbench_page_is_for_coordinators_and_admins(bench, user, status):
    app, run_id = bench
    browser = sign_in(app, user)
    for path in routes(run_id):
        assert browser.get(path).status_code == status, path


def test_anonymous_visitors_are_sent_to_sign_in(bench):
    app, run_id = bench
    for path in routes(run_id):
        response = sign_in(app, None).get(path)
        assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/matching/runs/{run}/replay",
        "/matching/advisers?area=Dorset",
        f"/matching/candidates/100002?as_of={DAY}",
        "/matching/advisers/EA-S?x={run}",
    ],
)
def test_a_coordinator_of_another_hub_is_refused(bench, path):
    app, run_id = bench
    other = "coordinator.solent" if "EA-S" not in path else "coordinator"
    assert sign_in(app, other).get(path.format(run=run_id)).status_code == 403


def test_past_runs_list_the_run_with_its_counts_and_replay_and_leave_other_areas_out(bench):
    app, run_id = bench
    page = sign_in(app, "coordinator").get("/matching/runs").text
    assert page.startswith("<!doctype html>") and f'data-run="{run_id}"' in page
    row = page.split(f'data-run="{run_id}"')[1].split("</tr>")[0]
    assert "coordinator" in row and "Dorset" in row and "OPTIMAL" in row
    assert '<td class="num">2</td><td class="num">0</td><td class="num">1</td>' in row  # proposed, accepted, rejected
    assert f"/matching/runs/{run_id}/replay" in row
    assert f'data-run="{run_id}"' not in sign_in(app, "coordinator.solent").get("/matching/runs").text


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "page"])
def test_a_replay_says_the_same_proposals_came_out(bench, htmx):
    app, run_id = bench
    response = sign_in(app, "coordinator").get(f"/matching/runs/{run_id}/replay", htmx=htmx)
    assert response.status_code == 200 and ("<html" in response.text) is not htmx
    assert "The same proposals came out" in response.text


def test_an_unknown_run_is_a_404(bench):
    app, _ = bench
    assert sign_in(app, "coordinator").get("/matching/runs/nonsense/replay").status_code == 404


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "page"])
def test_the_register_shows_capacity_current_matches_and_owner_and_not_other_areas_advisers(bench, htmx):
    app, _ = bench
    response = sign_in(app, "coordinator").get(f"/matching/advisers?on={DAY}", htmx=htmx)
    assert response.status_code == 200 and ("<html" in response.text) is not htmx
    row = response.text.split('data-adviser="EA-1"')[1].split("</tr>")[0]
    assert "Ada Byron" in row and '<td class="num">2</td>' in row and "/institution/100001" in row
    assert "none (shared)" in row
    assert 'data-adviser="EA-S"' not in response.text
    assert 'data-adviser="EA-S"' in sign_in(app, "coordinator.solent").get("/matching/advisers").text


def test_an_advisers_page_shows_its_history(bench):
    app, _ = bench
    page = sign_in(app, "coordinator").get("/matching/advisers/EA-1").text
    assert "Ada Byron" in page and 'id="history-table"' in page and "Recorded" in page and "advisers.csv:2" in page
    assert sign_in(app, "coordinator").get("/matching/advisers/EA-404").status_code == 404


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "page"])
def test_a_schools_candidates_are_ranked_with_score_parts_and_exclusions_name_the_rule(bench, htmx):
    app, _ = bench
    response = sign_in(app, "coordinator").get(f"/matching/candidates/100002?as_of={DAY}", htmx=htmx)
    assert response.status_code == 200 and ("<html" in response.text) is not htmx
    ranked = response.text.split('id="ranked"')[1].split("</table>")[0]
    assert 'data-adviser="EA-2"' in ranked and "km away" in ranked
    excluded = response.text.split('id="excluded"')[1].split("</table>")[0]
    assert 'data-adviser="EA-S"' in excluded and "travel limit" in excluded  # Solent's adviser is too far


def test_candidates_for_a_school_with_an_adviser_say_why_there_are_none(bench):
    app, _ = bench
    response = sign_in(app, "coordinator").get(f"/matching/candidates/100001?as_of={DAY}")
    assert response.status_code == 422 and "not waiting for an adviser" in response.text


def test_run_pages_link_schools_to_their_page_and_their_candidates(bench):
    app, run_id = bench
    page = sign_in(app, "coordinator").get(f"/matching/runs/{run_id}").text
    assert 'href="/institution/100002">Harbour College</a>' in page
    assert f'href="/matching/candidates/100002?as_of={DAY}"' in page
    assert 'href="/matching/runs"' in page and 'href="/matching/advisers"' in page


def test_audit_pages_link_school_names_to_the_school_page(bench):
    app, _ = bench
    auditor = sign_in(app, "auditor")
    assert 'href="/institution/100002">Harbour College</a>' in auditor.get("/audit/institutions/100002").text
    report = auditor.get("/audit/?hub=dorset&as_of=2020-02-15").text
    assert 'href="/institution/100001">Castle School</a>' in report
