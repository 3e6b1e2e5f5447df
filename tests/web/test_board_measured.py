"""Measured coverage on the board paper (issue 13): each school's self-assessed benchmarks 5 and 6 beside
the share of each year group its learner records show reached, as a hub or cluster view shows it (no
figure from fewer than the minimum of learners), on the board's day, cluster and knowledge point."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from docx import Document
from flask import Flask

from projections.queries import Known, list_members
from service.demo import load_demo, load_learner_demo
from tests.projections.factories import csv_bytes, encounter
from tests.web.conftest import make_app
from tests.web.factories import PASSWORD, services, sign_in

COLMER = "125699"
SENTENCE = "self-assessed BM5 100 %, measured 83 % of Year 10 (disadvantaged 71 %)"


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{re.escape(name)}"[^>]*>(.*?)</td>', page, re.S)
    assert match, f"no figure {name}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo hub and its learner extension, read by Dorset's hub lead."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('learners') / 'careerhub.sqlite3'}")
    hub = services(app).hub
    assert load_demo(hub)
    app.config["BEFORE_LEARNERS"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    assert load_learner_demo(hub)
    services(app).users.add_user("lead", "hub_lead", "dorset", PASSWORD, "setup")
    yield app
    hub.close()


def test_the_hub_lead_sees_a_school_self_assessed_100_but_measured_83_of_year_10(demo_app: Flask):
    page = sign_in(demo_app, "lead").get("/hub/dorset/board?on=2020-07-31").text

    block = re.search(r'<section id="measured".*?</section>', page, re.S).group(0)
    gaps = re.search(r'<ul class="gaps" id="measured-gaps">.*?</ul>', block, re.S).group(0)
    assert f'<li data-urn="{COLMER}"><a href="/institution/{COLMER}?as_of=2020-07-31">' in gaps and SENTENCE in gaps
    assert figure(block, f"measured.bm5.{COLMER}.10") == "83 % (25 of 30) gap"
    assert figure(block, f"measured.bm5.{COLMER}.10.disadvantaged") == "71 % (5 of 7)"
    row = re.search(rf'<tr data-urn="{COLMER}" data-year="10">.*?</tr>', block, re.S).group(0)
    assert ">100 %</td>" in row  # the self-assessment beside the measure
    assert figure(block, "measured.bm5") == "91 % (49 of 54)"  # the hub: 25 of 30 and 24 of 24
    assert "of each year group on roll, the share with the encounters the benchmark asks for" in block


def test_the_block_comes_with_the_board_fragment_for_htmx_and_in_the_printable_page(demo_app: Flask):
    lead = sign_in(demo_app, "lead")
    fragment = lead.get("/hub/dorset/board?on=2020-07-31", htmx=True).text
    printable = lead.get("/hub/dorset/board/print?on=2020-07-31").text
    assert "<html" not in fragment and SENTENCE in fragment and SENTENCE in printable


def test_the_block_follows_the_boards_day_cluster_and_knowledge_point(demo_app: Flask):
    lead = sign_in(demo_app, "lead")
    members = clusters_on(demo_app, "2020-07-31")
    cluster = members[COLMER]
    other = next(c for c in sorted(set(members.values())) if c != cluster)

    before_the_encounter = lead.get("/hub/dorset/board?on=2020-02-12").text
    in_cluster, elsewhere = (lead.get(f"/hub/dorset/board?on=2020-07-31&cluster={quote(c)}").text for c in (cluster, other))
    before_learners = lead.get(f"/hub/dorset/board?on=2020-07-31&known_at={demo_app.config['BEFORE_LEARNERS']}").text

    assert figure(before_the_encounter, f"measured.bm5.{COLMER}.10") == "0 % (0 of 30) gap"
    assert SENTENCE in in_cluster and f"Cluster {html.escape(cluster)}, all year groups" in in_cluster
    assert f'data-urn="{COLMER}"' not in re.search(r'<section id="measured".*?</section>', elsewhere, re.S).group(0)
    assert SENTENCE not in before_learners and 'id="measured-empty"' in before_learners


def test_the_board_csv_carries_the_measured_figures(demo_app: Flask):
    text = sign_in(demo_app, "lead").get("/hub/dorset/board.csv?on=2020-07-31").text
    rows = list(csv.reader(io.StringIO(text)))
    assert [f"measured.bm5.{COLMER}.year_10.percent", "measured", "2020-07-31", str(100 * 25 / 30)] in rows
    assert [f"measured.bm5.{COLMER}.year_10.self_assessed_percent", "measured", "2020-07-31", "100"] in rows
    assert [f"measured.bm5.{COLMER}.year_10.gap", "measured", "2020-07-31", "True"] in rows
    assert ["measured.bm5.learners", "measured", "2020-07-31", "54"] in rows


def test_the_word_paper_carries_the_measured_table_and_the_gaps(demo_app: Flask):
    response = sign_in(demo_app, "lead").get("/hub/dorset/board.docx?on=2020-07-31")
    document = Document(io.BytesIO(response.data))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    measured = next(t for t in tables if t[0][:3] == ["School", "Year", "BM5 self-assessed"])
    assert ["Colmer School", "10", "100 %", "83 % (25 of 30) gap", "71 % (5 of 7)"] == measured[1][:5]
    assert f"Colmer School: {SENTENCE}" in [p.text for p in document.paragraphs]


# --- small numbers, and no learner records ---------------------------------------------------------


def given_three_schools_with_year_10s_of(app: Flask, sizes: dict[str, tuple[int, int]]) -> None:
    """Year 10s of the two-hub dataset's Dorset schools: urn -> (learners, of them disadvantaged); each
    learner but the last of each school took part in the school's employer encounter."""
    hub = services(app).hub
    hub.app.learner_secret = "a test learner secret"
    encounters = [encounter(f"E{urn}", urn, "2020-01-20", year_groups="10") for urn in sizes]
    learners = [
        {"pupil_id": f"P{i}", "urn": urn, "year_group": 10, "academic_year": "2019/20", "disadvantaged": str(i < dis).lower()}
        for urn, (n, dis) in sizes.items()
        for i in range(n)
    ]
    took_part = [
        {"pupil_id": f"P{i}", "encounter_ref": f"E{urn}", "urn": urn, "participated_on": "2020-01-20"}
        for urn, (n, _) in sizes.items()
        for i in range(n - 1)
    ]
    for kind, rows in (("encounters", encounters), ("learners", learners), ("participations", took_part)):
        hub.import_file(kind, Path(f"{kind}.csv"), "loader", "test data", data=csv_bytes(rows))


