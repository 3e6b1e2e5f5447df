"""One read handle per request or command (service.hub.Reading): given a store, every read through the
handle sees one state of the read model — what another process commits meanwhile is not mixed in — until
the handle's own writer records something, which the next read sees. On both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from projections.queries import as_known, known_rows, position_at
from service.hub import HubService
from tests.robustness.support import HUB_HEADER, INSTITUTION_HEADER, institution, write_csv


def hub_file(folder: Path, hub_id: str) -> Path:
    return write_csv(folder, f"hub-{hub_id}.csv", HUB_HEADER, [[hub_id, f"{hub_id} hub", "Dorset", "2019-09-01"]])


def hub_ids(service: HubService) -> list[str]:
    db = service.db
    return sorted(h["hub_id"] for h in known_rows(as_known(db, None), "hubs"))


@pytest.fixture
def two_processes(database_url):
    """Two services over one store, as two processes would be (each with its own connections)."""
    reader = HubService(Settings(database_url=database_url, actor="reader"))
    writer = HubService(Settings(database_url=database_url, actor="writer"))
    yield reader, writer
    reader.close()
    writer.close()


def test_a_reading_sees_one_state_while_another_process_records(two_processes, tmp_path):
    reader, writer = two_processes
    writer.import_file("hubs", hub_file(tmp_path, "dorset"), "writer", "first hub")
    with reader.reading():
        assert hub_ids(reader) == ["dorset"]
        position = position_at(reader.db, None)
        writer.import_file("hubs", hub_file(tmp_path, "wiltshire"), "writer", "recorded while the page reads")
        assert writer.projector.position() > position  # applied to the read model, committed
        assert hub_ids(reader) == ["dorset"]
        assert position_at(reader.db, None) == position
    assert hub_ids(reader) == ["dorset", "wiltshire"]  # the next request reads the new state


def test_a_reading_sees_its_own_writes(database_url, tmp_path):
    service = HubService(Settings(database_url=database_url, actor="writer"))
    with service.reading():
        assert hub_ids(service) == []
        service.import_file("hubs", hub_file(tmp_path, "dorset"), "writer", "then read back")
        service.import_file(
            "institutions",
            write_csv(tmp_path, "institutions.csv", INSTITUTION_HEADER, [institution("600001", "Dorset", 50.7)]),
            "writer",
            "a school",
        )
        assert hub_ids(service) == ["dorset"]
        assert [r["urn"] for r in known_rows(as_known(service.db, None), "institutions")] == ["600001"]
    service.close()


def test_a_reading_cannot_write(database_url):
    service = HubService(Settings(database_url=database_url, actor="writer"))
    with service.reading(), pytest.raises(RuntimeError, match="cannot write"), service.db.transaction(commit=True):
        pass
    service.close()


def test_rows_come_back_as_fresh_dicts_and_the_cursor_still_gives_rows_afterwards(database_url, tmp_path):
    """Database.query builds dicts its own way per backend (engine/backends: fetched_dicts); the same
    transaction's next statement still reads rows as the library's cursor gives them."""
    service = HubService(Settings(database_url=database_url, actor="writer"))
    service.import_file("hubs", hub_file(tmp_path, "dorset"), "writer", "a hub to read")
    with service.db.transaction(commit=False) as c:
        rows = c.execute("SELECT hub_id, name FROM rm_hubs WHERE nid_to IS NULL").fetchall()
        assert rows == [{"hub_id": "dorset", "name": "dorset hub"}]
        rows[0]["name"] = "changed by its reader"  # each row is the caller's own
        assert c.execute("SELECT hub_id, name FROM rm_hubs WHERE nid_to IS NULL").fetchone() == {
            "hub_id": "dorset",
            "name": "dorset hub",
        }
        assert c.scalar("SELECT COUNT(*) FROM rm_hubs") == 1
    service.close()
