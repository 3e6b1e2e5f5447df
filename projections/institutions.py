"""Each institution's standing on a day, as known at a log position, and the events behind it."""
from __future__ import annotations

from datetime import date
from typing import Any

from config.calendar import term_containing
from engine.kinds import BENCHMARKS
from engine.sql import Database
from projections.queries import (
    Known,
    active_matches,
    get_hub,
    hub_calendar,
    in_list,
    known_rows,
    latest_assessments,
    list_engaged,
    list_members,
)
from projections.tables import unseal_actors


def standings(known: Known, hub_id: str, day: date, cluster: str | None = None,
              cohort_as_of: date | None = None) -> dict[str, dict[str, Any]]:
    """urn -> what the report counts about it: membership (of the cohort: the members on
    `cohort_as_of`, when given), EAN, latest assessment, data owed, funding; all as of `day`."""
    hub = get_hub(known, hub_id)
    members = {m["urn"]: m for m in list_members(known, hub_id, cohort_as_of or day, cluster)}
    engaged = {e["urn"]: e for e in list_engaged(known, hub["area"], day, cluster)}
    matched = {m["urn"]: m for m in active_matches(known, list(engaged), day)}
    latest = latest_assessments(known, list(members), day)
    term_start = term_containing(day, hub_calendar(known, hub_id)).starts_on.isoformat()
    applied = {r["applicant"] for r in known_rows(
        known, "funding",
        f"hub_id = ? AND stream = 'institutional' AND applied_on <= ? AND applicant IN ({in_list(list(members))})",
        (hub_id, day.isoformat(), *members))}
    result = {}
    for urn in sorted(set(members) | set(engaged)):
        row = members.get(urn) or engaged[urn]
        last = latest.get(urn)
        result[urn] = {
            "urn": urn, "name": row["name"], "member": urn in members, "engaged": urn in engaged,
            "matched": urn in matched, "matched_with": matched[urn]["adviser_ref"] if urn in matched else None,
            "latest_assessed_on": last["assessed_on"] if last else None,
            "benchmarks": [last[f"bm{b}"] for b in BENCHMARKS] if last else None,
            "benchmarks_achieved": sum(last[f"bm{b}"] == 100 for b in BENCHMARKS) if last else None,
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
    return unseal_actors(db.query(f"SELECT nid, recorded_at, actor, reason, kind, event, record_key, source FROM rm_log"
                                  f" WHERE nid IN ({in_list([str(n) for n in nids])}) ORDER BY nid", nids), db.sealer)