def test_a_year_group_of_fewer_than_five_learners_shows_no_figure(app: Flask):
    given_three_schools_with_year_10s_of(app, {"100001": (3, 1), "100002": (6, 2), "100003": (8, 5)})

    page = sign_in(app, "lead").get("/hub/dorset/board?on=2020-02-15").text

    assert figure(page, "measured.bm5.100001.10") == "<5 learners"
    assert figure(page, "measured.bm5.100001.10.disadvantaged") == "<5 learners"  # nothing of a small group
    assert figure(page, "measured.bm5.100003.10") == "88 % (7 of 8)"
    assert figure(page, "measured.bm5.100002.10.disadvantaged") == "<5 learners"
    assert "(0 of 1)" not in page and "(2 of 3)" not in page
    # 100001 is cluster west on its own: the hub's total less east's would be it, so the hub's is withheld
    assert (
        figure(page, "measured.bm5") == "withheld"
        and "(12 of 14)" in sign_in(app, "lead").get("/hub/dorset/board?on=2020-02-15&cluster=east").text
    )


def test_without_learner_records_the_block_says_how_to_get_them(shared_app: Flask):
    page = sign_in(shared_app, "admin").get("/hub/dorset/board?on=2020-02-15").text
    block = re.search(r'<section id="measured".*?</section>', page, re.S).group(0)
    assert 'id="measured-empty"' in block and "No learner records have been imported" in block
    assert 'href="/data/' in block and "<table" not in block


def clusters_on(app: Flask, day: str) -> dict[str, str]:
    """urn -> cluster of the demo hub's members on the day."""
    service = services(app).hub
    known = Known(service.db, service.app.last_position())
    return {m["urn"]: m["cluster"] for m in list_members(known, "dorset", date.fromisoformat(day)) if m["cluster"]}
