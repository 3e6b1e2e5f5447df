"""The read model kept up to date import by import equals one rebuilt from the event log, on each backend."""
from __future__ import annotations

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
        c.execute("CREATE TABLE rm_advisers (aggregate_id TEXT NOT NULL, nid_from BIGINT NOT NULL, nid_to BIGINT,"
                  " record_key TEXT NOT NULL, adviser_ref TEXT, name TEXT)")
        c.execute("UPDATE rm_schema SET digest = 'older'")
    world.close()

    reopened = World(world.database_url)
    try:
        assert reopened.dump() == before
        reopened.load("advisers", adviser("EA-9", area="Dorset"))
    finally:
        reopened.close()
