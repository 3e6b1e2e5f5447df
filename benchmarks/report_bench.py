"""Read-model benchmark at national scale: rebuild rate and hub-report latency, and how they grow with history.

A generated history (at --scale 1.0): 5,000 institutions in 40 hubs (one hub per area), 4,000 advisers and five
academic years (2015/16–2019/20) of termly assessments (with corrections and retractions), matches, encounters,
funding, targets and national figures — over 1,000,000 events — fed term by term through the real import path
(HubService.import_file with generated CSV bytes, files of at most --file-rows rows; the read model catches up
after every file, as in production) into a fresh store. Then it prints:

(a) the rebuild rate (Projector.rebuild, events/s) against the library's own read-and-decode rate measured in
    the same run (select_notifications(limit=1000) + mapper.to_domain_event over every event); goal >= 0.5;
(b) hub_report latency p50/p95 for one hub, and for all hubs (a loop over the 40), at random (DATE, T);
    goals: one hub p95 <= 10 ms, all hubs (all_hub_reports) p95 <= 200 ms;
(c) the same latencies over a second fresh store that holds only the first 10 % of the history (imported in the
    same order, stopped at 10 % of the events) and over the full store, for the very same hubs and days (drawn from
    the 10 % store's, none twice), each store known after everything it holds was recorded, asked of the two stores
    in turn; goal: full / 10 % for those days <= 1.5 (a report on a day does not cost
    more for the years recorded after it). The same days have the same members in both stores; days drawn from the
    whole history find about six times the members (institutions join over the first two years), so that ratio is
    printed for reference only, as is the full store known at the moment 10 % had been recorded (same tables: what
    the record-time filter saves).

With --only rebuild it loads the full history alone and measures (a) only, --repeat times (read-and-decode and
rebuild alternately; the verdict is the median ratio).

Usage: .venv/bin/python benchmarks/report_bench.py [--scale 0.05] [--database-url URL] [--profile]
       .venv/bin/python benchmarks/report_bench.py --only rebuild --scale 0.1 --repeat 3 [--database-url URL]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.settings import Settings  # noqa: E402
from projections.report import Query, all_hub_reports, hub_report  # noqa: E402
from service.hub import HubService  # noqa: E402

HUBS = 40
HUB_IDS = [f"hub{h:02d}" for h in range(HUBS)]
INSTITUTIONS = 5000
ADVISERS = 4000
FIRST_YEAR, YEARS = 2015, 5
ENCOUNTERS_PER_TERM = 12
GOALS = {"rebuild_ratio": 0.5, "one_hub_p95_ms": 10.0, "all_hubs_p95_ms": 200.0, "growth": 1.5}  # issue 11
BENCHMARK_COLUMNS = [f"bm{b}" for b in range(1, 9)]
ENCOUNTER_KINDS = ("employer_encounter", "workplace_experience", "fe_he_encounter", "personal_guidance")
TERMS = (("autumn", (9, 1), (12, 31)), ("spring", (1, 1), (3, 31)), ("summer", (4, 1), (8, 31)))


# --- the generated history ------------------------------------------------------------------------


@dataclass
class Step:
    """One file to import (kind, header, rows) or retractions (kind, keys), valid up to `until`."""

    kind: str
    header: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    retractions: list[tuple[str, ...]] = field(default_factory=list)
    until: date = date(FIRST_YEAR, 9, 1)


def day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


def terms() -> Iterator[tuple[int, str, date, date]]:
    for start in range(FIRST_YEAR, FIRST_YEAR + YEARS):
        for name, (m1, d1), (m2, d2) in TERMS:
            year = start if m1 >= 9 else start + 1
            yield start, name, date(year, m1, d1), date(year, m2, d2)


class History:
    """Deterministic (seeded) generator of the import files, in the order they are recorded."""

    def __init__(self, scale: float, seed: int, file_rows: int):
        self.rng = random.Random(seed)
        self.file_rows = file_rows
        self.institutions = max(HUBS, round(INSTITUTIONS * scale))
        self.advisers = max(10, round(ADVISERS * scale))
        self.hub_of = {self.urn(i): f"hub{i % HUBS:02d}" for i in range(self.institutions)}
        self.level = {urn: self.rng.uniform(0, 2.5) for urn in self.hub_of}  # benchmarks' starting maturity
        self.member = {urn: self.rng.random() < 0.8 for urn in self.hub_of}
        self.joined: dict[str, date] = {}
        self.assessed: list[list[Any]] = []  # every assessment row so far (corrections pick from these)
        self.matched: dict[str, list[Any]] = {}  # urn -> its current match row
        self.encounter_ref = 0

    @staticmethod
    def urn(i: int) -> str:
        return f"{100000 + i}"

    @staticmethod
    def area(hub_id: str) -> str:
        return f"Area {hub_id[3:]}"

    def chunks(self, kind: str, header: list[str], rows: list[list[Any]], until: date) -> Iterator[Step]:
        for start in range(0, len(rows), self.file_rows):
            yield Step(kind, header, rows[start : start + self.file_rows], until=until)

    def steps(self) -> Iterator[Step]:
        yield from self.start()
        for start, name, first, last in terms():
            yield from self.term(start, name, first, last)

    def start(self) -> Iterator[Step]:
        rng, until = self.rng, date(FIRST_YEAR, 9, 1)
        yield Step(
            "hubs",
            ["hub_id", "name", "area", "started_on"],
            [[f"hub{h:02d}", f"Hub {h}", self.area(f"hub{h:02d}"), "2015-09-01"] for h in range(HUBS)],
            until=until,
        )
        yield Step(
            "national",
            ["metric", "published_on", "value", "academic_year"],
            [
                ["average_benchmarks", f"{y + 1}-01-15", round(1.5 + 0.6 * (y - FIRST_YEAR), 2), f"{y - 1}/{y % 100:02d}"]
                for y in range(FIRST_YEAR, FIRST_YEAR + YEARS)
            ]
            + [
                [f"bm{b}_percent", f"{y + 1}-01-15", rng.randrange(20, 60), f"{y - 1}/{y % 100:02d}"]
                for y in range(FIRST_YEAR, FIRST_YEAR + YEARS)
                for b in range(1, 9)
            ],
            until=until,
        )
        yield Step(
            "targets",
            ["hub_id", "academic_year", "metric", "value"],
            [
                [f"hub{h:02d}", f"{y}/{(y + 1) % 100:02d}", metric, value]
                for h in range(HUBS)
                for y in range(FIRST_YEAR, FIRST_YEAR + YEARS)
                for metric, value in (
                    ("average_benchmarks", 2 + 0.5 * (y - FIRST_YEAR)),
                    ("bm5_percent", 50 + 5 * (y - FIRST_YEAR)),
                    ("bm6_percent", 40 + 5 * (y - FIRST_YEAR)),
                )
            ],
            until=until,
        )
        rows = []
        for urn, hub_id in self.hub_of.items():
            joined = day_between(rng, date(2015, 9, 1), date(2017, 8, 31))
            self.joined[urn] = joined
            rows.append(
                [
                    urn,
                    f"School {urn}",
                    rng.choice(("school", "school", "school", "college", "special")),
                    self.area(hub_id),
                    f"cluster{rng.randrange(5)}",
                    joined.isoformat(),
                    hub_id if self.member[urn] else "",
                    joined.isoformat() if self.member[urn] else "",
                    "true" if rng.random() < 0.3 else "false",
                    round(50 + rng.uniform(0, 3), 4),
                    round(-3 + rng.uniform(0, 3), 4),
                ]
            )
        self.institution_header = [
            "urn",
            "name",
            "kind",
            "area",
            "cluster",
            "ean_joined_on",
            "hub_id",
            "hub_joined_on",
            "disadvantaged",
            "latitude",
            "longitude",
        ]
        self.institution_rows = {row[0]: row for row in rows}
        yield from self.chunks("institutions", self.institution_header, rows, until)
        yield from self.chunks(
            "advisers",
            ["adviser_ref", "name", "capacity", "available_from"],
            [[f"EA-{a}", f"Adviser {a}", rng.choice((1, 1, 2, 3)), "2015-09-01"] for a in range(self.advisers)],
            until,
        )

    def term(self, start: int, name: str, first: date, last: date) -> Iterator[Step]:
        rng = self.rng
        progress = (first - date(FIRST_YEAR, 9, 1)).days / 365
        assessments, encounters, matches, funding = [], [], [], []
        for urn in self.hub_of:
            if rng.random() < 0.9:  # one in ten owes this term's assessment
                level = self.level[urn] + progress * rng.uniform(0.5, 1.2)
                row = [
                    urn,
                    day_between(rng, first, last).isoformat(),
                    *(min(100, 25 * round(min(4, max(0, level - 0.4 * b + rng.gauss(0, 0.8))))) for b in range(8)),
                ]
                assessments.append(row)
            for _ in range(ENCOUNTERS_PER_TERM):
                self.encounter_ref += 1
                years = sorted(rng.sample(range(7, 14), rng.randrange(1, 4)))
                encounters.append(
                    [
                        f"E{self.encounter_ref}",
                        urn,
                        day_between(rng, first, last).isoformat(),
                        rng.choice(ENCOUNTER_KINDS),
                        "Employer Ltd",
                        ";".join(map(str, years)),
                        rng.randrange(5, 200),
                    ]
                )
            current = self.matched.get(urn)
            if current and not current[3] and rng.random() < 0.08:
                current[3] = day_between(rng, first, last).isoformat()  # the match ends: re-imported as a correction
                matches.append(list(current))
            elif (current is None or current[3]) and rng.random() < 0.5:
                on = day_between(rng, first, last)
                if current is None or on.isoformat() > current[3]:
                    row = [urn, f"EA-{rng.randrange(self.advisers)}", on.isoformat(), ""]
                    self.matched[urn] = row
                    matches.append(list(row))
            if name == "autumn" and self.member[urn] and rng.random() < 0.6:
                applied = day_between(rng, first, last)
                decided = applied + timedelta(days=rng.randrange(10, 90))
                decision = rng.choice(("approved", "approved", "rejected", ""))
                funding.append(
                    [
                        f"F-{urn}-{start}",
                        self.hub_of[urn],
                        "institutional",
                        urn,
                        1000,
                        applied.isoformat(),
                        decision,
                        decided.isoformat() if decision else "",
                        rng.choice((500, 800, 1000)) if decision == "approved" else "",
                    ]
                )
        corrections = [list(r) for r in rng.sample(self.assessed, min(len(self.assessed), len(assessments) // 20))]
        for row in corrections:
            b = rng.randrange(8)
            row[2 + b] = 100 if row[2 + b] != 100 else 75
        self.assessed.extend(assessments)
        header = ["urn", "assessed_on", *BENCHMARK_COLUMNS]
        yield from self.chunks("assessments", header, assessments, last)
        if corrections:
            yield from self.chunks("assessments", header, corrections, last)
        retract = rng.sample(assessments, max(1, len(assessments) // 1000))
        yield Step("assessments", retractions=[(r[0], r[1]) for r in retract], until=last)
        for r in retract:
            self.assessed.remove(r)
        if matches:
            yield from self.chunks("matches", ["urn", "adviser_ref", "matched_on", "ended_on"], matches, last)
        yield from self.chunks(
            "encounters", ["encounter_ref", "urn", "occurred_on", "kind", "provider", "year_groups", "students"], encounters, last
        )
        if funding:
            yield from self.chunks(
                "funding",
                [
                    "application_ref",
                    "hub_id",
                    "stream",
                    "applicant",
                    "amount_requested",
                    "applied_on",
                    "decision",
                    "decided_on",
                    "amount_awarded",
                ],
                funding,
                last,
            )
        if name == "summer":  # a few members leave the hub at the end of the year: corrections of institutions
            leaving = [u for u in self.hub_of if self.member[u] and self.joined[u] < last and rng.random() < 0.03]
            rows = []
            for urn in leaving:
                self.member[urn] = False
                row = self.institution_rows[urn] + []
                rows.append(row)
            if rows:
                yield from self.chunks(
                    "institutions", self.institution_header + ["hub_left_on"], [r + [last.isoformat()] for r in rows], last
                )


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


# --- loading ----------------------------------------------------------------------------------------


@dataclass
class Loaded:
    service: HubService
    events: int
    seconds: float
    valid_until: date  # the last valid-time day the history covers
    moments: list[tuple[datetime, int, date]]  # (recorded by, events so far, valid until) after each file


def load(url: str, history: History, stop_at_events: int | None = None, quiet: bool = False) -> Loaded:
    """Import the history's files in order (or until `stop_at_events` have been recorded)."""
    service = HubService(Settings(database_url=url, actor="bench"))
    if service.app.last_position():
        raise SystemExit(f"{url} is not empty; the benchmark needs a fresh store")
    moments: list[tuple[datetime, int, date]] = []
    t0 = time.perf_counter()
    events, until, files = 0, date(FIRST_YEAR, 9, 1), 0
    for step in history.steps():
        if step.retractions:
            for key in step.retractions:
                service.retract(step.kind, key, "bench", "benchmark retraction")
        else:
            if stop_at_events and len(step.rows) > stop_at_events - events:
                step.rows = step.rows[: max(1, stop_at_events - events)]  # one event per row: stop at the mark
            files += 1
            service.import_file(
                step.kind, Path(f"{files:04d}-{step.kind}.csv"), "bench", "benchmark", data=csv_bytes(step.header, step.rows)
            )
        events = service.app.last_position()
        until = max(until, step.until)
        moments.append((datetime.now(UTC), events, until))
        if not quiet and (sys.stderr.isatty() or files % 25 == 0):
            print(
                f"  {events:>10,} events recorded ({time.perf_counter() - t0:,.0f} s)",
                file=sys.stderr,
                end="\r" if sys.stderr.isatty() else "\n",
            )
        if stop_at_events and events >= stop_at_events:
            break
    if not quiet:
        print(file=sys.stderr)
    return Loaded(service, events, time.perf_counter() - t0, until, moments)


