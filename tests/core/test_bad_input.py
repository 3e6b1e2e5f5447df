"""Rejected files (DATA.md §2): non-zero exit, one clear message on stderr naming file, line and
column where they apply, and not one event written. Plus the files that must be accepted."""

from __future__ import annotations

import csv
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from tests.core.factories import ADVISER, ASSESSMENT_HEADER, INSTITUTION, VALID, Cli, assessment_row, event_count, write_csv


def assert_rejected(
    result: Result, path: Path, line: int | None = None, column: str | None = None, reason: str | None = None
) -> str:
    """Then: exit status non-zero, no crash, one line on stderr that says where and why."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"crashed: {result.exception!r}"
    message = result.stderr.strip()
    assert "Traceback" not in message
    assert len(message.splitlines()) == 1, message
    assert str(path) in message
    if line is not None:
        assert re.search(rf"\bline {line}\b", message), message
    if column is not None:
        assert f"column {column}" in message, message
    if reason is not None:
        assert re.search(reason, message, re.IGNORECASE), message
    assert result.stdout == ""
    return message


@pytest.fixture
def store(cli: Cli, tmp_path: Path) -> Cli:
    """Given: a store that knows hub dorset, institutions 100001 and 100002 and adviser EA-1."""
    cli.given(tmp_path, "advisers")
    return cli


def rejected_without_events(store: Cli, kind: str, path: Path, **where: object) -> str:
    before = event_count(store.database_url)
    message = assert_rejected(store("import", kind, str(path)), path, **where)  # type: ignore[arg-type]
    assert event_count(store.database_url) == before
    return message


# --- the header --------------------------------------------------------------------------------


def test_a_missing_required_column_is_rejected(store, tmp_path):
    header = [c for c in ASSESSMENT_HEADER if c != "bm3"]
    path = write_csv(tmp_path, "no_bm3.csv", header, [["100001", "2020-01-15", *["50"] * 7]])

    rejected_without_events(store, "assessments", path, line=1, column="bm3", reason="missing required column")


def test_an_unknown_column_is_rejected(store, tmp_path):
    path = write_csv(tmp_path, "typo.csv", [*ASSESSMENT_HEADER, "bm9"], [[*assessment_row("100001", "2020-01-15"), "1"]])

    rejected_without_events(store, "assessments", path, line=1, column="bm9", reason="unknown column")


def test_a_misspelt_column_is_rejected_as_unknown(store, tmp_path):
    header = ["urn", "assesed_on", *ASSESSMENT_HEADER[2:]]
    path = write_csv(tmp_path, "misspelt.csv", header, [assessment_row("100001", "2020-01-15")])

    rejected_without_events(store, "assessments", path, line=1, column="assesed_on", reason="unknown column")


def test_a_column_given_twice_is_rejected(store, tmp_path):
    path = write_csv(tmp_path, "twice.csv", [*ASSESSMENT_HEADER, "bm1"], [[*assessment_row("100001", "2020-01-15"), "1"]])

    rejected_without_events(store, "assessments", path, line=1, column="bm1")


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"], ids=["empty", "blank-lines", "bom-only"])
def test_an_empty_file_is_rejected(store, tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)

    rejected_without_events(store, "assessments", path, reason="empty")


def test_a_header_without_rows_is_rejected(store, tmp_path):
    path = write_csv(tmp_path, "header_only.csv", ASSESSMENT_HEADER, [])

    rejected_without_events(store, "assessments", path, reason="no rows")


# --- cells -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "15/01/2020",
        "2020/01/15",
        "2020-1-5",
        "20200115",
        "2020-13-01",
        "2020-02-30",
        "yesterday",
        "2020-W03-3",  # an ISO week date: Python 3.11 date.fromisoformat accepts it
    ],
)
def test_a_date_not_in_yyyy_mm_dd_is_rejected(store, tmp_path, text):
    path = write_csv(
        tmp_path, "dates.csv", ASSESSMENT_HEADER, [assessment_row("100001", "2020-01-15"), assessment_row("100002", text)]
    )

    rejected_without_events(store, "assessments", path, line=3, column="assessed_on", reason="YYYY-MM-DD")


def test_an_end_date_before_its_start_is_rejected(store, tmp_path):
    path = write_csv(tmp_path, "matches.csv", VALID["matches"][0], [["100001", "EA-1", "2020-01-10", "2020-01-09"]])

    rejected_without_events(store, "matches", path, line=2, column="ended_on", reason="before")


def test_leaving_the_hub_before_joining_is_rejected(store, tmp_path):
    row = dict(INSTITUTION, urn="100003", hub_joined_on="2020-09-01", hub_left_on="2020-08-31")
    path = write_csv(tmp_path, "inst.csv", list(row), [list(row.values())])

    rejected_without_events(store, "institutions", path, line=2, column="hub_left_on", reason="before")


def test_an_adviser_available_until_before_from_is_rejected(store, tmp_path):
    row = dict(ADVISER, adviser_ref="EA-2", available_from="2021-01-01", available_until="2020-12-31")
    path = write_csv(tmp_path, "adv.csv", list(row), [list(row.values())])

    rejected_without_events(store, "advisers", path, line=2, column="available_until")


@pytest.mark.parametrize("percent", ["101", "-1", "100.5", "fifty"])
def test_a_percentage_outside_0_to_100_or_not_whole_is_rejected(store, tmp_path, percent):
    row = assessment_row("100001", "2020-01-15")
    row[ASSESSMENT_HEADER.index("bm4")] = percent
    path = write_csv(tmp_path, "pct.csv", ASSESSMENT_HEADER, [row])

    rejected_without_events(store, "assessments", path, line=2, column="bm4")


@pytest.mark.parametrize(
    "kind, column, text",
    [
        pytest.param("assessments", "bm1", "1_00", id="percent-1_00"),
        pytest.param("advisers", "capacity", "1_0", id="capacity-1_0"),
        pytest.param("targets", "value", "inf", id="target-inf"),
        pytest.param("targets", "value", "1e400", id="target-1e400"),
        pytest.param("targets", "value", "nan", id="target-nan"),
        pytest.param("targets", "value", "-0.5", id="target-negative"),
    ],
)
def test_a_number_only_python_would_read_is_rejected(store, tmp_path, kind, column, text):
    header, rows = {
        "assessments": (ASSESSMENT_HEADER, [assessment_row("100001", "2020-01-15")]),
        "advisers": (list(ADVISER), [list(dict(ADVISER, adviser_ref="EA-2").values())]),
        "targets": VALID["targets"],
    }[kind]
    row = list(rows[0])
    row[header.index(column)] = text
    path = write_csv(tmp_path, "numbers.csv", header, [row])

    rejected_without_events(store, kind, path, line=2, column=column)


def test_an_empty_required_cell_is_rejected(store, tmp_path):
    row = assessment_row("100001", "2020-01-15")
    row[ASSESSMENT_HEADER.index("bm8")] = ""
    path = write_csv(tmp_path, "blank.csv", ASSESSMENT_HEADER, [row])

    rejected_without_events(store, "assessments", path, line=2, column="bm8", reason="required")


@pytest.mark.parametrize("capacity", ["1.5", "two", "-1"])
def test_a_capacity_that_is_not_a_whole_number_is_rejected(store, tmp_path, capacity):
    row = dict(ADVISER, adviser_ref="EA-2", capacity=capacity)
    path = write_csv(tmp_path, "adv.csv", list(row), [list(row.values())])

    rejected_without_events(store, "advisers", path, line=2, column="capacity")


def test_a_value_outside_its_choices_is_rejected(store, tmp_path):
    row = dict(INSTITUTION, urn="100003", kind="academy")
    path = write_csv(tmp_path, "inst.csv", list(row), [list(row.values())])

    rejected_without_events(store, "institutions", path, line=2, column="kind", reason="not one of")


def test_a_row_with_too_many_cells_is_rejected(store, tmp_path):
    path = write_csv(tmp_path, "ragged.csv", ASSESSMENT_HEADER, [[*assessment_row("100001", "2020-01-15"), "extra"]])

    rejected_without_events(store, "assessments", path, line=2, reason="cells")


def test_an_unterminated_quote_is_rejected_not_a_crash(store, tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(",".join(ASSESSMENT_HEADER) + '\n100001,"2020-01-15,1,2,3,4,5,6,7,8\n')

    rejected_without_events(store, "assessments", path, reason="CSV")


def test_a_quoted_cell_spanning_lines_keeps_line_numbers_physical(store, tmp_path):
    path = tmp_path / "multiline.csv"
    path.write_bytes(b'urn,name,kind,area\r\n100003,"Castle\r\nSchool, Upper",school,Dorset\r\n100004,Harbour,academy,Dorset\r\n')

    rejected_without_events(store, "institutions", path, line=4, column="kind")


def test_crlf_line_ends_and_quoted_commas_are_accepted(store, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b'urn,name,kind,area\r\n100003,"Castle School, Upper",school,Dorset\r\n')

    assert store.imported("institutions", path)["recorded"] == 1
    assert store.log("--urn", "100003")[0]["payload"]["values"]["name"] == "Castle School, Upper"


# --- references --------------------------------------------------------------------------------


def test_an_assessment_of_an_unknown_urn_is_rejected(store, tmp_path):
    path = write_csv(
        tmp_path, "a.csv", ASSESSMENT_HEADER, [assessment_row("100001", "2020-01-15"), assessment_row("999999", "2020-01-15")]
    )

    message = rejected_without_events(store, "assessments", path, line=3, column="urn")
    assert "999999" in message


def test_a_match_to_an_unknown_adviser_is_rejected(store, tmp_path):
    path = write_csv(tmp_path, "m.csv", VALID["matches"][0], [["100001", "EA-404", "2020-01-10", ""]])

    message = rejected_without_events(store, "matches", path, line=2, column="adviser_ref")
    assert "EA-404" in message


def test_an_institution_in_an_unknown_hub_is_rejected(store, tmp_path):
    row = dict(INSTITUTION, urn="100003", hub_id="wessex")
    path = write_csv(tmp_path, "inst.csv", list(row), [list(row.values())])

    rejected_without_events(store, "institutions", path, line=2, column="hub_id")


def test_an_adviser_conflict_with_an_unknown_urn_is_rejected(store, tmp_path):
    row = dict(ADVISER, adviser_ref="EA-2", conflicts="100001;999999")
    path = write_csv(tmp_path, "adv.csv", list(row), [list(row.values())])

    rejected_without_events(store, "advisers", path, line=2, column="conflicts")


# --- keys --------------------------------------------------------------------------------------


def test_a_key_repeated_in_one_file_with_different_values_is_rejected(store, tmp_path):
    path = write_csv(
        tmp_path,
        "dup.csv",
        ASSESSMENT_HEADER,
        [assessment_row("100001", "2020-01-15", 10), assessment_row("100001", "2020-01-15", 20)],
    )

    message = rejected_without_events(store, "assessments", path, line=3, column="bm1")
    assert "line 2" in message  # it points at the first occurrence too


# --- encodings ---------------------------------------------------------------------------------


def test_a_utf8_file_with_a_bom_is_accepted(store, tmp_path):
    row = dict(INSTITUTION, urn="100003", name="École Saint-Aldhelm")
    path = write_csv(tmp_path, "bom.csv", list(row), [list(row.values())], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfurn,")

    summary = store.imported("institutions", path)

    assert summary["recorded"] == 1
    [event] = [e for e in store.log("--urn", "100003")]
    assert event["payload"]["values"]["name"] == "École Saint-Aldhelm"


def test_a_latin1_file_is_rejected_with_a_clear_message(store, tmp_path):
    rows = [list(dict(INSTITUTION, urn="100003").values()), list(dict(INSTITUTION, urn="100004", name="École").values())]
    path = write_csv(tmp_path, "latin1.csv", list(INSTITUTION), rows, encoding="latin-1")

    message = rejected_without_events(store, "institutions", path, line=3, reason="UTF-8")
    assert "0xc9" in message


# --- size --------------------------------------------------------------------------------------


def days(n: int, first: date = date(2000, 1, 1)) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range(n)]


def test_a_bad_row_on_line_9000_leaves_the_store_exactly_as_it_was(store, tmp_path):
    rows = [assessment_row("100001", day) for day in days(8998)] + [assessment_row("100002", "2030-01-01", 101)]
    path = write_csv(tmp_path, "big.csv", ASSESSMENT_HEADER, rows)
    assert len(path.read_text().splitlines()) == 9000

    rejected_without_events(store, "assessments", path, line=9000, column="bm1", reason="outside 0")


def test_an_unknown_urn_on_line_9000_leaves_the_store_exactly_as_it_was(store, tmp_path):
    rows = [assessment_row("100001", day) for day in days(8998)] + [assessment_row("999999", "2020-01-01")]
    path = write_csv(tmp_path, "big.csv", ASSESSMENT_HEADER, rows)

    rejected_without_events(store, "assessments", path, line=9000, column="urn")


def test_a_missing_file_is_rejected(store, tmp_path):
    path = tmp_path / "nowhere.csv"

    rejected_without_events(store, "assessments", path, reason="cannot read")


def test_an_unknown_kind_is_a_usage_error(store, tmp_path):
    result = store("import", "schools", str(write_csv(tmp_path, "s.csv", ["urn"], [["1"]])))

    assert result.exit_code == 2 and "schools" in result.stderr


def write_50mb_of_assessments(path: Path, institutions: int) -> int:
    """About 50 MB of valid, distinct assessment rows for urns 200000.. (one per day per urn)."""
    rows = 0
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(ASSESSMENT_HEADER)
        day = 0
        while f.tell() < 50_000_000:
            on = (date(1900, 1, 1) + timedelta(days=day)).isoformat()
            writer.writerows([f"{200000 + i}", on, *((i + day * b) % 101 for b in range(1, 9))] for i in range(institutions))
            rows += institutions
            day += 1
    return rows


@pytest.mark.slow
def test_a_50_mb_file_imports_with_a_progress_bar(sqlite_cli, tmp_path):
    institutions = 1000
    urns = [list(dict(INSTITUTION, urn=f"{200000 + i}").values()) for i in range(institutions)]
    sqlite_cli.given(tmp_path, "hubs")
    sqlite_cli.imported("institutions", write_csv(tmp_path, "inst.csv", list(INSTITUTION), urns))
    path = tmp_path / "fifty.csv"
    rows = write_50mb_of_assessments(path, institutions)
    assert path.stat().st_size >= 50_000_000

    started = time.perf_counter()
    result = sqlite_cli.ok("import", "assessments", str(path), "--format", "json")
    elapsed = time.perf_counter() - started

    assert f'"recorded": {rows}' in result.stdout
    assert "fifty.csv" in result.stderr and "row/s" in result.stderr and "100%" in result.stderr
    assert event_count(sqlite_cli.database_url) == 1 + institutions + rows
    print(f"50 MB: {rows} rows in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s)")
