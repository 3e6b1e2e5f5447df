"""The backends (engine/backends/): each answers every question the rest of the code asks, a URL is
read once into one of them, and no module outside engine/backends tells them apart by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.backends import BACKENDS, Backend, PostgresBackend, SQLiteBackend, backend_for, replica_backend_for
from engine.errors import CareerHubError
from projections.readmodel import READ_MODELS, read_model_class

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("engine", "projections", "matching", "service", "web", "cli", "config", "demohub")
QUESTIONS = sorted(Backend.__annotations__)  # the class attributes every backend must set


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.__name__)
def test_each_backend_answers_every_question(backend):
    assert not backend.__abstractmethods__  # every method of the base class is implemented
    unanswered = [name for name in QUESTIONS if not hasattr(backend, name)]
    assert unanswered == []
    assert set(backend.column_types) == set(SQLiteBackend.column_types) | set(PostgresBackend.column_types)
    assert read_model_class(backend(f"{backend.schemes[0]}:///db")).tracking_table


def test_every_backend_has_a_read_model_and_only_they_do():
    assert set(READ_MODELS) == set(BACKENDS)


def test_the_base_class_declares_what_is_asked():
    """A guard on the test above: were the annotations lost, it would check nothing."""
    assert {"name", "position_column", "column_types", "list_tables", "notifies", "poll_seconds"} <= set(QUESTIONS)


@pytest.mark.parametrize(
    "url, backend",
    [
        ("sqlite:///instance/careerhub.sqlite3", SQLiteBackend),
        ("sqlite:////tmp/a%20b.sqlite3", SQLiteBackend),
        ("postgresql://u:p@127.0.0.1:5432/db", PostgresBackend),
        ("postgres://u:p@db/careerhub", PostgresBackend),
    ],
)
def test_a_database_url_names_its_backend(url, backend):
    assert type(backend_for(url)) is backend
    assert backend_for(url).url == url


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://u:p@host/db", "scheme must be sqlite:/// or postgresql://"),
        ("instance/careerhub.sqlite3", "scheme must be sqlite:/// or postgresql://"),
        ("sqlite:///", "names no file"),
    ],
)
def test_a_url_naming_no_backend_or_no_file_is_refused_clearly(url, message):
    with pytest.raises(CareerHubError, match=re.escape(message)):
        backend_for(url)


def test_a_read_replica_is_a_database_of_the_store_s_own_kind_and_of_a_kind_that_has_replicas():
    primary = backend_for("postgresql://u:p@127.0.0.1:5433/hub")
    assert type(replica_backend_for("postgresql://u:p@127.0.0.1:5434/hub", primary)) is PostgresBackend
    with pytest.raises(CareerHubError, match="must name a postgres replica of the store, not a sqlite database"):
        replica_backend_for("sqlite:///replica.sqlite3", primary)
    with pytest.raises(CareerHubError, match="for a PostgreSQL store only: this store is sqlite"):
        replica_backend_for("postgresql://u:p@127.0.0.1:5434/hub", backend_for("sqlite:///hub.sqlite3"))
    assert PostgresBackend.read_replicas and not SQLiteBackend.read_replicas


def test_the_library_settings_of_an_sqlite_store(tmp_path):
    path = tmp_path / "new folder" / "hub.sqlite3"
    env = backend_for(f"sqlite:///{tmp_path}/new%20folder/hub.sqlite3").env("a-key", create=True)
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": "engine.backends.sqlite:ChainedSQLiteRecorder",
        "CREATE_TABLE": "yes",
        "CIPHER_TOPIC": "eventsourcing.cipher:AESCipher",
        "CIPHER_KEY": "a-key",
    }
    assert path.parent.is_dir()  # made for the new store


def test_an_sqlite_store_that_is_not_there_is_not_created_unless_asked(tmp_path):
    with pytest.raises(CareerHubError, match="no event store at"):
        backend_for(f"sqlite:///{tmp_path}/missing.sqlite3").env(create=False)


def test_the_library_settings_of_a_postgres_store():
    env = backend_for("postgresql://care%40hub:p%3Ass@db.example:6543/careerhub").env(None, create=False)
    assert env == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": "careerhub",
        "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "care@hub",
        "POSTGRES_PASSWORD": "p:ss",
        "POSTGRES_LOCK_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": "engine.backends.postgres:ChainedPostgresRecorder",
        "CREATE_TABLE": "no",
    }
    assert backend_for("postgresql:///careerhub").env()["POSTGRES_HOST"] == "127.0.0.1"


# --- nothing outside engine/backends tells the backends apart by name ------------------------------

NAMES = sorted({b.name for b in BACKENDS} | {s for b in BACKENDS for s in b.schemes})
NAME = "|".join(map(re.escape, NAMES))
CLASSES = "|".join(b.__name__ for b in BACKENDS)
TELLING_APART = re.compile(
    "|".join(
        [
            rf"""(["'])({NAME})\1""",  # a backend's name as a whole string: compared, or a key of a per-backend table
            r"\bdialect\b",  # the string the backends once were
            r"\bbackend\.name\s*(==|!=|\bin\b)",  # the name kept for messages, compared
            rf"\bisinstance\([^)]*\b({CLASSES})\b",  # a backend's class tested for
        ]
    )
)


def test_the_pattern_finds_every_way_the_backends_were_told_apart():
    for line in [
        'if self.db.dialect == "sqlite":',
        "return row[0] if c.dialect == 'sqlite' else row",
        'POLL_SECONDS = {"postgres": 30.0, "sqlite": 0.5}',
        'if scheme in ("postgresql", "postgres"):',
        'if db.backend.name != "postgres":',
        "if isinstance(app.db.backend, SQLiteBackend):",
    ]:
        assert TELLING_APART.search(line), line
    for line in [
        'DEFAULT_DATABASE_URL = "sqlite:///instance/careerhub.sqlite3"',
        "import sqlite3",
        "except (sqlite3.Error, psycopg.Error):",
        'help="Event store URL (sqlite:///path or postgresql://...)"',
        "nid = app.db.backend.position_column",
        'say(f"backend {db.backend.name}")',
    ]:
        assert not TELLING_APART.search(line), line


def test_no_module_outside_engine_backends_tells_the_backends_apart_by_name():
    backends = ROOT / "engine" / "backends"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if backends not in path.parents
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if TELLING_APART.search(line)
    ]
    assert found == []
    assert sum(1 for package in PACKAGES for _ in (ROOT / package).rglob("*.py")) > 100  # the walk saw the code