# --- measurements --------------------------------------------------------------------------------


def read_and_decode_rate(service: HubService) -> float:
    """The library's own speed: every notification read in pages of 1,000 and decoded to a domain event."""
    app = service.app
    t0 = time.perf_counter()
    position, count = 0, 0
    while notifications := app.recorder.select_notifications(start=position, limit=1000, inclusive_of_start=False):
        for n in notifications:
            app.mapper.to_domain_event(n)
        count += len(notifications)
        position = notifications[-1].id
    return count / (time.perf_counter() - t0)


def rebuild_rate(service: HubService, profiler: cProfile.Profile | None) -> float:
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    position = service.projector.rebuild()
    if profiler:
        profiler.disable()
    return position / (time.perf_counter() - t0)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def random_moment(rng: random.Random, loaded: Loaded, until_events: int | None = None) -> tuple[datetime, date]:
    """A recording moment between the first and the last file (or the one holding `until_events`), and the
    valid-time day the history covered by then."""
    moments = [m for m in loaded.moments if until_events is None or m[1] <= until_events] or loaded.moments[:1]
    first, last = moments[0][0], moments[-1][0]
    moment = first + (last - first) * rng.random()
    until = next(m[2] for m in moments if m[0] >= moment)
    return moment, until


@dataclass
class Draws:
    """The (DATE, T) at which reports are timed: one hub at random per sample, and every hub at once per loop."""

    one: list[tuple[str, date, datetime]]  # (hub id, day, known at)
    every: list[tuple[date, datetime]]

    def known_at(self, moment: datetime) -> Draws:
        """The same hubs and days, each asked as known at `moment`."""
        return Draws([(h, day, moment) for h, day, _ in self.one], [(day, moment) for day, _ in self.every])


