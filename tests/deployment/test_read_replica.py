"""Reads on a streaming replica (CAREERHUB_READ_DATABASE_URL) over a real primary and hot standby on
127.0.0.1 (initdb, pg_basebackup -R: tests/pgserver.py, as README's national deployment sets them up).
A read handle is pinned to the primary's read-model position when it takes its snapshot: it reads the
replica when the replica has got that far, else the primary, whole; a write then a read in one handle
sees the write; a replica whose replay is paused is never read below the pinned position; the replica
refuses writes, and careerhub sends it none (the replica logs every statement it is sent, by role).
Waits are bounded by the hang guard; no duration is asserted."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import psycopg
import pytest
from click.testing import CliRunner

import service.replica as replica_module
from cli import main
from config.settings import Settings, load_settings
from engine.errors import CareerHubError
from projections.readmodel import tracked_position
from projections.report import Query
from service.hub import HubService
from tests.deployment.processes import (
    CAREERHUB,
    HANG_GUARD_SECONDS,
    Browser,
    answers,
    careerhub_env,
    eventually,
    free_port,
    running,
)
from tests.deployment.test_projection_worker import hub_files
from tests.deployment.test_serve_processes import PASSWORD, children, store_with_admin
from tests.pgserver import PostgresServer
from tests.service.test_reading import hub_file, hub_ids

AS_OF = "2019-12-31"
# A statement that changes something, or waits on a change: none may reach the replica from careerhub.
WRITES = re.compile(
    r"^\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP|ALTER|TRUNCATE|LOCK|COPY|GRANT|REVOKE|COMMENT"
    r"|VACUUM|ANALYZE|REINDEX|CLUSTER|NOTIFY|LISTEN|SELECT pg_notify)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Store:
    primary: PostgresServer
    replica: PostgresServer
    name: str  # the database, and its owner role
    password: str
    url: str  # on the primary
    read_url: str  # the same database on the replica

    def settings(self, **changes: object) -> Settings:
        return dataclasses.replace(Settings(database_url=self.url, actor="tester", read_database_url=self.read_url), **changes)

    def replica_has_store(self) -> bool:
        with self.replica.connect_as_superuser(self.name) as conn:
            row = conn.execute(
                "SELECT to_regclass('event_log') IS NOT NULL AND to_regclass('rm_log') IS NOT NULL"
                " AND to_regclass('readmodel_tracking') IS NOT NULL"
            ).fetchone()
            return bool(row and row[0])

    def replica_position(self) -> int:
        """How far the replica's read model has applied the log (as the superuser: not one of careerhub's reads)."""
        with self.replica.connect_as_superuser(self.name) as conn:
            row = conn.execute("SELECT MAX(notification_id) FROM readmodel_tracking").fetchone()
            return int(row[0] or 0) if row else 0

    def statements(self) -> list[str]:
        """Every statement careerhub's role has sent the replica, in order (the first line of each)."""
        assert self.replica.log is not None
        sent = re.compile(rf"^{self.name}@{self.name}\[\d+\]:LOG:  (?:statement|execute [^:]*): (.*)$")
        lines = self.replica.log.read_text(errors="replace").splitlines()
        return [m.group(1) for line in lines if (m := sent.match(line))]

    def errors(self) -> list[str]:
        assert self.replica.log is not None
        return [
            line
            for line in self.replica.log.read_text(errors="replace").splitlines()
            if line.startswith(f"{self.name}@{self.name}[") and ":ERROR:" in line
        ]

    def reads(self) -> int:
        """Statements careerhub sent the replica that read the read model's tables."""
        return sum(1 for s in self.statements() if re.search(r"\brm_\w+", s))


@pytest.fixture
def store(replicated_postgres) -> Iterator[Store]:
    """A new database on the primary, owned by its own role, with an empty careerhub store (made on the
    primary, as `serve` or any command would), once the replica has it too. (A replica that has not got the
    store yet is not read: reads go to the primary, and it is tried again REOPEN_SECONDS later.)"""
    primary, replica = replicated_postgres
    name, password = primary.create_database()
    store = Store(primary, replica, name, password, primary.url(name, password, name), replica.url(name, password, name))
    HubService(Settings(database_url=store.url, actor="tester")).close()
    eventually(store.replica_has_store, "the replica has the store")
    yield store


@pytest.fixture
def patient(monkeypatch):
    """A read waits for the replica as long as the hang guard: on a loaded machine it gets there in the end."""
    monkeypatch.setattr(replica_module, "REPLICA_WAIT_SECONDS", float(HANG_GUARD_SECONDS))
    monkeypatch.setattr(replica_module, "BEHIND_WAIT_SECONDS", float(HANG_GUARD_SECONDS))


def on_replica(service: HubService) -> bool:
    """Is the current read handle's transaction on the replica? (Asked on that very connection.)"""
    return bool(service.db.scalar("SELECT pg_is_in_recovery()"))


def assert_no_writes_sent(store: Store) -> None:
    assert [s for s in store.statements() if WRITES.match(s)] == []
    assert store.errors() == []


