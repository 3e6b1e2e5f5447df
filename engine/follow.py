"""Waiting for the event log to grow. PostgreSQL: a trigger on event_log sends a NOTIFY from every
transaction that records events, delivered when (and only if) it commits, so a follower wakes at
once; SQLite has no notifications, so a follower looks again after a short interval. Either way a
wait ends after at most `timeout` seconds: a lost notification only delays, it never stops a follower."""

from __future__ import annotations

import time
from typing import Protocol

import psycopg

from engine.errors import CareerHubError
from engine.sql import Database

CHANNEL = "careerhub_log"
NOTIFY_FUNCTION = (
    f"CREATE OR REPLACE FUNCTION careerhub_log_notify() RETURNS trigger LANGUAGE plpgsql AS"
    f" $$ BEGIN PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
)
# One notification per statement, not per row: an import of 100,000 rows is one INSERT (or COPY)
# into event_log, and a follower reads everything new whenever it wakes anyway.
NOTIFY_TRIGGER = (
    "CREATE OR REPLACE TRIGGER event_log_notify AFTER INSERT ON event_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION careerhub_log_notify()"
)
TRIGGER_EXISTS = "SELECT count(*) FROM pg_trigger WHERE tgname = 'event_log_notify' AND NOT tgisinternal"


class LogWaiter(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block until the log may have grown (True) or `timeout` seconds pass (False)."""
        ...

    def close(self) -> None: ...


def install_notify_trigger(db: Database) -> None:
    """Make every transaction that records events notify CHANNEL (idempotent). Installed by the
    follower rather than at store creation, so stores created before it are followed too."""
    if db.scalar(TRIGGER_EXISTS):
        return
    with db.transaction(commit=True) as c:
        c.execute(NOTIFY_FUNCTION)
        c.execute(NOTIFY_TRIGGER)


class NotificationWaiter:
    """LISTENs on its own connection (autocommit: LISTEN takes effect at once, outside any
    transaction). Listen before the first catch-up, so that nothing recorded after it goes unheard."""

    def __init__(self, database_url: str):
        try:
            self.connection = psycopg.connect(database_url, autocommit=True)
        except psycopg.Error as error:
            raise CareerHubError(f"cannot listen for new events: {error}") from None
        self.connection.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        heard = bool(list(self.connection.notifies(timeout=timeout, stop_after=1)))
        if heard:  # several transactions may have committed meanwhile: one catch-up reads them all
            list(self.connection.notifies(timeout=0))
        return heard

    def close(self) -> None:
        self.connection.close()


class PollingWaiter:
    """SQLite: nothing to listen to; the caller's timeout is the polling interval."""

    def wait(self, timeout: float) -> bool:
        time.sleep(timeout)
        return False

    def close(self) -> None:
        pass


def log_waiter(db: Database, database_url: str) -> LogWaiter:
    if not db.backend.notifies:
        return PollingWaiter()
    install_notify_trigger(db)
    return NotificationWaiter(database_url)
