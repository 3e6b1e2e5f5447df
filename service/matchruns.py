"""Matching as a coordinator does it: snapshot the area as of a day, solve, record the run;
then accept (recording the matches) or reject (which later runs respect)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from importlib.metadata import version
from typing import Any
from uuid import UUID, uuid4

from engine.errors import CareerHubError, InvalidValue, StaleRunError
from engine.matchruns import Allocation, MatchRun
from engine.records import RECORD_CLASSES
from matching.errors import MatchingError, PinError
from matching.schema import Adviser, School, Snapshot, Weights, snapshot_digest, snapshot_from_dict, snapshot_to_dict
from matching.service import result_to_json, solve
from projections.audit import latest_valid_day, logged_payloads
from projections.queries import active_matches, as_known, known_rows, latest_assessments, list_engaged
from service.hub import HubService


def parse_pairs(pairs: list[str] | tuple[str, ...], field: str) -> tuple[tuple[str, str], ...]:
    """(urn, adviser_ref) of each URN=ADVISER_REF; one that is not is an InvalidValue of `field` (pin, forbid)."""
    parsed = []
    for pair in pairs:
        urn, sep, ref = pair.partition("=")
        if not (sep and urn.strip() and ref.strip()):
            raise InvalidValue(field, f"{pair!r} is not a pair: expected URN=ADVISER_REF, e.g. 100001=EA-1")
        parsed.append((urn.strip(), ref.strip()))
    return tuple(parsed)


def rejected_pairs(service: HubService, area: str) -> list[tuple[str, str]]:
    found = logged_payloads(service.db, "MatchRun", "Rejected")
    return [(p["urn"], p["adviser_ref"]) for p in found if p["area"] == area]


def build_snapshot(
    service: HubService, area: str, as_of: date, pins: tuple[tuple[str, str], ...] = (), forbids: tuple[tuple[str, str], ...] = ()
) -> Snapshot:
    """The matcher's input as of the day, from everything recorded so far."""
    db = service.db
    known = as_known(db, None)
    engaged = list_engaged(known, area, as_of)
    matched = {m["urn"] for m in active_matches(known, [e["urn"] for e in engaged], as_of)}
    open_schools = [e for e in engaged if e["urn"] not in matched]
    latest = latest_assessments(known, [s["urn"] for s in open_schools], as_of)
    schools = tuple(
        School(
            urn=s["urn"],
            name=s["name"],
            kind=s["kind"],
            latitude=s["latitude"],
            longitude=s["longitude"],
            disadvantaged=bool(s["disadvantaged"]),
            waiting_days=max(0, (as_of - date.fromisoformat(s["ean_joined_on"])).days),
            benchmarks=tuple(latest[s["urn"]][f"bm{b}"] for b in range(1, 9)) if s["urn"] in latest else None,
        )
        for s in open_schools
    )
    advisers_rows = known_rows(known, "advisers")
    load = Counter(
        m["adviser_ref"]
        for m in known_rows(known, "matches", "matched_on <= ? AND (ended_on IS NULL OR ended_on > ?)", (as_of.isoformat(),) * 2)
    )
    day = as_of.isoformat()
    advisers = tuple(
        Adviser(
            adviser_ref=a["adviser_ref"],
            name=a["name"],
            employer=a["employer"],
            sector=a["sector"],
            skills=tuple(x for x in (a["skills"] or "").split(";") if x),
            latitude=a["latitude"],
            longitude=a["longitude"],
            capacity=a["capacity"],
            active_matches=load[a["adviser_ref"]],
            max_travel_km=a["max_travel_km"],
            available=(a["available_from"] or day) <= day <= (a["available_until"] or day),
            conflicts=frozenset(x for x in (a["conflicts"] or "").split(";") if x),
        )
        for a in advisers_rows
    )
    forbidden = tuple(sorted(set(forbids) | set(rejected_pairs(service, area))))
    return Snapshot(
        area=area, as_of=as_of, schools=schools, advisers=advisers, pins=tuple(pins), forbidden=forbidden, weights=Weights()
    )


def run_view(run: MatchRun) -> dict[str, Any]:
    return {
        "run_id": str(run.id),
        "area": run.area,
        "as_of": run.as_of.isoformat(),
        "inputs_digest": run.inputs_digest,
        **run.result,
        "accepted": dict(run.accepted),
        "rejected": dict(run.rejected),
    }


