"""Small factories for the core tests: CSV files, a command-line runner, and a look into the store."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli import main
from engine.application import CareerHub
from projections.runner import Projector
from projections.tables import table_of

# One valid file per KIND (DATA.md §2), in the order their references need.
HUB = {"hub_id": "dorset", "name": "Dorset Careers Hub", "area": "Dorset", "started_on": "2019-09-01"}
INSTITUTION = {
    "urn": "100001",
    "name": "Castle School",
    "kind": "school",
    "area": "Dorset",
    "postcode": "DT1 1AA",
    "latitude": "50.71",
    "longitude": "-2.44",
    "cluster": "west",
    "ean_joined_on": "2019-09-01",
    "ean_left_on": "",
    "hub_id": "dorset",
    "hub_joined_on": "2019-09-01",
    "hub_left_on": "",
    "disadvantaged": "true",
}
ADVISER = {
    "adviser_ref": "EA-1",
    "name": "Ada Byron",
    "employer": "Analytical Engines Ltd",
    "sector": "engineering",
    "skills": "stem;mentoring",
    "postcode": "DT2 2BB",
    "latitude": "50.70",
    "longitude": "-2.40",
    "capacity": "2",
    "max_travel_km": "25",
    "available_from": "2019-09-01",
    "available_until": "2021-08-31",
    "conflicts": "",
}
ASSESSMENT_HEADER = ["urn", "assessed_on", *(f"bm{b}" for b in range(1, 9))]

VALID: dict[str, tuple[list[str], list[list[str]]]] = {
    "hubs": (list(HUB), [list(HUB.values())]),
    "institutions": (
        list(INSTITUTION),
        [
            list(INSTITUTION.values()),
            [
                "100002",
                "Harbour College",
                "college",
                "Dorset",
                "",
                "",
                "",
                "east",
                "2020-01-01",
                "",
                "dorset",
                "2020-01-01",
                "",
                "false",
            ],
        ],
    ),
    "advisers": (list(ADVISER), [list(ADVISER.values())]),
    "matches": (["urn", "adviser_ref", "matched_on", "ended_on"], [["100001", "EA-1", "2019-10-01", ""]]),
    "assessments": (
        ASSESSMENT_HEADER,
        [
            ["100001", "2019-10-15", "100", "50", "0", "100", "100", "20", "30", "100"],
            ["100002", "2020-02-01", "10", "20", "30", "40", "50", "60", "70", "80"],
        ],
    ),
    "encounters": (
        ["encounter_ref", "urn", "occurred_on", "kind", "provider", "year_groups", "students"],
        [
            ["ENC-1", "100001", "2019-11-05", "employer_encounter", "Analytical Engines Ltd", "9;10", "120"],
            ["", "100002", "2020-02-10", "workplace_experience", "Harbour Hotel", "12", "8"],
        ],
    ),
    "funding": (
        [
            "application_ref",
            "hub_id",
            "stream",
            "applicant",
            "amount_requested",
            "applied_on",
            "focus",
            "decision",
            "decided_on",
            "amount_awarded",
        ],
        [
            ["F-1", "dorset", "institutional", "100001", "1500", "2019-10-01", "bm5;bm6", "approved", "2019-11-01", "1200"],
            ["F-2", "dorset", "collaborative", "west", "4000", "2019-10-02", "", "", "", ""],
        ],
    ),
    "targets": (
        ["hub_id", "academic_year", "metric", "value"],
        [
            ["dorset", "2019/20", "average_benchmarks", "4.5"],
            ["dorset", "2019/20", "bm5_percent", "80"],
        ],
    ),
    "national": (
        ["metric", "published_on", "value", "academic_year"],
        [
            ["average_benchmarks", "2020-03-01", "3.9", "2018/19"],
        ],
    ),
}
PREREQUISITES: dict[str, tuple[str, ...]] = {
    "hubs": (),
    "national": (),
    "targets": ("hubs",),
    "institutions": ("hubs",),
    "advisers": ("hubs", "institutions"),
    "matches": ("hubs", "institutions", "advisers"),
    "assessments": ("hubs", "institutions"),
    "encounters": ("hubs", "institutions"),
    "funding": ("hubs", "institutions"),
}
KINDS = tuple(VALID)


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(folder: Path, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8") -> Path:
    """A CSV file in `folder` (UTF-8 unless told; 'utf-8-sig' writes a BOM)."""
    path = folder / name
    path.write_bytes(csv_text(header, rows).encode(encoding))
    return path


def write_valid(folder: Path, kind: str) -> Path:
    header, rows = VALID[kind]
    return write_csv(folder, f"{kind}.csv", header, rows)


def assessment_row(urn: str, assessed_on: str, *percents: int) -> list[str]:
    values = list(percents) + [50] * (8 - len(percents))
    return [urn, assessed_on, *(str(p) for p in values)]


@dataclass
class Cli:
    """The `careerhub` command run in-process against one store."""

    database_url: str
    runner: CliRunner

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        command, *rest = args
        if command in ("import", "retract", "log", "history", "report"):
            args = (command, "--database-url", self.database_url, *rest)
        elif command == "projections":
            args = (command, rest[0], "--database-url", self.database_url, *rest[1:])
        return self.runner.invoke(main, list(args), env=env, catch_exceptions=True)

    def ok(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run, and fail the test with everything the command said unless it exited 0."""
        result = self(*args, env=env)
        assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
        return result

    def imported(self, kind: str, path: Path, *options: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        """Import a file and return its JSON summary."""
        result = self.ok("import", kind, str(path), "--format", "json", *options, env=env)
        return json.loads(result.stdout)

    def given(self, folder: Path, *kinds: str) -> None:
        """Import the valid sample file of each kind, with what it refers to first."""
        done: set[str] = set()
        for kind in kinds:
            for needed in (*PREREQUISITES[kind], kind):
                if needed not in done:
                    self.imported(needed, write_valid(folder, needed))
                    done.add(needed)

    def log(self, *filters: str) -> list[dict[str, Any]]:
        """`careerhub log --format jsonl`, each line parsed as strict JSON (no NaN or Infinity)."""
        result = self.ok("log", "--format", "jsonl", *filters)
        return [json.loads(line, parse_constant=not_json) for line in result.stdout.splitlines() if line.strip()]


def not_json(token: str) -> None:
    raise ValueError(f"{token} is not JSON")


@contextmanager
def opened(database_url: str) -> Iterator[CareerHub]:
    app = CareerHub(database_url)
    try:
        yield app
    finally:
        app.close()


def event_count(database_url: str) -> int:
    with opened(database_url) as app:
        return int(app.db.scalar("SELECT COUNT(*) FROM event_log"))


def read_model_dump(database_url: str) -> dict[str, list[tuple]]:
    """Every rm_* table and the tracking position, as sorted tuples (order-free comparison)."""
    with opened(database_url) as app:
        projector = Projector(app)
        dump = {"position": [(projector.position(),)]}
        for table in ("rm_log", *(table_of(kind) for kind in KINDS)):
            rows = app.db.query(f"SELECT * FROM {table}")
            dump[table] = sorted((tuple(sorted(r.items())) for r in rows), key=repr)
        return dump


def without_env(*names: str) -> dict[str, str]:
    """An environment for CliRunner in which these variables are unset."""
    return {name: None for name in names if name in os.environ}  # type: ignore[misc]
