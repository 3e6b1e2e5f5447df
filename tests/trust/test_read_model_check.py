"""Given a read model kept up to date import by import, when someone edits its tables behind careerhub's
back, then `careerhub verify --read-model` compares it with a replay of the event log and names the first
difference: table, record, column, expected and found. A read model merely behind is not tampered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from eventsourcing.cipher import AESCipher

from cli import main
from engine.backends import SQLiteBackend
from engine.importing.importer import import_file
from projections.check import check_read_model
from tests.projections.factories import World, adviser, assessment, csv_bytes, given_two_rounds_of_imports, read_model_dump


def sealed_world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> World:
    """Corrected, retracted and redacted records, with the read model's names encrypted at rest."""
    monkeypatch.setenv("CAREERHUB_CIPHER_KEY", AESCipher.create_key(32))
    w = World(database_url)
    given_two_rounds_of_imports(w)
    w.load("advisers", adviser("EA-1", employer="Quillfeather"))
    w.load("advisers", adviser("EA-1", employer="Quillfeather Ltd"))
    w.service.redact("advisers", ["EA-1"], "dpo", "the adviser asked to be forgotten")
    return w


@pytest.fixture
def world(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    w = sealed_world(database_url, monkeypatch)
    yield w
    w.close()


def execute(world: World, sql: str, params: tuple = ()) -> None:
    with world.db.transaction(commit=True) as c:
        c.execute(sql, params)


def first_difference(world: World) -> str:
    verdict = check_read_model(world.service.app)
    assert not verdict.ok
    return str(verdict.difference)


def assessment_version(world: World, key: str, current: bool = True) -> dict:
    """One version row of assessment `key` ("URN DATE"): the current one, or the one it superseded."""
    rows = world.db.query("SELECT * FROM rm_assessments WHERE record_key = ? ORDER BY nid_from", (key,))
    return rows[-1] if current else rows[0]


def test_an_untouched_read_model_matches_a_replay_of_the_log(world):
    verdict = check_read_model(world.service.app)
    assert verdict.ok, verdict.difference
    assert verdict.position == world.service.projector.position() and verdict.behind == 0
    assert verdict.rows == sum(len(rows) for table, rows in world.dump().items() if table != "position")


def test_a_plain_store_without_a_cipher_key_matches_too(database_url, monkeypatch):
    monkeypatch.delenv("CAREERHUB_CIPHER_KEY", raising=False)
    w = World(database_url)
    try:
        given_two_rounds_of_imports(w)
        assert check_read_model(w.service.app).ok
    finally:
        w.close()


def test_an_edited_benchmark_is_named_with_its_record_column_and_values(world):
    execute(world, "UPDATE rm_assessments SET bm5 = 100")  # the issue's own reproduction
    row = assessment_version(world, "A 2019-10-01", current=False)  # the one version whose bm5 was 50
    assert first_difference(world) == (
        f"rm_assessments record 'A 2019-10-01' (aggregate {row['aggregate_id']},"
        f" version from log position {row['nid_from']}): bm5: expected 50, found 100"
    )


def test_a_deleted_version_row_is_named_as_missing(world):
    row = assessment_version(world, "A 2019-10-01", current=False)
    execute(world, "DELETE FROM rm_assessments WHERE aggregate_id = ? AND nid_from = ?", (row["aggregate_id"], row["nid_from"]))
    difference = first_difference(world)
    assert difference.startswith(
        f"rm_assessments record 'A 2019-10-01' (aggregate {row['aggregate_id']}, version from log position {row['nid_from']})"
    )
    assert "missing" in difference


def test_an_inserted_version_row_is_named_as_not_made_by_a_replay(world):
    row = assessment_version(world, "B 2019-10-02")
    execute(
        world,
        "INSERT INTO rm_assessments (aggregate_id, nid_from, nid_to, record_key, urn, assessed_on, bm5)"
        " VALUES (?, ?, NULL, ?, 'B', '2019-10-02', 100)",
        (row["aggregate_id"], 999, row["record_key"]),
    )
    difference = first_difference(world)
    assert difference.startswith("rm_assessments record 'B 2019-10-02'")
    assert "version from log position 999" in difference and "not made by a replay" in difference


def test_a_reopened_version_is_named_by_its_nid_to(world):
    row = assessment_version(world, "A 2019-10-01", current=False)
    assert row["nid_to"] is not None
    execute(
        world,
        "UPDATE rm_assessments SET nid_to = NULL WHERE aggregate_id = ? AND nid_from = ?",
        (row["aggregate_id"], row["nid_from"]),
    )
    assert f"nid_to: expected {row['nid_to']}, found NULL" in first_difference(world)


def test_an_edited_log_row_is_named_by_its_position(world):
    nid = world.db.query("SELECT MIN(nid) AS nid FROM rm_log WHERE reason = 'late returns'")[0]["nid"]
    execute(world, "UPDATE rm_log SET reason = 'nothing to see' WHERE nid = ?", (nid,))
    assert first_difference(world) == f"rm_log position {nid}: reason: expected 'late returns', found 'nothing to see'"


def test_an_edited_sealed_name_is_compared_unsealed(world):
    execute(world, "UPDATE rm_institutions SET name = 'School Z' WHERE urn = 'A'")
    assert "name: expected 'School A', found 'School Z'" in first_difference(world)


def test_a_redacted_adviser_given_back_a_value_is_named(world):
    execute(world, "UPDATE rm_advisers SET employer = 'Quillfeather'")
    assert "employer: expected '[redacted]', found 'Quillfeather'" in first_difference(world)


def test_a_read_model_merely_behind_is_reported_as_behind_not_tampered(world):
    app = world.service.app
    for name, row in (("late.csv", assessment("B", "2020-01-10")), ("later.csv", assessment("C", "2020-01-11"))):
        import_file(app, "assessments", Path(name), "tester", data=csv_bytes([row]))  # no catch-up
    verdict = check_read_model(app)
    assert verdict.ok and verdict.behind == 2
    assert verdict.position == world.service.projector.position() == app.recorder.max_notification_id() - 2


def test_the_check_writes_nothing_to_the_live_store(world):
    before = read_model_dump(world.service)
    execute(world, "UPDATE rm_assessments SET bm5 = 100")
    tampered = read_model_dump(world.service)
    assert not check_read_model(world.service.app).ok
    assert read_model_dump(world.service) == tampered != before


def test_verify_read_model_from_the_command_line(world):
    runner = CliRunner()
    url = world.database_url
    ok = runner.invoke(main, ["verify", "--database-url", url, "--read-model"])
    assert ok.exit_code == 0, ok.output
    assert "events chained" in ok.output and "read model matches a replay" in ok.output
    execute(world, "UPDATE rm_assessments SET bm5 = 100")
    plain = runner.invoke(main, ["verify", "--database-url", url])
    assert plain.exit_code == 0 and "read model" not in plain.output  # the chain check alone, as before
    failed = runner.invoke(main, ["verify", "--database-url", url, "--read-model"])
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    lines = failed.output.strip().splitlines()
    assert len(lines) == 1 and "read model differs from a replay" in lines[0] and "bm5" in lines[0]


def test_a_tracking_position_moved_beyond_the_log_is_named(world):
    """Events up to that position would never be applied: the reports would go stale silently."""
    table = "tracking" if isinstance(world.db.backend, SQLiteBackend) else "readmodel_tracking"
    head = world.service.app.recorder.max_notification_id()
    execute(world, f"UPDATE {table} SET notification_id = ?", (head + 50,))
    assert first_difference(world) == (
        f"{table}: the read model's position {head + 50} is beyond the log's"
        f" last event {head} (events up to it would never be applied)"
    )


def test_a_tracking_position_moved_back_leaves_rows_a_replay_does_not_make(world):
    world.load("assessments", assessment("B", "2020-03-01"))
    table = "tracking" if isinstance(world.db.backend, SQLiteBackend) else "readmodel_tracking"
    head = world.service.app.recorder.max_notification_id()
    execute(world, f"UPDATE {table} SET notification_id = ?", (head - 1,))
    assert first_difference(world) == f"rm_log position {head}: not made by a replay of the log (inserted or duplicated)"


def test_a_dropped_column_is_named_not_a_traceback(world):
    execute(world, "ALTER TABLE rm_assessments DROP COLUMN bm5")
    assert first_difference(world).startswith("rm_assessments: cannot be read as a replay makes it (")


@pytest.mark.parametrize("value", ["'x'", "X'00'"], ids=["text", "bytes"])
def test_a_non_number_written_into_a_version_position_is_named_not_a_traceback(sqlite_url, monkeypatch, value):
    """SQLite keeps text or bytes that are not a number in an INTEGER column (and sorts them last)."""
    w = sealed_world(sqlite_url, monkeypatch)
    try:
        row = assessment_version(w, "A 2019-10-01")
        execute(
            w,
            f"UPDATE rm_assessments SET nid_from = {value} WHERE aggregate_id = ? AND nid_from = ?",
            (row["aggregate_id"], row["nid_from"]),
        )
        assert first_difference(w) == (
            f"rm_assessments record 'A 2019-10-01' (aggregate {row['aggregate_id']},"
            f" version from log position {row['nid_from']}): missing (a replay of the"
            " log makes this row)"
        )
    finally:
        w.close()
