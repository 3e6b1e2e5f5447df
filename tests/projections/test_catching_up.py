"""Catching up when another process applied the same events first (projections/runner.py Projector.catch_up):
given a batch refused as already applied, the projector goes on from the position that process reached, and the
log reader that was reading ahead for the refused batch is stopped there and then. Left to the garbage collector,
its thread was once joined from inside another thread's start-up, and the import hung (tests/robustness)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import IntegrityError

from tests.projections.factories import World, given_two_academic_years


@pytest.fixture
def collector_off() -> Iterator[None]:
    """As between two passes of the cyclic collector: what only it would free stays."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ThreadPoolExecutor")]


def test_a_batch_applied_by_another_process_first_is_skipped_and_its_reader_stopped(world: World, monkeypatch, collector_off):
    given_two_academic_years(world)
    expected = world.dump()
    projector = world.service.projector
    projector.model.reset(world.service.app.name)  # the events are to apply again
    apply_pages, refused = projector.model.apply_pages, []

    def first_refused(application_name, pages):
        if not refused:
            refused.append(next(iter(pages)))  # the reader has started reading the next page ahead
            # Kept in this frame, which its traceback holds: a cycle, as the library's handlers of a database's
            # error make, so the pages (an argument of this frame) are freed by the cyclic collector only.
            error = IntegrityError("another process applied this batch first")
            raise error
        return apply_pages(application_name, pages)

    monkeypatch.setattr(projector.model, "apply_pages", first_refused)
    assert projector.catch_up(batch_size=5) == world.service.app.recorder.max_notification_id()

    assert refused and readers() == []
    assert world.dump() == expected
