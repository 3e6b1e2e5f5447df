"""`careerhub import KIND FILE` on SQLite and PostgreSQL: every kind, idempotence, corrections,
the JSON summary, who/why/when of every event, and dates that round-trip (DATA.md §2)."""

from __future__ import annotations

import getpass
import hashlib
import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from engine.records import RECORD_CLASSES
from engine.store import GENESIS, chain_link
from projections.tables import table_of
from tests.core.factories import (
    ASSESSMENT_HEADER,
    INSTITUTION,
    KINDS,
    PREREQUISITES,
    VALID,
    assessment_row,
    event_count,
    opened,
    write_csv,
    write_valid,
)

Assessment, EnterpriseAdviser = RECORD_CLASSES["assessments"], RECORD_CLASSES["advisers"]
Institution = RECORD_CLASSES["institutions"]

SUMMARY_KEYS = {"kind", "file", "rows", "recorded", "unchanged"}


def current_rows(database_url: str, kind: str) -> list[dict]:
    with opened(database_url) as app:
        return app.db.query(f"SELECT * FROM {table_of(kind)} WHERE nid_to IS NULL ORDER BY record_key")


# --- every kind --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_given_its_references_when_a_kind_is_imported_then_every_row_is_recorded_and_shown(cli, tmp_path, kind):
    cli.given(tmp_path, *PREREQUISITES[kind])
    before = event_count(cli.database_url)
    path = write_valid(tmp_path, kind)

    summary = cli.imported(kind, path)

    rows = len(VALID[kind][1])
    assert summary == {"kind": kind, "file": str(path), "rows": rows, "recorded": rows, "unchanged": 0}
    assert event_count(cli.database_url) == before + rows
    assert len(current_rows(cli.database_url, kind)) == rows
    assert [e["event"] for e in cli.log("--kind", kind)] == ["Recorded"] * rows


@pytest.mark.parametrize("kind", KINDS)
def test_given_a_kind_imported_when_the_same_file_is_imported_again_then_nothing_is_recorded(cli, tmp_path, kind):
    cli.given(tmp_path, kind)
    before = event_count(cli.database_url)

    summary = cli.imported(kind, write_valid(tmp_path, kind))

    rows = len(VALID[kind][1])
    assert (summary["recorded"], summary["unchanged"], summary["rows"]) == (0, rows, rows)
    assert event_count(cli.database_url) == before


def test_given_an_imported_file_when_imported_again_as_text_then_it_says_nothing_is_new(cli, tmp_path):
    cli.given(tmp_path, "institutions")

    result = cli.ok("import", "institutions", str(write_valid(tmp_path, "institutions")))

    assert "nothing new" in result.stdout
    assert "2 rows" in result.stdout
    assert result.stderr == ""


def test_when_a_file_is_imported_as_text_then_it_says_how_many_events_were_recorded(cli, tmp_path):
    cli.given(tmp_path, "hubs")

    result = cli.ok("import", "institutions", str(write_valid(tmp_path, "institutions")))

    assert "2 rows, 2 events recorded, 0 unchanged" in result.stdout


def test_the_json_summary_has_exactly_the_contracted_keys(cli, tmp_path):
    summary = cli.imported("hubs", write_valid(tmp_path, "hubs"))

    assert set(summary) == SUMMARY_KEYS
    assert all(isinstance(summary[k], int) for k in ("rows", "recorded", "unchanged"))


def test_given_a_row_repeated_exactly_inside_one_file_then_it_is_recorded_once_and_counted_unchanged(cli, tmp_path):
    cli.given(tmp_path, "institutions")
    row = assessment_row("100001", "2020-01-15", 100)
    path = write_csv(tmp_path, "twice.csv", ASSESSMENT_HEADER, [row, row])

    summary = cli.imported("assessments", path)

    assert (summary["rows"], summary["recorded"], summary["unchanged"]) == (2, 1, 1)


def test_given_an_encounter_without_a_ref_when_imported_again_then_it_is_the_same_record(cli, tmp_path):
    cli.given(tmp_path, "institutions")
    header = VALID["encounters"][0]
    path = write_csv(tmp_path, "enc.csv", header, [["", "100001", "2020-03-03", "fe_he_encounter", "", "", ""]])
    cli.imported("encounters", path)

    assert cli.imported("encounters", path)["recorded"] == 0


# --- corrections -------------------------------------------------------------------------------


