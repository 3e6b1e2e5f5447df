"""Sign-in throttling and the hardening headers every page carries."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.web.factories import PASSWORD, sign_in
from web.throttle import PER_NAME_AND_ADDRESS, WINDOW


def attempt(app, name: str, password: str):
    browser = sign_in(app, None)
    return browser.client.post("/auth/sign-in", data={"name": name, "password": password, "csrf_token": browser.token})


def test_after_five_failures_the_right_password_waits_then_works_again(app):
    start = datetime.now(timezone.utc)
    app.config["CLOCK"] = lambda: start
    for _ in range(PER_NAME_AND_ADDRESS):
        assert attempt(app, "lead", "wrong password!").status_code == 401
    refused = attempt(app, "lead", PASSWORD)
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.text
    assert attempt(app, "auditor", PASSWORD).status_code == 302  # another account is not held up
    app.config["CLOCK"] = lambda: start + WINDOW + timedelta(seconds=1)
    assert attempt(app, "lead", PASSWORD).status_code == 302


def test_a_success_clears_the_failures_of_that_name(app):
    for _ in range(PER_NAME_AND_ADDRESS - 1):
        attempt(app, "lead", "wrong password!")
    assert attempt(app, "lead", PASSWORD).status_code == 302
    assert attempt(app, "lead", "wrong password!").status_code == 401


def test_every_page_carries_the_hardening_headers(app):
    for path in ("/auth/sign-in", "/dashboard/dorset"):
        response = sign_in(app, "lead").get(path)
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