def propose(
    service: HubService, area: str, as_of: date, pins=(), forbids=(), actor: str = "", today: date | None = None
) -> dict[str, Any]:
    """Solve for the area and record the run (inputs, proposals, solver status, actor); the view warns
    when the run's day is before today or before data already recorded."""
    service.catch_up_with_log()  # the run records its inputs: everything recorded so far
    snapshot = build_snapshot(service, area, as_of, parse_pairs(pins, "pin"), parse_pairs(forbids, "forbid"))
    try:
        result = result_to_json(solve(snapshot))
    except PinError as error:
        raise InvalidValue("pin", str(error)) from None
    except MatchingError as error:
        raise CareerHubError(str(error)) from None
    run = MatchRun.propose(
        uuid4(),
        area,
        as_of,
        snapshot_to_dict(snapshot),
        snapshot_digest(snapshot),
        result,
        f"ortools {version('ortools')}",
        actor,
    )
    service.app.save(run)
    service.catch_up_with_log()
    return {**run_view(run), "warnings": run_warnings(service, run, today or date.today())}


def replay(service: HubService, run_id: str) -> dict[str, Any]:
    """Solve again from the run's recorded inputs: an auditor checks the same proposals come out."""
    run = get_run(service, run_id)
    result = result_to_json(solve(snapshot_from_dict(run.inputs)))
    same = [(p["urn"], p["adviser_ref"]) for p in result["proposals"]] == [
        (p["urn"], p["adviser_ref"]) for p in run.result["proposals"]
    ]
    return {"run_id": str(run.id), "inputs_digest": run.inputs_digest, "same_proposals": same, "replayed": result}


def get_run(service: HubService, run_id: str) -> MatchRun:
    try:
        return service.app.repository.get(UUID(run_id))
    except Exception:  # a malformed id or an unknown run: both mean "no such run" to the user
        raise CareerHubError(f"no match run {run_id!r}") from None


def entity_changes(
    kind: str, key: str, then: dict[str, Any] | None, now: dict[str, Any] | None, allowed_extra_load: int = 0
) -> list[str]:
    if now is None:
        return [f"{kind} {key} is no longer a candidate (matched elsewhere, left the network or no longer available)"]
    then = then or {}
    changes = []
    for field in sorted(set(then) | set(now)):
        before, after = then.get(field), now.get(field)
        if field == "active_matches" and before is not None and after == before + allowed_extra_load:
            continue
        if before != after:
            changes.append(f"{kind} {key}: {field} {before!r} -> {after!r}")
    return changes


def check_still_valid(service: HubService, run: MatchRun, pairs: list[tuple[str, str]]) -> None:
    """Refuse to accept when anything a pair relied on has changed since the run, naming it."""
    current = snapshot_to_dict(build_snapshot(service, run.area, run.as_of))
    recorded = run.inputs
    schools_then = {s["urn"]: s for s in recorded["schools"]}
    schools_now = {s["urn"]: s for s in current["schools"]}
    advisers_then = {a["adviser_ref"]: a for a in recorded["advisers"]}
    advisers_now = {a["adviser_ref"]: a for a in current["advisers"]}
    own_load = Counter(run.accepted.values())
    changes: list[str] = []
    for urn, ref in pairs:
        changes += entity_changes("institution", urn, schools_then.get(urn), schools_now.get(urn))
        changes += entity_changes("adviser", ref, advisers_then.get(ref), advisers_now.get(ref), own_load[ref])
    if changes:
        raise StaleRunError(
            f"run {run.id} is stale; nothing was accepted. Changed since the run: "
            + "; ".join(dict.fromkeys(changes))
            + ". Run the matcher again."
        )


def match_day(run: MatchRun, today: date, as_of_run: bool) -> date:
    """The day accepted matches are valid from: the day they are accepted (a run planned for a later day:
    that day), or the run's own day when the coordinator confirms it (`as_of_run`)."""
    return run.as_of if as_of_run else max(today, run.as_of)


def run_warnings(service: HubService, run: MatchRun, today: date) -> list[str]:
    """What a coordinator must know before accepting: the run looks at a day before today, or before data
    already recorded for later days (which it does not see)."""
    warnings = []
    latest = latest_valid_day(service.db, today)
    if latest and run.as_of.isoformat() < latest:
        warnings.append(
            f"This run is for {run.as_of.isoformat()}, but data valid up to {latest} has been recorded"
            " since; the run does not see it."
        )
    if run.as_of < today:
        warnings.append(
            f"This run is for {run.as_of.isoformat()}, before today ({today.isoformat()}). Accepted"
            f" matches are recorded as valid from today, unless you confirm “record these matches as of"
            f" {run.as_of.isoformat()}”, which changes figures already reported for the days between."
        )
    return warnings


