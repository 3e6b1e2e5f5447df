"""The projection worker: one process that follows the event log and keeps the read model caught up,
so that web requests never apply events themselves. It applies through Projector.catch_up, whose
batches each commit with their tracking row: killed at any moment, the worker (or anyone) resumes
after the last committed batch, with no event applied twice or lost."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.follow import LogWaiter
from projections.runner import BATCH, Applied, Projector

STOP_CHECK_SECONDS = 0.5  # a wait is cut into slices this long, so a stop request is honoured soon
KEEP_EVERY_SECONDS = 10.0  # reports are kept at most this often: during an import, applying comes first


class StopRequested(Exception):
    """Raised between batches once a stop has been asked for (SIGTERM, SIGINT)."""


@dataclass
class Stop:
    requested: bool = False

    def request(self, *_: object) -> None:  # a signal handler's signature
        self.requested = True

    def check(self) -> None:
        if self.requested:
            raise StopRequested


@dataclass
class ProjectionWorker:
    projector: Projector
    waiter: LogWaiter
    say: Callable[[str], None]
    poll_seconds: float
    batch_size: int = BATCH
    stop: Stop = field(default_factory=Stop)
    keep_reports: Callable[[], int] | None = None  # computes and keeps reports for every process; how many
    kept_at: float = -KEEP_EVERY_SECONDS

    def run(self, once: bool = False) -> int:
        """Catch up, then wait for the log to grow and catch up again, until stopped; returns the
        position reached. `once`: catch up and return."""
        try:
            position = self.catch_up()
            while not once and not self.stop.requested:
                self.wait_for_log()
                position = self.catch_up()
        except StopRequested:
            position = self.projector.position()
        self.say(f"stopped at log position {position}")
        return position

    def catch_up(self) -> int:
        position = self.projector.catch_up(batch_size=self.batch_size, on_batch=self.batch_done)
        if self.keep_reports and time.monotonic() - self.kept_at >= KEEP_EVERY_SECONDS:
            if computed := self.keep_reports():
                self.say(f"kept {computed} term-end reports as known at log position {position}")
            self.kept_at = time.monotonic()
        return position

    def batch_done(self, batch: list[Applied]) -> None:
        self.say(f"applied log positions {batch[0].nid}-{batch[-1].nid} ({len(batch)} events)")
        self.stop.check()

    def wait_for_log(self) -> None:
        """Until a notification, the poll interval, or a stop request, whichever comes first."""
        deadline = time.monotonic() + self.poll_seconds
        while not self.stop.requested and (left := deadline - time.monotonic()) > 0:
            if self.waiter.wait(min(left, STOP_CHECK_SECONDS)):
                return
