"""Optimistic concurrency: racing imports never lose or duplicate an event, and a conflict is either
retried (the import re-plans against what the other writer recorded) or reported, never swallowed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest

from engine.application import SAVE_ATTEMPTS, CareerHub
from engine.backends import Backend, backend_for
from engine.errors import ConcurrencyError
from engine.importing.importer import import_file
from engine.records import RECORD_CLASSES
from engine.sql import Cursor, Database
from projections.runner import Projector
from projections.tables import table_groups
from tests.core.factories import (
    ASSESSMENT_HEADER,
    INSTITUTION,
    Cli,
    assessment_row,
    event_count,
    opened,
    read_model_dump,
    write_csv,
    write_valid,
)

Assessment = RECORD_CLASSES["assessments"]

CAREERHUB = Path(sys.executable).with_name("careerhub")
URNS = [f"{300000 + i}" for i in range(40)]


def day(n: int) -> str:
    return f"2020-{1 + n // 28:02d}-{1 + n % 28:02d}"


def scores(urn: str, n: int, file: str) -> list[int]:
    """A file's values for one key: the two files agree on even days and differ on odd days."""
    differs = n % 2 == 1 and file == "b"
    return [(int(urn) + n + b + (50 if differs else 0)) % 101 for b in range(8)]


def write_file(folder: Path, file: str, days: range) -> Path:
    rows = [assessment_row(urn, day(n), *scores(urn, n, file)) for n in days for urn in URNS]
    return write_csv(folder, f"{file}.csv", ASSESSMENT_HEADER, rows)


@pytest.fixture
def institutions(cli: Cli, tmp_path: Path) -> Cli:
    """Given: a hub and 40 institutions, so that only the assessments race."""
    cli.given(tmp_path, "hubs")
    rows = [list(dict(INSTITUTION, urn=urn).values()) for urn in URNS]
    cli.imported("institutions", write_csv(tmp_path, "institutions.csv", list(INSTITUTION), rows))
    return cli


def overlapping_files(folder: Path) -> tuple[Path, Path, int, int, int]:
    """File a has days 0..59 and file b days 30..89: 30 shared days, 15 of them with other values."""
    a, b = write_file(folder, "a", range(0, 60)), write_file(folder, "b", range(30, 90))
    keys = 90 * len(URNS)
    corrections = 15 * len(URNS)
    same = 15 * len(URNS)
    return a, b, keys, corrections, same


def record_counts(database_url: str) -> tuple[Counter, Counter]:
    """Events per aggregate, and events per topic, straight from the event store."""
    with opened(database_url) as app:
        rows = app.db.query(f"SELECT originator_id, topic FROM {app.recorder.events_table_name}")
    return Counter(str(r["originator_id"]) for r in rows), Counter(r["topic"] for r in rows)


def assert_nothing_lost(database_url: str, keys: int, corrections: int, baseline: int) -> None:
    per_aggregate, per_topic = record_counts(database_url)
    assert per_topic["careerhub:Assessment.Recorded"] == keys
    assert per_topic["careerhub:Assessment.Corrected"] == corrections
    assert event_count(database_url) == baseline + keys + corrections
    with opened(database_url) as app:
        log = app.db.query("SELECT aggregate_id, event, nid FROM rm_log")
        current = app.db.query("SELECT aggregate_id FROM rm_assessments WHERE nid_to IS NULL")
        position = Projector(app).position()
        last = app.last_position()
    assert len(log) == len({r["nid"] for r in log}) == baseline + keys + corrections  # no duplicates
    recorded_once = Counter(r["aggregate_id"] for r in log if r["event"] == "Recorded")
    assert set(recorded_once.values()) == {1}
    assert len(current) == len({r["aggregate_id"] for r in current}) == keys
    assert position == last


def final_values_follow_one_order(database_url: str) -> str:
    """Every disputed key holds the values of the same file: the one whose import committed last."""
    with opened(database_url) as app:
        ids = {Assessment.id_for((urn, day(n))): (urn, n) for n in range(31, 60, 2) for urn in URNS}
        loaded = app.load_many(ids)
    winners = set()
    for aggregate_id, (urn, n) in ids.items():
        values = [loaded[aggregate_id].values[f"bm{b}"] for b in range(1, 9)]
        winners |= {f for f in "ab" if values == scores(urn, n, f)}
    assert len(winners) == 1, winners
    return winners.pop()


