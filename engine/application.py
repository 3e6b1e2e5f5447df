"""The careerhub application: the event store and the commands every entry point shares."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent, Recording
from eventsourcing.domain import Aggregate, AggregateEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, PersistenceError, StoredEvent

from engine.backends import backend_for
from engine.backends.postgres import ChainedPostgresRecorder
from engine.backends.sqlite import ChainedSQLiteRecorder
from engine.errors import CareerHubError, ConcurrencyError, UnknownRecordError
from engine.records import RECORD_CLASSES, Record
from engine.sealing import Sealer
from engine.sql import Database
from engine.store import DateAsISO
from engine.users import User

# Every store may hold users' events: their topics must resolve wherever a store is read, not only
# where the users' service happens to be imported.
STORED_AGGREGATES = (User,)

SAVE_ATTEMPTS = 5
ID_CHUNK = 500


class CareerHub(Application):
    name = "careerhub"
    recorder: ChainedSQLiteRecorder | ChainedPostgresRecorder  # as the backend's env chooses; the library types any recorder

    def __init__(self, database_url: str, cipher_key: str | None = None, create: bool = True, learner_secret: str | None = None):
        """Open the store (creating it on first use, unless `create` is false); a malformed key, a damaged
        file or a missing store is a CareerHubError. `learner_secret` keys learners' pseudonyms at import."""
        self.database_url = database_url
        sealer = Sealer(cipher_key) if cipher_key else None  # checks the key before the library reads it
        self.learner_secret = learner_secret
        try:
            backend = backend_for(database_url)
            super().__init__(env=backend.env(cipher_key, create))
            self.db = Database(self.recorder.datastore, backend, sealer)
            if not create:
                self.check_exists()
            self.check_readable()
        except (sqlite3.DatabaseError, PersistenceError) as error:
            raise CareerHubError(f"cannot open the event store: {error}") from None

    def check_exists(self) -> None:
        """Refuse a database without careerhub's event tables, rather than create them."""
        tables = {row["name"] for row in self.db.query(self.db.backend.list_tables)}
        if not {self.recorder.events_table_name, "event_log"} <= tables:
            raise CareerHubError("no event store in this database: it has no event tables")

    def check_readable(self) -> None:
        """Fail clearly, not with a traceback, when the key does not open the store."""
        first = self.recorder.select_notifications(start=None, limit=1)
        if not first:
            return
        try:
            self.mapper.to_domain_event(first[0])
        except Exception:
            raise CareerHubError(
                "cannot read the event store: it is encrypted with another key, or encrypted and no "
                "CAREERHUB_CIPHER_KEY was given, or the key is missing for a plain store"
            ) from None

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def load_many(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        """Current state of many aggregates in a few queries (the import path's hot spot)."""
        ids = sorted(set(ids))
        table = self.recorder.events_table_name
        loaded: dict[UUID, Any] = {}
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ids[start : start + ID_CHUNK]
            params = [self.db.backend.stored_id(i) for i in chunk]
            rows = self.db.query(
                f"SELECT originator_id, originator_version, topic, state FROM {table}"
                f" WHERE originator_id IN ({','.join('?' * len(chunk))})"
                " ORDER BY originator_id, originator_version",
                params,
            )
            for row in rows:
                originator_id = UUID(str(row["originator_id"]))
                stored = StoredEvent(
                    originator_id=originator_id,
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                domain_event = cast(AggregateEvent, self.mapper.to_domain_event(stored))  # all of careerhub's are
                loaded[originator_id] = domain_event.mutate(loaded.get(originator_id))
        return loaded

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording]:
        """As the library's save, without its runtime protocol checks on every object, which cost
        about as much as encoding the event (1.5 s of a 100,000-row import): careerhub saves aggregates."""
        if not all(isinstance(obj, Aggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, called as save() does
        return recordings

    def save_with_retry(self, plan: Any, save_options: Any = dict) -> list[Any]:
        """Run `plan()` (which loads and changes aggregates) and save; re-plan on a write conflict.
        `save_options()` gives what the plan asks of the recorder (see store.py), after each plan."""
        for _ in range(SAVE_ATTEMPTS):
            aggregates = plan()
            if not aggregates:
                return []
            try:
                return self.save(*aggregates, **save_options())
            except IntegrityError:
                continue  # another writer got there first: reload and decide again
        raise ConcurrencyError(f"gave up after {SAVE_ATTEMPTS} write conflicts with other writers; nothing was recorded")

    def retract(self, kind: str, key: Sequence[str], actor: str, reason: str) -> int:
        """Withdraw a record entered by mistake; returns the notification id of the retraction."""
        record_class = RECORD_CLASSES.get(kind)
        if record_class is None:
            raise UnknownRecordError(f"unknown kind {kind!r}; one of {', '.join(RECORD_CLASSES)}")
        record_id = record_class.id_for(tuple(key))

        def plan() -> list[Record]:
            record = self.load_many([record_id]).get(record_id)
            if record is None:
                raise UnknownRecordError(f"no {kind} record with key {' '.join(key)}")
            record.retract(actor=actor, reason=reason)
            return [record]

        recordings = self.save_with_retry(plan)
        return recordings[-1].notification.id

    def compact(self) -> None:
        """Physically drop overwritten and deleted content (after a redaction), as the backend can."""
        self.db.backend.compact()

    def last_position(self) -> int:
        return self.recorder.max_notification_id() or 0
