"""Every route for every role: allowed, 403, or (signed out) a redirect to sign-in; and one hub's
people never reach another hub's data."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.web.factories import FILES, event_count, sign_in

DAY = "2020-02-15"
BOARD_PATHS = (
    f"/hub/dorset/board?on={DAY}",
    f"/hub/dorset/board?on={DAY}&cluster=east",
    f"/hub/dorset/board.csv?on={DAY}",
    f"/hub/dorset/board.docx?on={DAY}",
    f"/hub/dorset/board/print?on={DAY}",
    f"/hub/dorset/explain/average_benchmarks?as_of={DAY}",
    f"/hub/dorset/explain/engaged?as_of={DAY}&cluster=east",
)
SCHOOL_PATHS = ("/institution/100001", f"/institution/100003?as_of={DAY}")
# (method, path, permission, form) — every route of the web UI except sign-in itself
ROUTES = [
    ("GET", "/", None, None),
    ("GET", "/dashboard/", "dashboard", None),
    ("GET", f"/dashboard/dorset?as_of={DAY}", "dashboard", None),
    ("GET", f"/dashboard/dorset?as_of={DAY}&cluster=east", "dashboard", None),
    ("GET", f"/dashboard/dorset/print?as_of={DAY}", "dashboard", None),
    ("GET", f"/dashboard/dorset/board.csv?as_of={DAY}", "dashboard", None),
    ("GET", "/hub/", "dashboard", None),
    *(("GET", path, "dashboard", None) for path in (BOARD_PATHS + SCHOOL_PATHS)),
    ("GET", "/audit/", "audit", None),
    ("GET", f"/audit/?hub=dorset&as_of={DAY}", "audit", None),
    ("GET", "/audit/log", "audit", None),
    ("GET", "/audit/log?kind=assessments", "audit", None),
    ("GET", "/audit/log.csv", "audit", None),
    ("GET", "/audit/log.jsonl", "audit", None),
    ("GET", "/audit/institutions/100001", "audit", None),
    ("GET", "/data/", "upload", None),
    ("POST", "/data/", "upload", {"kind": "assessments"}),
    ("GET", "/matching/", "match", None),
    ("POST", "/matching/runs", "match", {"area": "Dorset", "as_of": DAY}),
    ("GET", "/matching/runs/{run}", "match", None),
    ("POST", "/matching/runs/{run}/reject", "match", {"urn": "100002", "reason": "met before"}),
    ("POST", "/matching/runs/{run}/accept", "match", {"urn": "100003"}),
    ("GET", "/auth/users", "users", None),
    ("POST", "/auth/users", "users", {"name": "new.person", "role": "auditor", "password": "long enough pw"}),
    ("POST", "/auth/users/lead/sign-out", "users", None),
]
ALLOWED = {
    "admin": {"dashboard", "audit", "upload", "match", "users"},
    "lead": {"dashboard", "audit"},
    "coordinator": {"dashboard", "upload", "match"},
    "auditor": {"dashboard", "audit"},
}


@pytest.fixture(scope="module")
def run_id(shared_app: Flask) -> str:
    """A matcher run for Dorset, made by the coordinator."""
    browser = sign_in(shared_app, "coordinator")
    response = browser.post("/matching/runs", {"area": "Dorset", "as_of": DAY})
    assert response.status_code == 303
    return response.headers["Location"].rsplit("/", 1)[-1]


def request(browser, method: str, path: str, form: dict | None):
    if method == "GET":
        return browser.get(path)
    return browser.post(path, form or {})


def is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/auth/sign-in"


@pytest.mark.parametrize("method,path,permission,form", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(shared_app, run_id, method, path, permission, form):
    before = event_count(shared_app)
    response = request(sign_in(shared_app, None), method, path.format(run=run_id), form)
    assert is_sign_in_redirect(response)
    assert event_count(shared_app) == before


@pytest.mark.parametrize("role", sorted(ALLOWED))
@pytest.mark.parametrize("method,path,permission,form", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
def test_each_role_reaches_only_its_routes(shared_app, run_id, role, method, path, permission, form):
    browser = sign_in(shared_app, role)
    before = event_count(shared_app)
    response = request(browser, method, path.format(run=run_id), form)
    if permission is None or permission in ALLOWED[role]:
        assert response.status_code in (200, 302, 303, 409, 422), response.text[:500]
        assert not is_sign_in_redirect(response)
    else:
        assert response.status_code == 403
        assert event_count(shared_app) == before, "a refused request wrote events"


def test_the_auditor_writes_nothing_anywhere(shared_app, run_id):
    browser = sign_in(shared_app, "auditor")
    before = event_count(shared_app)
    for method, path, _, form in ROUTES:
        if method == "POST":
            assert request(browser, method, path.format(run=run_id), form).status_code == 403, path
    assert event_count(shared_app) == before


@pytest.mark.parametrize(
    "path",
    [
        f"/dashboard/dorset?as_of={DAY}",
        f"/dashboard/dorset/board.csv?as_of={DAY}",
        f"/dashboard/dorset/print?as_of={DAY}",
        f"/audit/?hub=dorset&as_of={DAY}",
        "/audit/institutions/100001",
        *BOARD_PATHS,
        *SCHOOL_PATHS,
    ],
)
def test_one_hubs_lead_cannot_see_another_hubs_data(shared_app, path):
    assert sign_in(shared_app, "lead.solent").get(path).status_code == 403
    assert sign_in(shared_app, "lead").get(path).status_code == 200


def test_a_hub_lead_is_taken_to_their_own_hub(shared_app):
    response = sign_in(shared_app, "lead.solent").get("/dashboard/")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/solent"


def test_the_event_log_of_a_hub_lead_holds_only_their_hubs_records(shared_app):
    text = sign_in(shared_app, "lead.solent").get("/audit/log.jsonl").text
    assert "200001" in text and "Solent School" in text
    assert "100001" not in text and "Castle School" not in text and "Dorset Careers Hub" not in text
    everything = sign_in(shared_app, "auditor.all").get("/audit/log.jsonl").text
    assert "100001" in everything and "200001" in everything


def test_a_coordinator_cannot_match_in_another_hubs_area(shared_app, run_id):
    coordinator = sign_in(shared_app, "coordinator")
    before = event_count(shared_app)
    assert coordinator.post("/matching/runs", {"area": "Solent", "as_of": DAY}).status_code == 403
    assert event_count(shared_app) == before
    admin = sign_in(shared_app, "admin")
    response = admin.post("/matching/runs", {"area": "Solent", "as_of": DAY})
    solent_run = response.headers["Location"].rsplit("/", 1)[-1]
    assert coordinator.get(f"/matching/runs/{solent_run}").status_code == 403
    assert coordinator.post(f"/matching/runs/{solent_run}/accept", {}).status_code == 403


@pytest.mark.parametrize(
    "kind,text",
    [
        ("institutions", "urn,name,kind,area,hub_id,hub_joined_on\n200009,Far School,school,Solent,solent,2020-01-01\n"),
        ("assessments", "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n200001,2020-03-01,0,0,0,0,0,0,0,0\n"),
        ("national", FILES["national"]),
    ],
)
def test_a_coordinator_cannot_upload_another_hubs_data(shared_app, kind, text):
    coordinator = sign_in(shared_app, "coordinator")
    before = event_count(shared_app)
    response = coordinator.post(
        "/data/", {"kind": kind, "file": (io.BytesIO(text.encode()), f"{kind}.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 403
    assert "nothing was recorded" in response.text.lower()
    assert event_count(shared_app) == before


def test_an_unknown_hub_or_run_is_not_found(shared_app):
    admin = sign_in(shared_app, "admin")
    assert admin.get("/dashboard/atlantis").status_code == 404
    assert admin.get("/matching/runs/not-a-run").status_code == 404
    assert admin.get("/audit/institutions/999999").status_code == 404
