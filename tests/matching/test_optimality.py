"""The flow's optimum equals a brute force (tiny) and a staged CP-SAT (medium) optimum.

Both compare the lexicographic tuple (disadvantaged matched, matched, quality units).
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from matching.service import solve
from tests.matching.instances import feasible, pair_units, random_snapshot, result_tuple


def free_choices(snap):
    """Return the fixed part (pins) and, per other school, its feasible advisers."""
    pinned = dict(snap.pins)
    room = {a.adviser_ref: a.capacity - a.active_matches for a in snap.advisers}
    for ref in pinned.values():
        room[ref] -= 1
    options = {
        s.urn: [a.adviser_ref for a in snap.advisers if feasible(snap, s, a) and room[a.adviser_ref] > 0]
        for s in snap.schools
        if s.urn not in pinned
    }
    return pinned, room, options


def brute_force(snap) -> tuple[int, int, int]:
    units = pair_units(snap)
    dis = {s.urn: int(s.disadvantaged) for s in snap.schools}
    pinned, room, options = free_choices(snap)
    base = (sum(dis[u] for u in pinned), len(pinned), sum(units[p] for p in pinned.items()))
    urns = sorted(options)
    best = (-1, -1, -1)

    def go(k: int, acc: tuple[int, int, int]) -> None:
        nonlocal best
        if k == len(urns):
            best = max(best, acc)
            return
        u = urns[k]
        go(k + 1, acc)
        for ref in options[u]:
            if room[ref] > 0:
                room[ref] -= 1
                go(k + 1, (acc[0] + dis[u], acc[1] + 1, acc[2] + units[(u, ref)]))
                room[ref] += 1

    go(0, base)
    return best


def staged_cp_sat(snap) -> tuple[int, int, int]:
    """Optimise each criterion in turn, fixing the earlier ones: an independent formulation."""
    units = pair_units(snap)
    dis = {s.urn: int(s.disadvantaged) for s in snap.schools}
    pinned, room, options = free_choices(snap)
    model = cp_model.CpModel()
    x = {(u, r): model.new_bool_var(f"x_{u}_{r}") for u, refs in options.items() for r in refs}
    for u in options:
        model.add(sum(v for (uu, _), v in x.items() if uu == u) <= 1)
    for r, left in room.items():
        model.add(sum(v for (_, rr), v in x.items() if rr == r) <= max(0, left))
    criteria = [
        sum(dis[u] * v for (u, _), v in x.items()),
        sum(x.values()),
        sum(units[k] * v for k, v in x.items()),
    ]
    found = []
    for expr in criteria:
        model.maximize(expr)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 30
        assert solver.solve(model) == cp_model.OPTIMAL
        value = round(solver.objective_value)
        model.add(expr == value)
        found.append(value)
    return (
        found[0] + sum(dis[u] for u in pinned),
        found[1] + len(pinned),
        found[2] + sum(units[p] for p in pinned.items()),
    )


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 6), st.integers(0, 4), st.booleans())
def test_given_a_tiny_instance_when_solved_then_the_objective_equals_brute_force(seed, n, m, tight):
    snap = random_snapshot(random.Random(seed), n, m, box_km=40.0, tight=tight)
    result = solve(snap)
    assert result.optimal
    assert result_tuple(snap, result) == brute_force(snap)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_given_a_medium_instance_when_solved_then_the_objective_equals_staged_cp_sat(seed, tight):
    rnd = random.Random(seed)
    snap = random_snapshot(rnd, rnd.randrange(30, 60), rnd.randrange(10, 30), box_km=80.0, tight=tight)
    result = solve(snap)
    assert result.optimal
    assert result_tuple(snap, result) == staged_cp_sat(snap)


def test_given_the_reported_objective_then_it_matches_the_recomputed_tuple():
    snap = random_snapshot(random.Random(7), 40, 20)
    result = solve(snap)
    dis, matched, quality_units = result_tuple(snap, result)
    assert result.objective["disadvantaged_matched"] == dis
    assert result.objective["matched"] == matched
    assert round(result.objective["quality"] * 100) == quality_units
