"""Time the matcher on synthetic hub, region and nation snapshots, against a greedy baseline.

Run: .venv/bin/python benchmarks/match_bench.py [--seed N]
Wall times are the best of a few runs (cpu: process time, less sensitive to a busy machine).
Greedy (best remaining pair first, same rules and the same pair values) runs in the same
process on the same candidate pairs, so the ratios compare like with like.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import matching.service
from matching.model import lexicographic_bonuses
from matching.quality import UNITS_PER_POINT, build_tables, score_parts, to_units
from matching.rules import FEASIBLE, check_pins, classify, index_snapshot, pairs_in_range, spare_after_pins
from matching.schema import KINDS, Adviser, School, Snapshot
from matching.service import solve

FLOW_SECONDS: list[float] = []
_solve_flow = matching.service.solve_flow


def _timed_solve_flow(*args, **kwargs):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    try:
        return _solve_flow(*args, **kwargs)
    finally:
        FLOW_SECONDS.append(time.perf_counter() - t0)


matching.service.solve_flow = _timed_solve_flow  # so the report can show the solver's share

SECTORS = (
    "engineering",
    "manufacturing",
    "construction",
    "health",
    "hospitality",
    "finance",
    "digital",
    "retail",
    "legal",
    "education",
    None,
)
SKILLS = (
    "STEM",
    "work experience",
    "mentoring",
    "interview practice",
    "SEND",
    "leadership",
    "apprenticeships",
    "CV writing",
    "labour market information",
    "careers talks",
)
SIZES = {
    "hub": (70, 60, (53.35, 53.60), (-2.45, -2.05)),  # a city: ~28 x 27 km
    "region": (1_000, 800, (52.0, 53.6), (-2.9, -0.2)),  # a region: ~180 x 180 km
    "nation": (5_000, 4_000, (50.0, 55.5), (-5.5, 1.7)),  # England's bounding box
    "scarce": (5_000, 2_000, (50.0, 55.5), (-5.5, 1.7)),  # nation with too few advisers
}


def make_snapshot(n: int, m: int, lat: tuple[float, float], lon: tuple[float, float], seed: int) -> Snapshot:
    """Return a random snapshot: travel 15-60 km, capacity 1-2, ~30 % disadvantaged."""
    rnd = random.Random(seed)
    schools = tuple(
        School(
            urn=f"{100000 + i}",
            name=f"School {i}",
            kind=rnd.choices(KINDS, weights=(80, 8, 6, 3, 3))[0],
            latitude=rnd.uniform(*lat),
            longitude=rnd.uniform(*lon),
            disadvantaged=rnd.random() < 0.3,
            waiting_days=rnd.randrange(0, 900),
            benchmarks=None if rnd.random() < 0.2 else tuple(rnd.randrange(0, 101) for _ in range(8)),
        )
        for i in range(n)
    )
    advisers = []
    for j in range(m):
        capacity = rnd.choice((1, 2))
        advisers.append(
            Adviser(
                adviser_ref=f"EA{j:05d}",
                name=f"Adviser {j}",
                employer=f"Employer {j % 97}",
                sector=rnd.choice(SECTORS),
                skills=tuple(rnd.sample(SKILLS, rnd.randrange(0, 4))),
                latitude=rnd.uniform(*lat),
                longitude=rnd.uniform(*lon),
                capacity=capacity,
                active_matches=rnd.choice((0, 0, 0, 1)) if capacity == 2 else 0,
                max_travel_km=float(rnd.randrange(15, 61)),
                available=rnd.random() < 0.92,
                conflicts=frozenset(rnd.sample([s.urn for s in schools], 1)) if rnd.random() < 0.05 else frozenset(),
            )
        )
    return Snapshot("bench", date(2020, 2, 3), schools, tuple(advisers))


def greedy(snapshot: Snapshot) -> tuple[int, int, int]:
    """Return (matched, disadvantaged matched, quality units) of best-remaining-pair-first."""
    area = index_snapshot(snapshot)
    room = spare_after_pins(area, check_pins(area))
    pairs = pairs_in_range(area)
    ok = classify(area, pairs, room) == FEASIBLE
    s, a, d = pairs.school[ok], pairs.adviser[ok], pairs.distance_km[ok]
    tables = build_tables(area.schools, area.advisers, snapshot.weights)
    units = to_units(score_parts(tables, snapshot.weights, s, a, d))
    dis = np.array([x.disadvantaged for x in area.schools])
    big_d, big_m = lexicographic_bonuses(len(area.schools), int(units.max(initial=0)))
    value = big_d * dis[s].astype(np.int64) + big_m + units
    order = np.lexsort((a, s, -value))
    taken = np.zeros(len(area.schools), dtype=bool)
    left = room.copy()
    matched = dis_matched = quality = 0
    for k in order:
        if taken[s[k]] or left[a[k]] <= 0:
            continue
        taken[s[k]] = True
        left[a[k]] -= 1
        matched += 1
        dis_matched += int(dis[s[k]])
        quality += int(units[k])
    return matched, dis_matched, quality


def run(name: str, seed: int, repeats: int) -> None:
    n, m, lat, lon = SIZES[name]
    snap = make_snapshot(n, m, lat, lon, seed)
    times = []
    FLOW_SECONDS.clear()
    cpu = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = solve(snap)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    t0 = time.perf_counter()
    g_matched, g_dis, g_quality = greedy(snap)
    t_greedy = time.perf_counter() - t0
    o = result.objective
    quality_units = round(o["quality"] * UNITS_PER_POINT)
    print(
        f"{name:7s} {n:>5d} x {m:<5d} pairs {o['candidate_pairs']:>7d}  "
        f"solve {min(times):6.3f} s (median {sorted(times)[len(times) // 2]:.3f}, cpu {min(cpu):.3f}, "
        f"flow {sorted(FLOW_SECONDS)[len(FLOW_SECONDS) // 2]:.3f})  "
        f"{'OPTIMAL' if result.optimal else result.status:8s} "
        f"matched {o['matched']:>5d} (greedy {g_matched:>5d}, short {o['matched'] - g_matched:>3d})  "
        f"disadv {o['disadvantaged_matched']:>5d} "
        f"(greedy {g_dis:>5d}, short {o['disadvantaged_matched'] - g_dis:>3d})  "
        f"greedy quality {g_quality / max(1, quality_units):.3f} of optimum  greedy {t_greedy:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", nargs="*", default=list(SIZES))
    args = parser.parse_args()
    for name in args.sizes:
        run(name, args.seed, repeats=5 if name == "hub" else 3)


if __name__ == "__main__":
    main()
