"""Learner-level benchmark (issue 13 item 4): a nation's learner history of --events events (default
10,000,000) on PostgreSQL, each figure against a baseline measured in the same run.

The history (seeded, deterministic) is written as CSV files to a temporary folder first: hubs of about
60 schools, each school with about 1,000 pupils in years 7-13 over two academic years (2024/25 and 2025/26:
year 13 leaves, a new year 7 arrives, everyone else moves up and keeps their pupil_id), 24 recorded encounters
per school and year, and 3-15 participations per learner and year (9 on average). Files hold at most
--file-rows rows (default 20,000: a hub's upload of a few schools), in the order a hub would import them:
hubs, institutions, then per year encounters, learners, participations.

Each phase runs in its own child process (so each has its own peak memory, ru_maxrss) on one PostgreSQL
database (started here on 127.0.0.1 on a free port, or --database-url, which must name an empty database):

  baseline import   each file read with the csv module and inserted with psycopg `executemany` into plain
                    tables (baseline_<kind>: typed columns, the natural key as primary key and the read model's
                    indexes), one transaction per file
  import            each file through careerhub's import path (HubService.import_file: parse, derive the
                    learner pseudonym, check references, record events, then bring the read model up to date),
                    one transaction per file
  read and decode   the library's own reading of every event (select_notifications(limit=1000) +
                    mapper.to_domain_event), as report_bench.py measures it
  rebuild           Projector.rebuild over every event recorded
  queries           measured coverage for one school (projections.coverage.school_measured: the school page's
                    figures and its unreached learners) and one hub (measured_coverage: the report's figures
                    over its members), at random schools, hubs and days, each sample timed against the same
                    question asked of the baseline tables (the same grouped SQL without the read model's
                    versions, record times and redaction), alternately

Goals: import rows/s >= 0.25 of the baseline's (issue 11), rebuild >= 0.5 of read-and-decode (issue 11),
coverage p95 <= 5 x the baseline query's p95 for one school and for one hub, peak memory of each careerhub phase
<= 1 GiB (and shown against the baseline phase's). Prints met/MISSED and the load average.

Usage: .venv/bin/python benchmarks/learner_bench.py --events 100000          # a smoke run (about a minute)
       .venv/bin/python benchmarks/learner_bench.py                         # 10M events: hours on 2 shared cores
       .venv/bin/python benchmarks/learner_bench.py --database-url postgresql://USER:PASSWORD@HOST:PORT/EMPTY_DB
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.report_bench import load_average, percentile, verdict  # noqa: E402

YEARS = ((2024, "2024/25"), (2025, "2025/26"))
SCHOOLS_PER_HUB = 60
PUPILS_PER_YEAR_GROUP = 143  # about 1,000 pupils in years 7-13
YEAR_GROUPS = range(7, 14)
ENCOUNTERS = {"employer_encounter": 10, "workplace_experience": 5, "fe_he_encounter": 5, "personal_guidance": 4}
PARTICIPATIONS = (3, 15)  # per learner and year, uniformly: 9 on average
GOALS = {"import_ratio": 0.25, "rebuild_ratio": 0.5, "query_p95_ratio": 5.0, "peak_mib": 1024}
SECRET = "learner-bench-master-secret-not-for-production"
DEFINITIONS = ROOT / "config" / "benchmark_definitions.csv"

HEADERS = {
    "hubs": ["hub_id", "name", "area", "started_on"],
    "institutions": ["urn", "name", "kind", "area", "hub_id", "hub_joined_on", "ean_joined_on"],
    "encounters": ["encounter_ref", "urn", "occurred_on", "kind", "provider", "year_groups", "students"],
    "learners": ["pupil_id", "urn", "year_group", "academic_year", "disadvantaged", "send", "on_roll_from", "on_roll_until"],
    "participations": ["pupil_id", "encounter_ref", "urn", "participated_on"],
}
# The baseline's plain tables: the same columns, typed, the natural key as primary key, the read model's indexes.
BASELINE_TABLES = {
    "hubs": ("hub_id text PRIMARY KEY, name text, area text, started_on date", []),
    "institutions": (
        "urn text PRIMARY KEY, name text, kind text, area text, hub_id text, hub_joined_on date, ean_joined_on date",
        ["hub_id"],
    ),
    "encounters": (
        "encounter_ref text PRIMARY KEY, urn text, occurred_on date, kind text, provider text,"
        " year_groups text, students integer",
        ["urn, occurred_on"],
    ),
    "learners": (
        "pupil_id text, urn text, year_group integer, academic_year text, disadvantaged boolean,"
        " send boolean, on_roll_from date, on_roll_until date, PRIMARY KEY (urn, pupil_id, academic_year)",
        ["urn, academic_year", "pupil_id"],
    ),
    "participations": (
        "pupil_id text, encounter_ref text, urn text, participated_on date, PRIMARY KEY (urn, pupil_id, encounter_ref)",
        ["pupil_id", "urn, participated_on"],
    ),
}


# --- the generated history ------------------------------------------------------------------------------


@dataclass
class ImportFile:
    kind: str
    path: str
    rows: int


class Files:
    """CSV files of one kind, a new one every `limit` rows."""

    def __init__(self, folder: Path, kind: str, limit: int, made: list[ImportFile]):
        self.folder, self.kind, self.limit, self.made = folder, kind, limit, made
        self.handle: Any = None
        self.writer: Any = None
        self.rows = 0

    def write(self, row: list[Any]) -> None:
        if self.handle is None or self.rows == self.limit:
            self.close()
            path = self.folder / f"{len(self.made) + 1:05d}-{self.kind}.csv"
            self.handle = path.open("w", newline="")
            self.writer = csv.writer(self.handle, lineterminator="\n")
            self.writer.writerow(HEADERS[self.kind])
            self.made.append(ImportFile(self.kind, str(path), 0))
            self.rows = 0
        self.writer.writerow(row)
        self.rows += 1
        self.made[-1].rows += 1

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def events_per_school() -> int:
    encounters = sum(ENCOUNTERS.values())
    learners = PUPILS_PER_YEAR_GROUP * len(YEAR_GROUPS)
    return len(YEARS) * (encounters + learners * (1 + sum(PARTICIPATIONS) / 2))


def generate(folder: Path, events: int, file_rows: int, seed: int) -> dict[str, Any]:
    """Write the history's files in import order; returns the manifest (files, schools, hubs)."""
    rng = random.Random(seed)
    schools = math.ceil(events * 1.03 / events_per_school())  # 3 % over: the participations are drawn at random
    hubs = max(1, round(schools / SCHOOLS_PER_HUB))
    urns = [f"{100000 + i}" for i in range(schools)]
    hub_of = {urn: f"hub{i % hubs:02d}" for i, urn in enumerate(urns)}
    made: list[ImportFile] = []
    files = Files(folder, "hubs", file_rows, made)
    for h in range(hubs):
        files.write([f"hub{h:02d}", f"Hub {h}", f"Area {h}", "2020-09-01"])
    files.close()
    files = Files(folder, "institutions", file_rows, made)
    for urn in urns:
        files.write([urn, f"School {urn}", "school", f"Area {hub_of[urn][3:]}", hub_of[urn], "2020-09-01", "2020-09-01"])
    files.close()
    # pupils on roll: urn -> [(pupil_id, year_group, disadvantaged, send)]
    roll = {
        urn: [
            (f"{urn}-{y}-{p:03d}", y, rng.random() < 0.25, rng.random() < 0.15)
            for y in YEAR_GROUPS
            for p in range(PUPILS_PER_YEAR_GROUP)
        ]
        for urn in urns
    }
    engagement = {urn: rng.uniform(0.6, 1.4) for urn in urns}
    for start, academic_year in YEARS:
        if start != YEARS[0][0]:  # a new year: year 13 leaves, everyone else moves up, a new year 7 arrives
            for urn in urns:
                stay = [(pid, y + 1, d, s) for pid, y, d, s in roll[urn] if y < YEAR_GROUPS[-1]]
                roll[urn] = [
                    (f"{urn}-{start}-{p:03d}", YEAR_GROUPS[0], rng.random() < 0.25, rng.random() < 0.15)
                    for p in range(PUPILS_PER_YEAR_GROUP)
                ] + stay
        first = date(start, 9, 8)
        days = (date(start + 1, 7, 17) - first).days
        school_encounters: dict[str, list[tuple[str, str]]] = {}
        files = Files(folder, "encounters", file_rows, made)
        for urn in urns:
            mine = []
            for kind, count in ENCOUNTERS.items():
                for k in range(count):
                    ref = f"E{urn}-{start}-{kind[:2]}{k}"
                    day = (first + timedelta(days=rng.randrange(days))).isoformat()
                    mine.append((ref, day))
                    files.write([ref, urn, day, kind, "Provider Ltd", "7;8;9;10;11;12;13", rng.randrange(20, 200)])
            school_encounters[urn] = mine
        files.close()
        files = Files(folder, "learners", file_rows, made)
        for urn in urns:
            for pid, y, disadvantaged, send in roll[urn]:
                files.write(
                    [pid, urn, y, academic_year, "true" if disadvantaged else "false", "true" if send else "false", "", ""]
                )
        files.close()
        files = Files(folder, "participations", file_rows, made)
        low, high = PARTICIPATIONS
        for urn in urns:
            mine, factor = school_encounters[urn], engagement[urn]
            for pid, _y, _d, _s in roll[urn]:
                k = min(len(mine), max(0, round(rng.randint(low, high) * factor)))
                for ref, day in rng.sample(mine, k):
                    files.write([pid, ref, urn, day])
        files.close()
    return {
        "files": [vars(f) for f in made],
        "schools": schools,
        "hubs": hubs,
        "urns": urns,
        "hub_ids": sorted(set(hub_of.values())),
        "rows": sum(f.rows for f in made),
    }


