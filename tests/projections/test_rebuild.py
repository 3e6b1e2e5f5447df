"""The read model kept up to date import by import equals one rebuilt from the event log, on each backend."""
from __future__ import annotations

from tests.projections.factories import World, given_two_academic_years, given_two_rounds_of_imports, institution


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
