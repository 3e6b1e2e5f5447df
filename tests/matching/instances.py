"""Random matcher instances and an independent feasibility check, for property tests."""

from __future__ import annotations

import random
from datetime import date

from matching.quality import build_tables, score_parts, to_units
from matching.rules import index_snapshot, pairs_in_range
from matching.schema import KINDS, Adviser, School, Snapshot
from matching.validation import PairCheck

SECTORS = ("engineering", "finance", "health", "retail", "legal", None)
SKILLS = ("STEM", "work experience", "mentoring", "SEND", "interview practice", "apprenticeships")


def random_snapshot(
    rnd: random.Random,
    n: int,
    m: int,
    *,
    box_km: float = 60.0,
    pins: bool = True,
    tight: bool = False,
) -> Snapshot:
    """Return a random instance in a box about `box_km` across; pins are valid if `pins`.

    `tight` instances have small capacities and long reaches, so schools compete for advisers
    and the order of the criteria matters.
    """
    span = box_km / 111.0

    def point() -> tuple[float | None, float | None]:
        if rnd.random() < 0.08:
            return None, None
        return 51.0 + rnd.uniform(0, span), -0.5 + rnd.uniform(0, span * 1.6)

    schools = []
    for i in range(n):
        lat, lon = point()
        schools.append(
            School(
                urn=f"U{i:03d}",
                name=f"S{i}",
                kind=rnd.choice(KINDS),
                latitude=lat,
                longitude=lon,
                disadvantaged=rnd.random() < 0.35,
                waiting_days=rnd.randrange(0, 800),
                benchmarks=None if rnd.random() < 0.2 else tuple(rnd.randrange(0, 101) for _ in range(8)),
            )
        )
    urns = [s.urn for s in schools]
    advisers = []
    for j in range(m):
        lat, lon = point()
        capacity = rnd.choice((1, 1, 2)) if tight else rnd.randrange(0, 4)
        advisers.append(
            Adviser(
                adviser_ref=f"A{j:03d}",
                name=f"EA{j}",
                employer=rnd.choice(("Acme", None)),
                sector=rnd.choice(SECTORS),
                skills=tuple(rnd.sample(SKILLS, rnd.randrange(0, 3))),
                latitude=lat,
                longitude=lon,
                capacity=capacity,
                active_matches=0 if tight else rnd.randrange(0, capacity + 2),
                max_travel_km=rnd.uniform(box_km * 0.3, box_km)
                if tight
                else 0.0
                if rnd.random() < 0.1
                else rnd.uniform(3, box_km * 0.7),
                available=tight or rnd.random() < 0.85,
                conflicts=frozenset(u for u in urns if rnd.random() < 0.08),
            )
        )
    refs = [a.adviser_ref for a in advisers]
    forbidden = tuple((u, r) for u in urns for r in refs if rnd.random() < 0.06)
    snap = Snapshot("random", date(2020, 2, 2), tuple(schools), tuple(advisers), (), forbidden)
    if not pins:
        return snap
    room = {a.adviser_ref: a.capacity - a.active_matches for a in advisers}
    chosen = []
    for s in schools:
        if rnd.random() < 0.2:
            options = [a for a in advisers if feasible(snap, s, a) and room[a.adviser_ref] > 0]
            if options:
                a = rnd.choice(options)
                room[a.adviser_ref] -= 1
                chosen.append((s.urn, a.adviser_ref))
    return Snapshot(snap.area, snap.as_of, snap.schools, snap.advisers, tuple(chosen), forbidden)


def feasible(snap: Snapshot, s: School, a: Adviser) -> bool:
    """Tell by the validator's own re-check (not matching.rules) whether a pair obeys every per-pair rule."""
    return not PairCheck(snap).problems(s, a)


def pair_units(snap: Snapshot) -> dict[tuple[str, str], int]:
    """Return the quality units the matcher gives every pair in range."""
    area = index_snapshot(snap)
    pairs = pairs_in_range(area)
    units = to_units(
        score_parts(
            build_tables(area.schools, area.advisers, snap.weights), snap.weights, pairs.school, pairs.adviser, pairs.distance_km
        )
    )
    return {
        (area.schools[i].urn, area.advisers[j].adviser_ref): int(u)
        for i, j, u in zip(pairs.school, pairs.adviser, units, strict=True)
    }


def result_tuple(snap: Snapshot, result) -> tuple[int, int, int]:
    """Return (disadvantaged matched, matched, quality units) of a result, recomputed."""
    units = pair_units(snap)
    dis = {s.urn: s.disadvantaged for s in snap.schools}
    return (
        sum(dis[p.urn] for p in result.proposals),
        len(result.proposals),
        sum(units[(p.urn, p.adviser_ref)] for p in result.proposals),
    )
