"""The composition root: one event store, its read model, and the commands and queries that the
command line and the web share. Every write is followed by a catch-up of the read model, applied
here or, when a projection worker follows the log (CAREERHUB_PROJECTION_WORKER), waited for."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from pathlib import Path

import config
from config.settings import Settings
from engine.application import CareerHub
from engine.errors import UnknownRecordError
from engine.importing.importer import ImportSummary, import_file
from engine.redaction import redact, redact_records
from engine.sql import Database, Snapshot
from projections.coverage import definitions_recorded, learner_records
from projections.queries import LOG_HEAD
from projections.report import Query, Report, hub_report
from projections.runner import Projector
from service.replica import ReadReplica

DEFAULT_DEFINITIONS = Path(config.__file__).resolve().parent / "benchmark_definitions.csv"
LEARNER_KINDS = ("learners", "participations")
SYSTEM_ACTOR = "careerhub"
READ_YOUR_WRITES_SECONDS = 10.0  # a writer waits at most this long for the projection worker
WORKER_POLL_SECONDS = 0.02
log = logging.getLogger(__name__)


class Reading:
    """The read handle of one request or command: opened at its first read, after the read model is caught
    up once (see HubService.refresh), it pins every read to one state of the read model — one log position —
    in one read-only transaction. A write renews it, so the writer's next read sees its own write.

    With a read replica (CAREERHUB_READ_DATABASE_URL) that transaction is on the replica when the replica's
    read model has reached `pinned`, the primary's read-model position when the snapshot is taken (so after
    a renewal, one that holds the writer's write), and on the primary otherwise (service/replica.py)."""

    def __init__(self, service: HubService):
        self.service = service
        self.stack = ExitStack()
        self.snapshot: Snapshot | None = None
        self.pinned: int | None = None

    @property
    def db(self) -> Snapshot:
        if self.snapshot is None:
            if replica := self.service.replica:
                self.pinned = self.service.refresh()
                self.snapshot = replica.snapshot(self.stack, self.pinned, self.service.app.db)
            else:
                self.service.make_ready()
            if self.snapshot is None:
                self.snapshot = self.stack.enter_context(self.service.app.db.snapshot(asked_first=(LOG_HEAD,)))
        return self.snapshot

    def renew(self) -> None:
        self.stack.close()
        self.snapshot = None


class HubService:
    def __init__(self, settings: Settings, create: bool = True):
        self.settings = settings
        self.replica = ReadReplica(settings) if settings.read_database_url else None  # opened at its first read
        self.app = CareerHub(settings.database_url, settings.cipher_key, create, settings.learner_secret)
        self.projector = Projector(self.app)
        self.current_reading: ContextVar[Reading | None] = ContextVar("reading", default=None)

    @property
    def db(self) -> Database:
        """What reads go through: the current request's or command's read handle (see `reading`); outside
        one, the database itself, its read model made ready for each read."""
        if reading := self.current_reading.get():
            return reading.db
        self.make_ready()
        return self.app.db

    @contextmanager
    def reading(self) -> Iterator[Reading]:
        """One read handle for everything read until the block ends (a web request, a command)."""
        reading = Reading(self)
        token = self.current_reading.set(reading)
        try:
            yield reading
        finally:
            self.current_reading.reset(token)
            reading.renew()

    def renew_reading(self) -> None:
        if reading := self.current_reading.get():
            reading.renew()

    def make_ready(self) -> None:
        """Make the read model ready for a read: caught up here with everything recorded (by any process);
        but when a projection worker follows the log, read as the worker has left it: a request never pays
        for applying events."""
        if not self.settings.projection_worker:
            self.projector.catch_up()

    def refresh(self) -> int:
        """Make the read model ready for a read (see make_ready); returns the log position it will be read at."""
        self.make_ready()
        return self.projector.position()

    def catch_up_with_log(self) -> int:
        """After a write, or before a check that a write relies on: the read model holds everything
        recorded so far (so a writer reads its own writes), applied here, or by the worker; the current
        read handle is renewed to read it."""
        self.renew_reading()
        if self.settings.projection_worker:
            return self.wait_for_worker(self.app.last_position())
        return self.projector.catch_up()

    def wait_for_worker(self, position: int) -> int:
        """Wait (bounded) until the worker has applied `position`; a worker that is down or far behind
        delays the answer by the bound, then it is served from the read model as it is."""
        deadline = time.monotonic() + READ_YOUR_WRITES_SECONDS
        while (applied := self.projector.position()) < position and time.monotonic() < deadline:
            time.sleep(WORKER_POLL_SECONDS)
        if applied < position:
            log.warning("the projection worker has not applied log position %d (it is at %d): is it running?", position, applied)
        return applied

    def import_file(
        self,
        kind: str,
        path: Path,
        actor: str,
        reason: str | None = None,
        data: bytes | None = None,
        hub_id: str | None = None,
        dry_run: bool = False,
    ) -> ImportSummary:
        """Import a file (see engine.importing.importer.import_file); `dry_run` plans it and saves nothing."""
        if kind in LEARNER_KINDS and not dry_run:
            self.record_default_definitions()
        summary = import_file(self.app, kind, path, actor, reason, data, hub_id, dry_run)
        if not dry_run:
            self.catch_up_with_log()
        return summary

    def record_default_definitions(self) -> None:
        """On first use of learner records: the benchmark definitions careerhub starts with (the 2014
        wording to 2025-08-31, the updated benchmarks from 2025-09-01), recorded as events like any import."""
        self.catch_up_with_log()
        if not definitions_recorded(self.db):
            import_file(
                self.app,
                "definitions",
                DEFAULT_DEFINITIONS,
                SYSTEM_ACTOR,
                "the benchmark definitions careerhub starts with (DOMAIN.md), recorded on first use",
            )
            self.catch_up_with_log()

    def retract(self, kind: str, key: Sequence[str], actor: str, reason: str) -> int:
        position = self.app.retract(kind, key, actor, reason)
        self.catch_up_with_log()
        return position

    def redact(self, kind: str, key: Sequence[str], actor: str, reason: str) -> None:
        """Erase a person's personal data; a learner (KEY: their pseudonym) from every record that carries it."""
        if kind == "learners":
            self.catch_up_with_log()
            subjects = learner_records(self.db, key[0]) if len(key) == 1 else []
            if not subjects:
                raise UnknownRecordError(f"no learner with key {' '.join(key)} (give the learner_key alone)")
            redact_records(self.app, subjects, actor, reason)
        else:
            redact(self.app, kind, tuple(key), actor, reason)
        self.catch_up_with_log()
        self.app.compact()

    def report(self, query: Query) -> Report:
        return hub_report(self.db, query)

    def close(self) -> None:
        if self.replica:
            self.replica.close()
        self.app.close()