# --- phases (each in its own process) -------------------------------------------------------------------


def rss_mib() -> float:
    """This process's peak resident set so far, in MiB: VmHWM, the high-water mark of its own memory. Linux's
    ru_maxrss is the same figure but carries over the parent's through fork and exec (here the generator's
    100+ MiB), which would hide a smaller phase's own peak."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def progress(done: int, total: int, t0: float, what: str) -> None:
    print(f"  {what}: {done:,}/{total:,} ({time.perf_counter() - t0:,.0f} s)", file=sys.stderr, flush=True)


def phase_baseline_import(url: str, manifest: dict[str, Any]) -> dict[str, Any]:
    import psycopg

    files = [ImportFile(**f) for f in manifest["files"]]
    with psycopg.connect(url) as conn:
        for kind, (columns, indexes) in BASELINE_TABLES.items():
            conn.execute(f"DROP TABLE IF EXISTS baseline_{kind}")
            conn.execute(f"CREATE TABLE baseline_{kind} ({columns})")
            for i, index in enumerate(indexes):
                conn.execute(f"CREATE INDEX baseline_{kind}_{i} ON baseline_{kind} ({index})")
        conn.commit()
        start_rss, cpu0, t0 = rss_mib(), cpu_seconds(), time.perf_counter()
        for number, f in enumerate(files, 1):
            with open(f.path, newline="") as handle:
                reader = csv.reader(handle)
                header = next(reader)
                rows = [[v if v != "" else None for v in row] for row in reader]
            marks = ", ".join(["%s"] * len(header))
            with conn.cursor() as cur:
                cur.executemany(f"INSERT INTO baseline_{f.kind} ({', '.join(header)}) VALUES ({marks})", rows)
            conn.commit()
            if number % 50 == 0:
                progress(number, len(files), t0, "baseline import, files")
        seconds = time.perf_counter() - t0
    return {
        "rows": sum(f.rows for f in files),
        "seconds": seconds,
        "cpu": cpu_seconds() - cpu0,
        "start_mib": start_rss,
        "peak_mib": rss_mib(),
    }


def service_for(url: str) -> Any:
    from config.settings import Settings
    from service.hub import HubService

    return HubService(Settings(database_url=url, actor="bench", learner_secret=SECRET))


def phase_import(url: str, manifest: dict[str, Any]) -> dict[str, Any]:
    import engine.importing.importer as importer

    importer.PROGRESS_ABOVE_ROWS = sys.maxsize  # no progress bar per file in the log
    files = [ImportFile(**f) for f in manifest["files"]]
    service = service_for(url)
    if service.app.last_position():
        raise SystemExit("the database is not empty; the benchmark needs a fresh store")
    start_rss, cpu0, t0 = rss_mib(), cpu_seconds(), time.perf_counter()
    per_file = []
    try:
        for number, f in enumerate(files, 1):
            t1 = time.perf_counter()
            service.import_file(f.kind, Path(f.path), "bench", "learner benchmark", data=Path(f.path).read_bytes())
            per_file.append((f.rows, time.perf_counter() - t1))
            if number % 25 == 0:
                progress(number, len(files), t0, f"import, files ({service.app.last_position():,} events)")
        seconds = time.perf_counter() - t0
        events = service.app.last_position()
    finally:
        service.close()
    participations = [p for p, f in zip(per_file, files, strict=True) if f.kind == "participations"]
    tenth = max(1, len(participations) // 10)  # does importing slow down as the history grows?
    first, last = participations[:tenth], participations[-tenth:]
    return {
        "rows": sum(f.rows for f in files),
        "events": events,
        "seconds": seconds,
        "cpu": cpu_seconds() - cpu0,
        "first_tenth_rows_per_s": sum(r for r, _ in first) / sum(s for _, s in first),
        "last_tenth_rows_per_s": sum(r for r, _ in last) / sum(s for _, s in last),
        "start_mib": start_rss,
        "peak_mib": rss_mib(),
    }


def phase_decode(url: str, manifest: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.report_bench import read_and_decode_rate

    service = service_for(url)
    try:
        start_rss, cpu0, events = rss_mib(), cpu_seconds(), service.app.last_position()
        rate = read_and_decode_rate(service)
    finally:
        service.close()
    return {"events": events, "rate": rate, "cpu": cpu_seconds() - cpu0, "start_mib": start_rss, "peak_mib": rss_mib()}


def phase_rebuild(url: str, manifest: dict[str, Any]) -> dict[str, Any]:
    service = service_for(url)
    try:
        start_rss, cpu0, t0 = rss_mib(), cpu_seconds(), time.perf_counter()
        events = service.projector.rebuild()
        seconds = time.perf_counter() - t0
    finally:
        service.close()
    return {
        "events": events,
        "rate": events / seconds,
        "seconds": seconds,
        "cpu": cpu_seconds() - cpu0,
        "start_mib": start_rss,
        "peak_mib": rss_mib(),
    }


def definitions_on(day: date) -> list[dict[str, Any]]:
    """careerhub's default definitions in force on the day (the baseline's constants: same file)."""
    with DEFINITIONS.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    chosen = [
        r
        for r in rows
        if r["in_force_from"] <= day.isoformat() and (not r["in_force_until"] or r["in_force_until"] >= day.isoformat())
    ]
    return [
        {
            "benchmark": int(r["benchmark"]),
            "kinds": r["encounter_kinds"].split(";"),
            "groups": [int(y) for y in r["year_groups"].split(";")],
            "required": int(r["required"] or 1),
            "span": r["span"],
        }
        for r in chosen
        if int(r["benchmark"]) >= 5
    ]


def baseline_cohort_sql() -> str:
    """The coverage question over the plain tables: learners on roll in the measured year groups, each with
    the number of qualifying encounters taken part in (the same shape as projections.coverage.cohort_and_met)."""
    return (
        "WITH cohort AS (SELECT l.urn, l.year_group, l.pupil_id, l.disadvantaged FROM baseline_learners l"
        " WHERE l.urn = ANY(%(urns)s) AND l.academic_year = %(year)s AND l.year_group = ANY(%(groups)s)"
        " AND (l.on_roll_from IS NULL OR l.on_roll_from <= %(on)s) AND (l.on_roll_until IS NULL OR l.on_roll_until > %(on)s)),"
        " met AS (SELECT p.urn, p.pupil_id, COUNT(DISTINCT p.encounter_ref) AS encounters"
        " FROM baseline_participations p JOIN baseline_encounters e ON e.encounter_ref = p.encounter_ref AND e.urn = p.urn"
        " WHERE p.urn = ANY(%(urns)s) AND e.kind = ANY(%(kinds)s) AND p.participated_on >= %(first)s"
        " AND p.participated_on <= %(last)s GROUP BY p.urn, p.pupil_id)"
        " SELECT c.urn, c.year_group, c.pupil_id, c.disadvantaged, COALESCE(m.encounters, 0) AS met"
        " FROM cohort c LEFT JOIN met m ON m.urn = c.urn AND m.pupil_id = c.pupil_id"
    )


def baseline_coverage(conn: Any, urns: list[str], day: date, unreached: bool) -> list[Any]:
    """Per definition: the grouped figures per school and year group (and, for a school, who is not reached);
    returns the figures' rows (urn, year_group, learners, reached, ...)."""
    start = day.year if day.month >= 9 else day.year - 1
    year = f"{start}/{(start + 1) % 100:02d}"
    last = min(day, date(start + 1, 8, 31))
    figures = []
    for d in definitions_on(day):
        params = {
            "urns": urns,
            "year": year,
            "groups": d["groups"],
            "on": day,
            "kinds": d["kinds"],
            "first": date(start, 9, 1) if d["span"] == "year" else date(1, 1, 1),
            "last": last,
            "required": d["required"],
        }
        inner = baseline_cohort_sql()
        figures += conn.execute(
            "SELECT urn, year_group, COUNT(*) AS learners, SUM(CASE WHEN met >= %(required)s THEN 1 ELSE 0 END) AS reached,"
            " SUM(CASE WHEN disadvantaged THEN 1 ELSE 0 END) AS disadvantaged_learners,"
            " SUM(CASE WHEN disadvantaged AND met >= %(required)s THEN 1 ELSE 0 END) AS disadvantaged_reached"
            f" FROM ({inner}) AS learners GROUP BY urn, year_group ORDER BY urn, year_group",
            params,
        ).fetchall()
        if unreached:
            conn.execute(
                f"SELECT year_group, pupil_id, disadvantaged, met FROM ({inner}) AS learners"
                " WHERE met < %(required)s ORDER BY year_group, pupil_id",
                params,
            ).fetchall()
    return figures


