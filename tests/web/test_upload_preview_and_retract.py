"""Uploads in the browser: a preview (the import planned, nothing saved), a template per kind, and a
record retracted with a reason from its page — for every role, within the hub scope, CSRF-protected."""

from __future__ import annotations

import io

import pytest

from tests.web.factories import event_count, services, sign_in
from tests.web.test_data import upload

MIXED = (
    "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n"
    "100003,2020-03-01,100,100,100,100,0,0,0,0\n"
    "100002,2020-02-01,100,100,100,100,100,0,0,0\n"
    "100001,2019-10-15,100,100,100,100,100,50,0,0\n"
)
SOLENT = "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n200001,2020-03-01,100,100,100,100,0,0,0,0\n"


def preview(browser, kind: str, text: str, htmx: bool = False):
    return browser.post(
        "/data/preview",
        {"kind": kind, "reason": "spring", "file": (io.BytesIO(text.encode()), "s.csv")},
        htmx=htmx,
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "page"])
def test_a_preview_counts_new_corrected_and_unchanged_rows_and_records_nothing(app, htmx):
    coordinator = sign_in(app, "coordinator")
    before = event_count(app)
    response = preview(coordinator, "assessments", MIXED, htmx)
    assert response.status_code == 200 and ("<html" in response.text) is not htmx
    assert 'data-new="1" data-corrected="1" data-unchanged="1"' in response.text
    assert "nothing has been recorded" in response.text
    corrected = response.text.split('id="preview-corrected"')[1].split("</table>")[0]
    assert '<td class="changed">0<span class="visually-hidden"> (changed)</span></td>' in corrected  # bm6 100 -> 0
    assert event_count(app) == before
    assert "1 events recorded" not in response.text
    recorded = upload(coordinator, "assessments", MIXED)
    assert "2 events recorded, 1 rows unchanged" in recorded.text


def test_a_preview_of_another_hubs_rows_is_refused_as_the_import_is(app):
    response = preview(sign_in(app, "coordinator"), "assessments", SOLENT, htmx=True)
    assert response.status_code == 403 and "outside your hub" in response.text


@pytest.mark.parametrize("user, status", [("coordinator", 200), ("admin", 200), ("lead", 403), ("auditor", 403)])
def test_preview_and_templates_are_for_those_who_upload(app, user, status):
    browser = sign_in(app, user)
    assert preview(browser, "assessments", MIXED).status_code == status
    assert browser.get("/data/templates/assessments.csv").status_code == status


def test_anonymous_visitors_and_forms_without_a_token_are_refused(app):
    assert sign_in(app, None).get("/data/templates/assessments.csv").status_code == 302
    coordinator = sign_in(app, "coordinator")
    for path, form in (
        ("/data/preview", {"kind": "assessments"}),
        ("/data/retract", {"kind": "assessments", "key": "100002 2020-02-01", "reason": "x"}),
    ):
        response = coordinator.client.post(path, data=form)
        assert response.status_code == 400, path  # no CSRF token
    assert 'value="100002 2020-02-01"' in coordinator.get("/institution/100002").text  # not retracted


def test_a_template_is_the_kinds_header_and_the_upload_page_links_each(app):
    coordinator = sign_in(app, "coordinator")
    response = coordinator.get("/data/templates/assessments.csv")
    assert response.mimetype == "text/csv" and 'filename="assessments-template.csv"' in response.headers["Content-Disposition"]
    assert response.text == "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\r\n"
    assert coordinator.get("/data/templates/nonsense.csv").status_code == 404
    page = coordinator.get("/data/").text
    assert 'href="/data/templates/assessments.csv"' in page and 'href="/data/templates/hubs.csv"' not in page
    assert 'formaction="/data/preview"' in page


def test_the_school_page_offers_retraction_to_those_who_upload(app):
    assert 'name="key" value="100002 2020-02-01"' in sign_in(app, "coordinator").get("/institution/100002").text
    assert 'name="key" value="100001 EA-1 2019-10-01"' in sign_in(app, "coordinator").get("/institution/100001").text
    assert "Retract" not in sign_in(app, "lead").get("/institution/100002").text
    assert "Retract" not in sign_in(app, "coordinator").get("/institution/100002?known_at=@5").text


@pytest.mark.parametrize("htmx", [True, False], ids=["fragment", "form"])
def test_a_coordinator_retracts_an_assessment_with_a_reason(app, htmx):
    coordinator = sign_in(app, "coordinator")
    form = {"kind": "assessments", "key": "100002 2020-02-01", "reason": "keyed twice", "next": "/institution/100002"}
    response = coordinator.post("/data/retract", form, htmx=htmx)
    if htmx:
        assert response.status_code == 200 and "<html" not in response.text and "data-takes-focus" in response.text
    else:
        assert response.status_code == 303 and response.headers["Location"] == "/institution/100002"
    page = coordinator.get("/institution/100002").text
    assert 'value="100002 2020-02-01"' not in page and 'value="100002 2019-11-01"' in page
    hub = services(app).hub
    retraction = hub.db.query("SELECT actor, reason FROM rm_log WHERE event = 'Retracted'")
    assert retraction == [{"actor": "coordinator", "reason": "keyed twice"}]


@pytest.mark.parametrize(
    "user, form, status, words",
    [
        ("coordinator", {"kind": "assessments", "key": "200001 2019-10-01", "reason": "x"}, 403, "not yours to retract"),
        ("coordinator", {"kind": "national", "key": "bm5_percent 2019-07-31", "reason": "x"}, 403, "ask an administrator"),
        ("coordinator", {"kind": "assessments", "key": "100002 2020-02-01", "reason": " "}, 422, "Reason: say why"),
        ("coordinator", {"kind": "assessments", "key": "100009 2020-02-01", "reason": "x"}, 422, "no assessments record"),
        ("lead", {"kind": "assessments", "key": "100002 2020-02-01", "reason": "x"}, 403, "role"),
        ("auditor", {"kind": "assessments", "key": "100002 2020-02-01", "reason": "x"}, 403, "role"),
    ],
)
def test_a_retraction_outside_the_scope_or_without_a_reason_is_refused(app, user, form, status, words):
    browser = sign_in(app, user)
    before = event_count(app)
    response = browser.post("/data/retract", form, htmx=True)
    assert response.status_code == status and words in response.text
    assert response.headers["HX-Retarget"] == "#alerts"
    assert event_count(app) == before


def test_an_administrator_retracts_from_the_history_row(app):
    admin = sign_in(app, "admin")
    history = admin.get("/audit/institutions/100002").text
    assert history.count('class="retract"') == 3  # the institution and its two assessments
    response = admin.post(
        "/data/retract",
        {"kind": "assessments", "key": "100002 2019-11-01", "reason": "wrong school", "next": "/audit/institutions/100002"},
    )
    assert response.status_code == 303
    again = admin.get("/audit/institutions/100002").text
    assert "Retracted assessments 100002 2019-11-01" in again and again.count('class="retract"') == 2
    assert 'class="retract"' not in sign_in(app, "auditor").get("/audit/institutions/100002").text
