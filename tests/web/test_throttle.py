"""Sign-in throttling and the hardening headers every page carries."""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from tests.web.conftest import loaded_app, make_app
from tests.web.factories import PASSWORD, services, sign_in
from web.throttle import PER_NAME_AND_ADDRESS, WINDOW


def attempt(app, name: str, password: str):
    browser = sign_in(app, None)
    return browser.client.post("/auth/sign-in", data={"name": name, "password": password, "csrf_token": browser.token})


def test_after_five_failures_the_right_password_waits_then_works_again(app):
    start = datetime.now(UTC)
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


class CountingVerifier:
    """The app's password hasher, counting its password checks; each takes as long as a real
    argon2 check would, so that concurrent attempts overlap as they do in production."""

    def __init__(self, hasher, seconds: float = 0.05):
        self.hasher, self.seconds, self.calls, self.lock = hasher, seconds, 0, threading.Lock()

    def verify(self, password_hash: str, password: str) -> bool:
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)
        return self.hasher.verify(password_hash, password)

    def __getattr__(self, name: str):
        return getattr(self.hasher, name)


def count_checks(app) -> CountingVerifier:
    users = services(app).users
    users.hasher = CountingVerifier(users.hasher)
    return users.hasher


def concurrently(attempts: list) -> list[int]:
    """Run the attempts at once (released together by a barrier); their status codes."""
    barrier = threading.Barrier(len(attempts))

    def run(attempt_now):
        barrier.wait()
        return attempt_now().status_code

    with ThreadPoolExecutor(len(attempts)) as pool:
        return list(pool.map(run, attempts))


def test_concurrent_wrong_passwords_get_no_more_checks_than_the_limit(database_url):
    # Two app instances, as two serve processes would be: their own connections, their own locks.
    apps = [loaded_app(database_url)]
    apps.append(make_app(database_url))
    try:
        verifiers = [count_checks(app) for app in apps]
        browsers = [sign_in(apps[index % 2], None) for index in range(16)]
        codes = concurrently(
            [
                functools.partial(browser.post, "/auth/sign-in", {"name": "lead", "password": "wrong password!"})
                for browser in browsers
            ]
        )
        checks = sum(verifier.calls for verifier in verifiers)
        assert checks <= PER_NAME_AND_ADDRESS
        assert sorted(codes) == [401] * checks + [429] * (16 - checks)
    finally:
        for app in reversed(apps):
            services(app).hub.close()


def test_two_app_instances_share_the_count(database_url):
    # `careerhub serve --workers N`: each process has its own app over the one database.
    first = loaded_app(database_url)
    second = make_app(database_url)
    try:
        for index in range(PER_NAME_AND_ADDRESS):
            assert attempt((first, second)[index % 2], "lead", "wrong password!").status_code == 401
        assert attempt(first, "lead", PASSWORD).status_code == 429
        assert attempt(second, "lead", PASSWORD).status_code == 429
    finally:
        services(second).hub.close()
        services(first).hub.close()


def test_the_counts_keep_no_user_name_or_address(app):
    # User names are e-mail addresses: the throttle's rows must not be a copy of them.
    attempt(app, "lead", "wrong password!")
    rows = services(app).hub.db.query("SELECT * FROM sign_in_attempts")
    assert len(rows) == 2  # one per quota: name from this address, and this address
    assert not any("lead" in str(value) or "127.0.0.1" in str(value) for row in rows for value in row.values())
