"""Each request reads through one handle (service.hub.Reading): given the two-hub dataset, a page as heavy as
the board begins one read-only transaction for all its reads, where it used to begin one per query."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import pytest

from engine.sql import Database
from projections.report_cache import SharedCache
from tests.web.factories import services, sign_in

PAGES = [
    "/hub/dorset/board?on=2020-02-02",
    "/dashboard/dorset?as_of=2020-02-02",
    "/institution/100001",
    "/audit/?hub=dorset",
    "/matching/advisers?area=Dorset&on=2020-02-02",
]


@pytest.mark.parametrize("path", PAGES)
def test_a_page_reads_in_one_transaction(app, monkeypatch, path):
    browser = sign_in(app, "admin")
    service = services(app).hub
    service.projector.catch_up()
    datastore = service.app.db.datastore
    transaction, begun = datastore.transaction, []

    keeping = []  # set while an answer computed by the page is being kept for other processes

    def counted(*, commit: bool):
        begun.append("keep" if keeping else "transaction")
        return transaction(commit=commit)

    snapshots, original_snapshot = [], Database.snapshot

    @contextmanager
    def snapshot(self, *args, **kwargs):
        snapshots.append(self)
        with original_snapshot(self, *args, **kwargs) as handle:
            yield handle

    def kept(original):
        def keep(self, *args):
            keeping.append(True)
            try:
                return original(self, *args)
            finally:
                keeping.pop()

        return keep

    monkeypatch.setattr(datastore, "transaction", counted)
    monkeypatch.setattr(SharedCache, "keep", kept(SharedCache.keep))
    monkeypatch.setattr(Database, "snapshot", snapshot)
    # as with a projection worker: the request applies no events, so every transaction it begins is a read
    monkeypatch.setattr(service, "settings", replace(service.settings, projection_worker=True))
    response = browser.get(path)
    assert response.status_code == 200, response.text[:300]
    # the session's user (the library reads its events), then the page's snapshot; besides, only kept answers
    assert [b for b in begun if b != "keep"] == ["transaction", "transaction"] and len(snapshots) == 1
