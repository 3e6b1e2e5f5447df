"""Each request reads through one handle (service.hub.Reading): given the two-hub dataset, a page as heavy as
the board begins one read-only transaction for all its reads, where it used to begin one per query."""

from __future__ import annotations

from dataclasses import replace

import pytest

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

    def counted(*, commit: bool):
        begun.append("write" if commit else "read")
        return transaction(commit=commit)

    monkeypatch.setattr(datastore, "transaction", counted)
    # as with a projection worker: the request applies no events, so every transaction it begins is a read
    monkeypatch.setattr(service, "settings", replace(service.settings, projection_worker=True))
    response = browser.get(path)
    assert response.status_code == 200, response.text[:300]
    assert begun == ["read", "read"]  # the session's user (the library reads its events), then the page