def test_given_an_assessment_when_a_file_changes_one_value_then_one_corrected_event_keeps_the_old_values_in_the_log(
    cli, tmp_path
):
    cli.given(tmp_path, "institutions")
    first = [assessment_row("100001", "2020-01-15", 100, 50), assessment_row("100002", "2020-01-15", 10)]
    cli.imported("assessments", write_csv(tmp_path, "a.csv", ASSESSMENT_HEADER, first))
    corrected = [assessment_row("100001", "2020-01-15", 100, 75), first[1]]

    summary = cli.imported(
        "assessments", write_csv(tmp_path, "b.csv", ASSESSMENT_HEADER, corrected), "--reason", "bm2 was mistyped"
    )

    assert (summary["recorded"], summary["unchanged"]) == (1, 1)
    history = [e for e in cli.log("--kind", "assessments") if e["record_key"] == "100001 2020-01-15"]
    assert [e["event"] for e in history] == ["Recorded", "Corrected"]
    recorded, correction = history
    assert recorded["payload"]["values"]["bm2"] == 50  # the old value is still in the log
    assert correction["payload"]["values"]["bm2"] == 75
    assert correction["payload"]["changed"] == ["bm2"]
    assert correction["reason"] == "bm2 was mistyped"
    assert correction["source"] == "b.csv:2"
    [shown] = [r for r in current_rows(cli.database_url, "assessments") if r["urn"] == "100001"]
    assert shown["bm2"] == 75


def test_given_a_correction_when_imported_again_then_nothing_more_is_recorded(cli, tmp_path):
    cli.given(tmp_path, "institutions")
    cli.imported("assessments", write_csv(tmp_path, "a.csv", ASSESSMENT_HEADER, [assessment_row("100001", "2020-01-15", 1)]))
    fix = write_csv(tmp_path, "b.csv", ASSESSMENT_HEADER, [assessment_row("100001", "2020-01-15", 2)])
    cli.imported("assessments", fix)

    assert cli.imported("assessments", fix)["recorded"] == 0


def test_given_an_optional_value_when_a_file_leaves_it_empty_then_that_is_a_correction_to_absent(cli, tmp_path):
    cli.given(tmp_path, "institutions")
    header, _ = VALID["institutions"]
    row = dict(INSTITUTION, postcode="")

    summary = cli.imported("institutions", write_csv(tmp_path, "i.csv", header, [list(row.values())]))

    assert summary["recorded"] == 1
    [event] = [e for e in cli.log("--kind", "institutions") if e["event"] == "Corrected"]
    assert event["payload"]["changed"] == ["postcode"] and event["payload"]["values"]["postcode"] is None


# --- who, why and when -------------------------------------------------------------------------


def test_when_imported_with_actor_and_reason_then_every_event_carries_them(cli, tmp_path):
    cli.given(tmp_path, "hubs")

    cli.imported("institutions", write_valid(tmp_path, "institutions"), "--actor", "carol@hub", "--reason", "autumn census")

    events = cli.log("--kind", "institutions")
    assert [(e["actor"], e["reason"]) for e in events] == [("carol@hub", "autumn census")] * 2
    assert all(e["payload"]["actor"] == "carol@hub" for e in events)


def test_when_no_actor_is_given_then_careerhub_actor_is_used(cli, tmp_path):
    cli.imported("hubs", write_valid(tmp_path, "hubs"), env={"CAREERHUB_ACTOR": "dave"})

    assert [e["actor"] for e in cli.log()] == ["dave"]


def test_when_actor_option_and_variable_are_both_given_then_the_option_wins(cli, tmp_path):
    cli.imported("hubs", write_valid(tmp_path, "hubs"), "--actor", "erin", env={"CAREERHUB_ACTOR": "dave"})

    assert [e["actor"] for e in cli.log()] == ["erin"]


def test_when_neither_actor_nor_variable_is_given_then_the_os_user_is_the_actor(cli, tmp_path):
    cli.imported("hubs", write_valid(tmp_path, "hubs"), env={"CAREERHUB_ACTOR": None})

    assert [e["actor"] for e in cli.log()] == [getpass.getuser()]


def test_every_event_is_stamped_with_the_clock_at_recording_in_utc(cli, tmp_path):
    cli.given(tmp_path, "hubs")
    before = datetime.now(UTC)

    cli.imported("institutions", write_valid(tmp_path, "institutions"))

    after = datetime.now(UTC)
    stamps = [datetime.fromisoformat(e["recorded_at"]) for e in cli.log("--kind", "institutions")]
    assert len(stamps) == 2
    assert all(s.utcoffset() is not None and s.utcoffset().total_seconds() == 0 for s in stamps)
    assert all(before <= s <= after for s in stamps), (before, stamps, after)
    with opened(cli.database_url) as app:
        log_times = [r["recorded_at"] for r in app.db.query("SELECT recorded_at FROM event_log ORDER BY notification_id")]
    assert log_times == sorted(log_times)  # recording time never goes backwards


