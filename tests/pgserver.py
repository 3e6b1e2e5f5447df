"""A throw-away PostgreSQL server on 127.0.0.1 (a free port, fsync off), for the test suite's fixture and
for the benchmarks: `with started_postgres() as server: ... server.url(...)`; and a streaming replica of
one (`started_replica`), as README's national deployment sets one up. No pytest here, so a benchmark
script imports it as `tests.pgserver` from the repository root."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
from psycopg import sql

POSTGRES_SUPERUSER = "postgres"
# As the test suite runs it: nothing here has to survive a crash of the machine.
FAST_UNSAFE_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
REPLICATION_ROLE = "replicator"
# A primary that a streaming replica can copy and follow (PostgreSQL 15's defaults, said out loud).
PRIMARY_OPTIONS = "-c wal_level=replica -c max_wal_senders=4"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    superuser: str
    password: str
    log: Path | None = None  # the server's log file
    replication_password: str | None = None  # a primary's: the password of REPLICATION_ROLE

    def url(self, user: str, password: str, dbname: str) -> str:
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{dbname}"

    def create_database(self) -> tuple[str, str]:
        """A new database owned by a new role of the same name: (name, the role's password)."""
        name = f"careerhub_test_{uuid.uuid4().hex[:12]}"
        password = secrets.token_urlsafe(12)
        with self.connect_as_superuser() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(name), sql.Literal(password)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(name)))
        return name, password

    def drop_database(self, name: str) -> None:
        """Drop a database that create_database made, and its role."""
        with self.connect_as_superuser() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))

    def connect_as_superuser(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.superuser,
            password=self.password,
            dbname=dbname,
            autocommit=True,
        )


def find_postgres_bindir() -> Path | None:
    """Return the server programs' folder of the highest installed PostgreSQL, if any."""
    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")]
    if not candidates:
        return None
    return max(candidates, key=lambda d: [int(n) for n in re.findall(r"\d+", d.parent.name)])


def find_free_port() -> int:
    """Return a loopback port that was free a moment ago (fixed ports collide between runs)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_as_postgres_owner(command: list[str], *, check: bool = True) -> None:
    """Run a server program, as the `postgres` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", POSTGRES_SUPERUSER, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")


def owned_folder(prefix: str) -> Path:
    """A new temporary folder that the server's owner may write in."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(base, POSTGRES_SUPERUSER, POSTGRES_SUPERUSER)
    return base


@contextmanager
def running_server(bindir: Path, base: Path, datadir: Path, options: str) -> Iterator[tuple[int, Path]]:
    """Start the server of `datadir` on a free port, its socket and log in `base`: (port, log file).
    Stop it at the end and remove `base`."""
    port, logfile = find_free_port(), base / "server.log"
    server_options = f"-k {base} -p {port} -c listen_addresses=127.0.0.1 {FAST_UNSAFE_OPTIONS} {options}".strip()
    pg_ctl = str(bindir / "pg_ctl")
    try:
        # -l keeps the server's output away from our pipes, or run() would wait on it forever.
        run_as_postgres_owner([
            pg_ctl, "-D", str(datadir), "-l", str(logfile), "-w", "-t", "60",
            "-o", server_options, "start",
        ])  # fmt: skip
        yield port, logfile
    finally:
        if (datadir / "postmaster.pid").exists():
            stop = [pg_ctl, "-D", str(datadir), "-m", "immediate", "-w", "stop"]
            run_as_postgres_owner(stop, check=False)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def started_postgres(bindir: Path, extra_options: str = "", *, primary: bool = False) -> Iterator[PostgresServer]:
    """Start a PostgreSQL server in a new temporary folder; stop it and remove the folder at the end.
    `extra_options` adds `-c name=value` settings (a benchmark's shared_buffers, say). A `primary` is one
    a streaming replica can follow (`started_replica`): WAL for a replica, a role REPLICATION_ROLE that
    may replicate, and only it, from 127.0.0.1 (pg_hba.conf)."""
    base = owned_folder("careerhub-pg-")
    datadir, pwfile = base / "data", base / "pwfile"
    password = secrets.token_urlsafe(18)
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile, POSTGRES_SUPERUSER, POSTGRES_SUPERUSER)
    try:
        run_as_postgres_owner([
            str(bindir / "initdb"), "-D", str(datadir), "-U", POSTGRES_SUPERUSER,
            "--pwfile", str(pwfile), "--auth-local=trust", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        ])  # fmt: skip
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    if primary:
        (datadir / "pg_hba.conf").write_text(
            "local all all trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
            f"host replication {REPLICATION_ROLE} 127.0.0.1/32 scram-sha-256\n"
        )
        extra_options = f"{PRIMARY_OPTIONS} {extra_options}"
    with running_server(bindir, base, datadir, extra_options) as (port, logfile):
        server = PostgresServer("127.0.0.1", port, POSTGRES_SUPERUSER, password, logfile)
        if primary:
            replication_password = secrets.token_urlsafe(18)
            with server.connect_as_superuser() as conn:
                conn.execute(
                    sql.SQL("CREATE ROLE {} REPLICATION LOGIN PASSWORD {}").format(
                        sql.Identifier(REPLICATION_ROLE), sql.Literal(replication_password)
                    )
                )
            server = replace(server, replication_password=replication_password)
        yield server


@contextmanager
def started_replica(bindir: Path, primary: PostgresServer, extra_options: str = "") -> Iterator[PostgresServer]:
    """Start a streaming replica (a hot standby) of `primary` in a new temporary folder, on another free
    port: `pg_basebackup -R` copies the primary and writes how to follow it (standby.signal and
    primary_conninfo), as the server's owner; stop it and remove the folder at the end. It has the
    primary's roles and passwords, so the same URLs with its port read the same databases."""
    if primary.replication_password is None:
        raise ValueError("started_replica needs a server started with primary=True")
    base = owned_folder("careerhub-pg-replica-")
    datadir = base / "data"
    conninfo = f"host={primary.host} port={primary.port} user={REPLICATION_ROLE} password={primary.replication_password}"
    try:
        run_as_postgres_owner([
            str(bindir / "pg_basebackup"), "-D", str(datadir), "-d", conninfo, "-R",
            "--wal-method=stream", "--checkpoint=fast", "--no-sync",
        ])  # fmt: skip
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    with running_server(bindir, base, datadir, extra_options) as (port, logfile):
        yield replace(primary, port=port, log=logfile, replication_password=None)
