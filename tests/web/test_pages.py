"""The pages' content: the dashboard's figures by day and cluster, its exports, the log's paging and
exports, time travel between two moments, an institution's history; every htmx fragment alone."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from projections.audit import LogFilter, list_log
from tests.web.conftest import loaded_app
from tests.web.factories import CORRECTION, services, sign_in


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


# --- the dashboard -----------------------------------------------------------------------------


def test_the_dashboard_shows_the_figures_as_of_the_day_asked(shared_app):
    lead = sign_in(shared_app, "lead")
    autumn = lead.get("/dashboard/dorset?as_of=2019-12-31").text
    assert figure(autumn, "average_benchmarks") == "3.50"
    assert figure(autumn, "bm5_percent") == "50.0 %"
    assert figure(autumn, "target_average") == "4.00" and figure(autumn, "national_average") == "3.00"
    assert figure(autumn, "engaged") == "3" and figure(autumn, "matched") == "1"
    assert figure(autumn, "institutional_applicants") == "1 of 2" and figure(autumn, "amount_awarded") == "£1,200"
    assert "0 of 2 members have not been assessed this term" in autumn
    spring = lead.get("/dashboard/dorset?as_of=2020-02-15").text
    assert figure(spring, "average_benchmarks") == "4.67" and figure(spring, "bm5_percent") == "66.7 %"
    assert "1 of 3 members have not been assessed this term" in spring
    owing = re.search(r'<table id="owing-table".*?</table>', spring, re.S).group(0)
    assert "100001" in owing and "Castle School" in owing and "15 October 2019" in owing and "1 January 2020" in owing
    # the last academic year's end, for today's members: 100001 and 100002 as of 31 Aug 2019 had no assessment
    assert figure(spring, "last_year_end_average") == "no data"
    assert "Computed for today's 3 hub members" in spring


def test_the_cluster_filter_narrows_the_figures(shared_app):
    east = sign_in(shared_app, "lead").get("/dashboard/dorset?as_of=2020-02-15&cluster=east").text
    assert figure(east, "average_benchmarks") == "4.50"  # 100002 (6) and 100003 (3)
    assert '<option value="east" selected>' in east


def test_the_dashboard_charts_carry_their_data_and_a_table(shared_app):
    page = sign_in(shared_app, "lead").get("/dashboard/dorset?as_of=2020-02-15").text
    specs = [json.loads(m.replace("&#39;", "'").replace("&#34;", '"')) for m in re.findall(r"data-chart='([^']*)'", page)]
    term_chart, benchmark_chart = specs
    assert term_chart["data"]["labels"][-3:] == ["summer 2018/19", "autumn 2019/20", "as of 2020-02-15"]
    hub, target, national = term_chart["data"]["datasets"]
    assert hub["data"][-2:] == [3.5, 14 / 3] and target["data"][-1] == 4.0 and national["data"][-1] == 3.0
    assert benchmark_chart["data"]["labels"] == [f"BM{b}" for b in range(1, 9)]
    assert benchmark_chart["data"]["datasets"][0]["data"][4] == pytest.approx(200 / 3)
    assert 'src="/static/vendor/chart.umd.min.js"' in page and "cdn" not in page.lower()


def test_the_board_tables_export_as_csv_and_a_printable_page(shared_app):
    lead = sign_in(shared_app, "lead")
    response = lead.get("/dashboard/dorset/board.csv?as_of=2020-02-15")
    assert response.mimetype == "text/csv" and "board-dorset-2020-02-15.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    average = rows[rows.index(["Average number of benchmarks fully achieved"]) + 2]
    assert [float(v) if v else None for v in average] == [3.0, None, 4.0, pytest.approx(14 / 3)]
    assert ["100001", "Castle School", "2019-10-15", "2020-01-01"] in rows
    printable = lead.get("/dashboard/dorset/print?as_of=2020-02-15").text
    assert figure(printable, "average_benchmarks") == "4.67" and "<nav" not in printable and "<script" not in printable


def test_a_bad_date_is_explained(shared_app):
    response = sign_in(shared_app, "lead").get("/dashboard/dorset?as_of=2020-13-45")
    assert response.status_code == 422 and "is not a date like 2020-02-02" in response.text


# --- the audit views ---------------------------------------------------------------------------


def test_the_log_pages_by_position_and_scrolls_on_with_htmx(tmp_path):
    app = loaded_app(f"sqlite:///{tmp_path}/log.sqlite3", LOG_PAGE_SIZE=5)
    auditor = sign_in(app, "auditor.all")
    page = auditor.get("/audit/log").text
    assert re.findall(r'<tr data-nid="(\d+)"', page) == ["1", "2", "3", "4", "5"]
    sentinel = re.search(r'<tr id="log-more" hx-get="([^"]+)" hx-trigger="revealed"', page)
    assert sentinel and "after=5" in sentinel.group(1)
    more = auditor.get(sentinel.group(1).replace("&amp;", "&"), htmx=True, **{"HX-Target": "log-more"}).text
    assert "<html" not in more and "<table" not in more
    assert re.findall(r'<tr data-nid="(\d+)"', more) == ["6", "7", "8", "9", "10"]
    filtered = auditor.get("/audit/log?kind=assessments", htmx=True, **{"HX-Target": "log-results"}).text
    assert "<html" not in filtered and 'id="log-results"' in filtered
    assert set(re.findall(r"<td>(\w+)</td><td>Recorded</td>", filtered)) == {"assessments"}
    services(app).hub.close()


def test_the_log_exports_neutralise_formulas_and_never_show_password_hashes(app):
    hub = services(app).hub
    hub.import_file(
        "advisers", Path("evil.csv"), "=cmd|' /C calc'!A0", "+1 reason", data=(b"adviser_ref,name\nEA-9,@SUM(A1:A9)\n")
    )
    auditor = sign_in(app, "auditor.all")
    rows = list(csv.DictReader(io.StringIO(auditor.get("/audit/log.csv").text)))
    evil = next(r for r in rows if r["record_key"] == "EA-9")
    assert evil["actor"] == "'=cmd|' /C calc'!A0" and evil["reason"] == "'+1 reason"
    assert evil["what"].startswith("'") or not evil["what"].startswith(("=", "+", "-", "@"))
    lines = [json.loads(line) for line in auditor.get("/audit/log.jsonl").text.splitlines()]
    assert len(lines) == len(rows) == hub.app.last_position()
    added = [r for r in lines if r["kind"] == "User" and r["event"] == "Added"]
    assert added and all(r["payload"]["password_hash"] == "[redacted]" for r in added)
    assert "$argon2" not in auditor.get("/audit/log.csv").text + auditor.get("/audit/log").text


def moment_after_last_event(app) -> str:
    hub = services(app).hub
    hub.refresh()
    return list_log(hub.db, LogFilter())[-1]["recorded_at"][:26]


def test_time_travel_compares_two_moments_institution_by_institution(app):
    first = moment_after_last_event(app)
    services(app).hub.import_file(
        "assessments", Path("fix.csv"), "coordinator", "BM6 evidence withdrawn", data=CORRECTION.encode()
    )
    second = moment_after_last_event(app)
    auditor = sign_in(app, "auditor")
    single = auditor.get(f"/audit/?hub=dorset&as_of=2020-02-15&known_at={first}").text
    assert figure(single, "average_benchmarks") == "4.67"
    page = auditor.get(f"/audit/?hub=dorset&as_of=2020-02-15&known_at={first}&compare_known_at={second}").text
    changed = re.search(r'<tr class="changed" data-figure="average_benchmarks">(.*?)</tr>', page, re.S).group(1)
    assert "4.67" in changed and "4.33" in changed
    assert 'data-figure="institutions"' in page and '<tr class="changed" data-figure="institutions"' not in page
    article = re.search(r'<article class="institution-change" data-urn="100002">(.*?)</article>', page, re.S).group(1)
    assert "Harbour College" in article and "BM6 evidence withdrawn" in article and "coordinator" in article
    assert 'data-urn="100001"' not in page


def test_time_travel_needs_the_first_moment_to_compare(shared_app):
    response = sign_in(shared_app, "auditor").get(
        "/audit/?hub=dorset&as_of=2020-02-15&compare_known_at=2030-01-01T00:00:00", htmx=True
    )
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#alerts"
    assert "<html" not in response.text and "give the first" in response.text


def test_an_institutions_history_shows_every_event_about_it(app):
    services(app).hub.import_file(
        "assessments", Path("fix.csv"), "coordinator", "BM6 evidence withdrawn", data=CORRECTION.encode()
    )
    page = sign_in(app, "lead").get("/audit/institutions/100002").text
    assert 'History of <a href="/institution/100002">Harbour College</a> (100002)' in page
    events = re.findall(r"<td>(\w+)</td>\s*<td>(Recorded|Corrected)</td>", page)
    assert events == [
        ("institutions", "Recorded"),
        ("assessments", "Recorded"),
        ("assessments", "Recorded"),
        ("assessments", "Corrected"),
    ]


# --- every htmx fragment alone, and inside its full page -----------------------------------------

FRAGMENTS = [
    ("lead", "/dashboard/dorset?as_of=2020-02-15", 'id="board"'),
    ("auditor", "/audit/?hub=dorset&as_of=2020-02-15", 'id="timetravel-result"'),
    ("auditor", "/audit/log", 'id="log-results"'),
    ("auditor", "/audit/institutions/100001", "<tr data-nid="),
    ("coordinator", "/data/", 'id="upload-result"'),
]


@pytest.mark.parametrize("user,path,marker", FRAGMENTS, ids=[p for _, p, _ in FRAGMENTS])
def test_an_htmx_request_gets_the_fragment_that_the_full_page_contains(shared_app, user, path, marker):
    browser = sign_in(shared_app, user)
    fragment = browser.get(path, htmx=True)
    page = browser.get(path)
    assert fragment.status_code == page.status_code == 200
    assert "<html" not in fragment.text and "<nav" not in fragment.text and marker in fragment.text
    assert page.text.startswith("<!doctype html>") and marker in page.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_an_error_during_an_htmx_request_is_a_fragment_for_the_alert_region(shared_app):
    response = sign_in(shared_app, "lead.solent").get("/dashboard/dorset", htmx=True)
    assert response.status_code == 403 and "<html" not in response.text
    assert response.headers["HX-Retarget"] == "#alerts" and "limited to hub solent" in response.text


def test_an_institution_owes_data_from_the_start_of_the_hubs_own_next_term(app):
    """The hub's spring term starts after a holiday: 100001, last assessed in the autumn, owes data from then,
    as the report's count of members still owing (by the hub's terms) says."""
    terms = (
        "hub_id,academic_year,term,starts_on,ends_on\n"
        "dorset,2019/20,autumn,2019-09-04,2019-12-20\ndorset,2019/20,spring,2020-01-06,2020-03-27\n"
    )
    services(app).hub.import_file("terms", Path("terms.csv"), "lead", "our own term dates", data=terms.encode())
    spring = sign_in(app, "lead").get("/dashboard/dorset?as_of=2020-02-15").text
    owing = re.search(r'<table id="owing-table".*?</table>', spring, re.S).group(0)
    assert "100001" in owing and "6 January 2020" in owing and "1 January 2020" not in owing
