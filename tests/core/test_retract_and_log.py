"""Retractions, the auditor's log and history, rebuilding the read model, and the command's manners."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import click
import pytest
from click.testing import CliRunner

from cli import main
from projections.tables import table_of
from tests.core.factories import (
    ASSESSMENT_HEADER,
    INSTITUTION,
    VALID,
    Cli,
    assessment_row,
    event_count,
    opened,
    read_model_dump,
    write_csv,
    write_valid,
)


def shown(database_url: str, kind: str) -> list[str]:
    """Record keys the read model shows as current."""
    with opened(database_url) as app:
        rows = app.db.query(f"SELECT record_key FROM {table_of(kind)} WHERE nid_to IS NULL ORDER BY record_key")
    return [r["record_key"] for r in rows]


@pytest.fixture
def assessed(cli: Cli, tmp_path) -> Cli:
    """Given: two institutions, and one assessment of each."""
    cli.given(tmp_path, "assessments")
    return cli


# --- retract -----------------------------------------------------------------------------------


def test_when_a_record_is_retracted_then_a_retracted_event_says_who_and_why_and_the_read_model_drops_it(assessed):
    before = event_count(assessed.database_url)

    result = assessed.ok("retract", "assessments", "100001", "2019-10-15", "--reason", "wrong school", "--actor", "carol")

    assert "retracted assessments 100001 2019-10-15" in result.stdout
    assert event_count(assessed.database_url) == before + 1
    last = assessed.log()[-1]
    assert (last["event"], last["kind"], last["actor"], last["reason"]) == ("Retracted", "assessments", "carol", "wrong school")
    assert last["topic"] == "careerhub:Assessment.Retracted"
    assert last["record_key"] == "100001 2019-10-15" and last["urn"] == "100001"
    assert shown(assessed.database_url, "assessments") == ["100002 2020-02-01"]


def test_when_an_unknown_record_is_retracted_then_it_is_refused_and_nothing_is_recorded(assessed):
    before = event_count(assessed.database_url)

    result = assessed("retract", "assessments", "100001", "1999-01-01", "--reason", "x")

    assert result.exit_code != 0 and isinstance(result.exception, SystemExit)
    assert "no assessments record with key 100001 1999-01-01" in result.stderr
    assert event_count(assessed.database_url) == before


def test_when_a_record_is_retracted_twice_then_the_second_is_refused(assessed):
    assessed.ok("retract", "assessments", "100001", "2019-10-15", "--reason", "wrong school")
    before = event_count(assessed.database_url)

    result = assessed("retract", "assessments", "100001", "2019-10-15", "--reason", "again")

    assert result.exit_code != 0 and "already retracted" in result.stderr
    assert event_count(assessed.database_url) == before


@pytest.mark.parametrize("reason", [None, ""])
def test_a_retraction_needs_a_reason(assessed, reason):
    before = event_count(assessed.database_url)
    extra = () if reason is None else ("--reason", reason)

    result = assessed("retract", "assessments", "100001", "2019-10-15", *extra)

    assert result.exit_code != 0 and "reason" in result.stderr
    assert event_count(assessed.database_url) == before


def test_given_a_retracted_institution_when_it_is_referred_to_then_the_file_is_rejected(assessed, tmp_path):
    assessed.ok("retract", "institutions", "100002", "--reason", "closed before it opened")
    path = write_csv(tmp_path, "a.csv", ASSESSMENT_HEADER, [assessment_row("100002", "2020-06-01")])
    before = event_count(assessed.database_url)

    result = assessed("import", "assessments", str(path))

    assert result.exit_code != 0 and "line 2, column urn" in result.stderr
    assert event_count(assessed.database_url) == before


def test_given_a_retracted_record_when_its_row_is_imported_again_then_it_returns_as_a_correction(assessed, tmp_path):
    assessed.ok("retract", "assessments", "100001", "2019-10-15", "--reason", "oops")

    summary = assessed.imported("assessments", write_valid(tmp_path, "assessments"))

    assert (summary["recorded"], summary["unchanged"]) == (1, 1)
    assert assessed.log()[-1]["event"] == "Corrected"
    assert shown(assessed.database_url, "assessments") == ["100001 2019-10-15", "100002 2020-02-01"]


# --- log ---------------------------------------------------------------------------------------


@pytest.fixture
def three_imports(cli: Cli, tmp_path) -> tuple[Cli, list[dict]]:
    """Given: hubs by alice, then institutions by bob, then assessments by carol."""
    cli.imported("hubs", write_valid(tmp_path, "hubs"), "--actor", "alice")
    cli.imported("institutions", write_valid(tmp_path, "institutions"), "--actor", "bob")
    cli.imported("assessments", write_valid(tmp_path, "assessments"), "--actor", "carol")
    return cli, cli.log()


def test_the_log_lists_every_event_in_recording_order_as_json_lines(three_imports):
    cli, events = three_imports

    lines = cli.ok("log", "--format", "jsonl").stdout.splitlines()

    assert len(lines) == len(events) == 5
    parsed = [json.loads(line) for line in lines]
    assert [e["nid"] for e in parsed] == sorted(e["nid"] for e in parsed)
    assert {"nid", "recorded_at", "topic", "kind", "event", "actor", "reason", "record_key", "urn", "valid_on", "payload"} <= set(
        parsed[0]
    )


def test_the_log_as_a_table_has_a_header_and_one_line_per_event(three_imports):
    cli, _ = three_imports

    lines = cli.ok("log").stdout.splitlines()

    assert lines[0].split()[:3] == ["nid", "recorded_at", "actor"]
    assert len(lines) == 1 + 5


def test_the_log_filters_by_kind(three_imports):
    cli, _ = three_imports

    assert {e["kind"] for e in cli.log("--kind", "institutions")} == {"institutions"}
    assert len(cli.log("--kind", "assessments")) == 2
    assert cli.log("--kind", "funding") == []


def test_the_log_filters_by_institution(three_imports):
    cli, _ = three_imports

    events = cli.log("--urn", "100001")

    assert [(e["kind"], e["record_key"]) for e in events] == [("institutions", "100001"), ("assessments", "100001 2019-10-15")]


def test_the_log_filters_by_actor(three_imports):
    cli, _ = three_imports

    assert [e["kind"] for e in cli.log("--actor", "bob")] == ["institutions", "institutions"]
    assert cli.log("--actor", "mallory") == []


def test_the_log_filters_by_recording_time(three_imports):
    cli, events = three_imports
    hubs_at, institutions_at, assessments_at = (events[0]["recorded_at"], events[1]["recorded_at"], events[3]["recorded_at"])
    assert hubs_at < institutions_at < assessments_at

    assert [e["actor"] for e in cli.log("--since", institutions_at)] == ["bob", "bob", "carol", "carol"]
    assert [e["actor"] for e in cli.log("--until", hubs_at)] == ["alice"]
    assert [e["actor"] for e in cli.log("--since", institutions_at, "--until", institutions_at)] == ["bob", "bob"]
    assert cli.log("--since", assessments_at, "--until", hubs_at) == []


def test_the_log_reads_times_with_an_offset_and_times_without_one_as_utc(three_imports):
    cli, events = three_imports
    institutions_at = datetime.fromisoformat(events[1]["recorded_at"])
    in_paris = institutions_at.astimezone(timezone(timedelta(hours=1))).isoformat()
    naive_utc = institutions_at.replace(tzinfo=None).isoformat()

    assert len(cli.log("--since", in_paris)) == 4
    assert len(cli.log("--since", naive_utc)) == 4


def test_the_log_refuses_a_time_it_cannot_read(three_imports):
    cli, _ = three_imports

    result = cli("log", "--since", "last tuesday")

    assert result.exit_code == 2 and "ISO 8601" in result.stderr


# --- history -----------------------------------------------------------------------------------


def test_history_lists_every_correction_and_retraction_of_an_institution(assessed, tmp_path):
    header = VALID["institutions"][0]
    assessed.imported(
        "institutions",
        write_csv(tmp_path, "fix.csv", header, [list(dict(INSTITUTION, name="Castle Academy").values())]),
        "--reason",
        "renamed",
    )
    assessed.ok("retract", "assessments", "100001", "2019-10-15", "--reason", "wrong school")

    history = json.loads(assessed.ok("history", "100001", "--format", "json").stdout)

    assert [(h["kind"], h["event"]) for h in history] == [
        ("institutions", "Recorded"),
        ("assessments", "Recorded"),
        ("institutions", "Corrected"),
        ("assessments", "Retracted"),
    ]
    correction = history[2]
    assert correction["payload"]["changed"] == ["name"] and correction["reason"] == "renamed"
    assert history[0]["payload"]["values"]["name"] == "Castle School"
    table = assessed.ok("history", "100001").stdout
    assert "Corrected" in table and "name=Castle Academy" in table and "retracted" in table


def test_history_of_an_institution_never_recorded_is_refused(assessed):
    result = assessed("history", "999999")

    assert result.exit_code != 0 and "999999" in result.stderr


# --- projections rebuild -----------------------------------------------------------------------


def test_a_rebuilt_read_model_equals_the_incrementally_maintained_one(cli, tmp_path):
    cli.given(tmp_path, *VALID)
    header = VALID["institutions"][0]
    cli.imported(
        "institutions", write_csv(tmp_path, "fix.csv", header, [list(dict(INSTITUTION, name="Castle Academy").values())])
    )
    cli.ok("retract", "funding", "F-2", "--reason", "withdrawn")
    cli.ok("retract", "matches", "100001", "EA-1", "2019-10-01", "--reason", "never happened")
    cli.imported(
        "assessments", write_csv(tmp_path, "a.csv", ASSESSMENT_HEADER, [assessment_row("100001", "2019-10-15", 100, 100)])
    )
    incremental = read_model_dump(cli.database_url)

    result = cli.ok("projections", "rebuild")

    assert f"up to log position {incremental['position'][0][0]}" in result.stdout
    assert read_model_dump(cli.database_url) == incremental


def test_given_a_record_retracted_and_imported_again_when_rebuilt_then_the_read_model_is_unchanged(cli, tmp_path):
    # A rebuild applies the Recorded, Retracted and Corrected events in one batch; each was its own batch before.
    cli.given(tmp_path, "hubs")
    cli.ok("retract", "hubs", "dorset", "--reason", "entered twice")
    cli.imported("hubs", write_valid(tmp_path, "hubs"))
    incremental = read_model_dump(cli.database_url)

    cli.ok("projections", "rebuild")

    assert read_model_dump(cli.database_url) == incremental
    assert shown(cli.database_url, "hubs") == ["dorset"]
    assert [e["record_key"] for e in cli.log("--kind", "hubs")] == ["dorset"] * 3


# --- the command's manners ---------------------------------------------------------------------


def test_version():
    result = CliRunner().invoke(main, ["--version"])

    assert result.exit_code == 0 and result.stdout.startswith("careerhub, version ")


def every_command(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The group itself and every command under it, sub-groups included."""
    found = [path]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += every_command(command, (*path, name))
        else:
            found.append((*path, name))
    return found


@pytest.mark.parametrize("command", every_command(), ids=lambda c: " ".join(c) or "careerhub")
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert len(result.stdout.splitlines()) > 3


def test_the_core_commands_are_there():
    assert {("import",), ("retract",), ("log",), ("history",), ("projections", "rebuild"), ("report",)} <= set(every_command())
