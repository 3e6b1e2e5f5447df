"""Import throughput: `careerhub import assessments` of 100,000 rows against a raw sqlite3 baseline.

Both run in this process on the same machine, into fresh SQLite files in WAL mode:
- careerhub: HubService.import_file, exactly what `careerhub import` runs (parse, check references,
  plan, save events with their log rows, then bring the read model up to date), timed in phases;
- raw: read the same CSV with the csv module and `executemany` every row, with its values as a JSON
  state blob, into one equivalent table, in one transaction.

Prints rows/s for each and the ratio careerhub/raw against its goal (issue 11: >= 0.25), met or missed.
With --repeat N both are timed N times, alternately, each into fresh files, and the median ratio is the
verdict (a shared machine's load moves single runs by ±30 %).
Usage: .venv/bin/python benchmarks/import_bench.py [--rows 100000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import engine.importing.importer as importer  # noqa: E402
from config.settings import Settings  # noqa: E402
from engine.application import CareerHub  # noqa: E402
from engine.importing.importer import import_file  # noqa: E402
from engine.importing.parsing import read_rows  # noqa: E402
from engine.kinds import KINDS  # noqa: E402
from projections.readmodel import ReadModel  # noqa: E402
from service.hub import HubService  # noqa: E402

GOAL = 0.25  # issue 11: import rows/s / raw sqlite3 executemany rows/s
INSTITUTIONS = 1000
BENCHMARKS = [f"bm{b}" for b in range(1, 9)]


def write_inputs(folder: Path, rows: int) -> tuple[Path, Path, Path]:
    """A hub, the institutions the assessments refer to, and `rows` assessments."""
    hubs = folder / "hubs.csv"
    hubs.write_text("hub_id,name,area,started_on\nbench,Bench Hub,Benchshire,2019-09-01\n")
    institutions = folder / "institutions.csv"
    with institutions.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["urn", "name", "kind", "area", "hub_id", "hub_joined_on", "ean_joined_on"])
        for i in range(INSTITUTIONS):
            w.writerow([f"{100000 + i}", f"School {i}", "school", "Benchshire", "bench", "2019-09-01", "2019-09-01"])
    assessments = folder / "assessments.csv"
    per_institution = -(-rows // INSTITUTIONS)
    start = date(2010, 1, 1)
    with assessments.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["urn", "assessed_on", *BENCHMARKS])
        n = 0
        for d in range(per_institution):
            day = (start + timedelta(days=d)).isoformat()
            for i in range(INSTITUTIONS):
                if n == rows:
                    break
                w.writerow([f"{100000 + i}", day, *((i * 7 + d * 3 + b * 11) % 101 for b in range(8))])
                n += 1
    return hubs, institutions, assessments


class Phases:
    """Wall time spent inside a few named functions (wrapped for the run; a handful of calls each)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.current: str | None = None
        self.undo: list[tuple[object, str, object]] = []

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            outer, self.current = self.current, label
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                self.current = outer
                self.seconds[label] = self.seconds.get(label, 0.0) + elapsed
                if outer:  # report each phase without the phases inside it
                    self.seconds[outer] = self.seconds.get(outer, 0.0) - elapsed

        self.undo.append((owner, name, original))
        setattr(owner, name, timed)

    def __enter__(self) -> Phases:
        self.wrap(importer, "read_rows", "parse CSV")
        self.wrap(importer, "rows_by_key", "key rows")
        self.wrap(importer, "check_references", "check references")
        self.wrap(CareerHub, "load_many", "load records (references + existing)")
        self.wrap(CareerHub, "save", "save events")
        # Reading the log is not timed apart: it runs in a thread, ahead of apply_batch, during the catch-up.
        self.wrap(ReadModel, "apply_batch", "read model: apply + commit (+ waiting for the read ahead)")
        return self

    def __exit__(self, *exc: object) -> None:
        for owner, name, original in reversed(self.undo):
            setattr(owner, name, original)


