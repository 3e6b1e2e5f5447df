"""htmx fragments kept by this process, for pages whose answer is a function of the URL, the signed-in
user's role and hub, today's date (the day a page shows by default) and what the page says it reads:
for the dashboard, the hub's settled log position for the day (projections/changes.py) and its latest
data's day.

The log is append-only and a page reads one snapshot (service.hub.Reading), so such a fragment, once
rendered, is the answer until something it reads changes: a hub lead's dashboard asked again for the same
day (by the same lead, a colleague or a second tab) is served without reading or rendering anything, even
after imports for other hubs or for later days. Nothing it shows is personal, so a redaction changes none."""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, request

from projections.queries import log_head
from projections.report_cache import CODE, FRAGMENTS, code_digest
from web.access import hub_service, now
from web.htmx import wants_fragment

KEEP_AT_MOST = 512  # fragments per process: a dashboard's is some 14 KB at national scale


class KeptFragments:
    """The most recently used fragments, shared by the threads of one process."""

    def __init__(self, size: int = KEEP_AT_MOST):
        self.size = size
        self.kept: OrderedDict[Hashable, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        with self.lock:
            if (body := self.kept.get(key)) is not None:
                self.kept.move_to_end(key)
            return body

    def keep(self, key: Hashable, body: str) -> None:
        with self.lock:
            self.kept[key] = body
            self.kept.move_to_end(key)
            while len(self.kept) > self.size:
                self.kept.popitem(last=False)


def kept_fragment(reads: Callable[..., Hashable | None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Serve the view's htmx fragment from those kept (see the module), rendering it only the first time:
    kept by this process and in the store's database for every process.
    `reads(**view_args)` says what the fragment shows beyond the URL, the user's scope and today (None: do not
    keep it). Only for views that write nothing and put no per-session value (a CSRF token) in their fragment."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def answer(*args: Any, **kwargs: Any) -> Any:
            if request.method != "GET" or not wants_fragment() or (read := reads(*args, **kwargs)) is None:
                return view(*args, **kwargs)
            fragments: KeptFragments = current_app.extensions["kept_fragments"]
            key = (request.full_path, g.user.role, g.user.hub_id, read, now().date())
            if (body := fragments.get(key)) is not None:
                return body
            db, shared_key = hub_service().db, digest_of(key)
            shared = FRAGMENTS.readable(db)
            if shared and (body := FRAGMENTS.fetch(db, shared_key)) is not None:
                fragments.keep(key, body)
                return body
            body = view(*args, **kwargs)
            if isinstance(body, str):
                fragments.keep(key, body)
                if shared:
                    FRAGMENTS.keep(db, shared_key, log_head(db), body)
            return body

        return answer

    return decorate


def digest_of(key: Hashable) -> str:
    """The key of a fragment in the shared table: with digests of the code that rendered it (the web's and
    the reports'), so that a new careerhub never serves an older one's page."""
    return hashlib.sha256(json.dumps([WEB_CODE, CODE, key], default=str).encode()).hexdigest()


WEB_CODE = code_digest((), (Path(__file__).parent,), suffixes=(".py", ".html"))


def init_app(app: Flask) -> None:
    app.extensions["kept_fragments"] = KeptFragments()