def draw(
    rng: random.Random, loaded: Loaded, samples: int, loops: int, until_events: int | None = None, distinct: bool = False
) -> Draws:
    """Random (DATE, T): with `until_events`, drawn as if only that many events had been recorded. `distinct`: no
    (hub, day) twice among the one-hub draws and no day twice among the every-hub ones, so that asked at one
    knowledge point none is answered from what this process has kept (projections.report.settled_report)."""

    def pick() -> tuple[date, datetime]:
        moment, until = random_moment(rng, loaded, until_events)
        return day_between(rng, date(FIRST_YEAR, 9, 1), until), moment

    def several(drawn: Callable[[], Any], count: int, key: Callable[[Any], Any]) -> list[Any]:
        if not distinct:
            return [drawn() for _ in range(count)]
        found: dict[Any, Any] = {}
        for _ in range(100 * count):  # bounded: a store with fewer days than asked yields what it has
            if len(found) == count:
                break
            value = drawn()
            found.setdefault(key(value), value)
        return list(found.values())

    one = several(lambda: (rng.choice(HUB_IDS), *pick()), samples, lambda d: d[:2])
    return Draws(one, several(pick, loops, lambda d: d[0]))


def latencies(runs: list[tuple[Loaded, Draws]], profiler: cProfile.Profile | None = None) -> list[dict[str, float]]:
    """For each (store, draws) of `runs` (draws of one length): hub_report at each draw's (DATE, T) for its hub;
    every hub at once (all_hub_reports, the national view: each fact read once for all hubs); and, for comparison,
    a loop of hub_report over every hub. The runs take turns draw by draw, so that a slow moment of the machine
    falls on all of them alike (runs one after the other gave ratios that moved by x1.7 between two runs)."""

    def timed(run: Callable[..., Any], *args: Any) -> float:
        t0 = time.perf_counter()
        run(*args)
        return (time.perf_counter() - t0) * 1000

    def every_hub_in_turn(db: Any, day: date, moment: datetime) -> list[Any]:
        return [hub_report(db, Query(h, day, moment)) for h in HUB_IDS]

    one: list[list[float]] = [[] for _ in runs]
    every: list[list[float]] = [[] for _ in runs]
    loop: list[list[float]] = [[] for _ in runs]
    if profiler:
        profiler.enable()
    for i in range(len(runs[0][1].one)):
        for k, (loaded, draws) in enumerate(runs):
            h, day, moment = draws.one[i]
            one[k].append(timed(hub_report, loaded.service.db, Query(h, day, moment)))
    for i in range(len(runs[0][1].every)):
        for k, (loaded, draws) in enumerate(runs):
            day, moment = draws.every[i]
            every[k].append(timed(all_hub_reports, loaded.service.db, day, moment))
            loop[k].append(timed(every_hub_in_turn, loaded.service.db, day, moment))
    if profiler:
        profiler.disable()
    return [
        {
            "one_p50": percentile(one[k], 50),
            "one_p95": percentile(one[k], 95),
            "all_p50": percentile(every[k], 50),
            "all_p95": percentile(every[k], 95),
            "loop_p50": percentile(loop[k], 50),
            "loop_p95": percentile(loop[k], 95),
        }
        for k in range(len(runs))
    ]