def phase_queries(url: str, manifest: dict[str, Any], samples: int, hub_samples: int, seed: int) -> dict[str, Any]:
    import psycopg

    from projections.coverage import measured_coverage, school_measured
    from projections.queries import Known

    rng = random.Random(seed)
    service = service_for(url)
    conn = psycopg.connect(url, autocommit=True)
    try:
        known = Known(service.db, service.refresh())
        first, last = date(YEARS[0][0], 9, 15), date(YEARS[-1][0] + 1, 7, 20)

        def day() -> date:
            return first + timedelta(days=rng.randrange((last - first).days + 1))

        def timed(run: Callable[[], Any]) -> float:
            t0 = time.perf_counter()
            run()
            return (time.perf_counter() - t0) * 1000

        times: dict[str, list[float]] = {"school": [], "school_baseline": [], "hub": [], "hub_baseline": []}
        checked = False
        for i in range(samples):
            urn, on = rng.choice(manifest["urns"]), day()
            pair = [
                ("school", lambda urn=urn, on=on: school_measured(known, urn, on)),
                ("school_baseline", lambda urn=urn, on=on: baseline_coverage(conn, [urn], on, unreached=True)),
            ]
            for name, run in pair if i % 2 == 0 else pair[::-1]:  # which goes first alternates
                times[name].append(timed(run))
            if not checked:  # the two answer the same question: the same learners and reached, in sum
                ours = [(r["learners"], r["reached"]) for r in school_measured(known, urn, on)["rows"]]
                plain = [(r[2], r[3]) for r in baseline_coverage(conn, [urn], on, unreached=False)]
                totals = [sum(x) for x in zip(*ours, strict=True)], [sum(x) for x in zip(*plain, strict=True)]
                if totals[0] != totals[1] or not totals[0][0]:
                    raise SystemExit(f"careerhub and the baseline disagree (learners, reached): {totals}")
                checked = True
        for i in range(hub_samples):
            hub_id, on = rng.choice(manifest["hub_ids"]), day()

            def members(hub_id: str = hub_id) -> list[str]:
                return [
                    r[0]
                    for r in conn.execute(
                        "SELECT urn FROM baseline_institutions WHERE hub_id = %s ORDER BY urn", (hub_id,)
                    ).fetchall()
                ]

            pair = [
                ("hub", lambda hub_id=hub_id, on=on: measured_coverage(known, hub_id, on)),
                ("hub_baseline", lambda on=on, members=members: baseline_coverage(conn, members(), on, unreached=False)),
            ]
            for name, run in pair if i % 2 == 0 else pair[::-1]:
                times[name].append(timed(run))
    finally:
        conn.close()
        service.close()
    return {name: {"p50": percentile(t, 50), "p95": percentile(t, 95), "samples": len(t)} for name, t in times.items()} | {
        "peak_mib": rss_mib()
    }


