"""Concurrency: several careerhub processes write the same institutions and advisers at once, on
SQLite and on PostgreSQL. No event is lost or recorded twice (every row of every file exactly once,
corrections counted), no adviser ever has more active matches than its capacity, and every conflict
reaches its user: a losing import re-plans and succeeds, a losing accept exits non-zero with a
StaleRunError naming what changed. Never a traceback, never silence."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import date
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any

import psycopg
import pytest

from config.settings import load_settings
from service import matchruns
from service.hub import HubService
from tests.robustness.harness import Outcome, Pause, Race, finish, ok, run, run_accept, run_cli, start
from tests.robustness.support import (
    ADVISER_HEADER,
    HUB_HEADER,
    INSTITUTION_HEADER,
    active_per_adviser,
    adviser,
    chain_verifies,
    csv_bytes,
    dump_difference,
    events_after,
    institution,
    last_position,
    opened,
    read_model_dump,
    report,
    write_csv,
)

AS_OF = date(2020, 2, 2)
STALE = re.compile(
    r"^StaleRunError: run \S+ is stale; nothing was accepted\. Changed since the run: (.+)\. "
    r"Run the matcher again\.$"
)


def racing(forkserver: ForkServerContext, folder: Path, racers: list[tuple[Any, tuple]]) -> list[Outcome]:
    """Start every racer; each opens the store (one at a time), then all go at once from a barrier."""
    race = Race(forkserver.Barrier(len(racers), timeout=120), forkserver.Lock())
    started = time.monotonic()
    processes = [
        (start(forkserver, folder / f"racer-{i}", target, *args, race), folder / f"racer-{i}")
        for i, (target, args) in enumerate(racers)
    ]
    return [finish(process, where, started) for process, where in processes]


def service_for(database_url: str) -> HubService:
    return HubService(load_settings(database_url, "setup"))


def imported(service: HubService, kind: str, name: str, header: list[str], rows: list[list[str]]) -> None:
    service.import_file(kind, Path(name), "setup", data=csv_bytes(header, rows))


def rebuild_equals_incremental(database_url: str) -> None:
    incremental = read_model_dump(database_url)
    with opened(database_url) as app:
        from projections.runner import Projector

        Projector(app).rebuild()
    rebuilt = read_model_dump(database_url)
    assert rebuilt == incremental, dump_difference(incremental, rebuilt)
    verified, why = chain_verifies(database_url)
    assert verified, why


# --- racing imports ------------------------------------------------------------------------------

SHARED, DIFFERING, OWN = 60, 20, 10  # institutions per file: in every file, of which differ per file, only here
INSTITUTION_FILES, ADVISER_FILES = 4, 3
SHARED_ADVISERS, DIFFERING_ADVISERS, OWN_ADVISERS = 30, 10, 5


def institutions_file(folder: Path, i: int) -> Path:
    rows = [
        institution(f"6{n:04d}", "Race", 50.7, name=f"School {n}" + (f" v{i}" if n < DIFFERING else "")) for n in range(SHARED)
    ]
    rows += [institution(f"7{i}{n:03d}", "Race", 50.7) for n in range(OWN)]
    return write_csv(folder, f"institutions-{i}.csv", INSTITUTION_HEADER, rows)


def advisers_file(folder: Path, i: int) -> Path:
    rows = [
        adviser(f"EA-S{n}", 50.7, employer="Acme" + (f" v{i}" if n < DIFFERING_ADVISERS else "")) for n in range(SHARED_ADVISERS)
    ]
    rows += [adviser(f"EA-{i}-{n}", 50.7) for n in range(OWN_ADVISERS)]
    return write_csv(folder, f"advisers-{i}.csv", ADVISER_HEADER, rows)


def expected_counts(files: int, shared: int, differing: int, own: int) -> dict[str, int]:
    """Whatever order the files commit in: each key recorded once, each later file corrects the
    differing keys, and leaves the rest of the shared keys unchanged."""
    return {
        "Recorded": shared + files * own,
        "Corrected": (files - 1) * differing,
        "unchanged": (files - 1) * (shared - differing),
    }


def topic_counts(database_url: str, after: int) -> tuple[Counter[str], Counter[str]]:
    """Events per 'Kind.Event' and Recorded events per aggregate, since a log position."""
    events = events_after(database_url, after)
    return (
        Counter(type(e).__qualname__ for e in events),
        Counter(str(e.originator_id) for e in events if type(e).__name__ == "Recorded"),
    )


def test_given_processes_importing_the_same_institutions_and_advisers_at_once_then_every_row_is_recorded_once(
    forkserver, database_url, tmp_path
):
    started = time.monotonic()
    service = service_for(database_url)
    imported(service, "hubs", "hubs.csv", HUB_HEADER, [["dorset", "Dorset Careers Hub", "Dorset", "2019-09-01"]])
    service.close()
    before = last_position(database_url)
    files = [("institutions", institutions_file(tmp_path, i)) for i in range(INSTITUTION_FILES)]
    files += [("advisers", advisers_file(tmp_path, i)) for i in range(ADVISER_FILES)]

    finished = racing(
        forkserver,
        tmp_path,
        [(run_cli, (["import", kind, str(path), "--format", "json", "--database-url", database_url],)) for kind, path in files],
    )

    assert [f.exitcode for f in finished] == [0] * len(files), [f.stderr for f in finished if f.exitcode]
    summaries = [json.loads(f.stdout) for f in finished]
    topics, recorded_per_aggregate = topic_counts(database_url, before)
    expected = {
        "institutions": expected_counts(INSTITUTION_FILES, SHARED, DIFFERING, OWN),
        "advisers": expected_counts(ADVISER_FILES, SHARED_ADVISERS, DIFFERING_ADVISERS, OWN_ADVISERS),
    }
    classes = {"institutions": "Institution", "advisers": "EnterpriseAdviser"}
    for kind, counts in expected.items():
        mine = [s for s in summaries if s["kind"] == kind]
        assert topics[f"{classes[kind]}.Recorded"] == counts["Recorded"]
        assert topics[f"{classes[kind]}.Corrected"] == counts["Corrected"]
        assert sum(s["recorded"] for s in mine) == counts["Recorded"] + counts["Corrected"]
        assert sum(s["unchanged"] for s in mine) == counts["unchanged"]
    assert set(recorded_per_aggregate.values()) == {1}  # no key recorded twice
    assert sum(topics.values()) == last_position_count(database_url, before)
    with opened(database_url) as app:
        from projections.runner import Projector

        Projector(app).catch_up()
        logged = Counter(r["nid"] for r in app.db.query("SELECT nid FROM rm_log WHERE nid > ?", (before,)))
    assert len(logged) == sum(topics.values()) and set(logged.values()) == {1}
    rebuild_equals_incremental(database_url)
    backend = database_url.split(":")[0]
    report(
        f"concurrency imports [{backend}]: {len(files)} processes at once ({INSTITUTION_FILES} institutions, "
        f"{ADVISER_FILES} advisers files, {sum(s['rows'] for s in summaries)} rows), all exit 0; "
        f"Recorded {topics['Institution.Recorded']}+{topics['EnterpriseAdviser.Recorded']}, "
        f"Corrected {topics['Institution.Corrected']}+{topics['EnterpriseAdviser.Corrected']}, "
        f"unchanged {sum(s['unchanged'] for s in summaries)} (all as expected whatever the commit order), "
        f"write conflicts re-planned {sum(f.conflicts for f in finished)}, lost 0, duplicated 0; "
        f"read model = rebuild; {time.monotonic() - started:.1f} s"
    )


def last_position_count(database_url: str, after: int) -> int:
    with opened(database_url) as app:
        return int(app.db.scalar("SELECT COUNT(*) FROM event_log WHERE notification_id > ?", (after,)))


# --- racing accepts ------------------------------------------------------------------------------

RUNS = 5  # runs, one per area, each proposing its one school to the same adviser
CAPACITY = 2


def given_runs_sharing_one_adviser(database_url: str, round_: int, capacity: int = CAPACITY) -> tuple[str, list[str]]:
    """Given: RUNS areas with one school each, all within reach of one adviser of capacity 2 (and of no
    other); one proposed run per area. Returns the adviser and the run ids."""
    ref = f"EA-R{round_}"
    latitude = -40.0 + 3 * round_
    service = service_for(database_url)
    try:
        if not service.app.last_position():
            imported(service, "hubs", "hubs.csv", HUB_HEADER, [["dorset", "Dorset Careers Hub", "Dorset", "2019-09-01"]])
        imported(
            service,
            "institutions",
            f"schools-{round_}.csv",
            INSTITUTION_HEADER,
            [institution(f"8{round_}{a:02d}", f"Round{round_}-{a}", latitude + 0.01 * a) for a in range(RUNS)],
        )
        imported(service, "advisers", f"adviser-{round_}.csv", ADVISER_HEADER, [adviser(ref, latitude, capacity=capacity)])
        runs = [matchruns.propose(service, f"Round{round_}-{a}", AS_OF, actor="setup") for a in range(RUNS)]
    finally:
        service.close()
    assert [[(p["urn"], p["adviser_ref"]) for p in r["proposals"]] for r in runs] == [
        [(f"8{round_}{a:02d}", ref)] for a in range(RUNS)
    ]
    return ref, [r["run_id"] for r in runs]


def assert_every_accept_reported(finished: list[Outcome], ref: str) -> tuple[int, int, list[str]]:
    """Each accept either succeeded or said it was stale and what changed; returns the counts."""
    accepted = [f for f in finished if f.exitcode == 0]
    stale = [f for f in finished if f.exitcode != 0]
    for f in accepted:
        assert f.stdout.strip() == "accepted 1", f
    reasons = []
    for f in stale:
        said = STALE.match(f.stderr.strip())
        assert f.exitcode == 1 and said, f"not reported as a stale run:\nexit {f.exitcode}\n{f.stderr}"
        assert said.group(1).startswith(f"adviser {ref}: "), said.group(1)
        reasons.append(said.group(1))
    return len(accepted), len(stale), reasons


def imports_meanwhile(folder: Path, database_url: str, round_: int, ref: str) -> list[tuple[Any, tuple]]:
    """Two imports racing the accepts: one corrects the shared adviser's employer and adds three
    advisers, the other adds five institutions elsewhere."""
    latitude = -40.0 + 3 * round_
    people = write_csv(
        folder,
        f"advisers-meanwhile-{round_}.csv",
        ADVISER_HEADER,
        [adviser(ref, latitude, capacity=CAPACITY, employer="Acme Renamed")]
        + [adviser(f"{ref}-new{n}", latitude + 1) for n in range(3)],
    )
    schools = write_csv(
        folder,
        f"institutions-meanwhile-{round_}.csv",
        INSTITUTION_HEADER,
        [institution(f"9{round_}{n:02d}", "Elsewhere", latitude + 1) for n in range(5)],
    )
    return [
        (run_cli, ([*command, "--format", "json", "--database-url", database_url],))
        for command in (["import", "advisers", str(people)], ["import", "institutions", str(schools)])
    ]


def assert_matches_recorded_once(database_url: str, before: int, accepts: int) -> None:
    topics, recorded_per_aggregate = topic_counts(database_url, before)
    assert topics["Match.Recorded"] == topics["MatchRun.Accepted"] == accepts
    assert set(recorded_per_aggregate.values()) <= {1}


def race_accepts(
    forkserver: ForkServerContext, folder: Path, database_url: str, rounds: int, mode: str
) -> tuple[int, int, int, list[str], Counter[str]]:
    """Rounds of RUNS accepts at once; returns accepted, refused, write conflicts, the overfilled
    advisers, and the reasons given."""
    accepts = stales = conflicts = 0
    over: list[str] = []
    reasons: Counter[str] = Counter()
    for round_ in range(rounds):
        ref, runs = given_runs_sharing_one_adviser(database_url, round_)
        before = last_position(database_url)
        held = forkserver.Barrier(RUNS, timeout=120) if mode == "saving-together" else None
        racers = [(run_accept, (database_url, run_id, f"coordinator-{i}", held, None)) for i, run_id in enumerate(runs)]
        if mode == "with-imports":
            racers += imports_meanwhile(folder, database_url, round_, ref)

        finished = racing(forkserver, folder / f"round-{round_}", racers)

        imports = [json.loads(ok(f).stdout) for f in finished[RUNS:]]
        assert [(i["recorded"], i["unchanged"]) for i in imports] in ([], [(4, 0), (5, 0)]), imports
        won, lost, why = assert_every_accept_reported(finished[:RUNS], ref)
        accepts, stales = accepts + won, stales + lost
        conflicts += sum(f.conflicts for f in finished)
        reasons.update(re.sub(r"\d+ -> \d+", "n -> m", w.replace(ref, "EA")) for w in why)
        load, capacity = active_per_adviser(database_url)[ref]
        if load > capacity:
            over.append(f"{ref}: {load} active matches, capacity {capacity}")
        assert won >= 1 or mode == "with-imports", finished
        assert_matches_recorded_once(database_url, before, won)
    rebuild_equals_incremental(database_url)
    return accepts, stales, conflicts, over, reasons


@pytest.mark.parametrize("mode", ["racing", "saving-together", "with-imports"])
def test_given_accepts_of_runs_proposing_the_same_adviser_at_once_then_no_adviser_is_over_capacity(
    forkserver, database_url, tmp_path, mode
):
    """racing: the accepts go at once from a barrier. saving-together: each accept is held after its
    staleness check and claims until every other one is there, so all of them save at one moment.
    with-imports: two imports, one correcting the shared adviser, race the accepts."""
    started, rounds = time.monotonic(), 3

    accepts, stales, conflicts, over, reasons = race_accepts(forkserver, tmp_path, database_url, rounds, mode)

    backend = database_url.split(":")[0]
    report(
        f"concurrency accepts [{backend}, {mode}]: {rounds} rounds x {RUNS} processes accepting runs that all "
        f"use one adviser of capacity {CAPACITY}{' (+2 imports)' if mode == 'with-imports' else ''}; accepted "
        f"{accepts}, refused as stale {stales} (each naming what changed: {dict(reasons)}), silent 0; write "
        f"conflicts re-checked {conflicts}; advisers over capacity {len(over)} {over}; "
        f"{time.monotonic() - started:.1f} s"
    )
    assert over == []


def test_given_an_accept_commits_right_after_another_accepts_staleness_check_then_the_other_is_refused(
    forkserver, database_url, tmp_path
):
    """The window a racing pair of coordinators can hit, held open: the second accept has passed its
    staleness check when the first commits. (Found here: accept() used to load the adviser's Allocation
    after the check, so neither the check nor the save noticed, and the adviser was overfilled.)"""
    ref, runs = given_runs_sharing_one_adviser(database_url, 0, capacity=1)
    pause = Pause(forkserver.Event(), forkserver.Event())
    started = time.monotonic()
    second = start(forkserver, tmp_path / "second", run_accept, database_url, runs[1], "coordinator-2", None, pause)
    assert pause.reached.wait(120), finish(second, tmp_path / "second", started)

    first = run(forkserver, tmp_path / "first", run_accept, database_url, runs[0], "coordinator-1")
    pause.go.set()
    refused = finish(second, tmp_path / "second", started)

    ok(first)
    load, capacity = active_per_adviser(database_url)[ref]
    report(
        f"concurrency accepts [{database_url.split(':')[0]}, commit between check and claims]: first exit "
        f"{first.exitcode}, second exit {refused.exitcode} {refused.stderr.strip() or refused.stdout.strip()!r}; "
        f"adviser {ref}: {load} active matches, capacity {capacity}"
    )
    assert load <= capacity
    assert refused.exitcode == 1 and STALE.match(refused.stderr.strip()), refused
    assert f"adviser {ref}: active_matches 0 -> 1" in refused.stderr


# --- two commands starting at once on PostgreSQL -------------------------------------------------


def wait_for_a_lock_wait_or_the_end(database_url: str, process: Any, deadline_s: float = 60.0) -> bool:
    """Return once some session of this database waits for a lock (True) or the process has ended
    without waiting (False). Polls pg_stat_activity, waiting on the process between two looks."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        until = time.monotonic() + deadline_s
        while time.monotonic() < until:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting and waiting[0]:
                return True
            process.join(0.01)
            if not process.is_alive():
                return False
    raise AssertionError("the process neither ended nor started waiting for a lock")


