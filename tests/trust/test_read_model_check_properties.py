"""Properties of `verify --read-model` (SQLite: a fresh store per example is cheap there):
any sequence of imports, corrections and retractions, caught up in any batches, matches its replay;
and any one cell edited in any read-model table is named with its table and column."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.cipher import AESCipher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import CareerHubError
from engine.importing.importer import import_file
from projections.check import TABLES, check_read_model, order_key
from tests.projections.factories import World, adviser, assessment, csv_bytes, given_two_rounds_of_imports, institution

URNS, DAYS = ("A", "B", "C"), ("2019-10-01", "2019-11-01")
rows = st.lists(
    st.tuples(st.sampled_from(URNS), st.sampled_from(DAYS), st.sampled_from([0, 50, 100])),
    min_size=1,
    max_size=4,
    unique_by=lambda r: r[:2],
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("import"), rows, st.booleans()),
        st.tuples(st.just("retract"), st.sampled_from(URNS), st.sampled_from(DAYS)),
        st.tuples(st.just("catch up")),
    ),
    min_size=1,
    max_size=8,
)


def run(world: World, step: tuple) -> None:
    """One step; an import without catch-up leaves the read model behind, so the next catch-up
    applies several changes in one batch (a record retracted and restored inside it, say)."""
    service = world.service
    if step[0] == "import":
        data = csv_bytes([assessment(urn, day, bm5=value) for urn, day, value in step[1]])
        import_file(service.app, "assessments", Path("step.csv"), "tester", data=data)
        if step[2]:
            service.refresh()
    elif step[0] == "retract":
        try:
            service.app.retract("assessments", step[1:], "tester", "by mistake")
        except CareerHubError:
            pass  # nothing current to retract
    else:
        service.refresh()


@settings(max_examples=25, deadline=None)
@given(steps)
def test_any_sequence_of_imports_and_retractions_matches_its_replay(sequence):
    with tempfile.TemporaryDirectory() as folder:
        world = World(f"sqlite:///{folder}/p.sqlite3")
        try:
            world.given_hub(*(institution(urn) for urn in URNS))
            for step in sequence:
                run(world, step)
            behind = check_read_model(world.service.app)
            assert behind.ok, behind.difference
            world.service.refresh()
            caught_up = check_read_model(world.service.app)
            assert caught_up.ok and caught_up.behind == 0, caught_up.difference
        finally:
            world.close()


def edited(value: Any) -> Any:
    """A different value of the same kind (sealed text no longer opens); a log position
    moved past every other (a primary key may not collide)."""
    if value is None:
        return 7
    if isinstance(value, str):
        return "x" + value  # (appended to sealed text, base64 may ignore it)
    return value + 1000


@pytest.fixture
def sealed_world(sqlite_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CAREERHUB_CIPHER_KEY", AESCipher.create_key(32))
    world = World(sqlite_url)
    given_two_rounds_of_imports(world)
    world.load("advisers", adviser("EA-1", employer="Quillfeather"))
    world.service.redact("advisers", ["EA-1"], "dpo", "forget me")
    yield world
    world.close()


def test_any_one_edited_cell_is_named_with_its_table_and_column(sealed_world):
    world = sealed_world
    tables = [t for t in TABLES if world.db.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]]

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.data())
    def one_edit(data):
        table = data.draw(st.sampled_from(tables))
        row = data.draw(st.sampled_from(world.db.query(f"SELECT * FROM {table}")))
        column = data.draw(st.sampled_from(sorted(row)))
        key = order_key(table)
        where = " AND ".join(f"{k} = ?" for k in key)
        update = f"UPDATE {table} SET {column} = ? WHERE {where}"
        changed = edited(row[column])
        with world.db.transaction(commit=True) as c:
            c.execute(update, (changed, *(row[k] for k in key)))
        try:
            verdict = check_read_model(world.service.app)
            assert not verdict.ok and str(verdict.difference).startswith(table)
            if column not in key:
                assert f": {column}: expected " in str(verdict.difference)
        finally:
            with world.db.transaction(commit=True) as c:
                c.execute(update, (row[column], *(changed if k == column else row[k] for k in key)))
        assert check_read_model(world.service.app).ok

    one_edit()
