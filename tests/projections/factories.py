"""Small factories for the projection tests: import rows of each KIND through the real import path
(HubService.import_file with CSV bytes) and read the report back."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli import main
from config.settings import load_settings
from engine.importing.importer import ImportSummary
from engine.kinds import KINDS
from projections.report import Query, hub_report
from projections.runner import Projector
from projections.tables import table_of
from service.hub import HubService

HUB, AREA = "north", "Northshire"
# Every key of the hub report's JSON that DATA.md §3 names.
CONTRACT_KEYS = {
    "hub_id",
    "as_of",
    "known_at",
    "term",
    "institutions",
    "assessed",
    "data_required",
    "average_benchmarks",
    "fully_achieved_percent",
    "ean",
    "funding",
    "targets",
    "national",
}
ADVISER = "EA-1"
Row = dict[str, Any]


def now() -> datetime:
    """A moment between two imports (recording times come from the clock; we never sleep)."""
    return datetime.now(UTC)


def d(text: str) -> date:
    return date.fromisoformat(text)


# --- rows of each KIND (DATA.md §2), every column present so a re-import is a correction ----------


def hub(hub_id: str = HUB, area: str = AREA, **fields: Any) -> Row:
    return {"hub_id": hub_id, "name": f"{hub_id.title()} Careers Hub", "area": area, "started_on": "2018-09-01", **fields}


def institution(urn: str, **fields: Any) -> Row:
    """A school of HUB in AREA, a hub member and EAN-engaged since 1 Sep 2018 unless told."""
    return {
        "urn": urn,
        "name": f"School {urn}",
        "kind": "school",
        "area": AREA,
        "postcode": "",
        "latitude": "",
        "longitude": "",
        "cluster": "",
        "ean_joined_on": "2018-09-01",
        "ean_left_on": "",
        "hub_id": HUB,
        "hub_joined_on": "2018-09-01",
        "hub_left_on": "",
        "disadvantaged": "false",
        **fields,
    }


def assessment(urn: str, assessed_on: str, achieved: Sequence[int] = (), **percents: int) -> Row:
    """An assessment with the `achieved` benchmarks at 100 and the others at 50 (or as given)."""
    values = {f"bm{b}": 100 if b in achieved else 50 for b in range(1, 9)}
    values.update(percents)
    return {"urn": urn, "assessed_on": assessed_on, **values}


def adviser(ref: str = ADVISER, **fields: Any) -> Row:
    return {"adviser_ref": ref, "name": f"Adviser {ref}", "capacity": "5", **fields}


def match(urn: str, matched_on: str, ended_on: str = "", adviser_ref: str = ADVISER) -> Row:
    return {"urn": urn, "adviser_ref": adviser_ref, "matched_on": matched_on, "ended_on": ended_on}


def funding(
    ref: str,
    applicant: str,
    applied_on: str,
    stream: str = "institutional",
    decision: str = "",
    decided_on: str = "",
    amount_awarded: Any = "",
    hub_id: str = HUB,
    amount_requested: Any = 1000,
) -> Row:
    return {
        "application_ref": ref,
        "hub_id": hub_id,
        "stream": stream,
        "applicant": applicant,
        "amount_requested": amount_requested,
        "applied_on": applied_on,
        "focus": "",
        "decision": decision,
        "decided_on": decided_on,
        "amount_awarded": amount_awarded,
    }


def target(academic_year: str, metric: str, value: float, hub_id: str = HUB) -> Row:
    return {"hub_id": hub_id, "academic_year": academic_year, "metric": metric, "value": value}


def national(metric: str, published_on: str, value: float, academic_year: str = "") -> Row:
    return {"metric": metric, "published_on": published_on, "value": value, "academic_year": academic_year}


def encounter(
    ref: str, urn: str, occurred_on: str, kind: str = "employer_encounter", year_groups: str = "", students: Any = ""
) -> Row:
    return {
        "encounter_ref": ref,
        "urn": urn,
        "occurred_on": occurred_on,
        "kind": kind,
        "provider": "",
        "year_groups": year_groups,
        "students": students,
    }


def csv_bytes(rows: Sequence[Row]) -> bytes:
    header = list(rows[0])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        assert list(row) == header, "rows of one file share one header"
        writer.writerow(["" if row[c] is None else str(row[c]) for c in header])
    return out.getvalue().encode()


# --- a store fed through the import path ---------------------------------------------------------


@dataclass
class World:
    """One fresh store; `load` imports rows, `report` reads the hub report from the read model."""

    database_url: str
    actor: str = "tester"
    service: HubService = field(init=False)
    files: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.service = HubService(load_settings(self.database_url, self.actor))

    @property
    def db(self):
        return self.service.db

    def load(self, kind: str, *rows: Row, actor: str | None = None, reason: str | None = None) -> ImportSummary:
        self.files += 1
        path = Path(f"{self.files:03d}-{kind}.csv")
        return self.service.import_file(kind, path, actor or self.actor, reason, data=csv_bytes(rows))

    def given_hub(self, *members: Row, area: str = AREA) -> None:
        """A hub (HUB) and, if given, its institutions."""
        self.load("hubs", hub(area=area))
        if members:
            self.load("institutions", *members)

    def retract(self, kind: str, *key: str, actor: str | None = None, reason: str = "entered by mistake") -> int:
        return self.service.retract(kind, key, actor or self.actor, reason)

    def report(
        self,
        as_of: str,
        known_at: datetime | None = None,
        cluster: str | None = None,
        cohort_as_of: str | None = None,
        hub_id: str = HUB,
    ) -> dict[str, Any]:
        self.service.refresh()
        cohort = d(cohort_as_of) if cohort_as_of else None
        return hub_report(self.db, Query(hub_id, d(as_of), known_at, cluster, cohort)).to_json()

    def dump(self) -> dict[str, list[tuple]]:
        return read_model_dump(self.service)

    def close(self) -> None:
        self.service.close()


# --- a shared scenario -----------------------------------------------------------------------------


def given_two_academic_years(world: World) -> None:
    """Members A and B since 2018; A matched from 15 Sep 2019; termly-ish returns over 2018/19 and 2019/20."""
    world.given_hub(institution("A"), institution("B"))
    world.load("advisers", adviser())
    world.load("matches", match("A", "2019-09-15"))
    world.load("targets", target("2019/20", "average_benchmarks", 4), target("2019/20", "bm5_percent", 75))
    world.load("national", national("average_benchmarks", "2019-01-15", 2.5))
    world.load(
        "assessments",
        assessment("A", "2018-10-01", achieved=(1,)),
        assessment("B", "2018-11-01"),
        assessment("A", "2019-02-01", achieved=(1, 2)),
        assessment("A", "2019-05-01", achieved=(1, 2, 5)),
        assessment("B", "2019-06-01", achieved=(5, 6)),
        assessment("A", "2019-10-01", achieved=(1, 2, 3, 5)),
        assessment("B", "2020-02-01", achieved=(5, 6, 7)),
        assessment("A", "2020-05-01", achieved=range(1, 7)),
    )


@dataclass
class Moments:
    t1: datetime
    t2: datetime


def given_two_rounds_of_imports(world: World) -> Moments:
    """Alice's autumn returns by T1; Bob's corrections and late returns by T2; a spring return after T2."""
    world.load("hubs", {"hub_id": HUB, "name": "North", "area": "Northshire", "started_on": ""}, actor="alice")
    world.load("institutions", institution("A"), institution("B"), institution("C"), actor="alice", reason="roll")
    world.load(
        "assessments",
        assessment("A", "2019-10-01", achieved=(1,)),
        assessment("B", "2019-10-02", achieved=(1, 2, 5)),
        assessment("C", "2019-06-01", achieved=(5,)),
        actor="alice",
        reason="autumn returns",
    )
    t1 = now()
    world.load(
        "assessments",
        assessment("A", "2019-10-01", achieved=(1, 2, 3, 5)),
        assessment("C", "2019-11-15", achieved=(5, 6)),
        actor="bob",
        reason="late returns",
    )
    world.load("institutions", institution("B", hub_left_on="2019-11-30"), actor="bob", reason="B left the hub")
    world.retract("assessments", "C", "2019-06-01", actor="carol", reason="entered for the wrong school")
    t2 = now()
    world.load("assessments", assessment("A", "2019-12-20", achieved=range(1, 9)), actor="dan", reason="spring")
    return Moments(t1, t2)


def read_model_dump(service: HubService) -> dict[str, list[tuple]]:
    """Every rm_* table and the tracking position, as sorted tuples (order-free comparison)."""
    dump: dict[str, list[tuple]] = {"position": [(Projector(service.app).position(),)]}
    for table in ("rm_log", *(table_of(kind) for kind in KINDS)):
        rows = service.db.query(f"SELECT * FROM {table}")
        dump[table] = sorted((tuple(sorted(r.items())) for r in rows), key=repr)
    return dump


@dataclass
class Cli:
    """The `careerhub` command run in-process against one store."""

    database_url: str
    runner: CliRunner = field(default_factory=CliRunner)

    def __call__(self, command: str, *args: str) -> Result:
        return self.runner.invoke(main, [command, "--database-url", self.database_url, *args], catch_exceptions=True)

    def ok(self, command: str, *args: str) -> Result:
        result = self(command, *args)
        assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}\n{result.exception!r}"
        return result

    def json(self, command: str, *args: str) -> Any:
        return json.loads(self.ok(command, *args, "--format", "json").stdout)