def test_a_report_is_read_on_the_replica_once_it_has_the_pinned_position(store, tmp_path, patient):
    writer = HubService(Settings(database_url=store.url, actor="tester"))  # the primary only
    for kind, path in hub_files(tmp_path):
        writer.import_file(kind, path, "tester", f"{kind}, recorded on the primary")
    head = writer.app.last_position()
    assert writer.projector.position() == head
    on_primary = writer.report(Query("dorset", date.fromisoformat(AS_OF)))

    reader = HubService(store.settings())
    reads = store.reads()
    with reader.reading() as reading:
        assert on_replica(reader)
        assert reading.pinned == head  # the primary's read model when the handle took its snapshot
        assert tracked_position(reader.db, reader.app.name) >= head  # the replica, in the same snapshot
        report = reader.report(Query("dorset", date.fromisoformat(AS_OF)))
    assert report.to_json() == on_primary.to_json()
    assert report.log_position == head and report.figures
    assert store.reads() > reads  # the report's reads of the read model are on the replica's record
    assert_no_writes_sent(store)
    reader.close()
    writer.close()


def test_a_write_then_a_read_in_one_handle_sees_the_write(store, tmp_path, patient):
    service = HubService(store.settings())
    with service.reading() as reading:
        assert hub_ids(service) == []
        first = reading.pinned
        service.import_file("hubs", hub_file(tmp_path, "dorset"), "tester", "then read back")  # renews the handle
        assert hub_ids(service) == ["dorset"]
        assert reading.pinned == service.app.last_position() > (first or 0)
        assert on_replica(service)  # waited for: the replica has the write too
    assert_no_writes_sent(store)
    service.close()


def test_a_lagging_replica_is_never_read_below_the_pinned_position(store, tmp_path, monkeypatch, caplog, patient):
    writer = HubService(Settings(database_url=store.url, actor="tester"))
    reader = HubService(store.settings())
    writer.import_file("hubs", hub_file(tmp_path, "dorset"), "tester", "before the replica stops replaying")
    with reader.reading():
        assert on_replica(reader) and hub_ids(reader) == ["dorset"]
    caught_up = store.replica_position()

    monkeypatch.setattr(replica_module, "REPLICA_WAIT_SECONDS", 0.5)  # how long is no matter: the replica is stuck
    monkeypatch.setattr(replica_module, "BEHIND_WAIT_SECONDS", 0.1)
    caplog.set_level(logging.INFO, logger=replica_module.__name__)
    with store.replica.connect_as_superuser(store.name) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")  # nothing recorded from now on is replayed until resumed
    try:
        writer.import_file("hubs", hub_file(tmp_path, "wiltshire"), "tester", "while the replica lags")
        with reader.reading() as reading:
            assert hub_ids(reader) == ["dorset", "wiltshire"]  # not the replica's older state
            assert not on_replica(reader)
            assert reading.pinned == writer.app.last_position()
            reader.import_file("hubs", hub_file(tmp_path, "somerset"), "tester", "a write in the handle")
            assert hub_ids(reader) == ["dorset", "somerset", "wiltshire"] and not on_replica(reader)
        with reader.reading():  # the next request: the replica is still behind
            assert hub_ids(reader) == ["dorset", "somerset", "wiltshire"] and not on_replica(reader)
        assert store.replica_position() == caught_up  # it was behind all along
        warnings = [r for r in caplog.records if r.name == replica_module.__name__ and r.levelno == logging.WARNING]
        assert len(warnings) == 1 and "is behind" in warnings[0].getMessage()  # said once, not per read
    finally:
        with store.replica.connect_as_superuser(store.name) as conn:
            conn.execute("SELECT pg_wal_replay_resume()")

    monkeypatch.setattr(replica_module, "REPLICA_WAIT_SECONDS", float(HANG_GUARD_SECONDS))
    monkeypatch.setattr(replica_module, "BEHIND_WAIT_SECONDS", float(HANG_GUARD_SECONDS))
    with reader.reading():
        assert on_replica(reader) and hub_ids(reader) == ["dorset", "somerset", "wiltshire"]
    assert any("serves reads again" in r.getMessage() for r in caplog.records)
    assert_no_writes_sent(store)
    reader.close()
    writer.close()


def test_the_replica_refuses_writes_and_careerhub_sends_it_none(store, tmp_path, patient):
    service = HubService(store.settings())
    for kind, path in hub_files(tmp_path):
        service.import_file(kind, path, "tester", f"{kind}, with reads on the replica between the writes")
    with service.reading():
        assert on_replica(service)
        with pytest.raises(RuntimeError, match="cannot write"), service.db.transaction(commit=True):
            pass  # a read handle refuses a write before any server sees it
        assert service.report(Query("dorset", date.fromisoformat(AS_OF))).figures
    service.close()
    assert store.reads() > 0
    assert_no_writes_sent(store)

    with (
        psycopg.connect(
            host=store.replica.host,
            port=store.replica.port,
            user=store.name,
            password=store.password,
            dbname=store.name,
            autocommit=True,
        ) as conn,
        pytest.raises(psycopg.errors.ReadOnlySqlTransaction),
    ):
        conn.execute("DELETE FROM event_log")  # careerhub's own role, on the replica: refused


