"""Given repeated failed sign-ins, further attempts wait, even with the right password; others are not held up."""
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