# --- real processes ----------------------------------------------------------------------------


def race(database_url: str, *paths: Path) -> list[subprocess.CompletedProcess]:
    """Start one `careerhub import assessments FILE --format json` per file, all at once; wait for all."""
    env = {**os.environ, "CAREERHUB_DATABASE_URL": database_url, "CAREERHUB_ACTOR": "racer"}
    racers = [
        subprocess.Popen(
            [str(CAREERHUB), "import", "assessments", str(path), "--format", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    outputs = [r.communicate(timeout=300) for r in racers]
    return [subprocess.CompletedProcess(r.args, r.returncode, out, err) for r, (out, err) in zip(racers, outputs, strict=True)]


def assert_all_succeeded(finished: list[subprocess.CompletedProcess]) -> None:
    for f in finished:
        assert f.returncode == 0, f"a racer failed:\n{f.stderr}"


def test_two_processes_importing_overlapping_files_at_once_lose_nothing(institutions, tmp_path):
    a, b, keys, corrections, same = overlapping_files(tmp_path)
    baseline = event_count(institutions.database_url)

    finished = race(institutions.database_url, a, b)

    assert_all_succeeded(finished)
    assert_nothing_lost(institutions.database_url, keys, corrections, baseline)
    last = final_values_follow_one_order(institutions.database_url)
    summaries = [json.loads(f.stdout) for f in finished]
    assert sum(s["recorded"] for s in summaries) == keys + corrections
    assert sum(s["unchanged"] for s in summaries) == same
    first = summaries["ba".index(last)]
    assert (first["recorded"], first["unchanged"]) == (60 * len(URNS), 0)  # the first to commit records all


def test_after_racing_processes_the_read_model_equals_a_rebuild(institutions, tmp_path):
    a, b, _, _, _ = overlapping_files(tmp_path)
    assert_all_succeeded(race(institutions.database_url, a, b))
    incremental = read_model_dump(institutions.database_url)

    institutions.ok("projections", "rebuild")

    assert read_model_dump(institutions.database_url) == incremental


# --- a conflict, made to happen in-process -----------------------------------------------------


class InterleavedHub(CareerHub):
    """A real CareerHub that lets another writer commit just before each of its own saves."""

    name = "careerhub"  # the same event store (on PostgreSQL the events table is named after the app)

    def __init__(self, database_url: str, others: list[Callable[[], Any]]):
        super().__init__(database_url)
        self.others = others
        self.saves = 0

    def save(self, *aggregates: Any, **kwargs: Any) -> Any:
        self.saves += 1
        if self.others:
            self.others.pop(0)()
        return super().save(*aggregates, **kwargs)


def test_given_another_writer_commits_first_when_saving_then_the_import_replans_and_corrects(institutions, tmp_path):
    a, b, keys, corrections, same = overlapping_files(tmp_path)
    baseline = event_count(institutions.database_url)
    with opened(institutions.database_url) as other:
        hub = InterleavedHub(institutions.database_url, [lambda: import_file(other, "assessments", b, "bob")])
        try:
            summary = import_file(hub, "assessments", a, "alice")
        finally:
            hub.close()

    assert hub.saves == 2  # the first save hit bob's events, the second was re-planned
    assert (summary.recorded, summary.unchanged) == (30 * len(URNS) + corrections, same)
    assert event_count(institutions.database_url) == baseline + keys + corrections
    assert final_values_follow_one_order(institutions.database_url) == "a"
    institutions.ok("log")  # bring the read model up to date
    assert_nothing_lost(institutions.database_url, keys, corrections, baseline)


def test_given_a_writer_that_always_gets_there_first_then_the_conflict_is_reported_and_nothing_recorded(institutions, tmp_path):
    path = write_file(tmp_path, "a", range(0, 2))
    with opened(institutions.database_url) as other:

        def correct_first_row(n: int) -> Callable[[], Any]:
            fix = write_csv(tmp_path, f"fix{n}.csv", ASSESSMENT_HEADER, [assessment_row(URNS[0], day(0), n, n)])
            return lambda: import_file(other, "assessments", fix, "bob")

        hub = InterleavedHub(institutions.database_url, [correct_first_row(n) for n in range(SAVE_ATTEMPTS)])
        try:
            with pytest.raises(ConcurrencyError, match="nothing was recorded"):
                import_file(hub, "assessments", path, "alice")
        finally:
            hub.close()

    assert hub.saves == SAVE_ATTEMPTS
    _, topics = record_counts(institutions.database_url)
    assert topics["careerhub:Assessment.Recorded"] == 1  # only bob's row
    assert topics["careerhub:Assessment.Corrected"] == SAVE_ATTEMPTS - 1


def test_given_a_retraction_racing_an_import_then_both_are_kept(institutions, tmp_path):
    path = write_file(tmp_path, "a", range(0, 2))
    institutions.imported("assessments", path)
    fix = write_csv(tmp_path, "fix.csv", ASSESSMENT_HEADER, [assessment_row(URNS[0], day(0), 1, 2, 3)])
    with opened(institutions.database_url) as other:
        hub = InterleavedHub(institutions.database_url, [lambda: import_file(other, "assessments", fix, "bob")])
        try:
            hub.retract("assessments", (URNS[0], day(0)), "carol", "not ours")
        finally:
            hub.close()

    events = [e["event"] for e in institutions.log("--kind", "assessments") if e["record_key"] == f"{URNS[0]} {day(0)}"]
    assert events == ["Recorded", "Corrected", "Retracted"]


# --- the read model's catch-up racing other writers (deterministic reproductions) ---------------


class HookedCursor(Cursor):
    """A real cursor that runs `hook` once, right after the first statement matching `after`
    (a COPY too: the read model's bulk insert on PostgreSQL)."""

    def __init__(self, raw: Any, backend: Backend, after: str, hook: list[Callable[[], Any]]):
        super().__init__(HookedCopy(raw, self), backend)
        self.after, self.hook = after, hook

    def ran(self, sql: str) -> None:
        if self.hook and sql.startswith(self.after):
            self.hook.pop()()

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        result = super().execute(sql, params)
        self.ran(sql)
        return result

    def executemany(self, sql: str, rows: Any) -> None:
        super().executemany(sql, rows)
        self.ran(sql)


class HookedCopy:
    """The driver's cursor, telling the hooked cursor when a COPY has ended."""

    def __init__(self, raw: Any, cursor: HookedCursor):
        self._raw, self._cursor = raw, cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    @contextmanager
    def copy(self, sql: str, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with self._raw.copy(sql, *args, **kwargs) as copy:
            yield copy
        self._cursor.ran(sql)


class HookedDatabase(Database):
    def __init__(self, datastore: Any, backend: Backend, after: str, hook: list[Callable[[], Any]]):
        super().__init__(datastore, backend)
        self.after, self.hook = after, hook

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as raw:
            yield HookedCursor(raw, self.backend, self.after, self.hook)


def hooked_projector(app: CareerHub, after: str, hook: Callable[[], Any]) -> Projector:
    """A Projector whose read model lets `hook` run inside its batch transaction, after `after`."""
    projector = Projector(app)
    model = projector.model
    database = HookedDatabase(model.datastore, model.backend, after, [hook])
    model.__class__ = type(f"Hooked{type(model).__name__}", (type(model),), {"db": property(lambda self: database)})
    return projector


def sqlite_path(database_url: str) -> str:
    return database_url[len("sqlite:///") :]


def test_given_another_process_writes_mid_batch_when_catching_up_on_sqlite_then_the_read_model_still_catches_up(
    sqlite_cli, tmp_path
):
    # Regression (fixed in 8b70329): a batch that began with a read (a correction's SELECT of the current
    # version) could not upgrade to a write once another process had committed: 'database is locked'.
    sqlite_cli.given(tmp_path, "assessments")
    fix = write_csv(tmp_path, "fix.csv", ASSESSMENT_HEADER, [assessment_row("100001", "2019-10-15", 1, 2, 3)])
    other_hub = write_csv(tmp_path, "h.csv", ["hub_id", "name", "area"], [["wessex", "Wessex", "Wessex"]])
    committed_meanwhile: list[bool] = []

    def another_process_tries_to_commit() -> None:
        """Commit now if the batch leaves the write lock free; a real process would otherwise wait."""
        probe = sqlite3.connect(sqlite_path(sqlite_cli.database_url), timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            committed_meanwhile.append(False)  # the batch holds the write lock: a writer would queue
            return
        finally:
            probe.close()
        import_file(other, "hubs", other_hub, "eve")
        committed_meanwhile.append(True)

    with opened(sqlite_cli.database_url) as app, opened(sqlite_cli.database_url) as other:
        import_file(app, "assessments", fix, "bob")  # a correction the read model has not seen yet
        projector = hooked_projector(app, "SELECT", another_process_tries_to_commit)

        projector.catch_up()
        position = projector.catch_up()  # and whatever was committed meanwhile

        assert committed_meanwhile in ([True], [False])
        assert position == app.last_position()


def wait_for_lock_wait_or_end(database_url: str, other: threading.Thread, deadline_s: float = 30.0) -> None:
    """Return once some session of this database waits for a lock, or the other thread has ended."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        started = time.monotonic()
        while time.monotonic() - started < deadline_s:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting or not other.is_alive():
                return
            other.join(timeout=0.01)
    raise AssertionError("the other command neither finished nor waited for a lock")


def test_given_a_catch_up_in_progress_when_another_command_starts_on_postgres_then_neither_deadlocks(postgres_cli, tmp_path):
    # Regression (fixed in 8b70329): every Projector() ran CREATE INDEX IF NOT EXISTS on all rm_* tables in one
    # transaction (SHARE locks), deadlocking with a catch-up holding ROW EXCLUSIVE on rm_assessments.
    postgres_cli.given(tmp_path, "institutions")
    errors: list[BaseException] = []

    def start_another_command() -> None:
        try:
            with opened(postgres_cli.database_url) as other:
                Projector(other)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    starter = threading.Thread(target=start_another_command)

    def meanwhile() -> None:
        starter.start()
        wait_for_lock_wait_or_end(postgres_cli.database_url, starter)

    with opened(postgres_cli.database_url) as app:
        import_file(app, "assessments", write_valid(tmp_path, "assessments"), "bob")
        projector = hooked_projector(app, "COPY rm_assessments", meanwhile)
        try:
            position = projector.catch_up()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
            position = None
        finally:
            starter.join(timeout=120)

        assert errors == []
        assert position == app.last_position()


def test_given_another_command_is_starting_when_a_command_starts_on_postgres_then_both_start(postgres_cli, tmp_path):
    # Regression (fixed in a386a3b): every CareerHub() re-ran the library's CREATE OR REPLACE FUNCTION; two
    # commands starting together failed with 'tuple concurrently updated'.
    postgres_cli.given(tmp_path, "hubs")  # the store exists
    errors: list[BaseException] = []

    def start_another_command() -> None:
        try:
            with opened(postgres_cli.database_url):
                pass
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    starter = threading.Thread(target=start_another_command)
    with opened(postgres_cli.database_url) as app:
        recorder = app.recorder
        with recorder.datastore.transaction(commit=True) as curs:
            recorder._create_table(curs)  # this command's start-up, caught mid-transaction
            starter.start()
            wait_for_lock_wait_or_end(postgres_cli.database_url, starter)
        starter.join(timeout=120)

    assert errors == []


def test_given_a_fresh_postgres_store_when_two_commands_start_together_then_both_start(postgres_url):
    # Regression (fixed in a386a3b): both found rm_log missing and the later CREATE TABLE IF NOT EXISTS failed
    # with a duplicate pg_type row.
    errors: list[BaseException] = []

    def start_another_command() -> None:
        try:
            with opened(postgres_url) as app:
                Projector(app)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    starter = threading.Thread(target=start_another_command)
    with psycopg.connect(postgres_url) as first_command:  # this command's start-up, caught mid-transaction
        for statement in table_groups(backend_for(postgres_url))["rm_log"]:
            first_command.execute(statement)
        starter.start()
        wait_for_lock_wait_or_end(postgres_url, starter)
        first_command.commit()
    starter.join(timeout=120)

    assert errors == []
