"""Given the two-hub dataset: a dry run of an import plans exactly what the import then records (same
parsing, same checks, same scope) and saves nothing; a record is retracted with a reason within the
hub scope an upload follows; the template of each kind is the header the importer reads."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from config.settings import load_settings
from engine.errors import CareerHubError, ImportRejected, OutOfScope, OutOfScopeRecord, UnknownRecordError
from engine.importing.parsing import read_rows
from engine.importing.templates import import_columns, import_kind, template_csv
from engine.kinds import KINDS
from service.hub import HubService
from service.records import retract_record
from tests.web.factories import load_hubs

HEADER = "urn,assessed_on,bm1,bm2,bm3,bm4,bm5,bm6,bm7,bm8\n"
MIXED = (
    HEADER + "100003,2020-03-01,100,100,100,100,0,0,0,0\n"  # new
    "100002,2020-02-01,100,100,100,100,100,0,0,0\n"  # corrects bm6
    "100001,2019-10-15,100,100,100,100,100,50,0,0\n"  # unchanged
    "100001,2019-10-15,100,100,100,100,100,50,0,0\n"
)  # an exact repeat in the file


@pytest.fixture
def hub(sqlite_url: str):
    service = HubService(load_settings(sqlite_url, "test"))
    load_hubs(service)
    yield service
    service.close()


def test_a_dry_run_plans_new_corrected_and_unchanged_rows_and_records_nothing(hub):
    before = hub.app.last_position()
    summary = hub.import_file("assessments", Path("spring.csv"), "ec", "spring", data=MIXED.encode(), dry_run=True)
    assert hub.app.last_position() == before
    plan = summary.plan
    assert [r.values["urn"] for r in plan.new] == ["100003"]
    assert [(r.values["urn"], changed) for r, changed in plan.corrected] == [("100002", ["bm6"])]
    assert [r.line for r in plan.unchanged] == [4]
    assert (summary.rows, summary.recorded, summary.unchanged) == (4, 2, 2)
    assert "plan" not in summary.to_json()
    recorded = hub.import_file("assessments", Path("spring.csv"), "ec", "spring", data=MIXED.encode())
    assert (recorded.recorded, recorded.unchanged, recorded.plan) == (2, 2, None)


def test_a_dry_run_rejects_what_the_import_rejects(hub):
    bad = HEADER + "100001,2020-03-31,100,100,100,100,0,0,0,140\n"
    with pytest.raises(ImportRejected, match="line 2"):
        hub.import_file("assessments", Path("bad.csv"), "ec", data=bad.encode(), dry_run=True)
    solent = HEADER + "200001,2020-03-01,100,100,100,100,0,0,0,0\n"
    with pytest.raises(OutOfScope, match="outside your hub's area"):
        hub.import_file("assessments", Path("s.csv"), "ec", data=solent.encode(), hub_id="dorset", dry_run=True)


def test_a_coordinator_retracts_a_record_of_the_hub_with_a_reason(hub):
    position = retract_record(hub, "assessments", "100002 2020-02-01", "ec", "keyed twice", hub_id="dorset")
    rows = hub.db.query("SELECT event, reason, actor FROM rm_log WHERE nid = ?", (position,))
    assert rows == [{"event": "Retracted", "reason": "keyed twice", "actor": "ec"}]
    with pytest.raises(CareerHubError, match="already retracted"):
        retract_record(hub, "assessments", "100002 2020-02-01", "ec", "again", hub_id="dorset")


@pytest.mark.parametrize(
    "kind, key",
    [("assessments", "200001 2019-10-01"), ("national", "bm5_percent 2019-07-31"), ("advisers", "EA-1"), ("hubs", "solent")],
)
def test_a_coordinator_may_not_retract_what_an_upload_of_theirs_could_not_change(hub, kind, key):
    before = hub.app.last_position()
    with pytest.raises(OutOfScopeRecord, match="not yours to retract"):
        retract_record(hub, kind, key, "ec", "not mine", hub_id="dorset")
    assert hub.app.last_position() == before


def test_an_administrator_retracts_any_record_and_an_unknown_one_is_named(hub):
    retract_record(hub, "national", "bm5_percent 2019-07-31", "admin", "superseded")
    with pytest.raises(UnknownRecordError, match="no assessments record 100001 1999-01-01"):
        retract_record(hub, "assessments", "100001 1999-01-01", "admin", "typo")
    with pytest.raises(CareerHubError, match="needs a reason"):
        retract_record(hub, "assessments", "100001 2019-10-15", "admin", " ")


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kinds_template_is_the_header_the_importer_reads(kind):
    text = template_csv(KINDS[kind])
    header = next(csv.reader(io.StringIO(text)))
    assert header == [c.name for c in import_columns(KINDS[kind])]
    required = [c.name for c in import_columns(KINDS[kind]) if c.required]
    assert set(required) <= set(header)
    with pytest.raises(ImportRejected, match="a header but no rows"):  # the header itself is accepted
        read_rows(Path(f"{kind}.csv"), import_kind(KINDS[kind]), text.encode())
