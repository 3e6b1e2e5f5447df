"""Given the demo hub, when an auditor exports a bundle as known at a moment, then the bundle is
self-checking, its CSVs are formula-safe, and importing it into an empty store reproduces the report."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from config.settings import load_settings
from engine.errors import CareerHubError
from projections.report import Query
from service.demo import load_demo
from service.export import check_bundle, export_bundle, formula_safe, import_bundle
from service.hub import HubService


@pytest.fixture
def hub(sqlite_url):
    service = HubService(load_settings(sqlite_url, "auditor"))
    load_demo(service)
    yield service
    service.close()


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Poole", "Poole"),
        (None, ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_neutralised(cell, shown):
    assert formula_safe(cell) == shown


def test_a_bundle_reproduces_its_report_in_an_empty_store(hub, tmp_path: Path):
    moment = datetime.now(UTC)
    hub.import_file(
        "institutions",
        Path("late.csv"),
        "ec",
        data=b"urn,name,kind,area,hub_id,hub_joined_on\n999999,=cmd|' /C calc'!A0,school,Dorset,dorset,2019-07-01\n",
    )
    query = Query("dorset", date(2019, 12, 31), known_at=moment)
    manifest = export_bundle(hub, query, tmp_path / "bundle")
    assert set(manifest["files"]) == {"report.json", "events.jsonl", "log.csv", "institutions.csv"}
    assert "999999" not in (tmp_path / "bundle" / "events.jsonl").read_text()  # recorded after the moment
    exported = json.loads((tmp_path / "bundle" / "report.json").read_text())

    fresh = HubService(load_settings(f"sqlite:///{tmp_path}/fresh.sqlite3", "auditor"))
    import_bundle(fresh, tmp_path / "bundle")
    again = fresh.report(Query("dorset", date(2019, 12, 31))).to_json()
    fresh.close()
    ignore = {"known_at", "log_position"}
    assert {k: v for k, v in again.items() if k not in ignore} == {k: v for k, v in exported.items() if k not in ignore}


def test_an_altered_bundle_is_refused(hub, tmp_path: Path):
    export_bundle(hub, Query("dorset", date(2019, 12, 31)), tmp_path / "b")
    with open(tmp_path / "b" / "report.json", "a") as f:
        f.write(" ")
    with pytest.raises(CareerHubError, match="does not match the manifest"):
        check_bundle(tmp_path / "b")


def test_exported_csvs_neutralise_formula_cells(hub, tmp_path: Path):
    hub.import_file(
        "institutions",
        Path("x.csv"),
        "ec",
        data=b'urn,name,kind,area,hub_id,hub_joined_on\n999999,=HYPERLINK("http://x"),school,Dorset,dorset,2019-07-01\n',
    )
    export_bundle(hub, Query("dorset", date(2019, 12, 31)), tmp_path / "b")
    text = (tmp_path / "b" / "institutions.csv").read_text()
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
