"""The auditor picks knowledge points (the log's transactions) instead of typing timestamps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask

from projections.transactions import TransactionSearch, list_transactions, search_transactions
from service.demo import load_demo
from tests.web.conftest import make_app
from tests.web.factories import PASSWORD, services, sign_in

PAGE = "/audit/?hub=dorset&as_of=2019-12-31"


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo hub, with one user per role of Dorset and an auditor of no hub."""
    app = make_app(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'careerhub.sqlite3'}")
    assert load_demo(services(app).hub)
    for name, role, hub_id in (
        ("auditor", "auditor", "dorset"),
        ("lead", "hub_lead", "dorset"),
        ("coordinator", "coordinator", "dorset"),
        ("admin", "admin", None),
    ):
        services(app).users.add_user(name, role, hub_id, PASSWORD, "setup")
    yield app
    services(app).hub.close()


def late(app: Flask):
    service = services(app).hub
    [found] = search_transactions(list_transactions(service.db), TransactionSearch(text="late autumn"))
    return found


def owing(html: str) -> int:
    return int(re.search(r'data-figure="data_required">([0-9]+)<', html).group(1))


def test_the_auditor_finds_the_late_returns_and_compares_before_and_after_them(demo_app):
    point = late(demo_app)
    auditor = sign_in(demo_app, "auditor")
    found = auditor.get(f"{PAGE}&q=late+autumn").text
    rows = re.findall(r'<tr data-position="([0-9]+)">', found)
    assert rows == [str(point.position)]
    link = re.search(r'href="([^"]+)">Before and after this<', found).group(1).replace("&amp;", "&")
    assert f"known_at=@{point.before}" in link and f"compare_known_at=@{point.position}" in link

    page = auditor.get(link).text
    assert "late autumn assessments" in page and f"after #{point.before}" in page
    changed = re.search(r'<tr class="changed" data-figure="data_required">(.*?)</tr>', page, re.S).group(1)
    then, now = (int(v) for v in re.findall(r'<td class="num">([0-9]+)</td>', changed))
    assert then > now
    schools = re.findall(r'<article class="institution-change" data-urn="([0-9]+)">(.*?)</article>', page, re.S)
    assert len(schools) >= then - now
    assert all("late autumn assessments" in body for _, body in schools)


def test_the_report_known_after_a_point_says_which_transaction_it_is(demo_app):
    point = late(demo_app)
    auditor = sign_in(demo_app, "auditor")
    before = auditor.get(f"{PAGE}&known_at=@{point.before}").text
    after = auditor.get(f"{PAGE}&known_at=@{point.position}").text
    assert owing(before) > owing(after)
    assert f"known after #{point.position} late autumn assessments" in after
    assert f'value="@{point.position}"' in after


def test_a_sub_second_time_typed_into_the_url_works_and_is_shown_back_whole(demo_app):
    point = late(demo_app)
    moment = point.recorded_at.rstrip("Z")
    page = sign_in(demo_app, "auditor").get(f"{PAGE}&known_at={moment}").text
    assert f'value="{moment}"' in page
    assert f"after #{point.position} late autumn assessments" in page
    just_before = (datetime.fromisoformat(moment) - timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    earlier = sign_in(demo_app, "auditor").get(f"{PAGE}&known_at={just_before}").text
    assert f"after #{point.before}" in earlier and owing(earlier) > owing(page)


@pytest.mark.parametrize(
    "value, words", [("@x", "log position like @957"), ("@99999", "not been recorded yet"), ("soon", "date and time like")]
)
def test_a_bad_point_is_a_422_naming_the_field(demo_app, value, words):
    response = sign_in(demo_app, "auditor").get(f"{PAGE}&known_at={value}")
    assert response.status_code == 422 and words in response.text
    assert "--known-at" not in response.text


def test_the_transaction_search_is_an_htmx_fragment_of_the_page(demo_app):
    auditor = sign_in(demo_app, "auditor")
    fragment = auditor.get("/audit/?q=correction", htmx=True, **{"HX-Target": "audit-workspace"})
    page = auditor.get("/audit/?q=correction")
    assert fragment.status_code == page.status_code == 200
    assert "<html" not in fragment.text and fragment.text.lstrip().startswith('<div id="audit-workspace"')
    assert len(re.findall(r"<tr data-position=", fragment.text)) == 2
    assert 'id="points"' in page.text and page.text.startswith("<!doctype html>")


def test_transactions_can_be_searched_by_actor_and_day(demo_app):
    auditor = sign_in(demo_app, "auditor")
    by_panel = auditor.get("/audit/?by=funding.panel", htmx=True, **{"HX-Target": "audit-workspace"}).text
    assert len(re.findall(r"<tr data-position=", by_panel)) == 2
    nothing = auditor.get("/audit/?on=2001-01-01", htmx=True, **{"HX-Target": "audit-workspace"}).text
    assert "No transaction matches" in nothing


def test_a_hub_auditor_never_sees_user_changes_or_another_hubs_points(demo_app):
    services(demo_app).users.add_user("someone", "auditor", None, PASSWORD, "a new account")
    everything = sign_in(demo_app, "admin").get("/audit/?q=User", htmx=True, **{"HX-Target": "audit-workspace"}).text
    hub_only = sign_in(demo_app, "auditor").get("/audit/?q=User", htmx=True, **{"HX-Target": "audit-workspace"}).text
    assert "<tr data-position=" in everything and "<tr data-position=" not in hub_only


@pytest.mark.parametrize("user, status", [("auditor", 200), ("lead", 200), ("admin", 200), ("coordinator", 403)])
def test_the_knowledge_points_follow_the_audit_roles(demo_app, user, status):
    assert sign_in(demo_app, user).get("/audit/?q=late").status_code == status


def test_an_anonymous_visitor_is_sent_to_sign_in(demo_app):
    response = demo_app.test_client().get("/audit/?q=late")
    assert response.status_code == 302 and "/auth/sign-in" in response.headers["Location"]


def test_another_hubs_points_are_forbidden(app):
    response = sign_in(app, "auditor").get("/audit/?hub=solent&q=test")
    assert response.status_code == 403