PHASES = {"baseline-import": phase_baseline_import, "import": phase_import, "decode": phase_decode, "rebuild": phase_rebuild}


def run_phase(args: argparse.Namespace, phase: str) -> dict[str, Any]:
    """Run a phase in a child process of its own; its last line on stdout is its result as JSON."""
    print(f"[{time.strftime('%H:%M:%S')}] {phase} (load average {load_average()})", file=sys.stderr, flush=True)
    command = [
        sys.executable,
        __file__,
        "--phase",
        phase,
        "--workdir",
        str(args.workdir),
        "--database-url",
        args.database_url,
        "--samples",
        str(args.samples),
        "--hub-samples",
        str(args.hub_samples),
        "--seed",
        str(args.seed),
    ]
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"phase {phase} failed ({result.returncode})")
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    print(f"    {json.dumps(outcome)}", file=sys.stderr, flush=True)
    return outcome


# --- the run --------------------------------------------------------------------------------------------


def started_server(args: argparse.Namespace) -> Iterator[str]:
    """The database to measure: --database-url, or a fresh one on a server started here."""
    if args.database_url:
        yield args.database_url
        return
    from tests.pgserver import find_postgres_bindir, started_postgres

    bindir = find_postgres_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL server programs not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    # Memory for the server as a small production one would have; the same for careerhub and the baseline.
    with started_postgres(bindir, "-c shared_buffers=512MB -c max_wal_size=4GB -c work_mem=32MB") as server:
        with server.connect_as_superuser() as conn:
            conn.execute("CREATE ROLE bench LOGIN PASSWORD 'bench'")
            conn.execute("CREATE DATABASE bench OWNER bench")
        yield server.url("bench", "bench", "bench")


