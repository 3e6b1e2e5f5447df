"""Reads on a streaming replica of the PostgreSQL store (CAREERHUB_READ_DATABASE_URL). A read handle
(service.hub.Reading) is pinned to a log position, the one the primary's read model had when the handle
took its snapshot; it takes that snapshot on the replica when the replica's read model, read inside that
very snapshot, has applied the log that far, and on the primary otherwise. So an answer is read from one
snapshot of one server, never from two, and never from a state older than the one it is pinned to.
Writes and the projection worker use the primary only: nothing is created or written on the replica."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import ExitStack

from eventsourcing.persistence import PersistenceError

from config.settings import Settings
from engine.application import CareerHub
from engine.backends import backend_for, replica_backend_for
from engine.errors import CareerHubError
from engine.sql import Database, Snapshot
from engine.store import shares_log_with
from projections.queries import LOG_HEAD
from projections.readmodel import tracked_position

REPLICA_WAIT_SECONDS = 2.0  # a read waits at most this long for the replica to reach its pinned position
BEHIND_WAIT_SECONDS = 0.2  # the wait while the replica is known to be behind: a lagging replica costs each read little
REOPEN_SECONDS = 10.0  # a replica that could not be opened is tried again after this long; reads use the primary meanwhile
POLL_SECONDS = 0.02
log = logging.getLogger(__name__)


class ReadReplica:
    """The replica, opened read-only (the library's CREATE_TABLE=no) at its first read, with the settings of
    the store it replicates (its cipher key: the same store, byte for byte)."""

    def __init__(self, settings: Settings):
        """Opens nothing yet; a URL naming the wrong kind of database fails here, before the store is opened."""
        if not settings.read_database_url:
            raise CareerHubError("no CAREERHUB_READ_DATABASE_URL: there is no read replica")
        replica_backend_for(settings.read_database_url, backend_for(settings.database_url))
        self.settings = settings
        self.app: CareerHub | None = None
        self.reopen_at = 0.0  # time.monotonic() before which a replica that failed to open is not tried again
        self.verified = False  # its log has been seen to be the primary's log (checked until it holds an event)
        self.foreign = False  # its log is another store's: never read
        self.behind = False  # the last handle read the primary instead (said once, until the replica serves again)
        self.lock = threading.Lock()  # the state above, as the threads of a web process change it
        self.opening = threading.Lock()

    def snapshot(self, stack: ExitStack, pinned: int, primary: Database) -> Snapshot | None:
        """A read-only snapshot of the replica in which the read model has applied the log up to `pinned` at
        least, held open on `stack`; None (the caller reads the `primary`) when the replica has not got there
        within the wait, or cannot be read."""
        app = self.open()
        if app is None:
            return None
        deadline = time.monotonic() + (BEHIND_WAIT_SECONDS if self.behind else REPLICA_WAIT_SECONDS)
        try:
            while True:
                with ExitStack() as attempt:
                    snapshot = attempt.enter_context(app.db.snapshot(asked_first=(LOG_HEAD,)))
                    position = tracked_position(snapshot, app.name)  # the first read: the snapshot's own position
                    if position >= pinned and self.same_store(snapshot, primary):
                        stack.enter_context(attempt.pop_all())
                        self.serving()
                        snapshot.writer = primary  # kept answers go to the primary, and come back replicated
                        return snapshot
                if self.foreign:
                    return None
                if time.monotonic() >= deadline:
                    self.fall_back(f"is behind: its read model is at log position {position}, a read needs {pinned}")
                    return None
                time.sleep(POLL_SECONDS)
        except PersistenceError as error:
            self.fall_back(f"cannot be read ({error})")
            return None

    def open(self) -> CareerHub | None:
        """The replica's store, opened once by whichever request's thread comes first."""
        with self.opening:
            if self.app is None and not self.foreign and time.monotonic() >= self.reopen_at:
                try:
                    self.app = CareerHub(
                        str(self.settings.read_database_url),
                        self.settings.cipher_key,
                        create=False,
                        learner_secret=self.settings.learner_secret,
                    )
                except CareerHubError as error:
                    self.reopen_at = time.monotonic() + REOPEN_SECONDS
                    self.fall_back(f"cannot be opened ({error})")
        return self.app

    def same_store(self, snapshot: Snapshot, primary: Database) -> bool:
        """Is the replica's log the primary's, as far as it goes? Checked until the replica holds an event
        (an empty log tells nothing yet, and shows nothing either)."""
        if self.verified:
            return True
        shared = shares_log_with(snapshot, primary)
        if shared is False:
            with self.lock:
                if not self.foreign:
                    log.error(
                        "CAREERHUB_READ_DATABASE_URL names another store, not a replica of this one (the"
                        " hash chains of their logs differ): every read goes to the primary"
                    )
                self.foreign = True
            return False
        self.verified = bool(shared)
        return True

    def fall_back(self, why: str) -> None:
        with self.lock:
            if not self.behind:
                log.warning("the read replica %s: reads go to the primary until it can serve them", why)
            self.behind = True

    def serving(self) -> None:
        with self.lock:
            if self.behind:
                log.info("the read replica serves reads again")
            self.behind = False

    def close(self) -> None:
        if self.app is not None:
            self.app.close()
