"""Sign-in, sign-out and CSRF: sessions end on the server, attempts are events, forms need a token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.users import ROLES
from projections.audit import LogFilter, list_log
from tests.web.factories import PASSWORD, csrf_token, event_count, services, sign_in
from web.access import FIRST_PAGES
from web.throttle import PER_NAME_AND_ADDRESS


def user_events(app, event: str) -> list[dict]:
    hub = services(app).hub
    hub.refresh()
    return [r for r in list_log(hub.db, LogFilter(kind="User")) if r["event"] == event]


def test_signing_in_records_an_event_with_the_user_as_actor(app):
    sign_in(app, "lead")
    signed = user_events(app, "SignedIn")
    assert [(r["actor"], r["payload"]["remote_addr"]) for r in signed] == [("lead", "127.0.0.1")]


def test_a_wrong_password_is_refused_and_recorded(app):
    browser = sign_in(app, None)
    response = browser.client.post(
        "/auth/sign-in", data={"name": "Lead", "password": "wrong password!", "csrf_token": browser.token}
    )
    assert response.status_code == 401
    assert "do not match an account" in response.text
    failed = user_events(app, "SignInFailed")
    assert [(r["actor"], r["payload"]["name"], r["payload"]["reason"]) for r in failed] == [
        ("anonymous", "lead", "wrong password")
    ]
    assert browser.get("/dashboard/").status_code == 302


def test_an_unknown_user_is_refused_without_saying_so(app):
    browser = sign_in(app, None)
    before = event_count(app)
    response = browser.client.post("/auth/sign-in", data={"name": "nobody", "password": PASSWORD, "csrf_token": browser.token})
    assert response.status_code == 401 and "do not match an account" in response.text
    assert event_count(app) == before


def test_signing_out_ends_the_session_on_the_server_even_for_a_copied_cookie(app):
    browser = sign_in(app, "lead")
    cookie = browser.client.get_cookie("session").value
    assert browser.get("/dashboard/").status_code == 302  # to the lead's hub: signed in
    response = browser.post("/auth/sign-out")
    assert response.status_code == 302 and response.headers["Location"] == "/auth/sign-in"
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/dashboard/dorset")
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/sign-in")
    assert [r["actor"] for r in user_events(app, "SessionsRevoked")] == ["lead"]


def test_an_admin_can_end_another_users_sessions(app):
    lead = sign_in(app, "lead")
    assert lead.get("/dashboard/dorset").status_code == 200
    admin = sign_in(app, "admin")
    assert admin.post("/auth/users/lead/sign-out").status_code == 302
    assert lead.get("/dashboard/dorset").status_code == 302
    assert [r["actor"] for r in user_events(app, "SessionsRevoked")] == ["admin"]


def test_a_session_older_than_the_limit_ends(app):
    browser = sign_in(app, "lead")
    later = datetime.now(UTC) + timedelta(seconds=app.config["SESSION_MAX_AGE_SECONDS"] + 1)
    app.config["CLOCK"] = lambda: later
    assert browser.get("/dashboard/dorset").status_code == 302


def test_a_role_change_takes_effect_on_the_next_request(app):
    browser = sign_in(app, "auditor")
    assert browser.get("/audit/log").status_code == 200
    services(app).users.grant_role("auditor", "coordinator", "dorset", "admin")
    assert browser.get("/audit/log").status_code == 403
    assert browser.get("/matching/").status_code == 200


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(app):
    anonymous = app.test_client()
    response = anonymous.get("/audit/log?kind=assessments")
    assert response.headers["Location"] == "/auth/sign-in?next=/audit/log?kind%3Dassessments"
    for target, expected in (
        ("/audit/log?kind=assessments", "/audit/log?kind=assessments"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ):
        client = app.test_client()
        token = csrf_token(client.get("/auth/sign-in").text)
        response = client.post("/auth/sign-in", data={"name": "lead", "password": PASSWORD, "csrf_token": token, "next": target})
        assert response.headers["Location"] == expected


def test_an_htmx_request_after_sign_out_is_told_to_go_to_sign_in(app):
    response = app.test_client().get(
        "/dashboard/dorset",
        headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/dashboard/dorset?as_of=2020-01-01"},
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/sign-in?next=/dashboard/dorset"


def test_a_form_without_the_csrf_token_is_rejected_and_records_nothing(app):
    browser = sign_in(app, "admin")
    before = event_count(app)
    response = browser.client.post("/auth/users", data={"name": "x.y", "role": "auditor", "password": "long enough pw"})
    assert response.status_code == 400 and "form has expired" in response.text
    response = browser.client.post("/auth/users/lead/sign-out", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert event_count(app) == before


def test_a_csrf_token_of_another_session_is_rejected(app):
    mallory = sign_in(app, "auditor.all")
    admin = sign_in(app, "admin")
    before = event_count(app)
    response = admin.client.post(
        "/auth/users", data={"name": "x.y", "role": "auditor", "password": "long enough pw", "csrf_token": mallory.token}
    )
    assert response.status_code == 400
    assert event_count(app) == before


def test_htmx_sends_the_csrf_token_in_a_header(app):
    admin = sign_in(app, "admin")
    page = admin.get("/auth/users").text
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    response = admin.client.post(
        "/auth/users",
        data={"name": "via.htmx", "role": "auditor", "password": "long enough pw"},
        headers={"X-CSRFToken": admin.token},
    )
    assert response.status_code == 302
    added = user_events(app, "Added")
    assert ("via.htmx", "admin") in [(r["payload"]["name"], r["actor"]) for r in added]


def test_session_cookies_are_httponly_lax_and_secure_over_https(app):
    for base, secure in (("http://localhost", False), ("https://localhost", True)):
        client = app.test_client()
        page = client.get("/auth/sign-in", base_url=base)
        response = client.post(
            "/auth/sign-in",
            base_url=base,
            headers={"Referer": f"{base}/auth/sign-in"},
            data={"name": "lead", "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure


def test_pages_carry_a_content_security_policy_without_inline_scripts(app):
    response = sign_in(app, "lead").get("/dashboard/dorset")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in response.text and "onclick" not in response.text
    assert response.headers["X-Frame-Options"] == "DENY"


def test_an_admin_adds_a_user_and_a_bad_one_is_explained(app):
    admin = sign_in(app, "admin")
    response = admin.post("/auth/users", {"name": "new.lead", "role": "hub_lead", "hub_id": "solent", "password": "short"})
    assert response.status_code == 422 and "at least 10 characters" in response.text
    assert 'value="new.lead"' in response.text
    response = admin.post(
        "/auth/users", {"name": "new.lead", "role": "hub_lead", "hub_id": "solent", "password": "long enough pw"}
    )
    assert response.status_code == 302
    assert sign_in(app, "new.lead", "long enough pw").get("/dashboard/").headers["Location"] == "/dashboard/solent"
    added = user_events(app, "Added")
    assert ("new.lead", "admin") in [(r["payload"]["name"], r["actor"]) for r in added]


def test_a_head_request_with_a_right_password_neither_signs_in_nor_counts_as_a_failure(app):
    # HEAD carries no CSRF check, so it must never reach the password check (issue 14.6).
    client = app.test_client()
    before = event_count(app)
    for _ in range(PER_NAME_AND_ADDRESS + 1):
        response = client.open("/auth/sign-in", method="HEAD", data={"name": "lead", "password": PASSWORD})
        assert response.status_code == 200
    assert event_count(app) == before  # no SignedIn, no SignInFailed
    assert client.get("/dashboard/").status_code == 302  # the cookie grants nothing
    sign_in(app, "lead")  # nothing was throttled: the right password still works at once


def test_no_view_answers_both_reads_and_writes(app):
    # Flask routes HEAD to the GET view; a view that also takes POST would branch on the method,
    # and any method but GET (HEAD included) would take the write branch without a CSRF check.
    for rule in app.url_map.iter_rules():
        assert not ({"GET", "HEAD"} & rule.methods and {"POST", "PUT", "PATCH", "DELETE"} & rule.methods), rule


def test_each_role_opens_on_the_page_of_its_job(app):
    first_pages = {
        "lead": "/hub/dorset/board",  # the board paper of the lead's hub
        "lead.solent": "/hub/solent/board",
        "admin": "/hub/",  # every hub's figures side by side
        "coordinator": "/matching/",  # EA matching
        "auditor": "/audit/",  # what was recorded, when, by whom
    }
    for name, page in first_pages.items():
        landed = sign_in(app, name).client.get("/", follow_redirects=True)
        assert (landed.status_code, landed.request.path) == (200, page), name


def test_every_role_has_a_first_page():
    assert set(FIRST_PAGES) == set(ROLES)
