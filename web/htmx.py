"""One endpoint, two answers: the fragment alone for htmx, else the full page that includes it."""

from __future__ import annotations

from typing import Any

from flask import render_template
from htmx_flask import request


def wants_fragment() -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and not htmx.boosted


def page_or_fragment(page: str, fragment: str, **context: Any) -> str:
    return render_template(fragment if wants_fragment() else page, fragment=fragment, **context)
