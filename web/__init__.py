"""The web UI: `create_app` wires one HubService, sign-in, CSRF and one blueprint per area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from config.settings import Settings, load_settings
from engine.shared_secrets import shared_secret
from engine.throttling import SignInAttempts
from projections.figures import FIGURES
from service.hub import HubService
from service.users import Users
from web import (
    access,
    audit,
    auth,
    board,
    dashboard,
    data,
    errors,
    formatting,
    fragments,
    institution,
    links,
    matching,
    workbench,
)
from web.throttle import SignInThrottle

MEGABYTE = 1024 * 1024
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
# htmx: no eval, no inline styles (the CSP forbids both); errors are swapped too (their handler
# retargets them to the page's alert region); a history miss reloads the full page, not a fragment.
HTMX_CONFIG = {
    "includeIndicatorStyles": False,
    "allowEval": False,
    "allowScriptTags": False,
    "selfRequestsOnly": True,
    "historyRestoreAsHxRequest": False,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "[23]..", "swap": True},
        {"code": "[45]..", "swap": True, "error": True},
    ],
}
SESSION_KEY_NAME = "web session signing key"


@dataclass(frozen=True)
class Services:
    hub: HubService
    users: Users


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure when configured so, or (unset) whenever the request came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = app.config["SESSION_COOKIE_SECURE"]
        return request.is_secure if configured is None else bool(configured)


def default_config(settings: Settings) -> dict[str, Any]:
    return {
        "SECRET_KEY": settings.secret_key,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": getattr(settings, "session_cookie_secure", None),
        "SESSION_MAX_AGE_SECONDS": 12 * 3600,  # a signed-in session ends after this, whatever the cookie says
        "MAX_CONTENT_LENGTH": 64 * MEGABYTE,
        "WTF_CSRF_TIME_LIMIT": None,  # a form's token lives as long as its session (at most the age above)
        "PASSWORD_HASHER": None,  # argon2 PasswordHasher; tests pass a cheap one
        "CLOCK": lambda: datetime.now(UTC),
        "LOG_PAGE_SIZE": 50,
    }


def create_app(settings: Settings | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """The careerhub web application over the event store named by `settings`."""
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.from_mapping(default_config(settings))
    app.config.update(test_config or {})
    service = HubService(settings)
    if not app.config["SECRET_KEY"]:
        # One key for every web process over this store, not one per process: a cookie signed by one
        # must be read by the others (serve --workers N) and after a restart.
        app.config["SECRET_KEY"] = shared_secret(service.app.db, SESSION_KEY_NAME)
    app.extensions["careerhub"] = Services(service, Users(service, app.config["PASSWORD_HASHER"]))
    app.extensions["sign_in_throttle"] = SignInThrottle(SignInAttempts(service.app.db))
    app.jinja_env.globals["htmx_config"] = HTMX_CONFIG
    app.jinja_env.globals["figures"] = FIGURES  # every figure's label, from the one registry
    app.session_interface = SessionInterface()
    Htmx(app)
    CSRFProtect(app)
    access.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)
    links.init_app(app)
    fragments.init_app(app)
    for blueprint in (auth.bp, dashboard.bp, board.bp, institution.bp, audit.bp, data.bp, matching.bp, workbench.bp):
        app.register_blueprint(blueprint)
    app.add_url_rule("/", "home", auth.home)
    app.after_request(secure_headers)
    return app


def secure_headers(response: Any) -> Any:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.vary.add("HX-Request")  # the same URL answers a page or a fragment
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
