"""A dashboard fragment is rendered once per (URL, role and hub, log position, today) and kept by the
process (web/fragments.py): asked again it is served as kept; anything recorded meanwhile, another user's
scope, another day or the full page is rendered afresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from projections.report_cache import FRAGMENTS, REPORTS
from tests.web.conftest import loaded_app, make_app
from tests.web.factories import CORRECTION, services, sign_in
from web import dashboard
from web.fragments import KeptFragments

DAY = "2020-02-15"
FRAGMENT = f"/dashboard/dorset?as_of={DAY}"


@pytest.fixture
def rendering_counted(monkeypatch):
    """How many times the dashboard's figures were computed."""
    calls = []
    original = dashboard.board_context

    def counted(hub_id):
        calls.append(hub_id)
        return original(hub_id)

    monkeypatch.setattr(dashboard, "board_context", counted)
    return calls


def test_a_fragment_asked_again_is_served_as_kept(app, rendering_counted):
    lead, colleague = sign_in(app, "lead"), sign_in(app, "lead")  # signing in is recorded: both before asking
    first = lead.get(FRAGMENT, htmx=True)
    second = colleague.get(FRAGMENT, htmx=True)  # another session of the same scope

    assert first.status_code == second.status_code == 200 and "<html" not in first.text
    assert second.text == first.text
    assert rendering_counted == ["dorset"]


def test_what_is_recorded_meanwhile_is_shown_at_once(app, rendering_counted):
    lead = sign_in(app, "lead")
    before = lead.get(FRAGMENT, htmx=True).text
    services(app).hub.import_file("assessments", Path("fix.csv"), "coordinator", "BM6 withdrawn", data=CORRECTION.encode())
    after = lead.get(FRAGMENT, htmx=True).text

    assert 'data-figure="bm6_percent">33.3 %' in before.replace("\n", "")
    assert 'data-figure="bm6_percent">0.0 %' in after.replace("\n", "")
    assert len(rendering_counted) == 2


def test_what_another_hub_records_leaves_the_fragment_kept(app, rendering_counted):
    lead = sign_in(app, "lead")
    before = lead.get(FRAGMENT, htmx=True).text
    solent = "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n200001,2020-01-10,0,0,0,0,0,0,0,0\n"
    services(app).hub.import_file("assessments", Path("solent.csv"), "coordinator", "Solent's term", data=solent.encode())
    after = lead.get(FRAGMENT, htmx=True).text

    assert after == before
    assert rendering_counted == ["dorset"]


def test_another_scope_day_or_the_full_page_is_rendered_afresh(app, rendering_counted):
    lead, solent, admin = sign_in(app, "lead"), sign_in(app, "lead.solent"), sign_in(app, "admin")
    lead.get(FRAGMENT, htmx=True)
    assert solent.get(FRAGMENT, htmx=True).status_code == 403  # never another hub's kept answer
    admin.get(FRAGMENT, htmx=True)  # the same page, another role and scope
    lead.get("/dashboard/dorset?as_of=2020-02-16", htmx=True)
    page = lead.get(FRAGMENT)  # the page holds the session's own CSRF token: never kept
    lead.get(FRAGMENT, htmx=True)

    assert "<html" in page.text
    assert len(rendering_counted) == 5  # each but the last (the solent lead's is refused by the view itself)


def test_the_least_recently_used_fragment_is_forgotten_first():
    kept = KeptFragments(size=2)
    kept.keep("a", "A")
    kept.keep("b", "B")
    assert kept.get("a") == "A"  # now the most recently used
    kept.keep("c", "C")

    assert (kept.get("a"), kept.get("b"), kept.get("c")) == ("A", None, "C")


def test_a_fragment_rendered_by_one_process_is_served_to_another_from_the_store(database_url, monkeypatch):
    first, second = loaded_app(database_url), make_app(database_url)  # two serve processes over one store
    lead, colleague = sign_in(first, "lead"), sign_in(second, "lead")
    rendered = lead.get(FRAGMENT, htmx=True).text

    def rendering(hub_id):
        raise AssertionError("rendered again")

    monkeypatch.setattr(dashboard, "board_context", rendering)
    assert colleague.get(FRAGMENT, htmx=True).text == rendered

    services(first).hub.projector.rebuild()  # a rebuild (as a redaction) forgets every kept answer
    assert services(first).hub.app.db.scalar(f"SELECT COUNT(*) FROM {FRAGMENTS.table}") == 0
    for app in (first, second):
        services(app).hub.close()


def test_a_new_day_keeps_its_reports_and_its_fragment_in_one_transaction_after_its_reads(database_url, monkeypatch):
    app = loaded_app(database_url)
    lead = sign_in(app, "lead")
    db = services(app).hub.app.db
    written, keep = [], db.backend.keep
    monkeypatch.setattr(db.backend, "keep", lambda datastore, writes: written.append(writes) or keep(datastore, writes))

    lead.get(FRAGMENT, htmx=True)

    assert len(written) == 1  # one keeping transaction for the page
    tables = sorted({statement.split()[2] for statement, _ in written[0]})
    assert tables == sorted({FRAGMENTS.table, REPORTS.table}) and len(written[0]) >= 3  # the day's reports and fragment
    assert db.scalar(f"SELECT COUNT(*) FROM {FRAGMENTS.table}") == 1
    services(app).hub.close()
