"""Helpers for benchmarks/web_bench.sh: the national-scale history, a late assessments file, and a profile.

  generate    --database-url URL --scale S   load report_bench's generated history through the import path
  assessments --out FILE --scale S           one new term of assessments (autumn after the history) as a CSV
  profile     --database-url URL --hub H     cProfile the dashboard partial through the Flask test client
  ready       --database-url URL             rebuild a cached store's read model if this careerhub's tables changed

The history is report_bench.History (imported, not copied), so both benchmarks measure the same data.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import re
import secrets
import sqlite3
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from report_bench import BENCHMARK_COLUMNS, FIRST_YEAR, YEARS, History, csv_bytes, day_between, load  # noqa: E402

from config.settings import Settings  # noqa: E402

HISTORY_FIRST_DAY = date(FIRST_YEAR, 9, 1)
HISTORY_LAST_DAY = date(FIRST_YEAR + YEARS, 8, 31)


def generate(args: argparse.Namespace) -> int:
    history = History(args.scale, args.seed, args.file_rows)
    print(f"generating the history at scale {args.scale} into {args.database_url.split('@')[-1]}", file=sys.stderr)
    loaded = load(args.database_url, history)
    loaded.service.close()
    if args.database_url.startswith("sqlite:///"):  # the file alone is the whole store: web_bench.sh copies it
        with closing(sqlite3.connect(args.database_url[len("sqlite:///") :])) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"{loaded.events:,} events in {loaded.seconds:,.0f} s ({loaded.events / loaded.seconds:,.0f} events/s)")
    return 0


def assessments(args: argparse.Namespace) -> int:
    """Every institution's assessment for the autumn term after the history: new rows, so the import records."""
    history = History(args.scale, args.seed, args.file_rows)
    rng = random.Random(args.seed + 1)
    first, last = date(FIRST_YEAR + YEARS, 9, 1), date(FIRST_YEAR + YEARS, 12, 15)
    rows = [
        [urn, day_between(rng, first, last).isoformat(), *(25 * rng.randrange(5) for _ in BENCHMARK_COLUMNS)]
        for urn in history.hub_of
    ]
    args.out.write_bytes(csv_bytes(["urn", "assessed_on", *BENCHMARK_COLUMNS], rows))
    print(f"{len(rows):,} assessment rows written to {args.out}")
    return 0


def ready(args: argparse.Namespace) -> int:
    """A cached store's read model brought up to this careerhub's tables (rebuilt if they changed since the
    cache was made); prints `rebuilt` or `current`, so web_bench.sh refreshes the cache only when needed."""
    from engine.application import CareerHub
    from projections.runner import Projector, open_read_model

    app = CareerHub(args.database_url, None, False)
    outdated = open_read_model(app).outdated()
    if outdated:
        Projector(app)  # rebuilds an outdated read model
    app.close()
    print("rebuilt" if outdated else "current")
    return 0


def count_queries() -> dict[str, Any]:
    """Per table read: queries, rows and seconds of Database.query and .scalar (until `__stop__` is called)."""
    from engine.sql import Database

    totals: dict[str, Any] = defaultdict(lambda: [0, 0, 0.0])
    originals = Database.query, Database.scalar

    def timed(original: Callable[..., Any]) -> Callable[..., Any]:
        def run(self: Database, sql: str, params: Sequence[Any] = ()) -> Any:
            t0 = time.perf_counter()
            result = original(self, sql, params)
            table = re.search(r"\bFROM\s+(\w+)", sql, re.IGNORECASE)
            entry = totals[table.group(1) if table else sql[:16]]
            entry[0] += 1
            entry[1] += len(result) if isinstance(result, list) else 1
            entry[2] += time.perf_counter() - t0
            return result

        return run

    Database.query, Database.scalar = timed(originals[0]), timed(originals[1])

    def stop() -> None:
        Database.query, Database.scalar = originals

    totals["__stop__"] = stop
    return totals


def profile(args: argparse.Namespace) -> int:
    """The dashboard partial as wrk asks for it (htmx request, signed-in hub lead), timed and profiled in-process."""
    from web import create_app

    app = create_app(Settings(database_url=args.database_url, actor="bench", secret_key="profile"), {"WTF_CSRF_ENABLED": False})
    users = app.extensions["careerhub"].users
    account = users.current(args.user) or users.add_user(args.user, "hub_lead", args.hub, secrets.token_urlsafe(18), "web-bench")
    client = app.test_client()
    with client.session_transaction() as session:
        session.update(user=account.name, v=account.session_version, at=time.time())
    rng = random.Random(args.seed)
    days = [day_between(rng, HISTORY_FIRST_DAY, HISTORY_LAST_DAY).isoformat() for _ in range(args.requests)]

    def get(day: str) -> None:
        response = client.get(f"/dashboard/{args.hub}?as_of={day}", headers={"HX-Request": "true"})
        if response.status_code != 200 or b"<html" in response.data:
            raise SystemExit(f"unexpected answer {response.status_code} for as_of={day}")

    get(days[0])  # warm-up: the read model catches up, templates compile
    queries = count_queries()
    timings = []
    profiler = cProfile.Profile()
    for day in days:
        t0 = time.perf_counter()
        profiler.enable()
        get(day)
        profiler.disable()
        timings.append((time.perf_counter() - t0) * 1000)
    queries.pop("__stop__")()
    timings.sort()
    print(
        f"{len(timings)} requests in-process: p50 {timings[len(timings) // 2]:.1f} ms,"
        f" p95 {timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]:.1f} ms"
    )
    print(f"SQL per request, by read-model table (over {len(days)} requests; time includes fetching the rows):")
    print(f"  {'table':<16} {'queries':>8} {'rows':>9} {'ms':>8}")
    for table, (count, rows, seconds) in sorted(queries.items(), key=lambda item: -item[1][2]):
        print(f"  {table:<16} {count / len(days):>8.1f} {rows / len(days):>9.0f} {1000 * seconds / len(days):>8.1f}")
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run in (("generate", generate), ("assessments", assessments), ("profile", profile), ("ready", ready)):
        command = commands.add_parser(name)
        command.set_defaults(run=run)
        command.add_argument("--scale", type=float, default=1.0)
        command.add_argument("--seed", type=int, default=1)
        command.add_argument("--file-rows", type=int, default=50_000)
        if name != "assessments":
            command.add_argument("--database-url", required=True)
    commands.choices["assessments"].add_argument("--out", type=Path, required=True)
    profiled = commands.choices["profile"]
    profiled.add_argument("--hub", default="hub00")
    profiled.add_argument("--user", default="bench-lead")
    profiled.add_argument("--requests", type=int, default=30)
    profiled.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