def time_careerhub(folder: Path, hubs: Path, institutions: Path, assessments: Path, profile: bool) -> dict[str, float]:
    url = f"sqlite:///{folder}/careerhub.sqlite3"
    service = HubService(Settings(database_url=url, actor="bench"))
    try:
        service.import_file("hubs", hubs, "bench")
        service.import_file("institutions", institutions, "bench")
        data = assessments.read_bytes()
        t0 = time.perf_counter()
        read_rows(assessments, KINDS["assessments"], data)
        parse = time.perf_counter() - t0

        profiler = cProfile.Profile() if profile else None
        with Phases() as phases:
            cpu0 = time.process_time()
            t0 = time.perf_counter()
            if profiler:
                profiler.enable()
            summary = import_file(service.app, "assessments", assessments, "bench", "benchmark", data)
            t1 = time.perf_counter()
            service.refresh()
            t2 = time.perf_counter()
            cpu = time.process_time() - cpu0
            if profiler:
                profiler.disable()
        assert summary.recorded == summary.rows, summary
        timings = {"rows": summary.rows, "parse": parse, "import": t1 - t0, "project": t2 - t1, "total": t2 - t0, "cpu": cpu}
        build = (t1 - t0) - sum(v for k, v in phases.seconds.items() if not k.startswith("read model"))
        print("phases (s):", file=sys.stderr)
        for label, seconds in [*phases.seconds.items(), ("build aggregates + events (rest of import)", build)]:
            print(f"  {label:45s} {seconds:7.2f}", file=sys.stderr)
        if profiler:
            report(profiler)
        return timings
    finally:
        service.close()


def report(profiler: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)
    print(out.getvalue(), file=sys.stderr)


def time_raw(folder: Path, assessments: Path) -> dict[str, float]:
    conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    columns = ["urn", "assessed_on", *BENCHMARKS]
    conn.execute(f"CREATE TABLE assessments ({', '.join(columns)}, state BLOB, PRIMARY KEY (urn, assessed_on))")
    cpu0, t0 = time.process_time(), time.perf_counter()
    with assessments.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [(*row, json.dumps(dict(zip(header, row, strict=True))).encode()) for row in reader]
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO assessments VALUES ({', '.join('?' * (len(columns) + 1))})", rows)
    conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    count = conn.execute("SELECT COUNT(*) FROM assessments").fetchone()[0]
    conn.close()
    assert count == len(rows)
    return {"rows": len(rows), "total": elapsed, "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the careerhub import (slows it down)")
    parser.add_argument("--repeat", type=int, default=1, help="time both N times; the verdict is the median ratio")
    args = parser.parse_args()
    ratios = []
    for run in range(args.repeat):
        if args.repeat > 1:
            print(f"--- run {run + 1} of {args.repeat}")
        ratios.append(one_run(args.rows, args.profile))
    median = statistics.median(ratios)
    met = "met" if median >= GOAL else "MISSED"
    print(
        f"goal: ratio >= {GOAL}; median of {len(ratios)} run(s) {median:.3f} ({', '.join(f'{r:.3f}' for r in ratios)})"
        f" -> {met}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    return 0


def one_run(rows: int, profile: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="careerhub-bench-") as tmp:
        folder = Path(tmp)
        hubs, institutions, assessments = write_inputs(folder, rows)
        size_mb = assessments.stat().st_size / 1e6
        raw = time_raw(folder, assessments)
        hub = time_careerhub(folder, hubs, institutions, assessments, profile)
    raw_rate = raw["rows"] / raw["total"]
    hub_rate = hub["rows"] / hub["total"]
    engine_rate = hub["rows"] / hub["import"]
    print(f"file: {hub['rows']:,} assessment rows, {size_mb:.1f} MB")
    print(f"raw sqlite3 executemany : {raw_rate:12,.0f} rows/s  ({raw['total']:.2f} s)")
    print(
        f"careerhub import        : {hub_rate:12,.0f} rows/s  ({hub['total']:.2f} s = import {hub['import']:.2f} s"
        f" [of which parsing ~{hub['parse']:.2f} s] + read model {hub['project']:.2f} s)"
    )
    print(f"careerhub events only   : {engine_rate:12,.0f} rows/s  (without the read-model catch-up)")
    ratio = hub_rate / raw_rate
    print(f"ratio careerhub/raw     : {ratio:.3f}  (events only: {engine_rate / raw_rate:.3f}; goal >= {GOAL})")
    print(
        f"process CPU seconds     : raw {raw['cpu']:.2f}, careerhub {hub['cpu']:.2f} (ratio {raw['cpu'] / hub['cpu']:.3f};"
        " wall - CPU is mostly fsync and I/O wait, inflated when the machine is shared)"
    )
    return ratio


if __name__ == "__main__":
    raise SystemExit(main())