def check_free_on(service: HubService, run: MatchRun, pairs: list[tuple[str, str]], day: date) -> None:
    """On the day the matches start (when it is not the run's), every institution is still engaged and
    without an adviser, and every adviser available with room for the new pairs."""
    db = service.db
    known = as_known(db, None)
    urns = [urn for urn, _ in pairs]
    engaged = {e["urn"] for e in list_engaged(known, run.area, day)}
    busy = {m["urn"] for m in active_matches(known, urns, day)}
    advisers = {a["adviser_ref"]: a for a in known_rows(known, "advisers")}
    load = Counter(
        m["adviser_ref"]
        for m in known_rows(known, "matches", "matched_on <= ? AND (ended_on IS NULL OR ended_on > ?)", (day.isoformat(),) * 2)
    )
    problems = [f"institution {urn} is not engaged on {day}" for urn in urns if urn not in engaged]
    problems += [f"institution {urn} already has an adviser on {day}" for urn in urns if urn in busy]
    for ref, wanted in Counter(ref for _, ref in pairs).items():
        a = advisers.get(ref)
        if a is None or not (a["available_from"] or "") <= day.isoformat() <= (a["available_until"] or "9999"):
            problems.append(f"adviser {ref} is not available on {day}")
        elif load[ref] + wanted > (a["capacity"] or 0):
            problems.append(f"adviser {ref} has no room for {wanted} more on {day}")
    if problems:
        raise StaleRunError(
            f"the matches of run {run.id} cannot start on {day}; nothing was accepted: " + "; ".join(problems) + "."
        )


def accept(
    service: HubService,
    run_id: str,
    only: list[str] | None = None,
    actor: str = "",
    today: date | None = None,
    as_of_run: bool = False,
) -> dict[str, Any]:
    """Record the run's matches (one Match per pair, referencing the run) in one transaction, with a
    claim on each institution and adviser, so concurrent accepts conflict and are re-checked. They are
    valid from `today` (the caller's clock) unless `as_of_run` confirms the run's own day."""
    accepted: list[MatchRun] = []
    today = today or date.today()

    def plan() -> list[Any]:
        run = get_run(service, run_id)
        proposals = run.open_proposals(only)
        if not proposals:
            raise CareerHubError(f"run {run_id} has no open proposals to accept")
        pairs = [(p["urn"], p["adviser_ref"]) for p in proposals]
        # Claims are loaded before the check reads the read model: an accept committed in between is
        # either seen by the check or conflicts with these claims' versions at save.
        allocations = claims(service, pairs, str(run.id), actor)
        service.catch_up_with_log()
        check_still_valid(service, run, pairs)
        day = match_day(run, today, as_of_run)
        if day != run.as_of:
            check_free_on(service, run, pairs, day)
        reason = "accepted from matcher run" + (f", as of the run's day {day} (confirmed)" if as_of_run else "")
        matches = [
            RECORD_CLASSES["matches"].record(
                (urn, ref, day.isoformat()),
                {"urn": urn, "adviser_ref": ref, "matched_on": day, "ended_on": None},
                day,
                actor,
                reason,
                f"match run {run.id}",
            )
            for urn, ref in pairs
        ]
        run.accept(pairs, actor)
        accepted[:] = [run]
        return [run, *matches, *allocations]

    service.app.save_with_retry(plan)
    service.catch_up_with_log()
    return {**run_view(accepted[0]), "matched_on": match_day(accepted[0], today, as_of_run).isoformat()}


def claims(service: HubService, pairs: list[tuple[str, str]], run_id: str, actor: str) -> list[Allocation]:
    claimed = [(f"institution {urn}", f"adviser {ref}") for urn, ref in pairs]
    claimed += [(f"adviser {ref}", f"institution {urn}") for urn, ref in pairs]
    existing = service.app.load_many(Allocation.id_for(subject) for subject, _ in claimed)
    allocations: dict[str, Allocation] = {}
    for subject, partner in claimed:
        allocation = allocations.get(subject) or existing.get(Allocation.id_for(subject)) or Allocation.open(subject)
        allocation.claim(partner, run_id, actor)
        allocations[subject] = allocation
    return list(allocations.values())


def reject(service: HubService, run_id: str, urn: str, reason: str, actor: str) -> dict[str, Any]:
    service.catch_up_with_log()
    run = get_run(service, run_id)
    run.reject(urn, reason, actor)
    service.app.save(run)
    service.catch_up_with_log()
    return run_view(run)
