"""A throw-away PostgreSQL server on 127.0.0.1 (a free port, fsync off), for the test suite's fixture and
for the benchmarks: `with started_postgres() as server: ... server.url(...)`. No pytest here, so a
benchmark script imports it as `tests.pgserver` from the repository root."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

POSTGRES_SUPERUSER = "postgres"
# As the test suite runs it: nothing here has to survive a crash of the machine.
FAST_UNSAFE_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    superuser: str
    password: str

    def url(self, user: str, password: str, dbname: str) -> str:
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{dbname}"

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
        raise RuntimeError(
            f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )


@contextmanager
def started_postgres(bindir: Path, extra_options: str = "") -> Iterator[PostgresServer]:
    """Start a PostgreSQL server in a new temporary folder; stop it and remove the folder at the end.
    `extra_options` adds `-c name=value` settings (a benchmark's shared_buffers, say)."""
    base = Path(tempfile.mkdtemp(prefix="careerhub-pg-"))
    datadir, pwfile, logfile = base / "data", base / "pwfile", base / "server.log"
    password = secrets.token_urlsafe(18)
    pwfile.write_text(password + "\n")
    if os.geteuid() == 0:
        for path in (base, pwfile):
            shutil.chown(path, POSTGRES_SUPERUSER, POSTGRES_SUPERUSER)
    port = find_free_port()
    server_options = f"-k {base} -p {port} -c listen_addresses=127.0.0.1 {FAST_UNSAFE_OPTIONS} {extra_options}".strip()
    pg_ctl = str(bindir / "pg_ctl")
    try:
        run_as_postgres_owner([
            str(bindir / "initdb"), "-D", str(datadir), "-U", POSTGRES_SUPERUSER,
            "--pwfile", str(pwfile), "--auth-local=trust", "--auth-host=scram-sha-256",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        ])  # fmt: skip
        # -l keeps the server's output away from our pipes, or run() would wait on it forever.
        run_as_postgres_owner([
            pg_ctl, "-D", str(datadir), "-l", str(logfile), "-w", "-t", "60",
            "-o", server_options, "start",
        ])  # fmt: skip
        yield PostgresServer("127.0.0.1", port, POSTGRES_SUPERUSER, password)
    finally:
        if (datadir / "postmaster.pid").exists():
            stop = [pg_ctl, "-D", str(datadir), "-m", "immediate", "-w", "stop"]
            run_as_postgres_owner(stop, check=False)
        shutil.rmtree(base, ignore_errors=True)
