"""A request's reads (engine/sql.py Database.snapshot): given a snapshot taken, every read through it sees the
database as it was then, whatever is committed meanwhile; on PostgreSQL it is read-only, planned for data in
memory, keeps the statements psycopg prepared, and begins in one round trip."""

from __future__ import annotations

import logging

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError

from tests.projections.factories import World


@pytest.fixture
def db(world: World):
    database = world.service.app.db
    with database.transaction(commit=True) as c:
        c.execute("CREATE TABLE counted (n INTEGER NOT NULL)")
        c.execute("INSERT INTO counted (n) VALUES (1)")
    return database


def count(db) -> int:
    return int(db.scalar("SELECT COUNT(*) FROM counted"))


def test_reads_through_a_snapshot_see_the_database_as_it_was_when_it_was_taken(db):
    with db.snapshot() as snapshot:
        assert count(snapshot) == 1
        with db.transaction(commit=True) as c:  # another writer, meanwhile
            c.execute("INSERT INTO counted (n) VALUES (2)")
        assert count(snapshot) == 1
    assert count(db) == 2
    with db.snapshot() as snapshot:
        assert count(snapshot) == 2


def test_on_postgresql_a_snapshot_is_read_only_and_its_settings_end_with_it(postgres_url):
    world = World(postgres_url)
    db = world.service.app.db
    with db.snapshot() as snapshot:
        assert snapshot.scalar("SHOW transaction_isolation") == "repeatable read"
        assert snapshot.scalar("SHOW transaction_read_only") == "on"
        assert snapshot.scalar("SHOW random_page_cost") == "1.1"
    with db.transaction(commit=False) as c:
        assert c.scalar("SHOW random_page_cost") == "4"
        assert c.scalar("SHOW transaction_read_only") == "off"
    world.close()


def test_on_postgresql_a_snapshot_begins_in_one_round_trip_and_keeps_prepared_statements(postgres_url, monkeypatch):
    """BEGIN and the settings go together; it ends with COMMIT, not ROLLBACK (after which psycopg forgets the
    connection's prepared statements), so a statement run six times is prepared however many snapshots ran it."""
    world = World(postgres_url)
    db = world.service.app.db
    sent, execute = [], psycopg.Connection.execute
    monkeypatch.setattr(
        psycopg.Connection, "execute", lambda self, query, *a, **k: sent.append(query) or execute(self, query, *a, **k)
    )
    statement = "SELECT COUNT(*) FROM rm_institutions WHERE urn = ?"
    prepared: set[str] = set()
    for _ in range(40):  # psycopg prepares at a connection's sixth run, and the pool hands out its connections in turn
        with db.snapshot() as snapshot:
            snapshot.scalar(statement, ("100001",))
            prepared |= {r["statement"] for r in snapshot.query("SELECT statement FROM pg_prepared_statements")}
    begun = [q for q in sent if "BEGIN" in q]
    assert len(begun) == 40 and all(q.startswith("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;") for q in begun)
    assert db.backend.placeholders(statement).replace("%s", "$1") in prepared
    world.close()


def test_on_postgresql_a_snapshot_whose_reads_fail_leaves_its_connection_usable(postgres_url, caplog):
    world = World(postgres_url)
    db = world.service.app.db
    with caplog.at_level(logging.WARNING, logger="psycopg.pool"), pytest.raises(PersistenceError):
        with db.snapshot() as snapshot:
            snapshot.query("SELECT no_such_column FROM rm_institutions")
    assert not caplog.records  # rolled back before the pool had it again
    for _ in range(3):  # whichever pooled connection comes next
        with db.snapshot() as snapshot:
            assert snapshot.scalar("SELECT 1") == 1
    world.close()


def test_a_question_asked_first_is_answered_in_the_snapshot_and_asked_once(db, monkeypatch):
    """A request's snapshot asks the log head with its BEGIN (service.hub.Reading): on PostgreSQL in the same
    round trip; on either backend never again while the snapshot is open."""
    question = "SELECT COUNT(*) FROM counted"
    sent, execute = [], psycopg.Cursor.execute
    monkeypatch.setattr(psycopg.Cursor, "execute", lambda self, sql, *a, **k: sent.append(sql) or execute(self, sql, *a, **k))
    with db.snapshot(asked_first=(question,)) as snapshot:
        with db.transaction(commit=True) as c:  # another writer, meanwhile
            c.execute("INSERT INTO counted (n) VALUES (2)")
        assert snapshot.asked_once(question) == 1 and snapshot.asked_once(question) == 1
    if db.backend.name == "postgres":
        assert [sql[:49] for sql in sent if question in sql] == ["BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;"]
    assert db.asked_once(question) == 2  # outside a snapshot, asked each time