def test_the_recording_time_cannot_come_from_the_input(cli, tmp_path):
    header, rows = VALID["hubs"]
    path = write_csv(tmp_path, "h.csv", [*header, "recorded_at"], [[*rows[0], "1999-01-01T00:00:00Z"]])

    result = cli("import", "hubs", str(path))

    assert result.exit_code != 0 and "recorded_at" in result.stderr
    assert event_count(cli.database_url) == 0


# --- what is stored ----------------------------------------------------------------------------


def test_dates_round_trip_through_the_store_as_dates(cli, tmp_path):
    cli.given(tmp_path, "institutions")
    cli.imported("assessments", write_csv(tmp_path, "a.csv", ASSESSMENT_HEADER, [assessment_row("100001", "2020-02-29", 100)]))

    with opened(cli.database_url) as app:
        assessment = app.repository.get(Assessment.id_for(("100001", "2020-02-29")))
        institution = app.load_many([Institution.id_for(("100001",))])[Institution.id_for(("100001",))]

    assert type(assessment.values["assessed_on"]) is date
    assert assessment.values["assessed_on"] == date(2020, 2, 29)
    assert institution.values["ean_joined_on"] == date(2019, 9, 1)
    assert institution.values["ean_left_on"] is None
    assert [e["valid_on"] for e in cli.log("--kind", "assessments")] == ["2020-02-29"]


def test_values_are_typed_when_stored(cli, tmp_path):
    cli.given(tmp_path, "advisers")

    with opened(cli.database_url) as app:
        adviser = app.repository.get(EnterpriseAdviser.id_for(("EA-1",)))
        institution = app.repository.get(Institution.id_for(("100001",)))

    assert adviser.values["capacity"] == 2 and adviser.values["max_travel_km"] == 25.0
    assert adviser.values["skills"] == ["stem", "mentoring"] and adviser.values["conflicts"] is None
    assert institution.values["disadvantaged"] is True and institution.values["latitude"] == 50.71


def test_stored_topics_are_the_stable_careerhub_names(cli, tmp_path):
    cli.given(tmp_path, "institutions")
    cli.imported(
        "institutions",
        write_csv(tmp_path, "i.csv", VALID["institutions"][0], [list(dict(INSTITUTION, name="Castle Academy").values())]),
    )

    with opened(cli.database_url) as app:
        topics = {r["topic"] for r in app.db.query(f"SELECT topic FROM {app.recorder.events_table_name}")}

    assert topics == {"careerhub:Hub.Recorded", "careerhub:Institution.Recorded", "careerhub:Institution.Corrected"}


def test_the_event_log_chains_every_payload_hash_in_recording_order(cli, tmp_path):
    cli.given(tmp_path, "assessments")

    with opened(cli.database_url) as app:
        log = app.db.query("SELECT * FROM event_log ORDER BY notification_id")
        notifications = app.recorder.select_notifications(start=1, limit=1000)

    assert [r["notification_id"] for r in log] == [n.id for n in notifications]
    link = GENESIS
    for row, n in zip(log, notifications, strict=True):
        stored = StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
        assert row["payload_sha256"] == hashlib.sha256(n.state).hexdigest()
        link = chain_link(link, n.id, stored, row["payload_sha256"])
        assert row["chain"] == link


# --- size on PostgreSQL ------------------------------------------------------------------------


def test_a_20000_row_file_imports_on_postgresql(postgres_cli, tmp_path):
    urns = [f"{200000 + i}" for i in range(100)]
    postgres_cli.given(tmp_path, "hubs")
    postgres_cli.imported(
        "institutions", write_csv(tmp_path, "i.csv", list(INSTITUTION), [list(dict(INSTITUTION, urn=u).values()) for u in urns])
    )
    rows = [assessment_row(u, (date(2000, 1, 1) + timedelta(days=d)).isoformat()) for d in range(200) for u in urns]
    path = write_csv(tmp_path, "big.csv", ASSESSMENT_HEADER, rows)
    command = [
        str(Path(sys.executable).with_name("careerhub")),
        "import",
        "assessments",
        str(path),
        "--format",
        "json",
        "--database-url",
        postgres_cli.database_url,
    ]

    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the import did not finish within 120 s")

    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["recorded"] == 20_000
