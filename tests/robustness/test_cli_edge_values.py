"""Issue 14 item 5 on the command line: values at the edges of a day, a moment or a number, a malformed
cipher key and a damaged or missing store printed a traceback. Each now prints one clear error line
(click's usage error, or careerhub's own error) and exits non-zero; only `verify` refuses a store that
does not exist, every other command still creates one on first use (DATA.md §1)."""

from __future__ import annotations

import random
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import main
from config.settings import load_settings
from service.hub import HubService
from tests.edge_values import edge_values
from tests.web.factories import load_hubs

LINK = "a" * 64
TOO_LARGE = "99999999999999999999999"


def given_the_two_hubs(database_url: str) -> str:
    service = HubService(load_settings(database_url, "edges"))
    try:
        load_hubs(service)
    finally:
        service.close()
    return database_url


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite store for the module: the commands below only read, or are refused."""
    return given_the_two_hubs(f"sqlite:///{tmp_path_factory.mktemp('edges')}/careerhub.sqlite3")


def run(database_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env=env).invoke(main, [*args, "--database-url", database_url])


def refused(result: Result, words: str = "") -> None:
    """Exit status 1 or 2, no traceback, and the last line of stderr is click's one-line 'Error: ...'."""
    assert isinstance(result.exception, SystemExit) and result.exit_code in (1, 2), (result.exception, result.output)
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1].startswith("Error: "), result.stderr
    assert words in result.stderr, result.stderr


OUT = "{out}"
REFUSED_OPTIONS = {
    "report --as-of 0001-01-01": ["report", "--hub", "dorset", "--as-of", "0001-01-01"],
    "report --as-of 9999-12-31": ["report", "--hub", "dorset", "--as-of", "9999-12-31"],
    "report --known-at +05:00": ["report", "--hub", "dorset", "--as-of", "2020-02-02", "--known-at", "0001-01-01T00:00:00+05:00"],
    "report --known-at -05:00": ["report", "--hub", "dorset", "--as-of", "2020-02-02", "--known-at", "9999-12-31T23:59:59-05:00"],
    "report --compare-known-at": [
        "report",
        "--hub",
        "dorset",
        "--as-of",
        "2020-02-02",
        "--known-at",
        "2020-01-01T00:00:00",
        "--compare-known-at",
        "9999-12-31T23:59:59-05:00",
    ],
    "report --terms 9999/00": ["report", "--hub", "dorset", "--terms", "9999/00"],
    "report --terms 0000/01": ["report", "--hub", "dorset", "--terms", "0000/01"],
    "report --terms with Arabic-Indic digits": ["report", "--hub", "dorset", "--terms", "٢٠١٩/٢٠"],
    "report --as-of with --terms": ["report", "--hub", "dorset", "--as-of", "9999-12-31", "--terms", "2019/20"],
    "explain --as-of 9999-12-31": ["explain", "--hub", "dorset", "--as-of", "9999-12-31", "bm5_percent"],
    "evidence --known-at +05:00": ["evidence", "--hub", "dorset", "--year", "2019/20", "--known-at", "0001-01-01T00:00:00+05:00"],
    "evidence --year 9999/00": ["evidence", "--hub", "dorset", "--year", "9999/00"],
    "evidence --year 0000/01": ["evidence", "--hub", "dorset", "--year", "0000/01"],
    "export --as-of 0001-01-01": ["export", "--hub", "dorset", "--as-of", "0001-01-01", OUT],
    "export --known-at -05:00": [
        "export",
        "--hub",
        "dorset",
        "--as-of",
        "2020-02-02",
        "--known-at",
        "9999-12-31T23:59:59-05:00",
        OUT,
    ],
    "log --since +05:00": ["log", "--since", "0001-01-01T00:00:00+05:00"],
    "log --until -05:00": ["log", "--until", "9999-12-31T23:59:59-05:00"],
    "log --since 0999": ["log", "--since", "0999-12-31T23:59:59"],
    "log --limit ²": ["log", "--limit", "²"],
    "match --as-of 9999-12-31": ["match", "--area", "Dorset", "--as-of", "9999-12-31"],
    "verify --extends ²": ["verify", "--extends", f"²:{LINK}"],
}


@pytest.mark.parametrize("args", list(REFUSED_OPTIONS.values()), ids=list(REFUSED_OPTIONS))
def test_a_value_at_the_edge_is_refused_in_one_line(store, tmp_path, args):
    # Was: a traceback (ValueError 'year 10000 is out of range' in config/calendar.py, OverflowError 'date
    # value out of range' in engine/store.py format_recorded_at, ValueError from int('²'))
    refused(run(store, *[str(tmp_path / "out") if a == OUT else a for a in args]))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
def test_the_first_and_last_days_careerhub_handles_work(store, day):
    assert run(store, "report", "--hub", "dorset", "--as-of", day).exit_code == 0
    assert run(store, "report", "--hub", "dorset", "--as-of", day, "--terms", "2019/20").exit_code == 0


