"""Given the demo hub, an auditor exports the comparison of two knowledge points: JSON and formula-safe
CSVs with a manifest naming the query, both points with their chain digests, and the store's head."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from config.settings import load_settings
from projections.transactions import TransactionSearch, list_transactions, search_transactions
from service.demo import load_demo
from service.export import check_bundle
from service.hub import HubService
from tests.projections.factories import Cli
from tests.web.conftest import make_app
from tests.web.factories import PASSWORD, services, sign_in

LATE_SCHOOL = b"urn,name,kind,area,hub_id,hub_joined_on\n999999,=cmd|' /C calc'!A0,school,Dorset,dorset,2019-07-01\n"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'careerhub.sqlite3'}"
    service = HubService(load_settings(url, "auditor"))
    assert load_demo(service)
    service.import_file("institutions", Path("late.csv"), "=ec", "+formula reason", data=LATE_SCHOOL)
    yield service, url
    service.close()


def points(service: HubService) -> tuple[str, str]:
    [late] = search_transactions(list_transactions(service.db), TransactionSearch(text="late autumn"))
    return f"@{late.before}", f"@{service.app.last_position()}"


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_cli_exports_a_comparison_with_both_points_in_its_manifest(demo, tmp_path: Path):
    service, url = demo
    then, now = points(service)
    Cli(url).ok(
        "export",
        "--hub",
        "dorset",
        "--as-of",
        "2019-12-31",
        "--known-at",
        then,
        "--compare-known-at",
        now,
        str(tmp_path / "bundle"),
    )

    manifest = check_bundle(tmp_path / "bundle")  # every file matches its SHA-256
    assert set(manifest["files"]) == {"comparison.json", "figures.csv", "institutions.csv", "events.csv"}
    assert manifest["query"] == {
        "hub_id": "dorset",
        "as_of": "2019-12-31",
        "known_at": then,
        "compare_known_at": now,
        "cluster": None,
    }
    chain = {r["notification_id"]: r["chain"] for r in service.db.query("SELECT notification_id, chain FROM event_log")}
    for point, n in zip(manifest["knowledge_points"], (int(then[1:]), int(now[1:])), strict=True):
        assert point["log_position"] == n and point["chain_digest"] == f"{n}:{chain[n]}"
    assert manifest["store_verified"] is True

    comparison = json.loads((tmp_path / "bundle" / "comparison.json").read_text())
    assert comparison["log_positions"] == [int(then[1:]), int(now[1:])]
    figures = {r["figure"]: r for r in rows((tmp_path / "bundle" / "figures.csv").read_text())}
    assert figures["data_required"]["changed"] == "True" and figures["data_required"]["label"]
    events = rows((tmp_path / "bundle" / "events.csv").read_text())
    assert {"late autumn assessments", "'+formula reason"} <= {e["reason"] for e in events}
    changes = rows((tmp_path / "bundle" / "institutions.csv").read_text())
    assert "'=cmd|' /C calc'!A0" in {c["name"] for c in changes}
    assert all(not c["name"].startswith("=") for c in changes)
    assert {e["actor"] for e in events if e["urn"] == "999999"} == {"'=ec"}


def test_the_cli_needs_the_first_point_to_export_a_comparison(demo, tmp_path: Path):
    _, url = demo
    result = Cli(url)("export", "--hub", "dorset", "--as-of", "2019-12-31", "--compare-known-at", "@5", str(tmp_path))
    assert result.exit_code == 2 and "give both" in result.output


@pytest.fixture(scope="module")
def demo_app(demo):
    service, url = demo
    app = make_app(url)
    for name, role, hub_id in (
        ("auditor", "auditor", "dorset"),
        ("coordinator", "coordinator", "dorset"),
        ("lead", "hub_lead", "dorset"),
    ):
        services(app).users.add_user(name, role, hub_id, PASSWORD, "setup")
    yield app
    services(app).hub.close()


def test_the_auditor_downloads_the_comparison_shown_on_the_page(demo_app, demo):
    then, now = points(demo[0])
    auditor = sign_in(demo_app, "auditor")
    page = auditor.get(f"/audit/?hub=dorset&as_of=2019-12-31&known_at={then}&compare_known_at={now}").text
    assert "Download this comparison" in page
    response = auditor.get(f"/audit/compare.zip?hub=dorset&as_of=2019-12-31&known_at={then}&compare_known_at={now}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = zipfile.ZipFile(io.BytesIO(response.data))
    assert set(bundle.namelist()) == {"comparison.json", "figures.csv", "institutions.csv", "events.csv", "manifest.json"}
    manifest = json.loads(bundle.read("manifest.json"))
    assert [p["known_at"] for p in manifest["knowledge_points"]] == [then, now]
    assert "'=cmd|' /C calc'!A0" in bundle.read("institutions.csv").decode()


@pytest.mark.parametrize(
    "user, query, status",
    [
        ("coordinator", "hub=dorset&as_of=2019-12-31&known_at=@5&compare_known_at=@9", 403),
        ("auditor", "hub=solent&as_of=2019-12-31&known_at=@5&compare_known_at=@9", 403),
        ("auditor", "hub=dorset&as_of=2019-12-31&known_at=@5", 422),
        ("auditor", "hub=dorset&as_of=2019-12-31&known_at=@5&compare_known_at=@x", 422),
        ("lead", "hub=dorset&as_of=2019-12-31&known_at=@5&compare_known_at=@9", 200),
    ],
)
def test_the_comparison_download_follows_roles_hubs_and_fields(demo_app, user, query, status):
    assert sign_in(demo_app, user).get(f"/audit/compare.zip?{query}").status_code == status


def test_an_anonymous_visitor_downloads_nothing(demo_app):
    response = demo_app.test_client().get("/audit/compare.zip?hub=dorset&as_of=2019-12-31&known_at=@5&compare_known_at=@9")
    assert response.status_code == 302
