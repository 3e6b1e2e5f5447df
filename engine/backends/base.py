"""What the rest of careerhub asks of the database an event store lives in. Each backend answers
in its own module (sqlite.py, postgres.py); nothing outside engine/backends compares their names."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar
from uuid import UUID

if TYPE_CHECKING:
    from engine.sql import Cursor


class Backend(ABC):
    """One database, as a CAREERHUB_DATABASE_URL names it (parsed once, by `backend_for`)."""

    name: ClassVar[str]  # for messages only
    offset: ClassVar[str]  # skips the first ? rows, with no limit
    schemes: ClassVar[tuple[str, ...]]  # the URL schemes that name this backend
    position_column: ClassVar[str]  # the events table's column holding an event's log position
    column_types: ClassVar[Mapping[str, str]]  # SQL type of each read-model column type; "big" holds a log position
    list_tables: ClassVar[str]  # SQL: the current schema's tables, one `name` per row
    list_tables_and_indexes: ClassVar[str]  # SQL: the current schema's tables and indexes, one `name` per row
    notifies: ClassVar[bool]  # a follower of the log can be woken by LISTEN/NOTIFY
    poll_seconds: ClassVar[float]  # how often the projection worker looks at the log unless told otherwise
    read_replicas: ClassVar[bool]  # reads may go to a streaming replica of the store (CAREERHUB_READ_DATABASE_URL)

    def __init__(self, url: str):
        self.url = url

    def env(self, cipher_key: str | None = None, create: bool = True) -> dict[str, str]:
        """The eventsourcing library's settings for this store (DATA.md §1); a store that does not
        exist yet is created, unless `create` is false."""
        env = self.persistence_env(create)
        env["CREATE_TABLE"] = "yes" if create else "no"
        if cipher_key:
            env.update({"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": cipher_key})
        return env

    @abstractmethod
    def persistence_env(self, create: bool) -> dict[str, str]:
        """The library's persistence module, its connection settings and careerhub's recorder."""

    @abstractmethod
    def placeholders(self, sql: str) -> str:
        """SQL written with `?` placeholders, in the driver's style."""

    @abstractmethod
    def fetched_dicts(self, raw: Any) -> list[dict[str, Any]]:
        """The rest of an executed query's rows, each a new dict of column -> value."""

    @abstractmethod
    def changed_rows(self, raw: Any) -> int:
        """How many rows the last statement run on this cursor inserted, changed or deleted."""

    @abstractmethod
    def first_value(self, row: Any) -> Any:
        """The first column of a row as the driver returns it."""

    @abstractmethod
    def stored_id(self, aggregate_id: UUID) -> Any:
        """An aggregate id as the events table's originator_id column holds it (a query parameter)."""

    @abstractmethod
    def lock_against_writers(self, c: Cursor, table: str) -> None:
        """Queue this transaction's writes to `table` behind any other's, from now until it ends."""

    @abstractmethod
    def one_of(self, column: str, values: Sequence[Any]) -> tuple[str, tuple[Any, ...]]:
        """SQL for 'the column holds one of the values' (false for none), with its parameters."""

    @abstractmethod
    def text_rows(self, values: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """SQL for a table of one text column, `column1`, holding the (some) values, with its parameters."""

    @abstractmethod
    @contextmanager
    def read_transaction(self, datastore: Any, questions: Sequence[str]) -> Iterator[tuple[Any, list[Any]]]:
        """A read-only transaction (the driver's cursor) whose every statement sees one snapshot, and the first
        value of each of `questions` (statements without parameters) asked in it before anything else."""

    @abstractmethod
    def keep(self, datastore: Any, writes: Sequence[tuple[str, Sequence[Any]]]) -> None:
        """Run write statements (each with its parameters) in one transaction of their own, for what may be lost
        or skipped at no cost but recomputation (kept answers), never for events: it waits neither for another
        writer (it fails at once instead) nor, at commit, for the disk. A PersistenceError if any failed; nothing
        is then written."""

    @abstractmethod
    def byte_order(self, column: str) -> str:
        """An ORDER BY term that sorts a text column by its bytes, as Python does."""

    @abstractmethod
    def streamed(self, c: Cursor, sql: str, size: int) -> Iterator[dict[str, Any]]:
        """A query's rows read `size` at a time: a national log does not fit in memory twice over."""

    @abstractmethod
    def gather_statistics(self, c: Cursor, tables: list[str]) -> None:
        """After a bulk load of `tables` (a rebuild), whatever the query planner needs to know of their contents."""

    @abstractmethod
    def compact(self) -> None:
        """Physically drop overwritten and deleted content (after a redaction), where the database can now."""
