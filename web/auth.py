"""Sign-in, sign-out, and the admin's list of users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for

from engine.errors import CareerHubError, InvalidValue
from engine.users import ROLES
from web.access import (
    FIRST_PAGES,
    actor,
    known_hubs,
    now,
    requires,
    safe_next,
    sign_in_redirect,
    sign_in_session,
    user_commands,
)
from web.forms import sentence, text_arg
from web.throttle import SignInThrottle

bp = Blueprint("auth", __name__, url_prefix="/auth")


def home() -> Any:
    """Each role's first page."""
    if g.user is None:
        return sign_in_redirect()
    return redirect(url_for(FIRST_PAGES[g.user.role]))


@bp.get("/sign-in")
def sign_in() -> Any:
    """The sign-in form (Flask answers HEAD with this view too, so it must never sign anyone in)."""
    return render_template("auth/sign_in.html", next=safe_next(request.values.get("next")), error=None)


@bp.post("/sign-in")
def check_sign_in() -> Any:
    """Check the password; every attempt on a known account is recorded as an event."""
    next_page = safe_next(request.values.get("next"))
    name, password = request.form.get("name", "").strip(), request.form.get("password", "")
    throttle: SignInThrottle = current_app.extensions["sign_in_throttle"]
    reservation = throttle.reserve(name, request.remote_addr, now())
    if reservation.wait is not None:
        minutes = max(1, round(reservation.wait.total_seconds() / 60))
        return render_template(
            "auth/sign_in.html",
            next=next_page,
            name=name,
            error=f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        ), 429
    account = user_commands().authenticate(name, password, request.remote_addr) if name and password else None
    if account is None:  # the reservation stays counted as a failure
        return render_template(
            "auth/sign_in.html", next=next_page, name=name, error="That user name and password do not match an account."
        ), 401
    throttle.succeeded(reservation, name, request.remote_addr)
    sign_in_session(account)
    return redirect(next_page or url_for("home"))


@bp.post("/sign-out")
def sign_out() -> Any:
    """End every session of this user on the server, then forget the cookie."""
    if g.user is not None:
        user_commands().revoke_sessions(g.user.name, actor(), "signed out")
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("auth.sign_in"))


# The add-user form's field for each field an InvalidValue names (engine/errors.py).
USER_FIELDS = {"name": "name", "role": "role", "hub": "hub_id", "password": "password"}


def users_page(error: str | None = None, status: int = 200, invalid: str | None = None) -> Any:
    return render_template(
        "auth/users.html",
        users=user_commands().list_users(),
        roles=ROLES,
        hubs=[h["hub_id"] for h in known_hubs()],
        error=error,
        invalid=invalid,
        form=request.form if error else None,
    ), status


@bp.get("/users")
@requires("users")
def users() -> Any:
    return users_page()


@bp.post("/users")
@requires("users")
def add_user() -> Any:
    name, role, hub_id = text_arg("name", "form"), text_arg("role", "form"), text_arg("hub_id", "form")
    try:
        if not name or not role:
            raise InvalidValue("name" if not name else "role", "give a user name and a role")
        account = user_commands().add_user(name, role, hub_id, request.form.get("password", ""), actor())
    except InvalidValue as error:
        return users_page(sentence(error), 422, USER_FIELDS.get(error.field))
    except CareerHubError as error:
        return users_page(sentence(error), 422)
    flash(f"Added {account.name} ({account.role}).")
    return redirect(url_for("auth.users"))


@bp.post("/users/<name>/sign-out")
@requires("users")
def revoke(name: str) -> Any:
    """End every session of another user (for a lost laptop, or someone who left)."""
    if user_commands().current(name) is None:
        abort(404, description=f"No user {name!r}.")
    user_commands().revoke_sessions(name, actor(), "signed out by an administrator")
    flash(f"Every session of {name} has ended.")
    return redirect(url_for("auth.users"))
