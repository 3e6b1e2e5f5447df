"""The read model kept up to date import by import equals one rebuilt from the event log, on each backend."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from projections.readmodel import Applied
from projections.runner import Projector
from service.users import Users
from tests.projections.factories import World, adviser, given_two_academic_years, given_two_rounds_of_imports, institution


def test_a_rebuild_reproduces_the_incrementally_maintained_read_model(world: World):
    given_two_rounds_of_imports(world)
    world.load("institutions", institution("A", cluster="west"), reason="clusters")
    incremental = world.dump()

    position = world.service.projector.rebuild()

    assert position == world.service.app.last_position()
    assert world.dump() == incremental


def test_a_rebuild_leaves_every_report_figure_as_it_was(world: World):
    given_two_academic_years(world)
    before = [world.report(day) for day in ("2019-08-31", "2020-02-15", "2020-08-31")]

    world.service.projector.rebuild()

    assert [world.report(day) for day in ("2019-08-31", "2020-02-15", "2020-08-31")] == before


def test_a_read_model_made_under_older_table_definitions_is_rebuilt_when_opened(world: World):
    given_two_academic_years(world)
    before = world.dump()
    with world.db.transaction(commit=True) as c:  # as an older careerhub left it: advisers had no area
        c.execute("DROP TABLE rm_advisers")
        c.execute(
            "CREATE TABLE rm_advisers (aggregate_id TEXT NOT NULL, nid_from BIGINT NOT NULL, nid_to BIGINT,"
            " record_key TEXT NOT NULL, adviser_ref TEXT, name TEXT)"
        )
        c.execute("UPDATE rm_schema SET digest = 'older'")
    world.close()

    reopened = World(world.database_url)
    try:
        assert reopened.dump() == before
        reopened.load("advisers", adviser("EA-9", area="Dorset"))
    finally:
        reopened.close()


class DecodingProjector(Projector):
    """Reads every event through the library's mapper, as the read model did before it read the
    stored JSON as it is (dates left as the library's typed values)."""

    def applied(self, row: Any) -> Applied:
        item = super().applied(row)
        stored = StoredEvent(UUID(item.aggregate_id), row["originator_version"], row["topic"], bytes(row["state"]))
        return item._replace(fields=vars(self.app.mapper.to_domain_event(stored)))


def test_reading_the_stored_json_as_it_is_makes_the_read_model_the_library_decoding_makes(world: World):
    given_two_academic_years(world)  # dates, booleans, lists
    world.load("institutions", institution("A", cluster="west"), reason="clusters")
    world.retract("assessments", "B", "2018-11-01")
    world.load("advisers", adviser("EA-2", employer="Acme", postcode="BH1 1AA"), reason="a volunteer")
    world.service.redact("advisers", ["EA-2"], "dpo", "erasure request")
    Users(world.service).add_user("auditor@x", "auditor", None, "correct horse battery staple", "admin")  # a secret
    DecodingProjector(world.service.app).rebuild()
    decoded = world.dump()

    world.service.projector.rebuild()

    assert world.dump() == decoded
    assert {row["event"] for row in world.db.query("SELECT event FROM rm_log")} >= {
        "Recorded",
        "Corrected",
        "Retracted",
        "Redacted",
        "Added",
    }


def test_a_rebuild_on_postgresql_leaves_the_planner_statistics_of_every_table(postgres_url):
    world = World(postgres_url)
    given_two_academic_years(world)
    world.service.projector.rebuild()
    analysed = {
        row["tablename"]
        for row in world.service.app.db.query("SELECT DISTINCT tablename FROM pg_stats WHERE tablename LIKE 'rm%'")
    }
    assert {"rm_log", "rm_institutions", "rm_assessments", "rm_matches"} <= analysed
    world.close()
