"""Crash survival: `careerhub` processes are killed with SIGKILL at random moments while importing,
rebuilding the projections and accepting matches; after each kill the store is opened again and

- every file (or accepted run) is fully in or fully absent, in the event store and in the read model;
- the read model is an exact prefix of the log at its tracking position, and after the next command
  has caught it up it equals a rebuild from scratch;
- the hash chain verifies.

The kill delay is drawn (seeded, so a failure repeats) uniformly from zero to the measured duration
of an uninterrupted run of the same command (the median of three, as the machine may be shared). Set
CAREERHUB_CRASH_SEED to explore other moments.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date
from multiprocessing.context import ForkServerContext
from pathlib import Path

import pytest

from config.settings import load_settings
from projections.runner import BATCH as REBUILD_BATCH
from projections.runner import Projector
from service import matchruns
from service.hub import HubService
from tests.robustness.harness import Outcome, cli, ok
from tests.robustness.support import (
    ADVISER_HEADER,
    ASSESSMENT_HEADER,
    HUB_HEADER,
    INSTITUTION_HEADER,
    active_per_adviser,
    adviser,
    chain_verifies,
    dump_difference,
    events_after,
    institution,
    last_position,
    opened,
    read_model_dump,
    read_model_sources,
    report,
    sources_of,
    write_csv,
)

SEED = int(os.environ.get("CAREERHUB_CRASH_SEED", "20200202"))
URNS = [str(400000 + i) for i in range(40)]
ROWS_PER_FILE = 2 * len(URNS)
AS_OF = date(2020, 2, 2)


@dataclass
class Tally:
    """What the kills hit: each file (or run) counted once, right after its kill."""

    scenario: str
    measured_s: float
    runs: int = 0
    kills: int = 0
    fully_in: int = 0
    fully_absent: int = 0
    partial: int = 0

    def count(self, outcome: Outcome, units: int, expected: int) -> None:
        self.runs += 1
        self.kills += outcome.killed
        if units == expected:
            self.fully_in += 1
        elif units == 0:
            self.fully_absent += 1
        else:
            self.partial += 1

    def line(self, started: float, extra: str = "") -> str:
        return (
            f"crash {self.scenario}: {self.kills} SIGKILLs in {self.runs} runs (kill delay U(0, "
            f"{self.measured_s:.3f} s), seed {SEED}; fully in {self.fully_in}, fully absent "
            f"{self.fully_absent}, partial {self.partial}{extra}; {time.monotonic() - started:.1f} s"
        )


MEASURED_RUNS = 3
ATTEMPTS = 5  # runs per kill at most: on a busy machine, runs may be quicker than the measuring ones


def median_seconds(outcomes: list[Outcome]) -> float:
    """How long the command takes uninterrupted: the median of a few runs, each of which must succeed."""
    return statistics.median(ok(outcome).seconds for outcome in outcomes)


def careerhub(
    forkserver: ForkServerContext,
    folder: Path,
    database_url: str,
    *args: str,
    kill_after: float | None = None,
    env: dict[str, str] | None = None,
) -> Outcome:
    """`careerhub ARGS --database-url URL` in a fresh process (options go after the subcommand)."""
    return cli(forkserver, folder, *args, "--database-url", database_url, kill_after=kill_after, env=env)


def restarted(forkserver: ForkServerContext, folder: Path, database_url: str) -> None:
    """Then: the next command opens the store after the crash and catches the read model up."""
    ok(careerhub(forkserver, folder, database_url, "log", "--limit", "1"))


def assert_read_model_is_a_prefix_of_the_log(database_url: str) -> None:
    """Whatever the moment of the kill, the read model holds exactly the events up to its position."""
    with opened(database_url) as app:
        tracked = Projector(app).position()
        applied = [r["nid"] for r in app.db.query("SELECT nid FROM rm_log ORDER BY nid")]
        logged = [
            r["nid"]
            for r in app.db.query(
                "SELECT notification_id AS nid FROM event_log WHERE notification_id <= ? ORDER BY notification_id", (tracked,)
            )
        ]
    assert applied == logged, f"tracking at {tracked}: {len(applied)} events applied, {len(logged)} in the log"


def assert_chain_verifies(database_url: str) -> None:
    verified, why = chain_verifies(database_url)
    assert verified, why


def assert_read_model_equals_a_rebuild(forkserver: ForkServerContext, folder: Path, database_url: str) -> None:
    incremental = read_model_dump(database_url)
    ok(careerhub(forkserver, folder, database_url, "projections", "rebuild"))
    rebuilt = read_model_dump(database_url)
    assert rebuilt == incremental, dump_difference(incremental, rebuilt)


# --- given ---------------------------------------------------------------------------------------


def given_a_hub_and_institutions(forkserver: ForkServerContext, folder: Path, database_url: str) -> None:
    hubs = write_csv(folder, "hubs.csv", HUB_HEADER, [["dorset", "Dorset Careers Hub", "Dorset", "2019-09-01"]])
    schools = write_csv(folder, "institutions.csv", INSTITUTION_HEADER, [institution(urn, "Dorset", 50.7) for urn in URNS])
    ok(careerhub(forkserver, folder / "given-hubs", database_url, "import", "hubs", str(hubs)))
    ok(careerhub(forkserver, folder / "given-institutions", database_url, "import", "institutions", str(schools)))


def day(k: int) -> str:
    return date.fromordinal(date(2019, 9, 1).toordinal() + k).isoformat()


def assessment_file(folder: Path, k: int) -> Path:
    """File k assesses every URN on day k and re-assesses day k-1 with other values: each of its rows
    records exactly one event, whether file k-1 made it in (a correction) or not (a new record)."""

    def row(urn: str, on: int) -> list[str]:
        return [urn, day(on), *(str((int(urn) + 7 * on + 37 * k + b) % 101) for b in range(8))]

    rows = [row(urn, k) for urn in URNS] + [row(urn, k - 1) for urn in URNS]
    return write_csv(folder, f"assessments-{k:03d}.csv", ASSESSMENT_HEADER, rows)


# --- the scenarios -------------------------------------------------------------------------------


def crash_imports(forkserver: ForkServerContext, folder: Path, database_url: str, kills: int, name: str) -> str:
    started = time.monotonic()
    given_a_hub_and_institutions(forkserver, folder, database_url)
    measured = median_seconds(
        [
            careerhub(forkserver, folder / f"measure-{k}", database_url, "import", "assessments", str(assessment_file(folder, k)))
            for k in range(MEASURED_RUNS)
        ]
    )
    tally, rng, k = Tally(f"imports [{name}]", measured), random.Random(SEED), MEASURED_RUNS - 1
    while tally.kills < kills:
        k += 1
        assert tally.runs < ATTEMPTS * kills, f"only {tally.kills} of {tally.runs} runs were still running when killed"
        path, before = assessment_file(folder, k), last_position(database_url)

        outcome = careerhub(
            forkserver, folder / f"run-{k}", database_url, "import", "assessments", str(path), kill_after=rng.uniform(0, measured)
        )

        recorded = sources_of(events_after(database_url, before))
        assert set(recorded) <= {path.name}, recorded
        tally.count(outcome, recorded[path.name], ROWS_PER_FILE)
        assert outcome.killed or outcome.exitcode == 0, outcome
        assert recorded[path.name] in (0, ROWS_PER_FILE), tally.line(started)
        assert_read_model_is_a_prefix_of_the_log(database_url)
        restarted(forkserver, folder / f"restart-{k}", database_url)
        assert read_model_sources(database_url)[path.name] == recorded[path.name]
        assert_chain_verifies(database_url)
    assert_read_model_equals_a_rebuild(forkserver, folder / "rebuild", database_url)
    return report(tally.line(started, "; read model = rebuild, chain verifies"))


# --- learner files: pupil ids as a school exports them, keyed at import ------------------------

LEARNER_ENV = {"CAREERHUB_LEARNER_SECRET": "the crash suite's learner secret"}
PUPILS_PER_SCHOOL = 2
LEARNER_HEADER = ["pupil_id", "urn", "year_group", "academic_year", "disadvantaged"]
PARTICIPATION_HEADER = ["pupil_id", "encounter_ref", "urn", "participated_on"]
ENCOUNTER_HEADER = ["encounter_ref", "urn", "occurred_on", "kind", "provider", "year_groups", "students"]
PUPIL_PREFIX = "UPNX"  # every pupil id starts so: none may reach the store


def pupil(urn: str, k: int, i: int) -> str:
    return f"{PUPIL_PREFIX}{urn}{k:03d}{i}"


def learner_file(folder: Path, k: int) -> Path:
    """File k lists batch k's Year 10 pupils (new) and batch k-1's again with `disadvantaged` turned
    over: each row records exactly one event, a new record or a correction."""

    def rows(batch: int, turned: bool) -> list[list[str]]:
        return [
            [pupil(urn, batch, i), urn, "10", "2019/20", str(((i + batch) % 2 == 0) != turned).lower()]
            for urn in URNS
            for i in range(PUPILS_PER_SCHOOL)
        ]

    return write_csv(folder, f"learners-{k:03d}.csv", LEARNER_HEADER, rows(k, False) + (rows(k - 1, True) if k else []))


def participation_file(folder: Path, k: int) -> Path:
    """Batch k's pupils each took part in their school's employer encounter: all new records."""
    return write_csv(
        folder,
        f"participations-{k:03d}.csv",
        PARTICIPATION_HEADER,
        [[pupil(urn, k, i), f"E{urn}", urn, "2019-10-10"] for urn in URNS for i in range(PUPILS_PER_SCHOOL)],
    )


def given_encounters(forkserver: ForkServerContext, folder: Path, database_url: str) -> None:
    encounters = write_csv(
        folder,
        "encounters.csv",
        ENCOUNTER_HEADER,
        [[f"E{urn}", urn, "2019-10-10", "employer_encounter", "Acme", "10", ""] for urn in URNS],
    )
    ok(careerhub(forkserver, folder / "given-encounters", database_url, "import", "encounters", str(encounters)))


def no_pupil_id_in_the_store(database_url: str) -> bool:
    with opened(database_url) as app:
        logged = app.db.query(f"SELECT state FROM {app.recorder.events_table_name}")
        learners = app.db.query("SELECT learner_key FROM rm_learners")
    return not any(PUPIL_PREFIX.encode() in bytes(r["state"]) for r in logged) and all(
        len(r["learner_key"]) == 32 and PUPIL_PREFIX not in r["learner_key"] for r in learners
    )


def crash_learner_imports(forkserver: ForkServerContext, folder: Path, database_url: str, kills: int, name: str) -> str:
    """Learners and participations files killed at random moments, in turn: each file of pupil ids fully
    in or absent, the read model a prefix of the log, the chain verifying; importing the file again then
    succeeds (all of it if it was absent, nothing new if it was in), and the read model equals a rebuild."""
    started = time.monotonic()
    given_a_hub_and_institutions(forkserver, folder, database_url)
    given_encounters(forkserver, folder, database_url)
    files = {"learners": learner_file, "participations": participation_file}
    expected = {"learners": 2 * ROWS_PER_FILE, "participations": ROWS_PER_FILE}  # 2 pupils a school; batch k-1 again

    def imported(kind: str, k: int, tag: str, kill_after: float | None = None) -> Outcome:
        return careerhub(
            forkserver,
            folder / f"{tag}-{kind}-{k}",
            database_url,
            "import",
            kind,
            str(files[kind](folder, k)),
            kill_after=kill_after,
            env=LEARNER_ENV,
        )

    measuring = {kind: [] for kind in files}  # batches 0-2 uninterrupted: the first learners file records the defaults
    for k in range(MEASURED_RUNS):
        for kind in files:
            measuring[kind].append(imported(kind, k, "measure"))
    measured = {kind: median_seconds(outcomes) for kind, outcomes in measuring.items()}
    tallies = {kind: Tally(f"{kind} imports [{name}]", measured[kind]) for kind in files}
    rng, k, reimported = random.Random(SEED), MEASURED_RUNS - 1, 0
    while any(t.kills < kills for t in tallies.values()):
        k += 1
        for kind, tally in tallies.items():
            assert tally.runs < ATTEMPTS * kills, f"only {tally.kills} of {tally.runs} runs were still running when killed"
            path, before = files[kind](folder, k), last_position(database_url)

            outcome = imported(kind, k, "run", kill_after=rng.uniform(0, measured[kind]))

            recorded = sources_of(events_after(database_url, before))
            assert set(recorded) <= {path.name}, recorded
            tally.count(outcome, recorded[path.name], expected[kind])
            assert outcome.killed or outcome.exitcode == 0, outcome
            assert recorded[path.name] in (0, expected[kind]), tally.line(started)
            assert_read_model_is_a_prefix_of_the_log(database_url)
            assert_chain_verifies(database_url)

            again = ok(imported(kind, k, "again"))  # then: the same file imports, whatever the kill left

            reimported += recorded[path.name] == 0
            assert sources_of(events_after(database_url, before))[path.name] == expected[kind], again.stdout
            assert read_model_sources(database_url)[path.name] == expected[kind]
            assert_chain_verifies(database_url)
    assert_read_model_equals_a_rebuild(forkserver, folder / "rebuild", database_url)
    assert no_pupil_id_in_the_store(database_url)
    return report(
        "; ".join(t.line(started) for t in tallies.values()) + f"; {reimported} absent files imported again;"
        " read model = rebuild, chain verifies, no pupil id stored"
    )


def long_assessment_file(folder: Path, k: int, days: int) -> Path:
    """File k assesses every URN on each of `days` days of its own (40 rows a day, all new)."""
    rows = [[urn, day(k * days + d), *(str((int(urn) + d + b) % 101) for b in range(8))] for d in range(days) for urn in URNS]
    return write_csv(folder, f"long-assessments-{k:03d}.csv", ASSESSMENT_HEADER, rows)


def crash_rebuilds(forkserver: ForkServerContext, folder: Path, database_url: str, kills: int, files: list[Path]) -> str:
    started = time.monotonic()
    given_a_hub_and_institutions(forkserver, folder, database_url)
    for k, path in enumerate(files):
        ok(careerhub(forkserver, folder / f"given-{k}", database_url, "import", "assessments", str(path)))
    incremental, head = read_model_dump(database_url), last_position(database_url)
    in_store = sources_of(events_after(database_url, 0))
    measured = median_seconds(
        [careerhub(forkserver, folder / f"measure-{n}", database_url, "projections", "rebuild") for n in range(MEASURED_RUNS)]
    )
    assert read_model_dump(database_url) == incremental
    tally = Tally(f"projection rebuilds [sqlite, {head} events, {len(in_store)} files]", measured)
    rng = random.Random(SEED)
    files_in = files_absent = files_partial = 0
    while tally.kills < kills:
        assert tally.runs < ATTEMPTS * kills, f"only {tally.kills} of {tally.runs} rebuilds were still running when killed"

        outcome = careerhub(
            forkserver, folder / f"run-{tally.runs}", database_url, "projections", "rebuild", kill_after=rng.uniform(0, measured)
        )

        assert outcome.killed or outcome.exitcode == 0, outcome
        assert_read_model_is_a_prefix_of_the_log(database_url)
        restarted(forkserver, folder / f"restart-{tally.runs}", database_url)
        in_read_model = read_model_sources(database_url)
        files_in += sum(in_read_model[f] == n for f, n in in_store.items())
        files_absent += sum(in_read_model[f] == 0 for f in in_store)
        files_partial += sum(0 < in_read_model[f] < n for f, n in in_store.items())
        tally.count(outcome, sum(in_read_model.values()), sum(in_store.values()))
        assert last_position(database_url) == head  # a rebuild records nothing
        after = read_model_dump(database_url)
        assert after == incremental, dump_difference(incremental, after)
        assert_chain_verifies(database_url)
    return report(
        tally.line(
            started,
            f"; over all restarts, files fully in the read model {files_in}, absent "
            f"{files_absent}, partial {files_partial}; read model = the incremental one, "
            "chain verifies",
        )
    )


def given_areas_to_match(forkserver: ForkServerContext, folder: Path, database_url: str, areas: int) -> list[str]:
    """Given: areas 89 km apart, each with two schools and two advisers of capacity 1; one run per area."""
    hubs = write_csv(folder, "hubs.csv", HUB_HEADER, [["dorset", "Dorset Careers Hub", "Dorset", "2019-09-01"]])
    schools = write_csv(
        folder,
        "institutions.csv",
        INSTITUTION_HEADER,
        [institution(f"5{a:03d}{s}", f"Area{a}", -60.0 + 0.8 * a, disadvantaged=s == 0) for a in range(areas) for s in (0, 1)],
    )
    people = write_csv(
        folder,
        "advisers.csv",
        ADVISER_HEADER,
        [adviser(f"EA-{a}-{s}", -60.0 + 0.8 * a + 0.01 * s) for a in range(areas) for s in (0, 1)],
    )
    for kind, path in (("hubs", hubs), ("institutions", schools), ("advisers", people)):
        ok(careerhub(forkserver, folder / f"given-{kind}", database_url, "import", kind, str(path)))
    service = HubService(load_settings(database_url, "coordinator"))
    try:
        runs = [matchruns.propose(service, f"Area{a}", AS_OF, actor="coordinator") for a in range(areas)]
    finally:
        service.close()
    assert all(len(r["proposals"]) == 2 for r in runs), [r["proposals"] for r in runs]
    return [r["run_id"] for r in runs]


def crash_accepts(forkserver: ForkServerContext, folder: Path, database_url: str, kills: int) -> str:
    started = time.monotonic()
    runs = given_areas_to_match(forkserver, folder, database_url, 3 * kills + MEASURED_RUNS)
    before = last_position(database_url)
    measured = median_seconds(
        [
            careerhub(forkserver, folder / f"measure-{k}", database_url, "match", "accept", run_id)
            for k, run_id in enumerate(runs[:MEASURED_RUNS])
        ]
    )
    per_accept = len(events_after(database_url, before)) // MEASURED_RUNS
    tally, rng = Tally("match accepts [sqlite]", measured), random.Random(SEED)
    redone = 0
    for k, run_id in enumerate(runs[MEASURED_RUNS:], start=MEASURED_RUNS):
        if tally.kills == kills:
            break
        before, source = last_position(database_url), f"match run {run_id}"

        outcome = careerhub(
            forkserver, folder / f"run-{k}", database_url, "match", "accept", run_id, kill_after=rng.uniform(0, measured)
        )

        recorded = events_after(database_url, before)
        matches = sum(getattr(e, "source", None) == source for e in recorded)
        tally.count(outcome, matches, 2)
        assert outcome.killed or outcome.exitcode == 0, outcome
        assert (matches, len(recorded)) in ((0, 0), (2, per_accept)), tally.line(started)
        assert_read_model_is_a_prefix_of_the_log(database_url)
        again = careerhub(forkserver, folder / f"restart-{k}", database_url, "match", "accept", run_id)
        if matches:
            assert again.exitcode == 1 and "no open proposals" in again.stderr, again
        else:
            ok(again)
            redone += 1
        restarted(forkserver, folder / f"catch-up-{k}", database_url)
        assert read_model_sources(database_url)[source] == 2
        assert all(load <= capacity for load, capacity in active_per_adviser(database_url).values())
        assert_chain_verifies(database_url)
    assert tally.kills == kills, tally.line(started)
    assert_read_model_equals_a_rebuild(forkserver, folder / "rebuild", database_url)
    return report(
        tally.line(
            started, f"; {redone} absent runs accepted on restart; no adviser over capacity; read model = rebuild, chain verifies"
        )
    )


# --- the proofs ----------------------------------------------------------------------------------


def test_given_imports_killed_at_random_moments_on_sqlite_then_every_file_is_whole_or_absent(forkserver, sqlite_url, tmp_path):
    line = crash_imports(forkserver, tmp_path, sqlite_url, kills=50, name="sqlite")
    assert " partial 0;" in line


def test_given_imports_killed_at_random_moments_on_postgres_then_every_file_is_whole_or_absent(
    forkserver, postgres_url, tmp_path
):
    line = crash_imports(forkserver, tmp_path, postgres_url, kills=20, name="postgres")
    assert " partial 0;" in line


def test_given_learner_and_participation_imports_killed_at_random_moments_on_sqlite_then_each_file_is_whole_or_absent(
    forkserver, sqlite_url, tmp_path
):
    line = crash_learner_imports(forkserver, tmp_path, sqlite_url, kills=25, name="sqlite")
    assert line.count(" partial 0;") == 2


def test_given_learner_and_participation_imports_killed_at_random_moments_on_postgres_then_each_file_is_whole_or_absent(
    forkserver, postgres_url, tmp_path
):
    line = crash_learner_imports(forkserver, tmp_path, postgres_url, kills=12, name="postgres")
    assert line.count(" partial 0;") == 2


def test_given_projection_rebuilds_killed_at_random_moments_then_the_next_command_restores_the_read_model(
    forkserver, sqlite_url, tmp_path
):
    files = [assessment_file(tmp_path, k) for k in range(15)]  # 1,241 events: one rebuild batch

    line = crash_rebuilds(forkserver, tmp_path, sqlite_url, kills=50, files=files)

    assert " partial 0;" in line


@pytest.mark.slow
def test_given_rebuilds_of_several_batches_killed_at_random_moments_then_the_next_command_restores_the_read_model(
    forkserver, sqlite_url, tmp_path
):
    """Enough events for three rebuild batches, so that kills also land between two batch commits."""
    days = 50  # 2,000 rows a file
    files = [long_assessment_file(tmp_path, k, days) for k in range(2 * REBUILD_BATCH // (days * len(URNS)) + 1)]

    line = crash_rebuilds(forkserver, tmp_path, sqlite_url, kills=50, files=files)

    assert " partial 0;" in line


def test_given_match_accepts_killed_at_random_moments_then_each_run_is_accepted_whole_or_not_at_all(
    forkserver, sqlite_url, tmp_path
):
    line = crash_accepts(forkserver, tmp_path, sqlite_url, kills=50)
    assert " partial 0;" in line
