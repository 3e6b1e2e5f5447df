"""Keeping the read model up to date: a catch-up loop over the notification log (SQLite has no
subscriptions), batched so a rebuild runs at the speed of reading and decoding."""
from __future__ import annotations

import sys

from eventsourcing.persistence import IntegrityError
from tqdm import tqdm

from engine.application import CareerHub
from projections.readmodel import Applied, PostgresReadModel, ReadModel, SQLiteReadModel

BATCH = 10_000  # fewer, larger transactions: catching up is dominated by commits otherwise


def open_read_model(app: CareerHub) -> ReadModel:
    model_class = SQLiteReadModel if app.db.dialect == "sqlite" else PostgresReadModel
    model = model_class(app.recorder.datastore)
    model.sealer = app.db.sealer
    model.create_table()
    return model


class Projector:
    """Feeds the read model from the application's notification log."""

    def __init__(self, app: CareerHub):
        self.app = app
        self.model = open_read_model(app)
        if self.model.outdated():
            self.rebuild()

    def position(self) -> int:
        return self.model.max_tracking_id(self.app.name) or 0

    def catch_up(self, progress: bool = False, batch_size: int = BATCH) -> int:
        """Apply every event recorded since the last one applied; returns the new position."""
        last = self.position()
        total = max((self.app.recorder.max_notification_id() or 0) - last, 0)
        with tqdm(total=total, unit="event", desc="projections", file=sys.stderr,
                  disable=not progress or total == 0) as bar:
            while batch := self.read_batch(last, batch_size):
                try:
                    self.model.apply_batch(self.app.name, batch)
                except IntegrityError:
                    last = self.position()  # another process applied this batch first
                    continue
                last = batch[-1].nid
                bar.update(len(batch))
        return last

    def read_batch(self, after: int, size: int = BATCH) -> list[Applied]:
        notifications = self.app.recorder.select_notifications(start=after, limit=size, inclusive_of_start=False)
        if not notifications:
            return []
        recorded = {row["notification_id"]: row["recorded_at"] for row in self.app.db.query(
            "SELECT notification_id, recorded_at FROM event_log WHERE notification_id > ? AND notification_id <= ?",
            (after, notifications[-1].id))}
        return [Applied(n.id, recorded[n.id], self.app.mapper.to_domain_event(n), self.plaintext(n.state))
                for n in notifications]

    def plaintext(self, state: bytes) -> bytes:
        mapper = self.app.mapper
        state = mapper.cipher.decrypt(state) if mapper.cipher else state
        return mapper.compressor.decompress(state) if mapper.compressor else state

    def rebuild(self, progress: bool = False) -> int:
        """Replay the whole log into fresh read-model tables. Interrupted, it leaves consistent
        tables and position; the next command resumes it (and creates any missing index)."""
        self.model.reset(self.app.name)
        position = self.catch_up(progress=progress, batch_size=BATCH)
        self.model.create_indexes()
        return position
