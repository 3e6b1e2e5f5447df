"""Point-in-time reads over the read model: rows valid on a day, as known at a log position."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache, wraps
from typing import Any, ParamSpec, TypeVar

from config.values import KnowledgePoint
from engine.errors import CareerHubError
from engine.sql import Database
from engine.store import format_recorded_at
from projections.changes import EVERY_HUB, scope
from projections.tables import table_of, unseal_rows, visible


def position_at(db: Database, known_at: KnowledgePoint | datetime | None) -> int:
    """The last log position known at `known_at`: a log position itself, or the last one recorded at or
    before a moment (everything, if None). A position not yet recorded is refused: its answer would change."""
    if isinstance(known_at, KnowledgePoint):
        if known_at.position is None:
            return position_at(db, known_at.moment)
        last = log_head(db)
        if known_at.position > last:
            raise CareerHubError(f"log position {known_at.position} has not been recorded yet (the log ends at {last})")
        return known_at.position
    if known_at is None:
        return log_head(db)
    # ORDER BY ... LIMIT 1 walks the (recorded_at, nid) index from the end; MAX(nid) WHERE would scan.
    return (
        db.scalar(
            "SELECT nid FROM rm_log WHERE recorded_at <= ? ORDER BY recorded_at DESC, nid DESC LIMIT 1",
            (format_recorded_at(known_at),),
        )
        or 0
    )


LOG_HEAD = "SELECT COALESCE(MAX(nid), 0) FROM rm_log"  # asked first by every request's snapshot (service.hub.Reading)


def log_head(db: Database) -> int:
    """The last log position the read model holds (in a read snapshot, asked once)."""
    return int(db.asked_once(LOG_HEAD))


@dataclass(frozen=True)
class Known:
    """The read model as known at one log position, read through one handle (a request's snapshot): what
    every point-in-time query takes. Equal handles at equal positions give equal answers (answers are cached)."""

    db: Database
    position: int


def as_known(db: Database, point: KnowledgePoint | datetime | None) -> Known:
    """The read model as known at a knowledge point (see position_at); everything recorded, if None."""
    return Known(db, position_at(db, point))


P = ParamSpec("P")
R = TypeVar("R")


def remembered(query: Callable[P, R]) -> Callable[P, R]:
    """A query of what no redaction can change (kinds with no personal field, dates of the log), kept by
    this process per (Known, arguments): the log is append-only, so the answer at a log position never
    changes. A page's reports ask the same questions of one position several times
    (members on the day, the year end's facts). The answer is shared: callers must not change it."""
    kept = lru_cache(maxsize=4096)(query)

    @wraps(query)
    def ask(*args: Any, **kwargs: Any) -> Any:
        return kept(*(tuple(a) if isinstance(a, list) else a for a in args), **kwargs)

    return ask  # type: ignore[return-value]  # the same parameters; lists are passed on as tuples


def known_rows(
    known: Known, kind: str, where: str = "", params: tuple = (), columns: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Current versions, as known, of the records of `kind` matching `where`: every column, or only `columns`."""
    condition = visible() + (f" AND ({where})" if where else "")
    selected = ", ".join(columns) or "*"
    rows = known.db.query(f"SELECT {selected} FROM {table_of(kind)} WHERE {condition}", (known.position, known.position, *params))
    return unseal_rows(kind, rows, known.db.sealer)


def active_on(day: date, start: str, end: str) -> tuple[str, tuple[str, str]]:
    """SQL for 'start <= day and (end absent or end > day)' (DATA.md §3 membership and matches)."""
    return f"{start} <= ? AND ({end} IS NULL OR {end} > ?)", (day.isoformat(), day.isoformat())


def get_hub(known: Known, hub_id: str) -> dict[str, Any]:
    return get_hubs(known, [hub_id])[hub_id]


@remembered
def get_hubs(known: Known, hub_ids: list[str]) -> dict[str, dict[str, Any]]:
    """hub id -> the hub, for each of `hub_ids`; an unknown one is an error."""
    hubs = {r["hub_id"]: r for r in known_rows(known, "hubs", *known.db.backend.one_of("hub_id", hub_ids))}
    if missing := [h for h in hub_ids if h not in hubs]:
        raise CareerHubError(f"no hub {missing[0]!r} is known" + (" at that moment" if known.position else ""))
    return hubs


@remembered
def all_hubs(known: Known) -> list[dict[str, Any]]:
    """Every hub, by id (every page's navigation asks)."""
    return sorted(known_rows(known, "hubs"), key=lambda h: h["hub_id"])


def settled_position(known: Known, hub_id: str, day: date) -> int:
    """The last log position, up to the known one, at which anything the hub's report as of the day reads
    may have changed (projections/changes.py): the report known at it is the report known now."""
    on, position = day.isoformat(), known.position
    return max((min(last, position) for first_day, last in hub_changes(known, hub_id) if first_day <= on), default=position)


@remembered
def hub_changes(known: Known, hub_id: str) -> list[tuple[str, int]]:
    """(earliest day, last position) of each batch of changes up to the known position that reaches the hub:
    a few hundred rows at national scale, read once per position for every day a page asks about."""
    area = get_hub(known, hub_id)["area"]
    rows = known.db.query(
        "SELECT first_day, last_nid FROM rm_changes WHERE scope IN (?, ?, ?) AND first_nid <= ?",
        (scope("hub_id", hub_id), scope("area", area), EVERY_HUB, known.position),
    )
    return [(row["first_day"], int(row["last_nid"])) for row in rows]


def all_hub_ids(known: Known) -> list[str]:
    return [h["hub_id"] for h in all_hubs(known)]


def list_members(known: Known, hub_id: str, day: date, cluster: str | None = None) -> list[dict[str, Any]]:
    """Hub members on the day (DATA.md §3), by URN."""
    return institutions_in(known, "hub_id", [hub_id], active_on(day, "hub_joined_on", "hub_left_on"), cluster)


def list_engaged(known: Known, area: str, day: date, cluster: str | None = None) -> list[dict[str, Any]]:
    """Institutions of the area engaged with the EAN on the day (DATA.md §3), by URN."""
    return institutions_in(known, "area", [area], active_on(day, "ean_joined_on", "ean_left_on"), cluster)


@remembered
def institutions_in(
    known: Known, column: str, values: list[str], active: tuple[str, tuple[str, str]], cluster: str | None
) -> list[dict[str, Any]]:
    """Institutions whose `column` holds one of `values` and which are `active`, by URN."""
    condition, params = active
    among, among_params = known.db.backend.one_of(column, values)
    where = f"{among} AND {condition}"
    args: tuple[Any, ...] = (*among_params, *params)
    if cluster:
        where, args = where + " AND cluster = ?", (*args, cluster)
    return sorted(known_rows(known, "institutions", where, args), key=lambda r: r["urn"])


@remembered
def active_matches(known: Known, urns: list[str], day: date) -> list[dict[str, Any]]:
    condition, params = active_on(day, "matched_on", "ended_on")
    among, among_params = known.db.backend.one_of("urn", urns)
    return known_rows(known, "matches", f"{among} AND {condition}", (*among_params, *params))


@remembered
def latest_assessments(known: Known, urns: list[str], day: date) -> dict[str, dict[str, Any]]:
    """Each institution's assessment with the greatest assessed_on <= day (its latest correction)."""
    if not urns:
        return {}
    # Per institution, its latest day by one walk down the (urn, assessed_on) index, then that row. Both
    # backends keep this plan; a GROUP BY over the IN list made PostgreSQL scan the table (5.3 against
    # 1.4 ms for a hub of 104 schools at 1M events; SQLite 1.8 against 0.4 ms).
    each_urn, urn_params = known.db.backend.text_rows(urns)
    rows = known.db.query(
        f"SELECT a.* FROM (SELECT u.column1 AS urn, (SELECT MAX(b.assessed_on) FROM rm_assessments b"
        f" WHERE b.urn = u.column1 AND b.assessed_on <= ? AND {visible('b')}) AS latest"
        f" FROM {each_urn} AS u) m"
        f" JOIN rm_assessments a ON a.urn = m.urn AND a.assessed_on = m.latest WHERE {visible('a')}",
        (day.isoformat(), known.position, known.position, *urn_params, known.position, known.position),
    )
    return {row["urn"]: row for row in unseal_rows("assessments", rows, known.db.sealer)}


def hub_calendar(known: Known, hub_id: str) -> dict[tuple[str, str], tuple[date, date]]:
    """The hub's own term dates (the `terms` import), keyed by (academic year, term)."""
    return hub_calendars(known, [hub_id])[hub_id]


@remembered
def hub_calendars(known: Known, hub_ids: list[str]) -> dict[str, dict[tuple[str, str], tuple[date, date]]]:
    """hub id -> its calendar (see hub_calendar), for each of `hub_ids`."""
    calendars: dict[str, dict[tuple[str, str], tuple[date, date]]] = {h: {} for h in hub_ids}
    for r in known_rows(known, "terms", *known.db.backend.one_of("hub_id", hub_ids)):
        calendars[r["hub_id"]][(r["academic_year"], r["term"])] = (
            date.fromisoformat(r["starts_on"]),
            date.fromisoformat(r["ends_on"]),
        )
    return calendars


def by_column(rows: list[dict[str, Any]], column: str) -> dict[Any, list[dict[str, Any]]]:
    """Rows grouped by one column's value, each group in the rows' order."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row[column], []).append(row)
    return groups
