"""Error pages that say what happened and what to do; htmx requests get the message alone."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response
from werkzeug.exceptions import HTTPException

from engine.errors import CareerHubError
from web.htmx import wants_fragment

ADVICE = {
    400: "The request was not understood. Go back, reload the page and try again.",
    403: "You are signed in, but your role or hub does not give access to this.",
    404: "There is nothing at this address.",
    405: "This address does not accept that kind of request.",
    413: "The file is larger than the upload limit. Split it into smaller files and upload each.",
    422: "Correct the value and try again.",
}


def render_error(code: int, title: str, message: str | None, field: str | None = None) -> Any:
    """The error page, or for htmx the message alone; `field` names the form field it concerns (app.js marks it)."""
    context = dict(code=code, title=title, message=message, advice=ADVICE.get(code), field=field)
    if wants_fragment():  # into the page's alert region, whatever the request was aiming at
        return make_response(render_template("errors/_message.html", **context), code, retarget="#alerts", reswap="innerHTML")
    return render_template("errors/error.html", **context), code


def http_error(error: HTTPException) -> Any:
    message = error.description if error.description != type(error).description else None
    if error.code == 413:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
        message = f"Uploads are limited to {size}."
    return render_error(error.code or 500, error.name, message, getattr(error, "field", None))


def csrf_error(error: CSRFError) -> Any:
    return render_error(400, "The form has expired", f"{error.description} Reload the page and send the form again.")


def careerhub_error(error: CareerHubError) -> Any:
    return render_error(422, "Not possible", str(error))


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(CareerHubError, careerhub_error)