def test_serve_processes_and_a_report_command_read_through_the_replica(store, tmp_path):
    """`careerhub serve --workers 2` and `careerhub report` with CAREERHUB_READ_DATABASE_URL, beside the
    projection worker (which follows the primary): the page and the report come from the replica."""
    store_with_admin(store.url)
    env = careerhub_env(store.url, CAREERHUB_READ_DATABASE_URL=store.read_url, CAREERHUB_PROJECTION_WORKER="1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    writer = HubService(Settings(database_url=store.url, actor="tester", projection_worker=True))
    with (
        running(["projections", "run"], env, tmp_path / "worker.log") as worker,
        running(["serve", "--workers", "2", "--threads", "2", "--port", str(port)], env, tmp_path / "serve.log") as server,
    ):
        eventually(lambda: "following the log" in worker.text(), "the worker is listening")
        eventually(lambda: answers(f"{base}/auth/sign-in"), "the server answers")
        assert len(children(server.process.pid)) == 2
        for kind, path in hub_files(tmp_path):  # on the primary, applied by the worker
            writer.import_file(kind, path, "tester", f"{kind} for the replica")
        admin = Browser()
        assert admin.sign_in(base, "admin", PASSWORD).status == 302  # a write: the user's session version
        head = writer.app.last_position()
        eventually(lambda: writer.projector.position() == head, "the worker applies every write")
        eventually(lambda: store.replica_position() == head, "the replica replays the worker's last batch")

        reads = store.reads()
        page = admin.get(f"{base}/dashboard/dorset/print?as_of={AS_OF}")
        assert page.status == 200, page.body
        assert f"Everything recorded up to log position {head}." in page.body
        assert "150 hub members" in page.body
        assert store.reads() > reads  # the page's reads went to the replica

        reads = store.reads()
        result = subprocess.run(
            [CAREERHUB, "report", "--hub", "dorset", "--as-of", AS_OF, "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=HANG_GUARD_SECONDS,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["log_position"] == head
        assert store.reads() > reads  # and so did the command's
        assert server.stop() == 0
    assert_no_writes_sent(store)  # nor the serve processes, nor the commands, nor the worker wrote there
    writer.close()


def test_a_replica_of_another_store_is_never_read(make_postgres_url, tmp_path, caplog):
    this, other = make_postgres_url(), make_postgres_url()
    for url, hub in ((this, "dorset"), (other, "wiltshire")):
        writer = HubService(Settings(database_url=url, actor="tester"))
        writer.import_file("hubs", hub_file(tmp_path, hub), "tester", "one store and another")
        writer.close()
    service = HubService(Settings(database_url=this, actor="tester", read_database_url=other))
    for _ in range(2):
        with service.reading():
            assert hub_ids(service) == ["dorset"]  # the store's own, from the primary
    errors = [r.getMessage() for r in caplog.records if r.name == replica_module.__name__ and r.levelno == logging.ERROR]
    assert len(errors) == 1 and "names another store" in errors[0]
    service.close()


# --- the setting ---------------------------------------------------------------------------------


def test_the_setting_is_read_from_the_environment_and_the_option(monkeypatch):
    monkeypatch.setenv("CAREERHUB_READ_DATABASE_URL", "postgresql://u:p@127.0.0.1:5433/hub")
    assert load_settings("postgresql://u:p@127.0.0.1:5432/hub").read_database_url == "postgresql://u:p@127.0.0.1:5433/hub"
    assert load_settings(read_database_url="postgresql://u:p@h:1/x").read_database_url == "postgresql://u:p@h:1/x"
    monkeypatch.delenv("CAREERHUB_READ_DATABASE_URL")
    assert load_settings().read_database_url is None


def test_a_read_replica_of_an_sqlite_store_is_refused_before_the_store_is_opened(tmp_path):
    path = tmp_path / "hub.sqlite3"
    with pytest.raises(CareerHubError, match="for a PostgreSQL store only"):
        HubService(
            Settings(database_url=f"sqlite:///{path}", actor="tester", read_database_url="postgresql://u:p@127.0.0.1:5433/hub")
        )
    assert not path.exists()


def test_a_read_replica_of_another_kind_is_refused():
    with pytest.raises(CareerHubError, match="must name a postgres replica of the store, not a sqlite database"):
        HubService(
            Settings(
                database_url="postgresql://u:p@127.0.0.1:1/hub", actor="tester", read_database_url="sqlite:///replica.sqlite3"
            )
        )


@pytest.mark.parametrize("command", [["report", "--hub", "dorset"], ["serve"]])
def test_the_command_line_says_so_clearly(tmp_path, command):
    result = CliRunner().invoke(
        main,
        [
            *command,
            "--database-url",
            f"sqlite:///{tmp_path}/hub.sqlite3",
            "--read-database-url",
            "postgresql://u:p@127.0.0.1:5433/hub",
        ],
        env={"CAREERHUB_READ_DATABASE_URL": None},
    )
    assert result.exit_code == 1
    assert "is for a PostgreSQL store only" in result.output and "Traceback" not in result.output
