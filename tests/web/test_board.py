"""The board paper in the browser (no JavaScript needed): both blocks with their dates, each figure a
link to the institutions and events behind it, the school page, the first screen, the exports.
Figures of the two-hub dataset (tests/web/factories.py) are worked out by hand there."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC
from urllib.parse import unquote

import pytest
from docx import Document

from tests.web.conftest import make_app
from tests.web.factories import PASSWORD, services, sign_in

ON = "2020-02-15"  # the last term ended on 31 Dec 2019


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert match, f"no figure {name}"
    return match.group(1).strip()


def test_the_board_shows_the_last_term_end_beside_the_day(shared_app):
    page = sign_in(shared_app, "lead").get(f"/hub/dorset/board?on={ON}").text

    assert "End of autumn term 2019/20: as of" in page and "31 December 2019" in page and "On <time" in page
    assert figure(page, "term_end.average_benchmarks") == "3.50"  # (5 + 2) / 2 on 31 Dec
    assert figure(page, "term_end.bm5_percent") == "50.0 %" and figure(page, "term_end.target_bm5") == "50.0 %"
    assert figure(page, "term_end.target_average") == "4.00" and figure(page, "term_end.national_average") == "3.00"
    assert figure(page, "term_end.data_required") == "0"  # on the day itself 100001 owes spring data
    assert "data includes results from most recent assessment" in page
    assert figure(page, "on_day.engaged") == "3" and figure(page, "on_day.matched") == "1"
    assert figure(page, "on_day.institutional_applicants") == "1" and "1</a> of 3" in page
    assert figure(page, "on_day.cluster.east") == "2" and figure(page, "on_day.cluster.west") == "1"


def test_each_board_figure_links_to_its_explanation(shared_app):
    page = sign_in(shared_app, "lead").get(f"/hub/dorset/board?on={ON}").text

    links = dict(re.findall(r'<a href="([^"]+)" hx-get="[^"]+" hx-target="#explanation"[^>]*data-figure="([^"]+)"', page))
    by_figure = {v: k.replace("&amp;", "&") for k, v in links.items()}
    assert by_figure["term_end.average_benchmarks"] == f"/hub/dorset/explain/average_benchmarks?as_of=2019-12-31&on={ON}"
    assert by_figure["term_end.last_year_end_average"].endswith("as_of=2019-08-31&on=2020-02-15&cohort_as_of=2019-12-31")
    assert by_figure["on_day.engaged"] == f"/hub/dorset/explain/engaged?as_of={ON}&on={ON}"


def test_an_explanation_lists_the_institutions_and_their_events(shared_app):
    lead = sign_in(shared_app, "lead")

    page = lead.get(f"/hub/dorset/explain/bm5_percent?as_of=2019-12-31&on={ON}")
    fragment = lead.get(f"/hub/dorset/explain/bm5_percent?as_of=2019-12-31&on={ON}", htmx=True)

    assert page.status_code == 200 and "<html" in page.text and "Back to the board paper" in page.text
    assert fragment.status_code == 200 and "<html" not in fragment.text
    rows = re.findall(r'<tr data-urn="(\d+)">', fragment.text)
    assert rows == ["100001", "100002"]
    assert "100 % (fully achieved)" in fragment.text and "assessments" in fragment.text
    assert "(test data) from assessments.csv" in fragment.text and "by loader" in fragment.text
    assert 'href="/institution/100001?as_of=2019-12-31"' in fragment.text


def test_a_coordinator_reads_the_explanation_without_the_recorders_names(shared_app):
    text = sign_in(shared_app, "coordinator").get(f"/hub/dorset/explain/engaged?as_of={ON}").text
    assert "Heath School" in text and "(test data)" in text and "by loader" not in text


def test_the_last_year_end_figure_is_explained_for_the_term_ends_members(shared_app):
    text = (
        sign_in(shared_app, "lead").get("/hub/dorset/explain/assessed?as_of=2019-08-31&cohort_as_of=2019-12-31", htmx=True).text
    )
    assert "for the hub members on 31 December 2019" in text and re.findall(r'data-urn="(\d+)"', text) == []


@pytest.mark.parametrize(
    "path,status",
    [
        ("/hub/dorset/explain/amount_awarded?as_of=2020-02-15", 404),  # not counted institution by institution
        ("/hub/dorset/explain/no_such_figure?as_of=2020-02-15", 404),
        ("/hub/dorset/explain/engaged", 422),
        ("/hub/dorset/board?on=2020-02-30", 422),
        ("/hub/atlantis/board", 404),
        ("/institution/999999", 404),
    ],
)
def test_bad_requests_say_why(shared_app, path, status):
    assert sign_in(shared_app, "admin").get(path).status_code == status


def test_the_board_is_a_fragment_for_htmx_and_a_page_without(shared_app):
    lead = sign_in(shared_app, "lead")
    page, fragment = lead.get(f"/hub/dorset/board?on={ON}"), lead.get(f"/hub/dorset/board?on={ON}", htmx=True)
    assert "<html" in page.text and '<form method="get"' in page.text
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<section id="paper"')


def test_the_board_opens_on_the_latest_data_and_says_so(shared_app):
    lead = sign_in(shared_app, "lead")
    opened = lead.get("/hub/dorset/board").text
    assert 'id="on" name="on" value="2020-02-10"' in opened  # the newest valid date of the hub's records
    assert "Latest data: <strong>10 February 2020</strong>, so the board opens on that day" in opened
    later = lead.get("/hub/dorset/board?on=2021-01-01").text
    assert "Latest data: <strong>10 February 2020</strong>. Nothing recorded" in later
    assert 'href="/hub/dorset/board?on=2020-02-10"' in later
    assert "Latest data" not in lead.get("/hub/dorset/board?on=2020-02-01").text


def test_an_empty_store_offers_the_import_page_and_the_demo(sqlite_url):
    app = make_app(sqlite_url)
    services(app).users.add_user("admin", "admin", None, PASSWORD, "setup")
    try:
        page = sign_in(app, "admin").get("/hub/").text
    finally:
        services(app).hub.close()
    assert "Nothing has been recorded yet" in page and 'href="/data/"' in page and "careerhub demo load" in page


def test_the_board_exports_one_long_csv_table(shared_app):
    response = sign_in(shared_app, "lead").get(f"/hub/dorset/board.csv?on={ON}")
    assert response.mimetype == "text/csv" and "board-dorset-2020-02-15.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["figure", "block", "as_of", "value"] and {len(r) for r in rows} == {4}
    assert ["average_benchmarks", "term_end", "2019-12-31", "3.5"] in rows
    assert ["engaged", "on_day", ON, "3"] in rows and ["target.bm5_percent", "term_end", "2019-12-31", "50.0"] in rows
    assert ["members_per_cluster.east", "on_day", ON, "2"] in rows


def test_the_board_exports_a_word_document_with_the_annex_tables(shared_app):
    response = sign_in(shared_app, "lead").get(f"/hub/dorset/board.docx?on={ON}")
    document = Document(io.BytesIO(response.data))
    average = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert average[0][1] == "Hub at end of last academic year (31 August 2019)"
    assert average[1] == ["3.00", "no data", "4.00", "3.50"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "End of autumn term 2019/20 (as of 31 December 2019)" in text and "On 15 February 2020" in text
    assert "Data still required from 0 hub schools" in text
    images = [r for r in document.part.rels.values() if r.reltype.endswith("/image")]
    assert len(images) == 4 and all(r.target_part.blob.startswith(b"\x89PNG") for r in images)
    assert "Trends at each term end" in text


def test_the_printable_board_has_both_blocks_and_no_navigation(shared_app):
    text = sign_in(shared_app, "lead").get(f"/hub/dorset/board/print?on={ON}").text
    assert figure(text, "term_end.average_benchmarks") == "3.50" and "<nav" not in text


# --- the school page ---------------------------------------------------------------------------


def test_the_school_page_shows_benchmarks_over_time_adviser_and_funding(shared_app):
    lead = sign_in(shared_app, "lead")
    page = lead.get("/institution/100001?as_of=2020-02-15").text
    assert "Castle School" in page and "Data owed" in page and "Yes: not assessed this term" in page
    table = re.search(r'<table id="school-benchmarks".*?</table>', page, re.S).group(0)
    assert "2019-10-15" in table and table.count('class="num achieved"') == 5
    assert "Ada Byron (EA-1)" in page and "1 October 2019" in page and "F-1" in page and "£1,200" in page
    assert 'href="/audit/institutions/100001"' in page and "data-chart=" in page
    harbour = lead.get("/institution/100002?as_of=2020-02-15").text
    assert "No: assessed this term" in harbour and "Never matched" in harbour


def test_the_school_page_is_a_fragment_for_htmx(shared_app):
    fragment = sign_in(shared_app, "lead").get("/institution/100001?as_of=2020-02-15", htmx=True).text
    assert "<html" not in fragment and fragment.lstrip().startswith('<section id="profile"')


def test_a_coordinator_sees_the_school_without_the_auditors_history_link(shared_app):
    page = sign_in(shared_app, "coordinator").get("/institution/100001").text
    assert "Castle School" in page and "/audit/institutions/" not in page


def test_the_board_names_link_to_the_school_pages(shared_app):
    page = sign_in(shared_app, "lead").get("/hub/dorset/board?on=2020-01-20").text
    # on 20 Jan the last term end is 31 Dec; 100003 joined on 15 Jan: owes nothing at the term's end
    assert figure(page, "term_end.data_required") == "0"
    explained = sign_in(shared_app, "lead").get("/hub/dorset/explain/data_required?as_of=2020-02-15").text
    assert 'href="/institution/100001?as_of=2020-02-15">Castle School</a>' in explained


# --- trends: all eight benchmarks per term, forecast, clusters side by side ----------------------


def test_the_board_shows_all_eight_benchmarks_at_each_term_end_up_to_the_day(shared_app):
    page = sign_in(shared_app, "lead").get(f"/hub/dorset/board?on={ON}").text
    table = re.search(r'<table id="series-table".*?</table>', page, re.S).group(0)
    assert re.findall(r'<th scope="row">(\w+ \d{4}/\d\d) \(', table) == [
        "autumn 2018/19",
        "spring 2018/19",
        "summer 2018/19",
        "autumn 2019/20",
    ]  # spring 2019/20 has not ended
    assert figure(page, "series.2019-12-31.average_benchmarks") == "3.50"
    assert figure(page, "series.2019-12-31.bm1_percent") == "100.0 %" and figure(page, "series.2019-12-31.bm7_percent") == "0.0 %"
    specs = re.findall(r"data-chart='([^']*)'", page)
    assert len(specs) == 10  # the average, one per benchmark, the clusters


def test_the_board_forecasts_the_year_end_against_target(shared_app):
    page = sign_in(shared_app, "lead").get(f"/hub/dorset/board?on={ON}").text
    forecast = re.search(r'<table id="forecast-table".*?</table>', page, re.S).group(0)
    assert "End of 2019/20: forecast made with data as of 15 February 2020" in forecast
    assert figure(page, "forecast.average_benchmarks") not in ("", "no data") and "least-squares" in page


def test_the_board_puts_the_clusters_side_by_side_at_the_term_end(shared_app):
    page = sign_in(shared_app, "lead").get(f"/hub/dorset/board?on={ON}").text
    assert "Clusters side by side at the end of autumn term (31 December 2019)" in page
    assert figure(page, "clusters.east.average_benchmarks") == "2.00"  # 100002; 100003 joined in January
    assert figure(page, "clusters.west.average_benchmarks") == "5.00"
    one = sign_in(shared_app, "lead").get(f"/hub/dorset/board?on={ON}&cluster=east").text
    assert "Clusters side by side" not in one and figure(one, "term_end.average_benchmarks") == "2.00"


def test_the_dashboard_opens_on_the_latest_data_and_links_to_the_board_and_the_schools(shared_app):
    lead = sign_in(shared_app, "lead")
    opened = lead.get("/dashboard/dorset").text
    assert 'id="as_of" name="as_of" value="2020-02-10"' in opened and "Latest data: <strong>10 February 2020</strong>" in opened
    assert 'href="/hub/dorset/board?on=2020-02-10"' in opened
    spring = lead.get("/dashboard/dorset?as_of=2020-02-15").text
    assert '<a href="/institution/100001?as_of=2020-02-15">Castle School</a>' in spring


def test_the_board_as_known_at_a_moment_carries_the_moment_into_its_links_and_exports(app):
    from datetime import datetime
    from pathlib import Path

    from tests.web.factories import CORRECTION

    before = datetime.now(UTC)
    services(app).hub.import_file(
        "assessments", Path("fix.csv"), "coordinator", "BM6 evidence withdrawn", data=CORRECTION.encode()
    )
    lead = sign_in(app, "lead")
    moment = before.strftime("%Y-%m-%dT%H:%M:%S.%f")

    then = list(csv.reader(io.StringIO(lead.get(f"/hub/dorset/board.csv?on={ON}&known_at={moment}").text)))
    now = list(csv.reader(io.StringIO(lead.get(f"/hub/dorset/board.csv?on={ON}").text)))
    page = lead.get(f"/hub/dorset/board?on={ON}&known_at={moment}").text

    assert ["bm6_percent", "on_day", ON, str(100 / 3)] in then and ["bm6_percent", "on_day", ON, "0.0"] in now
    assert f'name="known_at" step="1" value="{moment}"' in page
    link = re.search(r'href="([^"]+)"[^>]*data-figure="on_day.engaged"', page).group(1).replace("&amp;", "&")
    assert unquote(link).endswith(f"known_at={before.isoformat()}")  # the links keep the moment whole


def test_a_user_of_every_hub_sees_every_hubs_figures_side_by_side(shared_app):
    """Given the two-hub dataset, the hubs page as of a day gives each hub its own report's figures."""
    page = sign_in(shared_app, "admin").get(f"/hub/?on={ON}").text
    dorset = page[page.index('href="/hub/dorset/board?on=2020-02-15"') :]
    dorset = dorset[: dorset.index("</tr>")]
    assert "<td>3</td>" in dorset and "<td>4.67</td>" in dorset and "<td>66.7 %</td>" in dorset
    assert 'href="/hub/solent/board?on=2020-02-15"' in page
    assert 'id="on" name="on" value="2020-02-15"' in page


def test_a_hubs_own_people_go_straight_to_their_board(shared_app):
    assert sign_in(shared_app, "lead").get("/hub/").headers["Location"].endswith("/hub/dorset/board")
