"""Reports kept by (query, log position) in the store for every process (projections/report_cache.py):
given a report computed by one process, another serves it without computing; a later position, other
code, a redaction or a rebuild never serve what was kept; keeping one never waits for another writer."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date

import psycopg
import pytest
from psycopg import sql

import projections.report as report_module
from projections import report_cache
from projections.board import keep_term_end_reports, term_series
from projections.report import Query, Report, hub_report, settled_report
from tests.projections.factories import HUB, World, assessment, given_two_academic_years

DAY = "2020-07-31"


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Each test starts as a new process would: nothing kept in memory."""
    settled_report.cache_clear()
    yield
    settled_report.cache_clear()


def kept_rows(world: World) -> int:
    return int(world.service.app.db.scalar(f"SELECT COUNT(*) FROM {report_cache.REPORTS.table}"))


def another_process(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """A second service over the same store that must not compute any report itself."""
    settled_report.cache_clear()

    def computing(*_: object) -> None:
        raise AssertionError("the report was computed, not read from the shared cache")

    monkeypatch.setattr(report_module, "known_reports", computing)
    return World(world.database_url)


def test_a_report_computed_by_one_process_is_served_to_another_from_the_store(database_url, monkeypatch):
    world = World(database_url)
    given_two_academic_years(world)
    first = world.report(DAY)
    assert kept_rows(world) == 1

    other = another_process(world, monkeypatch)
    assert other.report(DAY) == first
    other.close()
    world.close()


def test_a_kept_report_answers_only_its_own_log_position(database_url):
    world = World(database_url)
    given_two_academic_years(world)
    before = world.report(DAY)
    world.load("assessments", assessment("B", "2020-07-01", achieved=(1, 2, 3, 4, 5, 6, 7, 8)))
    settled_report.cache_clear()
    after = world.report(DAY)
    assert after["log_position"] > before["log_position"]
    assert after["average_benchmarks"] != before["average_benchmarks"]
    assert kept_rows(world) == 2
    world.close()


def test_a_report_kept_by_other_code_is_not_served(database_url, monkeypatch):
    world = World(database_url)
    given_two_academic_years(world)
    world.report(DAY)
    monkeypatch.setattr(report_cache, "CODE", "an older careerhub")
    settled_report.cache_clear()
    world.report(DAY)
    assert kept_rows(world) == 2
    world.close()


def test_a_redaction_and_a_rebuild_forget_every_kept_report(database_url):
    world = World(database_url)
    given_two_academic_years(world)
    world.report(DAY)
    world.service.redact("advisers", ["EA-1"], "tester", "the adviser asked to be forgotten")
    world.service.refresh()
    assert kept_rows(world) == 0

    settled_report.cache_clear()  # as another process would: nothing in its memory
    world.report(DAY)
    assert kept_rows(world) == 1
    world.service.projector.rebuild()
    assert kept_rows(world) == 0
    world.close()


def test_the_reports_kept_longest_ago_are_forgotten_first(database_url):
    world = World(database_url)
    given_two_academic_years(world)
    for day in ("2019-07-31", "2019-12-31", DAY):
        world.report(day)
    assert report_cache.REPORTS.prune(world.service.app.db, keep_at_most=1) == 2
    newest = world.service.app.db.query(f"SELECT report FROM {report_cache.REPORTS.table}")
    term = world.report(DAY)["term"]  # the newest: from memory now
    assert [json.loads(row["report"])["term"] for row in newest] == [
        [term["name"], term["academic_year"], term["starts_on"], term["ends_on"]]
    ]
    world.close()


def test_while_an_import_holds_sqlites_write_lock_a_report_is_served_without_being_kept(sqlite_url):
    world = World(sqlite_url)
    given_two_academic_years(world)
    world.report("2019-12-31")  # the table exists: the first report of a process may create it
    import_holding_the_lock = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    import_holding_the_lock.execute("BEGIN IMMEDIATE")
    served: list[dict] = []
    page = threading.Thread(target=lambda: served.append(world.report(DAY)))
    page.start()
    page.join(timeout=10)  # it would otherwise wait out the lock timeout (30 s), holding its reader
    finished = not page.is_alive()
    import_holding_the_lock.rollback()
    page.join()

    assert finished and served[0] == world.report(DAY)
    assert kept_rows(world) == 1  # the first report only
    settled_report.cache_clear()
    world.report(DAY)
    assert kept_rows(world) == 2
    world.close()


def test_the_workers_term_end_reports_are_what_a_board_reads(database_url, monkeypatch):
    world = World(database_url)
    given_two_academic_years(world)
    world.service.refresh()
    computed = keep_term_end_reports(world.service.app.db, date(2020, 7, 31))
    assert computed == 6  # one hub, three terms in each of 2018/19 and 2019/20
    assert keep_term_end_reports(world.service.app.db, date(2020, 7, 31)) == 0

    expected = World(world.database_url)
    monkeypatch.setattr(report_cache, "CODE", "computed afresh")  # this one reads nothing kept
    fresh = term_series(expected.service.app.db, HUB, ["2018/19", "2019/20"])
    monkeypatch.undo()
    other = another_process(world, monkeypatch)
    assert term_series(other.service.app.db, HUB, ["2018/19", "2019/20"]) == fresh
    for w in (expected, other, world):
        w.close()


def test_a_report_survives_its_encoding(sqlite_world):
    given_two_academic_years(sqlite_world)
    sqlite_world.service.refresh()
    for day, cohort in (("2019-12-20", None), (DAY, None), ("2019-08-31", DAY)):
        query = Query(HUB, date.fromisoformat(day), None, None, date.fromisoformat(cohort) if cohort else None)
        report = hub_report(sqlite_world.db, query)
        assert Report.decode(query, report.encode()) == report


def kept_setting(db, setting_in_sql: str) -> str:
    """The value of a setting inside a keeping transaction: it keeps that value in a table of its own."""
    with db.transaction(commit=True) as c:
        c.execute("CREATE TABLE IF NOT EXISTS kept_setting (value TEXT)")
        c.execute("DELETE FROM kept_setting")
    db.keep(f"INSERT INTO kept_setting (value) SELECT {setting_in_sql}")
    return str(db.scalar("SELECT value FROM kept_setting"))


def test_keeping_a_report_does_not_wait_for_the_disk(postgres_url, monkeypatch):
    """A kept report is recomputed if a crash loses it: its commit does not wait for the WAL's flush (on
    that transaction only), as an event's always does."""
    with psycopg.connect(postgres_url, autocommit=True) as server:  # as a production server is configured
        server.execute(sql.SQL("ALTER DATABASE {} SET synchronous_commit = on").format(sql.Identifier(server.info.dbname)))
    world = World(postgres_url)
    given_two_academic_years(world)
    db = world.service.app.db
    with db.transaction(commit=False) as c:
        assert c.scalar("SHOW synchronous_commit") == "on"
    assert kept_setting(db, "current_setting('synchronous_commit')") == "off"
    with db.transaction(commit=False) as c:
        assert c.scalar("SHOW synchronous_commit") == "on"  # set for that transaction only
    calls = []
    original = db.backend.keep
    monkeypatch.setattr(db.backend, "keep", lambda datastore, writes: calls.append(writes) or original(datastore, writes))
    world.report(DAY)

    assert len(calls) == 1 and len(calls[0]) == 1 and calls[0][0][1][1] > 0  # the one report kept, at its log position
    assert kept_rows(world) == 1
    world.close()


def test_on_postgres_a_failed_keep_writes_nothing_and_leaves_the_connection_usable(postgres_url, caplog):
    """The keeping transaction goes in one round trip: when a statement fails, the ones after it and the COMMIT
    are skipped, the failure is logged (a kept answer is best effort), and the connection goes back to the pool
    out of the failed transaction."""
    world = World(postgres_url)
    db = world.service.app.db
    kept_setting(db, "'first'")
    with caplog.at_level(logging.INFO):
        db.keep_all(
            [
                ("INSERT INTO kept_setting (value) SELECT 'second'", ()),
                ("INSERT INTO kept_setting (value) SELECT no_such_column", ()),
            ]
        )
    logged = [r.getMessage() for r in caplog.records if r.name == "engine.sql"]
    assert len(logged) == 1 and logged[0].startswith("2 kept answer(s) not written") and "no_such_column" in logged[0]
    assert not [r for r in caplog.records if r.name.startswith("psycopg")]  # no "rolling back returned connection"
    assert db.scalar("SELECT string_agg(value, ',') FROM kept_setting") == "first"  # 'second' went with the failure
    for _ in range(3):  # whichever pooled connection comes next
        assert kept_setting(db, "'again'") == "again"
    world.close()


def test_what_a_read_snapshot_keeps_is_written_once_it_ends_in_one_transaction(database_url, monkeypatch):
    """A page that computes several answers keeps them together after its reads: nothing is written while the
    snapshot is open, then one keeping transaction writes them all."""
    world = World(database_url)
    given_two_academic_years(world)
    world.service.refresh()
    db = world.service.app.db
    calls: list[list] = []
    original = db.backend.keep
    monkeypatch.setattr(db.backend, "keep", lambda datastore, writes: calls.append(writes) or original(datastore, writes))
    with world.service.reading() as reading:
        for day in ("2019-12-20", DAY, "2018-12-20"):
            hub_report(reading.db, Query(HUB, date.fromisoformat(day)))
        assert calls == [] and kept_rows(world) == 0

    assert [len(writes) for writes in calls] == [3] and kept_rows(world) == 3
    world.close()


def test_answers_a_snapshot_could_not_keep_are_logged_and_its_reads_stand(database_url, caplog):
    world = World(database_url)
    given_two_academic_years(world)
    world.service.refresh()
    with caplog.at_level(logging.INFO, logger="engine.sql"), world.service.reading() as reading:
        report = hub_report(reading.db, Query(HUB, date.fromisoformat(DAY)))
        reading.db.keep("INSERT INTO no_such_table (value) VALUES (?)", ("lost",))

    assert report.figures["institutions"] == 2
    assert "2 kept answer(s) not written" in caplog.text and kept_rows(world) == 0  # the report went with the failure
    world.close()


def test_sqlite_waits_for_the_write_lock_again_once_the_answer_is_kept(sqlite_url):
    world = World(sqlite_url)
    db = world.service.app.db
    assert kept_setting(db, "* FROM pragma_busy_timeout()") == "0"
    with db.transaction(commit=False) as c:
        assert c.scalar("PRAGMA busy_timeout") == 30_000  # the store's lock timeout, on every connection
    world.close()


def test_on_sqlite_a_report_is_kept_without_queueing_behind_this_processs_own_writer(sqlite_url, monkeypatch):
    """The library's pool lets one writer connection out per process (an import through the web holds it for
    the whole file): keeping an answer does not ask for that one."""
    world = World(sqlite_url)
    given_two_academic_years(world)
    pool = world.service.app.db.datastore.pool
    asked, get_connection = [], pool.get_connection
    monkeypatch.setattr(pool, "get_connection", lambda **kwargs: asked.append(kwargs) or get_connection(**kwargs))
    world.report(DAY)

    assert kept_rows(world) == 1 and {"is_writer": None} in asked and {"is_writer": True} not in asked
    world.close()
