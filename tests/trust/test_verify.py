"""Given a recorded log, when someone edits the database behind careerhub's back, then
`careerhub verify` names the first event that was altered, deleted, inserted or reordered."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import load_settings
from engine.backends import SQLiteBackend
from engine.verify import check_extends, verify_chain
from service.hub import HubService

ROWS = "".join(f"1000{i:02d},School {i},school,Area\n" for i in range(10))


@pytest.fixture
def hub(database_url: str):
    service = HubService(load_settings(database_url, "auditor"))
    service.import_file("hubs", Path("hubs.csv"), "t", data=b"hub_id,name,area\nh1,Hub,Area\n")
    service.import_file("institutions", Path("i.csv"), "t", data=("urn,name,kind,area\n" + ROWS).encode())
    yield service
    service.close()


def execute(hub: HubService, sql: str, params: tuple = ()) -> None:
    with hub.db.transaction(commit=True) as c:
        c.execute(sql, params)


def events_table(hub: HubService) -> tuple[str, str]:
    return hub.app.recorder.events_table_name, "rowid" if isinstance(hub.db.backend, SQLiteBackend) else "notification_id"


def test_an_untouched_log_verifies_and_its_digest_is_extended_by_later_events(hub):
    verdict = verify_chain(hub.app)
    assert verdict.ok and verdict.events == 11 and verdict.head_position == 11
    hub.import_file("institutions", Path("j.csv"), "t", data=b"urn,name,kind,area\n200000,New,school,Area\n")
    assert check_extends(hub.app, verdict.digest).ok


def test_an_altered_payload_is_named(hub):
    table, nid = events_table(hub)
    state = hub.db.query(f"SELECT state FROM {table} WHERE {nid} = 5")[0]["state"]
    execute(hub, f"UPDATE {table} SET state = ? WHERE {nid} = 5", (bytes(state).replace(b"School", b"Sch00l"),))
    verdict = verify_chain(hub.app)
    assert (verdict.ok, verdict.position, verdict.events) == (False, 5, 4)
    assert verdict.problem.startswith("altered")


def test_a_deleted_event_is_named(hub):
    table, nid = events_table(hub)
    execute(hub, f"DELETE FROM {table} WHERE {nid} = 7")
    verdict = verify_chain(hub.app)
    assert (verdict.position, verdict.problem.split(":")[0]) == (7, "deleted")


def test_an_event_deleted_with_its_log_entry_breaks_the_chain_at_the_next(hub):
    table, nid = events_table(hub)
    execute(hub, f"DELETE FROM {table} WHERE {nid} = 7")
    execute(hub, "DELETE FROM event_log WHERE notification_id = 7")
    verdict = verify_chain(hub.app)
    assert verdict.position == 8 and "chain breaks" in verdict.problem


def test_an_inserted_event_is_named(hub):
    table, nid = events_table(hub)
    row = hub.db.query(f"SELECT originator_id, topic, state FROM {table} WHERE {nid} = 3")[0]
    execute(
        hub,
        f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (?, 2, ?, ?)",
        (row["originator_id"], row["topic"], bytes(row["state"])),
    )
    verdict = verify_chain(hub.app)
    assert (verdict.position, verdict.problem.split(":")[0]) == (12, "inserted")


def test_reordered_events_are_named(hub):
    table, nid = events_table(hub)
    a = bytes(hub.db.query(f"SELECT state FROM {table} WHERE {nid} = 4")[0]["state"])
    b = bytes(hub.db.query(f"SELECT state FROM {table} WHERE {nid} = 6")[0]["state"])
    execute(hub, f"UPDATE {table} SET state = ? WHERE {nid} = 4", (b,))
    execute(hub, f"UPDATE {table} SET state = ? WHERE {nid} = 6", (a,))
    assert verify_chain(hub.app).position == 4


def test_a_rewritten_history_no_longer_extends_the_kept_digest(hub):
    kept = verify_chain(hub.app).digest
    execute(hub, "UPDATE event_log SET chain = ? WHERE notification_id = 11", ("f" * 64,))
    assert not check_extends(hub.app, kept).ok