def show_profile(title: str, profiler: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(25)
    print(f"\n=== profile: {title} ===\n{out.getvalue()}", file=sys.stderr)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def rebuild_only(args: argparse.Namespace) -> int:
    """(a) alone: load the full history, then time read-and-decode and the rebuild alternately."""
    with tempfile.TemporaryDirectory(prefix="careerhub-report-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/full.sqlite3"
        print(f"scale {args.scale}: loading the full history into {url.split('@')[-1]}", file=sys.stderr)
        full = load(url, History(args.scale, args.seed, args.file_rows))
        ratios = []
        try:
            for run in range(args.repeat):
                profiler = cProfile.Profile() if args.profile else None
                decode, rebuild = read_and_decode_rate(full.service), rebuild_rate(full.service, profiler)
                if profiler:
                    show_profile("rebuild", profiler)
                ratios.append(rebuild / decode)
                print(
                    f"(a) run {run + 1}: read-and-decode {decode:,.0f} events/s; rebuild {rebuild:,.0f} events/s;"
                    f" ratio {ratios[-1]:.2f}"
                )
        finally:
            full.service.close()
    median = statistics.median(ratios)
    print(
        f"history: {full.events:,} events ({url.split(':')[0]}); goal: rebuild / read-and-decode >="
        f" {GOALS['rebuild_ratio']}; median of {len(ratios)} {median:.2f} -> {verdict(median >= GOALS['rebuild_ratio'])};"
        f" load average {load_average()}"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the national scale (0.05 for a smoke run)")
    parser.add_argument("--database-url", default=None, help="store for the full history (default: a fresh SQLite file)")
    parser.add_argument("--small-database-url", default=None, help="store for the 10 %% history (default: a fresh SQLite file)")
    parser.add_argument("--file-rows", type=int, default=50_000)
    parser.add_argument("--samples", type=int, default=200, help="one-hub reports timed per store")
    parser.add_argument("--loops", type=int, default=20, help="all-hub loops timed per store")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the rebuild and the report loops")
    parser.add_argument("--keep", type=Path, default=None, help="keep the SQLite stores in this (new) folder")
    parser.add_argument("--only", choices=["rebuild"], default=None, help="measure only (a), the rebuild ratio")
    parser.add_argument("--repeat", type=int, default=1, help="with --only rebuild: measure (a) N times")
    args = parser.parse_args()
    if args.only == "rebuild":
        return rebuild_only(args)

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=False)
    with tempfile.TemporaryDirectory(prefix="careerhub-report-bench-") as tmp:
        tmp = str(args.keep or tmp)
        full_url = args.database_url or f"sqlite:///{tmp}/full.sqlite3"
        small_url = args.small_database_url or f"sqlite:///{tmp}/tenth.sqlite3"
        print(f"scale {args.scale}: loading the full history into {full_url.split('@')[-1]}", file=sys.stderr)
        full = load(full_url, History(args.scale, args.seed, args.file_rows))
        tenth_events = full.events // 10
        print(f"loading the first 10 % (~{tenth_events:,} events) into {small_url.split('@')[-1]}", file=sys.stderr)
        small = load(small_url, History(args.scale, args.seed, args.file_rows), stop_at_events=tenth_events)
        try:
            profiler = cProfile.Profile() if args.profile else None
            decode = read_and_decode_rate(full.service)
            rebuild = rebuild_rate(full.service, profiler)
            if profiler:
                show_profile("rebuild", profiler)
            rng = random.Random(args.seed)
            report_profiler = cProfile.Profile() if args.profile else None
            [at_full] = latencies([(full, draw(rng, full, args.samples, args.loops))], profiler=report_profiler)
            if report_profiler:
                show_profile("reports over the full history", report_profiler)
            [known_tenth] = latencies([(full, draw(rng, full, args.samples, args.loops, until_events=tenth_events))])
            # (c): the very same hubs and days, each asked once of each store in turn, known after everything recorded
            tenth_draws = draw(rng, small, args.samples, args.loops, distinct=True)
            at_tenth, tenth_days_now = latencies(
                [(small, tenth_draws.known_at(small.moments[-1][0])), (full, tenth_draws.known_at(full.moments[-1][0]))]
            )
        finally:
            full.service.close()
            small.service.close()

    print(
        f"history: {full.events:,} events loaded through the import path in {full.seconds:,.0f} s"
        f" ({full.events / full.seconds:,.0f} events/s including read-model catch-up);"
        f" 10 % store: {small.events:,} events"
    )
    ratio = rebuild / decode
    print(
        f"(a) read-and-decode {decode:,.0f} events/s; rebuild {rebuild:,.0f} events/s;"
        f" ratio {ratio:.2f} (goal >= {GOALS['rebuild_ratio']}) {verdict(ratio >= GOALS['rebuild_ratio'])};"
        f" load average {load_average()}"
    )
    stores = (
        ("full history", at_full),
        ("10 % store", at_tenth),
        ("known at 10 %", known_tenth),
        ("10 % days now", tenth_days_now),
    )
    for label, r in stores:
        print(
            f"(b) {label:<13}: one hub p50 {r['one_p50']:7.2f} ms  p95 {r['one_p95']:7.2f} ms"
            f" | all {HUBS} hubs p50 {r['all_p50']:8.1f} ms  p95 {r['all_p95']:8.1f} ms"
            f" (a loop of one-hub reports: p50 {r['loop_p50']:8.1f} ms  p95 {r['loop_p95']:8.1f} ms)"
        )
    print(
        f"    goals at full history: one hub p95 <= {GOALS['one_hub_p95_ms']:.0f} ms"
        f" {verdict(at_full['one_p95'] <= GOALS['one_hub_p95_ms'])};"
        f" all hubs p95 <= {GOALS['all_hubs_p95_ms']:.0f} ms"
        f" {verdict(at_full['all_p95'] <= GOALS['all_hubs_p95_ms'])}"
    )
    # The goal is judged on the same draws (hubs and days, so the same members) asked of the full history and of the
    # 10 % store: institutions join over the history's first two years, so a day drawn from all five years finds
    # about six times the members of a day in the first half-year, and a report returns every member. Separate
    # draws of a few dozen days moved the ratio of p95s by x2 from run to run.
    growth = {k: tenth_days_now[k] / at_tenth[k] for k in ("one_p50", "one_p95", "all_p50", "all_p95")}
    print(
        f"(c) the 10 % store's days asked of the full history ÷ of the 10 % store: one hub p50 x{growth['one_p50']:.2f}"
        f" p95 x{growth['one_p95']:.2f}, all hubs p50 x{growth['all_p50']:.2f} p95 x{growth['all_p95']:.2f}"
        f" (goal <= {GOALS['growth']}) {verdict(max(growth.values()) <= GOALS['growth'])}"
    )
    print(
        f"    for reference, days of the full history ÷ days of the 10 % store (members grow too): one hub p95"
        f" x{at_full['one_p95'] / at_tenth['one_p95']:.2f}, all hubs p95 x{at_full['all_p95'] / at_tenth['all_p95']:.2f};"
        # Same tables as the full store, so this shows only what the record-time filter saves.
        f" full ÷ known at 10 % in the full store: one hub p95 x{at_full['one_p95'] / known_tenth['one_p95']:.2f},"
        f" all hubs p95 x{at_full['all_p95'] / known_tenth['all_p95']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
