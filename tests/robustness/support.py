"""Helpers of the robustness proofs: the counts each proof prints, small CSV factories, and a look
into the event store and the read model. (Not in conftest.py: pytest imports that under its own name,
so state kept there would not be the state the tests see.)"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from engine.application import CareerHub
from engine.backends import SQLiteBackend
from engine.kinds import KINDS
from engine.verify import verify_chain
from projections.runner import Projector
from projections.tables import table_of

SUMMARY: list[str] = []  # one line per proof, printed again at the end of the session
LATE_SUMMARY: list[Callable[[], list[str]]] = []  # lines made at the end, from counts many tests added to


def summary_lines() -> list[str]:
    return SUMMARY + [line for make in LATE_SUMMARY for line in make()]


def report(line: str) -> str:
    """Print a proof's counts now (visible with -s) and again in the session's summary."""
    print(f"\n{line}")
    SUMMARY.append(line)
    return line


# --- CSV files -----------------------------------------------------------------------------------


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def write_csv(folder: Path, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    path = folder / name
    path.write_bytes(csv_bytes(header, rows))
    return path


HUB_HEADER = ["hub_id", "name", "area", "started_on"]
INSTITUTION_HEADER = [
    "urn",
    "name",
    "kind",
    "area",
    "latitude",
    "longitude",
    "ean_joined_on",
    "hub_id",
    "hub_joined_on",
    "disadvantaged",
]
ADVISER_HEADER = ["adviser_ref", "name", "employer", "latitude", "longitude", "capacity", "max_travel_km", "available_from"]
ASSESSMENT_HEADER = ["urn", "assessed_on", *(f"bm{b}" for b in range(1, 9))]


def institution(urn: str, area: str, latitude: float, name: str = "", disadvantaged: bool = False) -> list[str]:
    return [
        urn,
        name or f"School {urn}",
        "school",
        area,
        f"{latitude:.4f}",
        "-2.0000",
        "2019-09-01",
        "dorset",
        "2019-09-01",
        "true" if disadvantaged else "false",
    ]


def adviser(ref: str, latitude: float, capacity: int = 1, name: str = "", employer: str = "Acme") -> list[str]:
    return [ref, name or f"Adviser {ref}", employer, f"{latitude:.4f}", "-2.0000", str(capacity), "40", "2019-09-01"]


# --- looking into a store ------------------------------------------------------------------------


@contextmanager
def opened(database_url: str) -> Iterator[CareerHub]:
    app = CareerHub(database_url)
    try:
        yield app
    finally:
        app.close()


def last_position(database_url: str) -> int:
    with opened(database_url) as app:
        return app.last_position()


def events_after(database_url: str, position: int) -> list[Any]:
    """The domain events recorded after a log position, decoded, in log order."""
    with opened(database_url) as app:
        notifications = app.recorder.select_notifications(start=position, limit=1_000_000, inclusive_of_start=False)
        return [app.mapper.to_domain_event(n) for n in notifications]


def sources_of(events: Iterable[Any]) -> Counter[str]:
    """How many events came from each file (the `source` without its line number)."""
    return Counter(str(getattr(e, "source", None) or "").rsplit(":", 1)[0] for e in events)


def read_model_sources(database_url: str) -> Counter[str]:
    with opened(database_url) as app:
        rows = app.db.query("SELECT source FROM rm_log")
    return Counter((r["source"] or "").rsplit(":", 1)[0] for r in rows)


def read_model_dump(database_url: str) -> dict[str, list[tuple]]:
    """Every rm_* table, the names of their indexes and the tracking position, as sorted tuples (an
    order-free comparison)."""
    with opened(database_url) as app:
        projector = Projector(app)
        dump: dict[str, list[tuple]] = {"position": [(projector.position(),)], "indexes": index_names(app)}
        for table in ("rm_log", *(table_of(kind) for kind in KINDS)):
            rows = app.db.query(f"SELECT * FROM {table}")
            dump[table] = sorted((tuple(sorted(r.items())) for r in rows), key=repr)
        return dump


def index_names(app: CareerHub) -> list[tuple]:
    """The read model's indexes: a crash must not leave one missing (lookups would crawl)."""
    if isinstance(app.db.backend, SQLiteBackend):
        rows = app.db.query(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'rm^_%' ESCAPE '^'"
            " AND name NOT LIKE 'sqlite^_%' ESCAPE '^'"
        )
    else:
        rows = app.db.query(
            "SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND tablename LIKE 'rm^_%' ESCAPE '^'"
        )
    return sorted((r["name"],) for r in rows)


def dump_difference(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> str:
    """The first differences between two dumps, for an assertion message."""
    lines = []
    for table in sorted(set(before) | set(after)):
        left, right = set(before.get(table, [])), set(after.get(table, []))
        if left != right:
            lines.append(
                f"{table}: {len(left - right)} rows only before, {len(right - left)} only after; "
                f"e.g. {sorted(left - right, key=repr)[:1]} / {sorted(right - left, key=repr)[:1]}"
            )
    return "\n".join(lines) or "no difference"


def chain_verifies(database_url: str) -> tuple[bool, str]:
    with opened(database_url) as app:
        verdict = verify_chain(app)
    return verdict.ok, json.dumps({"events": verdict.events, "problem": verdict.problem, "at": verdict.position})


def active_per_adviser(database_url: str) -> dict[str, tuple[int, int]]:
    """adviser_ref -> (current active matches, capacity), from the read model's current rows."""
    with opened(database_url) as app:
        Projector(app).catch_up()
        matches = app.db.query("SELECT adviser_ref FROM rm_matches WHERE nid_to IS NULL AND ended_on IS NULL")
        advisers = app.db.query("SELECT adviser_ref, capacity FROM rm_advisers WHERE nid_to IS NULL")
    load = Counter(m["adviser_ref"] for m in matches)
    return {a["adviser_ref"]: (load[a["adviser_ref"]], a["capacity"]) for a in advisers}
