"""Keeping the read model up to date: a catch-up loop over the notification log (SQLite has no
subscriptions), batched so a rebuild runs at the speed of reading and decoding."""

from __future__ import annotations

import gc
import json
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from itertools import chain, islice
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from tqdm import tqdm

from engine.application import CareerHub
from engine.errors import CareerHubError
from projections.readmodel import Applied, ReadModel, event_type, needs_decoding, read_model_class

BATCH = 10_000  # fewer, larger transactions: catching up is dominated by commits otherwise


JSON_SCANNER = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # set by __init__; typeshed omits it


def json_object(text: str) -> Any:
    """json.loads, a third faster on the library's compact JSON: its C scanner called directly, where
    json.loads also detects the encoding and matches whitespace around the document (there is none)."""
    try:
        value, end = JSON_SCANNER(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)  # json.loads says what is wrong, if anything


def page_query(app: CareerHub) -> str:
    """Events after a position, at most a number of them, with their recording times (a missing
    log row is an error, not a skipped event)."""
    position = app.db.backend.position_column
    return (
        f"SELECT e.{position} AS nid, CAST(e.originator_id AS TEXT) AS originator_id, e.originator_version, e.topic,"
        " e.state, l.recorded_at"
        f" FROM {app.recorder.events_table_name} e LEFT JOIN event_log l ON l.notification_id = e.{position}"
        f" WHERE e.{position} > ? ORDER BY e.{position} LIMIT ?"
    )


def kept(pages: Iterable[list[Applied]], into: list[list[Applied]]) -> Iterator[list[Applied]]:
    for page in pages:
        into.append(page)
        yield page


@contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector off: a rebuild allocates millions of objects that live for a
    batch and form no cycles, and the collector's repeated passes over them cost a third of its CPU."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def open_read_model(app: CareerHub) -> ReadModel:
    model = read_model_class(app.db.backend)(app.db.datastore)
    model.backend, model.sealer = app.db.backend, app.db.sealer
    model.create_table()
    return model


def dashed(originator_id: str) -> str:
    """The aggregate id as str(UUID) writes it; SQLite keeps only the 32 hex digits (cheaper than UUID())."""
    if len(originator_id) == 36:
        return originator_id
    h = originator_id
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Projector:
    """Feeds the read model from the application's notification log."""

    def __init__(self, app: CareerHub):
        self.app = app
        self.model = open_read_model(app)
        if self.model.outdated():
            self.rebuild()

    def position(self) -> int:
        return self.model.max_tracking_id(self.app.name) or 0

    def catch_up(
        self,
        progress: bool = False,
        batch_size: int = BATCH,
        on_batch: Callable[[list[Applied]], None] | None = None,
        pages_per_commit: int = 1,
    ) -> int:
        """Apply every event recorded since the last one applied; returns the new position. Each
        transaction applies `pages_per_commit` pages of `batch_size` events. `on_batch` is called
        with each page after its transaction has committed (the worker reports it, and stops there)."""
        last = self.position()
        total = max((self.app.recorder.max_notification_id() or 0) - last, 0)
        with tqdm(total=total, unit="event", desc="projections", file=sys.stderr, disable=not progress or total == 0) as bar:
            while True:
                try:
                    # Closed here, whatever happens: left to the garbage collector, its reading thread was once
                    # joined from inside another thread's start-up, and the process hung.
                    with closing(self.pages(last, batch_size)) as pages:
                        for first in pages:
                            committed: list[list[Applied]] = []  # kept only for on_batch
                            group = chain([first], islice(pages, pages_per_commit - 1))
                            last, count = self.model.apply_pages(self.app.name, kept(group, committed) if on_batch else group)
                            bar.update(count)
                            if on_batch:
                                for page in committed:
                                    on_batch(page)
                    return last
                except IntegrityError:
                    last = self.position()  # another process applied this batch first: go on from there

    def pages(self, after: int, size: int) -> Generator[list[Applied], None, None]:
        """The log page by page, the next page read (in a thread) while the caller applies this one:
        reading waits on the database and applying mostly on its writes, which both release the GIL."""
        with ThreadPoolExecutor(max_workers=1) as reader:
            page = reader.submit(self.read_batch, after, size)
            while batch := page.result():
                page = reader.submit(self.read_batch, batch[-1].nid, size)
                yield batch

    def read_batch(self, after: int, size: int = BATCH) -> list[Applied]:
        """The next page of the log, each event with its recording time, read in one query and
        decoded as plain JSON: the library's own reading builds a UUID and a domain event for every
        one, at several times the cost of applying it."""
        with self.app.db.transaction(commit=False) as c:
            rows = c.execute(page_query(self.app), (after, size)).raw.fetchall()
        return [self.applied(row) for row in rows]

    def applied(self, row: Any) -> Applied:
        if row["recorded_at"] is None:
            raise CareerHubError(f"event {row['nid']} has no row in event_log: run careerhub verify")
        aggregate_id = dashed(row["originator_id"])
        state = self.plaintext(bytes(row["state"]))
        fields = json_object(state.decode())
        if needs_decoding(event_type(row["topic"]), fields):
            stored = StoredEvent(UUID(aggregate_id), row["originator_version"], row["topic"], bytes(row["state"]))
            fields = vars(self.app.mapper.to_domain_event(stored))
        return Applied(row["nid"], row["recorded_at"], row["topic"], aggregate_id, fields, state)

    def plaintext(self, state: bytes) -> bytes:
        mapper = self.app.mapper
        state = mapper.cipher.decrypt(state) if mapper.cipher else state
        return mapper.compressor.decompress(state) if mapper.compressor else state

    def rebuild(self, progress: bool = False) -> int:
        """Replay the whole log into fresh read-model tables. Interrupted, it leaves consistent
        tables and position; the next command resumes it (and creates any missing index)."""
        with self.model.bulk_writes(), collection_paused():
            self.model.reset(self.app.name)
            position = self.catch_up(progress=progress, pages_per_commit=self.model.REBUILD_PAGES_PER_COMMIT)
            self.model.create_indexes()
        return position