@pytest.mark.parametrize("limit", [TOO_LARGE, "-1"])
def test_a_log_limit_beyond_a_database_integer_is_refused(database_url, limit):
    # Was: IntegrityError 'datatype mismatch' on SQLite for 23 digits; PostgreSQL refuses LIMIT -1 and
    # overflows a bigint; SQLite printed every event for -1 (and for 0)
    refused(run(given_the_two_hubs(database_url), "log", "--limit", limit), "--limit")


def test_a_log_limit_of_zero_lists_nothing(store):
    result = run(store, "log", "--limit", "0", "--format", "jsonl")
    assert result.exit_code == 0 and result.stdout == ""


def test_verify_extends_with_a_position_beyond_a_database_integer_is_refused(database_url):
    # Was: OverflowError 'Python int too large to convert to SQLite INTEGER' (a bigint error on PostgreSQL)
    refused(run(given_the_two_hubs(database_url), "verify", "--extends", f"{TOO_LARGE}:{LINK}"), "is not a digest printed by")


@pytest.mark.parametrize("key", ["not a key", "QUFB"])  # not base64; base64 of 3 bytes, not an AES key
def test_a_malformed_cipher_key_is_refused(sqlite_url, key):
    # Was: binascii.Error 'Incorrect padding' raised by the library's AESCipher as the store opened
    refused(run(sqlite_url, "log", env={"CAREERHUB_CIPHER_KEY": key}), "CAREERHUB_CIPHER_KEY")


def damaged(path: Path, how: str, intact: str) -> None:
    data, noise = Path(intact).read_bytes(), random.Random(14).randbytes  # the same damage every run
    if how == "random bytes":
        path.write_bytes(noise(len(data)))
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # the page of rm_schema, which every command reads first: the file opens, a later read fails
        with closing(sqlite3.connect(f"file:{intact}?mode=ro", uri=True)) as db:
            page, size = db.execute("SELECT pageno, pgsize FROM dbstat WHERE name = 'rm_schema'").fetchone()
        at = (page - 1) * size
        path.write_bytes(data[:at] + noise(size) + data[at + size :])


@pytest.mark.parametrize("command", [["log"], ["verify"], ["report", "--hub", "dorset", "--as-of", "2020-02-02"]])
@pytest.mark.parametrize("how", ["random bytes", "truncated", "a page overwritten"])
def test_a_damaged_sqlite_file_is_refused_in_one_line(store, tmp_path, how, command):
    # Was: sqlite3.DatabaseError 'file is not a database' / 'database disk image is malformed' (a traceback)
    path = tmp_path / "damaged.sqlite3"
    damaged(path, how, store[len("sqlite:///") :])
    refused(run(f"sqlite:///{path}", *command))


def no_tables(database_url: str) -> bool:
    if database_url.startswith("sqlite:///"):
        path = Path(database_url[len("sqlite:///") :])
        return not path.exists() or path.stat().st_size == 0
    with psycopg.connect(database_url) as connection:
        return not connection.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'").fetchall()


def test_verify_refuses_a_store_that_does_not_exist_and_creates_nothing(database_url):
    # Was: 'ok: 0 events chained', after creating the file (SQLite) or the tables (PostgreSQL)
    refused(run(database_url, "verify"), "no event store")
    assert no_tables(database_url)


def test_verify_refuses_an_emptied_sqlite_file(sqlite_url):
    path = Path(sqlite_url[len("sqlite:///") :])
    path.write_bytes(b"")
    refused(run(sqlite_url, "verify"), "no event store")
    assert path.stat().st_size == 0


def test_other_commands_still_create_a_store_on_first_use(database_url):
    assert run(database_url, "log").exit_code == 0
    result = run(database_url, "verify")
    assert result.exit_code == 0 and result.stdout.startswith("ok: 0 events"), result.output


# --- fuzzing the options ---------------------------------------------------------------------------

VALUE = "{value}"
COMMANDS = (
    ["report", "--hub", "dorset", "--as-of", VALUE],
    ["report", "--hub", "dorset", "--as-of", "2020-02-02", "--known-at", VALUE],
    ["report", "--hub", "dorset", "--as-of", "2020-02-02", "--known-at", "2020-01-01", "--compare-known-at", VALUE],
    ["report", "--hub", "dorset", "--as-of", "2020-02-02", "--cohort-as-of", VALUE],
    ["report", "--hub", "dorset", "--terms", VALUE],
    ["explain", "--hub", "dorset", "--as-of", VALUE, "bm5_percent"],
    ["evidence", "--hub", "dorset", "--year", VALUE],
    ["evidence", "--hub", "dorset", "--year", "2019/20", "--known-at", VALUE],
    ["export", "--hub", "dorset", "--as-of", VALUE, OUT],
    ["log", "--since", VALUE],
    ["log", "--until", VALUE],
    ["log", "--limit", VALUE],
    ["verify", "--extends", VALUE],
    ["verify", "--extends", f"{VALUE}:{LINK}"],
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(command=st.sampled_from(COMMANDS), value=st.one_of(edge_values, st.text(max_size=30)))
def test_no_option_value_makes_a_traceback(store, command, value):
    with tempfile.TemporaryDirectory() as folder:
        args = [a.replace(VALUE, value).replace(OUT, f"{folder}/out") for a in command]
        result = run(store, *args)
    if result.exit_code != 0:
        refused(result)
