"""'A column holds one of these values' (Backend.one_of) and a table of values (Backend.text_rows): the same
rows on both backends for any number of values, none included; on PostgreSQL one statement text however
many values, so that psycopg prepares it and the server plans it once per connection."""

from __future__ import annotations

import psycopg
import pytest

from tests.projections.factories import World

URNS = [f"{100000 + n}" for n in range(300)]


@pytest.fixture
def db(world: World):
    database = world.service.app.db
    with database.transaction(commit=True) as c:
        c.execute("CREATE TABLE listed (urn TEXT PRIMARY KEY, n INTEGER NOT NULL)")
        c.executemany("INSERT INTO listed (urn, n) VALUES (?, ?)", [(urn, i) for i, urn in enumerate(URNS)])
    return database


@pytest.mark.parametrize("count", [0, 1, 2, 51, 300])
def test_one_of_selects_exactly_the_rows_whose_column_holds_one_of_the_values(db, count):
    wanted = URNS[::-1][:count] + ["not there"]
    among, params = db.backend.one_of("urn", wanted if count else [])
    rows = db.query(f"SELECT urn FROM listed WHERE {among} ORDER BY urn", params)
    assert [r["urn"] for r in rows] == sorted(URNS[::-1][:count])


def test_one_of_whole_numbers_compares_them_as_numbers(db):
    among, params = db.backend.one_of("n", [2, 10, 299, 300])
    assert [r["urn"] for r in db.query(f"SELECT urn FROM listed WHERE {among} ORDER BY n", params)] == [
        URNS[2],
        URNS[10],
        URNS[299],
    ]


@pytest.mark.parametrize("count", [1, 3, 300])
def test_text_rows_is_a_table_of_the_values_in_its_column1(db, count):
    rows_of, params = db.backend.text_rows(URNS[:count])
    rows = db.query(f"SELECT l.n FROM {rows_of} AS v JOIN listed l ON l.urn = v.column1 ORDER BY l.n", params)
    assert [r["n"] for r in rows] == list(range(count))


def test_on_postgresql_the_statement_is_the_same_whatever_the_number_of_values(postgres_url):
    """So it is prepared once it has run five times (psycopg's threshold: the sixth run is prepared), with
    lists of any length. The list of placeholders it replaced made a statement of its own for each length,
    and one of more than 50 parameters was never prepared."""
    world = World(postgres_url)
    backend = world.service.app.db.backend
    texts = {backend.one_of("urn", URNS[:count])[0] for count in (0, 1, 60, 300)}
    assert len(texts) == 1
    statement = f"SELECT count(*) FROM rm_institutions WHERE {backend.placeholders(texts.pop())}"
    with psycopg.connect(postgres_url, prepare_threshold=5) as connection:
        for count in (1, 60, 300, 7, 120, 2):  # psycopg prepares at the sixth run
            connection.execute(statement, backend.one_of("urn", URNS[:count])[1])
        prepared = connection.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    world.close()
    assert [row[0] for row in prepared] == [statement.replace("%s", "$1")]
