"""Who is signed in, and what each role may see and do (checked on every request)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, session, url_for
from htmx_flask import make_response, request

from projections.queries import all_hubs, as_known
from service.hub import HubService
from service.users import Account, Users

# permission -> roles that have it (the role matrix of the issue)
PERMISSIONS: dict[str, frozenset[str]] = {
    "dashboard": frozenset({"hub_lead", "coordinator", "auditor", "admin"}),
    "audit": frozenset({"hub_lead", "auditor", "admin"}),
    "match": frozenset({"coordinator", "admin"}),
    "upload": frozenset({"coordinator", "admin"}),
    "users": frozenset({"admin"}),
}
# role -> the page it opens on: a hub lead the board paper (an administrator every hub's figures side by side),
# a coordinator EA matching, an auditor the history of what was recorded
FIRST_PAGES: dict[str, str] = {
    "hub_lead": "board.index",
    "admin": "board.index",
    "coordinator": "matching.index",
    "auditor": "audit.index",
}


def hub_service() -> HubService:
    return current_app.extensions["careerhub"].hub


def user_commands() -> Users:
    return current_app.extensions["careerhub"].users


def known_hubs() -> list[dict[str, Any]]:
    """Every hub known now, by id."""
    return all_hubs(as_known(hub_service().db, None))


def visible_hubs() -> list[dict[str, Any]]:
    """The hubs the signed-in user may see."""
    return [h for h in known_hubs() if g.user.hub_id in (None, h["hub_id"])]


def now() -> datetime:
    return current_app.config["CLOCK"]()


def init_app(app: Flask) -> None:
    app.before_request(open_reading)
    app.before_request(load_user)
    app.teardown_request(close_reading)
    app.context_processor(lambda: {"user": g.get("user"), "can": can})


def open_reading() -> None:
    """One read handle per request (service.hub.Reading): every page reads one state of the read model."""
    g.reading = ExitStack()
    g.reading.enter_context(hub_service().reading())


def close_reading(_error: BaseException | None) -> None:
    if reading := g.pop("reading", None):
        reading.close()


def load_user() -> None:
    """g.user: the signed-in account, if the session is still the user's current one."""
    g.user = None
    if request.endpoint == "static" or "user" not in session:
        return
    account = user_commands().current(session["user"])
    age = now().timestamp() - float(session.get("at", 0))
    if (
        account is None
        or account.session_version != session.get("v")
        or not 0 <= age <= current_app.config["SESSION_MAX_AGE_SECONDS"]
    ):
        session.clear()  # signed out elsewhere, password changed, user gone, or too old
        return
    g.user = account


def sign_in_session(account: Account) -> None:
    session.clear()
    session.update(user=account.name, v=account.session_version, at=now().timestamp())


def actor() -> str:
    """Who the events written by this request are recorded as: the signed-in user."""
    return g.user.name


def can(permission: str, hub_id: str | None = None) -> bool:
    user: Account | None = g.get("user")
    if user is None or user.role not in PERMISSIONS[permission]:
        return False
    return hub_id is None or user.hub_id is None or user.hub_id == hub_id


def check_hub(hub_id: str) -> None:
    """403 unless the signed-in user may see this hub (one hub's lead never sees another's)."""
    if g.user.hub_id is not None and g.user.hub_id != hub_id:
        abort(403, description=f"Your account is limited to hub {g.user.hub_id}.")


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after sign-in, never another site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


def sign_in_redirect() -> Any:
    if request.htmx:
        back = safe_next(urlsplit(request.htmx.current_url or "").path) or "/"
        return make_response("", 401, redirect=url_for("auth.sign_in", next=back))
    page = request.full_path if request.method == "GET" else None
    return redirect(url_for("auth.sign_in", next=safe_next(page)))


def requires(permission: str) -> Callable:
    """Signed-in users with the permission only: others go to sign-in, or get 403."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if g.user is None:
                return sign_in_redirect()
            if not can(permission):
                abort(403, description="Your role does not allow this page.")
            return view(*args, **kwargs)

        return wrapper

    return decorate
