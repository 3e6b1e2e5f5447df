"""Each institution's standing on a day, as known at a log position, and the events behind it."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from typing import Any

from config.calendar import term_containing
from engine.kinds import BENCHMARKS
from engine.sql import Database
from projections.figures import FUNDING_COUNTS, NO_APPLICATIONS
from projections.queries import (
    Known,
    active_matches,
    active_on,
    by_column,
    get_hubs,
    hub_calendars,
    institutions_in,
    latest_assessments,
    remembered,
)
from projections.tables import unseal_actors, visible

BENCHMARK_COLUMNS = tuple(f"bm{b}" for b in BENCHMARKS)  # an assessment's columns, benchmark 1 first


def standings(
    known: Known, hub_id: str, day: date, cluster: str | None = None, cohort_as_of: date | None = None
) -> dict[str, dict[str, Any]]:
    """urn -> what the report counts about it: membership (of the cohort: the members on
    `cohort_as_of`, when given), EAN, latest assessment, data owed, funding; all as of `day`."""
    return standings_by_hub(known, [hub_id], day, cluster, cohort_as_of)[hub_id]


@dataclass(frozen=True)
class HubFunding:
    """A hub's funding applications made on or before a day: their FUNDING_COUNTS, and the institutions that
    made an institutional one."""

    counts: dict[str, Any]
    institutional_applicants: frozenset[str]


@remembered
def funding_applied(known: Known, hub_ids: list[str], day: date) -> dict[str, HubFunding]:
    """hub id -> its funding applications (every stream) made on or before the day, counted by the database per
    applicant and stream (one statement; a nation's 11,000 applications become some 4,000 rows, a hub's a
    hundred) and added up here: every count of FUNDING_COUNTS is a COUNT or a SUM."""
    among, among_params = known.db.backend.one_of("hub_id", hub_ids)
    on = day.isoformat()
    counts = ", ".join(f"{sql} AS {name}" for name, sql in FUNDING_COUNTS.items())
    days = (on,) * counts.count("?")  # each `?` of the counts is the day
    rows = known.db.query(
        f"SELECT hub_id, applicant, stream, {counts} FROM rm_funding WHERE {visible()} AND {among} AND applied_on <= ?"
        " GROUP BY hub_id, applicant, stream",
        (*days, known.position, known.position, *among_params, on),
    )
    totals = {hub_id: dict(NO_APPLICATIONS) for hub_id in hub_ids}
    applicants: dict[str, set[str]] = {hub_id: set() for hub_id in hub_ids}
    for row in rows:
        its = totals[row["hub_id"]]
        for name in FUNDING_COUNTS:
            its[name] += row[name]
        if row["stream"] == "institutional":
            applicants[row["hub_id"]].add(row["applicant"])
    return {hub_id: HubFunding(totals[hub_id], frozenset(applicants[hub_id])) for hub_id in hub_ids}


def standings_by_hub(
    known: Known, hub_ids: list[str], day: date, cluster: str | None = None, cohort_as_of: date | None = None
) -> dict[str, dict[str, dict[str, Any]]]:
    """hub id -> its standings (see `standings`), for each of `hub_ids`: every fact is read once for
    all of them, so the figures of every hub in the country cost the same few queries as one hub's."""
    hubs = get_hubs(known, hub_ids)
    members = by_column(
        institutions_in(known, "hub_id", hub_ids, active_on(cohort_as_of or day, "hub_joined_on", "hub_left_on"), cluster),
        "hub_id",
    )
    areas = sorted({h["area"] for h in hubs.values()})
    engaged = by_column(institutions_in(known, "area", areas, active_on(day, "ean_joined_on", "ean_left_on"), cluster), "area")
    member_urns = [m["urn"] for rows in members.values() for m in rows]
    matched = {m["urn"]: m for m in active_matches(known, [e["urn"] for rows in engaged.values() for e in rows], day)}
    latest = latest_assessments(known, member_urns, day)
    calendars = hub_calendars(known, hub_ids)
    funding = funding_applied(known, hub_ids, day)
    result = {}
    for hub_id in hub_ids:
        its_members = {m["urn"]: m for m in members.get(hub_id, [])}
        its_engaged = {e["urn"]: e for e in engaged.get(hubs[hub_id]["area"], [])}
        result[hub_id] = hub_standings(
            its_members,
            its_engaged,
            {u: matched[u] for u in its_engaged if u in matched},
            {u: latest[u] for u in its_members if u in latest},
            term_containing(day, calendars[hub_id]).starts_on.isoformat(),
            funding[hub_id].institutional_applicants & its_members.keys(),
        )
    return result


def hub_standings(
    members: dict[str, dict[str, Any]],
    engaged: dict[str, dict[str, Any]],
    matched: dict[str, dict[str, Any]],
    latest: dict[str, dict[str, Any]],
    term_start: str,
    applied: AbstractSet[str],
) -> dict[str, dict[str, Any]]:
    """One hub's standings from the facts read about it (see `standings`): the counting rules. `matched`
    holds its engaged institutions' matches, `latest` its members' assessments, `applied` its members'
    institutional funding applications."""
    result = {}
    for urn in sorted(set(members) | set(engaged)):
        row = members.get(urn) or engaged[urn]
        last = latest.get(urn)
        benchmarks = [last[column] for column in BENCHMARK_COLUMNS] if last else None
        result[urn] = {
            "urn": urn,
            "name": row["name"],
            "member": urn in members,
            "engaged": urn in engaged,
            "matched": urn in matched,
            "matched_with": matched[urn]["adviser_ref"] if urn in matched else None,
            "latest_assessed_on": last["assessed_on"] if last else None,
            "benchmarks": benchmarks,
            "benchmarks_achieved": benchmarks.count(100) if benchmarks is not None else None,
            "data_required": urn in members and (last is None or last["assessed_on"] < term_start),
            "funding_applied": urn in applied,
            "_versions": {"institution": row, "assessment": last, "match": matched.get(urn)},
        }
    return result


def public(standing: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in standing.items() if not k.startswith("_")}


def events_for_versions(db: Database, versions: list[dict[str, Any] | None]) -> list[dict[str, Any]]:
    """The log rows of the events that made these version rows the known truth."""
    nids = sorted({v["nid_from"] for v in versions if v})
    if not nids:
        return []
    among, params = db.backend.one_of("nid", nids)
    columns = "nid, recorded_at, actor, reason, kind, event, record_key, source"
    return unseal_actors(db.query(f"SELECT {columns} FROM rm_log WHERE {among} ORDER BY nid", params), db.sealer)