def report(args: argparse.Namespace, manifest: dict[str, Any], r: dict[str, dict[str, Any]], started: float) -> None:
    base, imp, dec, reb, q = r["baseline-import"], r["import"], r["decode"], r["rebuild"], r["queries"]
    print(
        f"\nlearner benchmark, {time.strftime('%Y-%m-%d %H:%M')}, PostgreSQL, seed {args.seed}:"
        f" {manifest['schools']:,} schools in {manifest['hubs']} hubs, {manifest['rows']:,} rows in"
        f" {len(manifest['files'])} files of at most {args.file_rows:,} rows;"
        f" {imp['events']:,} events recorded (goal >= {args.events:,}) {verdict(imp['events'] >= args.events)}"
    )
    base_rate, imp_rate = base["rows"] / base["seconds"], imp["rows"] / imp["seconds"]
    ratio = imp_rate / base_rate
    print(
        f"import: careerhub {imp_rate:,.0f} rows/s ({imp['events'] / imp['seconds']:,.0f} events/s, read model"
        f" included; participations: first tenth of the files {imp['first_tenth_rows_per_s']:,.0f} rows/s, last tenth"
        f" {imp['last_tenth_rows_per_s']:,.0f}) against executemany {base_rate:,.0f} rows/s: ratio {ratio:.3f}"
        f" (goal >= {GOALS['import_ratio']}) {verdict(ratio >= GOALS['import_ratio'])};"
        f" CPU of the process {imp['cpu']:,.0f} s against {base['cpu']:,.0f} s"
    )
    ratio = reb["rate"] / dec["rate"]
    print(
        f"projection: rebuild {reb['rate']:,.0f} events/s ({reb['seconds']:,.0f} s) against read-and-decode"
        f" {dec['rate']:,.0f} events/s: ratio {ratio:.2f} (goal >= {GOALS['rebuild_ratio']})"
        f" {verdict(ratio >= GOALS['rebuild_ratio'])}"
    )
    for name, label in (("school", "one school"), ("hub", "one hub")):
        ours, plain = q[name], q[f"{name}_baseline"]
        ratio = ours["p95"] / plain["p95"]
        print(
            f"coverage, {label}: p50 {ours['p50']:,.1f} ms p95 {ours['p95']:,.1f} ms against the plain tables'"
            f" p50 {plain['p50']:,.1f} ms p95 {plain['p95']:,.1f} ms ({ours['samples']} samples each):"
            f" p95 ratio {ratio:.2f} (goal <= {GOALS['query_p95_ratio']}) {verdict(ratio <= GOALS['query_p95_ratio'])}"
        )
    for label, ours, plain in (("import", imp, base), ("rebuild", reb, dec), ("read and decode", dec, None)):
        against = (
            f" against the baseline's {plain['peak_mib']:,.0f} MiB (x{ours['peak_mib'] / plain['peak_mib']:.1f})" if plain else ""
        )
        print(
            f"peak memory, {label}: {ours['peak_mib']:,.0f} MiB (after start-up {ours['start_mib']:,.0f} MiB){against}"
            f" (goal <= {GOALS['peak_mib']} MiB) {verdict(ours['peak_mib'] <= GOALS['peak_mib'])}"
        )
    print(f"peak memory, queries (careerhub and the plain SQL in one process): {q['peak_mib']:,.0f} MiB")
    print(f"wall time {(time.perf_counter() - started) / 60:,.0f} min; load average {load_average()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="events to record, at least")
    parser.add_argument("--file-rows", type=int, default=20_000, help="rows per import file (one transaction)")
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database (default: start a server)")
    parser.add_argument("--samples", type=int, default=100, help="one-school coverage queries timed (and as many baseline)")
    parser.add_argument("--hub-samples", type=int, default=30, help="one-hub coverage queries timed (and as many baseline)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--phase", choices=[*PHASES, "queries"], help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:  # a child: one phase, its result as JSON on the last line
        manifest = json.loads((args.workdir / "manifest.json").read_text())
        if args.phase == "queries":
            outcome = phase_queries(args.database_url, manifest, args.samples, args.hub_samples, args.seed)
        else:
            outcome = PHASES[args.phase](args.database_url, manifest)
        print(json.dumps(outcome))
        return 0

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="careerhub-learner-bench-") as tmp:
        args.workdir = Path(tmp)
        print(f"[{time.strftime('%H:%M:%S')}] writing the history's files to {tmp}", file=sys.stderr, flush=True)
        manifest = generate(args.workdir, args.events, args.file_rows, args.seed)
        (args.workdir / "manifest.json").write_text(json.dumps(manifest))
        print(
            f"    {manifest['rows']:,} rows in {len(manifest['files'])} files, {manifest['schools']:,} schools,"
            f" {manifest['hubs']} hubs ({time.perf_counter() - started:,.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        servers = started_server(args)
        args.database_url = next(servers)
        try:
            results = {phase: run_phase(args, phase) for phase in ("baseline-import", "import", "decode", "rebuild", "queries")}
        finally:
            servers.close()
    report(args, manifest, results, started)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
