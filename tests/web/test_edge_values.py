"""Issue 14 item 5: days, moments and log positions at the edges of what Python and the databases hold
were a server error on every page that reads them. Each is now refused with a 422 that says, in the
words of the page, what is wrong; a day inside the range careerhub handles works to its very edge."""

from __future__ import annotations

import pytest

from tests.web.factories import sign_in

DAY_PAGES = ("/dashboard/dorset", "/dashboard/dorset/print", "/dashboard/dorset/board.csv", "/audit/", "/matching/")
LOG_PAGES = ("/audit/log", "/audit/log.csv", "/audit/log.jsonl")


def refused(response, label: str) -> None:
    assert response.status_code == 422, (response.status_code, response.text[:300])
    assert f"{label}:" in response.text and "Traceback" not in response.text


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("path", DAY_PAGES)
def test_a_day_at_the_ends_of_the_calendar_is_refused(shared_app, path, day):
    # Was: 500, ValueError 'year 10000 is out of range' / 'year -1 ...' in config/calendar.py terms_of_year
    response = sign_in(shared_app, "admin").client.get(path, query_string={"as_of": day, "hub": "dorset"})
    refused(response, "As of" if not path.startswith("/matching") else "Day")
    assert "1900-01-01 to 2999-12-31" in response.text


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
@pytest.mark.parametrize("path", DAY_PAGES)
def test_the_first_and_last_days_careerhub_handles_work(shared_app, path, day):
    response = sign_in(shared_app, "admin").client.get(path, query_string={"as_of": day, "hub": "dorset"})
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_matching_on_a_day_at_the_ends_of_the_calendar_is_refused_and_records_nothing(app, day):
    # Was: a match run recorded for 9999-12-31 ('waiting 7980 years since joining the EAN')
    coordinator = sign_in(app, "coordinator")
    before = app.extensions["careerhub"].hub.app.last_position()
    refused(coordinator.post("/matching/runs", {"area": "Dorset", "as_of": day}), "Day")
    assert app.extensions["careerhub"].hub.app.last_position() == before


@pytest.mark.parametrize("field, label", [("known_at", "Known after"), ("compare_known_at", "Compare with")])
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_moment_whose_offset_leaves_the_datetime_range_is_refused(shared_app, field, label, moment):
    # Was: 500, OverflowError 'date value out of range' in engine/store.py format_recorded_at
    query = {"hub": "dorset", "as_of": "2020-02-15", "known_at": "2020-01-01T00:00:00", field: moment}
    refused(sign_in(shared_app, "admin").client.get("/audit/", query_string=query), label)


@pytest.mark.parametrize("after", ["²", "١٢", "99999999999999999999999", "-1"])
@pytest.mark.parametrize("path", LOG_PAGES)
def test_a_log_position_that_is_not_a_whole_number_the_database_holds_is_refused(shared_app, path, after):
    # Was: 500, int('²') after str.isdigit accepted it; OverflowError 'Python int too large to convert to SQLite
    # INTEGER' for 23 digits (after the download's headers were sent, for the CSV and JSON Lines)
    refused(sign_in(shared_app, "admin").client.get(path, query_string={"after": after}), "After")


def test_the_last_log_position_the_database_holds_is_an_empty_page(shared_app):
    response = sign_in(shared_app, "admin").client.get("/audit/log.jsonl", query_string={"after": str(2**63 - 1)})
    assert response.status_code == 200 and response.text == ""


@pytest.mark.parametrize("field, label", [("since", "Since"), ("until", "Until")])
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0999-12-31T23:59:59"])
@pytest.mark.parametrize("path", LOG_PAGES)
def test_a_log_filter_at_the_ends_of_the_calendar_is_refused(shared_app, path, field, label, moment):
    # Was: 500, OverflowError in format_recorded_at; a year of three digits compared as text wrongly
    refused(sign_in(shared_app, "admin").client.get(path, query_string={field: moment}), label)
