"""Uploading CSV files: the same import as the command line, as the signed-in user."""

from __future__ import annotations

import io

import pytest

from projections.audit import LogFilter, list_log
from tests.web.conftest import make_app
from tests.web.factories import event_count, load_hubs, services, sign_in

GOOD = "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n100003,2020-03-01,100,100,100,100,0,0,0,0\n"
BAD = (
    "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n"
    "100003,2020-03-02,100,100,100,100,0,0,0,0\n"
    "100001,2020-03-31,100,100,100,100,0,0,0,140\n"
)


def upload(browser, kind: str, text: str, htmx: bool = False, name: str = "returns.csv", reason: str = "spring"):
    return browser.post(
        "/data/",
        {"kind": kind, "reason": reason, "file": (io.BytesIO(text.encode()), name)},
        htmx=htmx,
        content_type="multipart/form-data",
    )


def test_an_upload_is_recorded_with_the_signed_in_user_as_actor(app):
    coordinator = sign_in(app, "coordinator")
    response = upload(coordinator, "assessments", GOOD)
    assert response.status_code == 200
    assert "returns.csv: 1 rows imported as assessments; 1 events recorded, 0 rows unchanged" in response.text
    hub = services(app).hub
    row = list_log(hub.db, LogFilter(kind="assessments"))[-1]
    assert (row["actor"], row["reason"], row["source"], row["urn"]) == ("coordinator", "spring", "returns.csv:2", "100003")


def test_uploading_the_same_file_again_records_nothing(app):
    coordinator = sign_in(app, "coordinator")
    upload(coordinator, "assessments", GOOD)
    before = event_count(app)
    response = upload(coordinator, "assessments", GOOD, htmx=True)
    assert response.status_code == 200 and "<html" not in response.text
    assert "nothing new. All 1 rows were already recorded" in response.text
    assert event_count(app) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_bad_row_rejects_the_whole_file_naming_line_and_column(app, htmx):
    coordinator = sign_in(app, "coordinator")
    before = event_count(app)
    response = upload(coordinator, "assessments", BAD, htmx=htmx, name="../../spring.csv")
    assert response.status_code == 422
    assert "spring.csv was rejected; nothing was recorded." in response.text
    assert '<dd data-line="3">3</dd>' in response.text and "<dd>bm8</dd>" in response.text
    assert "140" in response.text
    assert ("<html" in response.text) is not htmx
    assert event_count(app) == before


def test_an_upload_without_a_file_or_kind_says_what_is_missing(app):
    coordinator = sign_in(app, "coordinator")
    assert "Choose a CSV file" in coordinator.post("/data/", {"kind": "assessments"}).text
    assert "Choose what kind" in coordinator.post("/data/", {"kind": "nonsense"}).text


def test_a_file_over_the_size_limit_gets_a_clear_413_page(sqlite_url):
    app = make_app(sqlite_url, MAX_CONTENT_LENGTH=1024)
    load_hubs(services(app).hub)
    services(app).users.add_user("coordinator", "coordinator", "dorset", "a test password", "setup")
    coordinator = sign_in(app, "coordinator")
    before = event_count(app)
    response = upload(coordinator, "assessments", GOOD + "100003,2020-03-01,0,0,0,0,0,0,0,0\n" * 60)
    assert response.status_code == 413
    assert "Uploads are limited to 1 KB." in response.text
    assert "larger than the upload limit" in response.text
    assert event_count(app) == before
    services(app).hub.close()


def test_the_upload_limit_defaults_to_64_megabytes(shared_app):
    assert shared_app.config["MAX_CONTENT_LENGTH"] == 64 * 1024 * 1024