def test_given_another_command_is_starting_on_postgres_when_a_command_starts_then_both_run(forkserver, postgres_url, tmp_path):
    """Another command is half-way through its start-up, holding the row of the library's insert
    function. (Found here: every command re-created that function with CREATE OR REPLACE, so a command
    starting at the same moment waited for the row, then failed with 'tuple concurrently updated'.)"""
    with opened(postgres_url) as app:  # the store exists, as it does for every command but the first
        functions = [s for s in app.recorder.sql_create_statements if "CREATE OR REPLACE FUNCTION" in s.as_string()]
    assert functions
    with psycopg.connect(postgres_url) as starting:  # another command, half-way through its start-up
        for statement in functions:
            starting.execute(statement)
        started = time.monotonic()
        process = start(forkserver, tmp_path / "second", run_cli, ["verify", "--database-url", postgres_url])
        waited = wait_for_a_lock_wait_or_the_end(postgres_url, process)
        starting.commit()

    second = finish(process, tmp_path / "second", started)

    said = second.stderr.strip().splitlines()
    report(
        f"concurrency start-up [postgresql]: a command starting while another re-creates the store's insert "
        f"function ({'waited for its lock' if waited else 'did not need its lock'}): exit {second.exitcode}, "
        f"{said[-1] if said else second.stdout.strip()!r}"
    )
    assert second.exitcode == 0, second.stderr
