"""The flow model: one min-cost-flow solve gives the lexicographic optimum.

Network: source -> school (capacity 1) -> adviser (one arc per feasible pair) -> sink
(capacity = the adviser's room left), plus a source -> sink bypass arc of cost 0 so a school
may stay unmatched. Each pair arc costs -(D*disadvantaged + M + quality units).

Why one solve is lexicographic. Let n be the number of schools in the network, Q the largest
quality (in integer units) of any pair arc, M = n*Q + 1 and D = (n + 1)*M. A solution with
a disadvantaged schools matched, b schools matched and c quality units is worth
V = D*a + M*b + c, where 0 <= c <= b*Q <= n*Q < M. Compare it with (a', b', c'):
- a = a', b > b':  V - V' >= M - (c' - c) >= M - n*Q = 1 > 0;
- a > a' (so b >= 1 and b' - b <= n - 1):
  V - V' >= D - (n - 1)*M - n*Q > D - (n - 1)*M - M = D - n*M = M > 0.
So maximising V (minimising the flow's cost) maximises a, then b, then c. Min-cost flow
with integer capacities has an integral optimum, which SimpleMinCostFlow returns.

Costs must stay integral (the vectorised arc API truncates floats) and small enough for
OR-Tools' cost scaling (|cost| * (nodes + 1) * 2 < 2**63, else BAD_COST_RANGE); if they do
not fit, quality is coarsened tenfold and the solve repeated, and the resolution reported.
CP-SAT would only be needed for side constraints that tie many pairs together (per-coordinator
caps, sector diversity); these rules are a pure transportation problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

SOLVER = "SimpleMinCostFlow"
_INT64_MAX = 2**63 - 1
_COARSENING = (1, 10, 100, 1000)


@dataclass(frozen=True)
class FlowOutcome:
    """Which candidate pairs the optimum uses, and how the solve went."""

    chosen: NDArray[np.bool_]  # per candidate pair
    status: str
    optimal: bool
    quality_divisor: int


def lexicographic_bonuses(n_schools: int, max_units: int) -> tuple[int, int]:
    """Return (D, M): the disadvantaged and matched bonuses proven above."""
    matched = n_schools * max_units + 1
    return (n_schools + 1) * matched, matched


def solve_flow(
    n_schools: int,
    n_advisers: int,
    school: NDArray[np.int64],
    adviser: NDArray[np.int64],
    units: NDArray[np.int64],
    disadvantaged: NDArray[np.bool_],
    room: NDArray[np.int64],
) -> FlowOutcome:
    """Solve the matching over candidate pairs (sorted by school, adviser) exactly."""
    if len(school) == 0:
        return FlowOutcome(np.zeros(0, np.bool_), "OPTIMAL", True, 1)
    status = "NOT_SOLVED"
    for divisor in _COARSENING:
        q = units // divisor
        outcome = _solve_once(n_schools, n_advisers, school, adviser, q, disadvantaged, room)
        if outcome is None:
            status = "BAD_COST_RANGE"
            continue
        chosen, status = outcome
        return FlowOutcome(chosen, status, status == "OPTIMAL", divisor)
    return FlowOutcome(np.zeros(len(school), np.bool_), status, False, _COARSENING[-1])


def _solve_once(
    n_schools: int,
    n_advisers: int,
    school: NDArray[np.int64],
    adviser: NDArray[np.int64],
    q: NDArray[np.int64],
    disadvantaged: NDArray[np.bool_],
    room: NDArray[np.int64],
) -> tuple[NDArray[np.bool_], str] | None:
    in_play = np.unique(school)
    used_advisers = np.unique(adviser)
    source, sink = 0, 1 + n_schools + n_advisers
    n_nodes = sink + 1
    big_d, big_m = lexicographic_bonuses(len(in_play), int(q.max()))
    cost = -(big_d * disadvantaged[school].astype(np.int64) + big_m + q)
    if int(-cost.min()) > _INT64_MAX // (2 * (n_nodes + 1)):
        return None
    flow = min_cost_flow.SimpleMinCostFlow()
    supply = len(in_play)
    tails = np.concatenate(
        (
            np.full(len(in_play), source),
            1 + school,
            1 + n_schools + used_advisers,
            [source],
        )
    ).astype(np.int64)
    heads = np.concatenate(
        (
            1 + in_play,
            1 + n_schools + adviser,
            np.full(len(used_advisers), sink),
            [sink],
        )
    ).astype(np.int64)
    # Integer throughout: a float64 detour would round (and past 2**53 wrap) large capacities.
    caps = np.concatenate(
        (
            np.ones(len(in_play), np.int64),
            np.ones(len(school), np.int64),
            np.asarray(room[used_advisers], np.int64),
            np.array([supply], np.int64),
        )
    )
    costs = np.concatenate(
        (
            np.zeros(len(in_play)),
            cost,
            np.zeros(len(used_advisers)),
            [0],
        )
    ).astype(np.int64)
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    flow.set_nodes_supplies(np.array([source, sink], np.int64), np.array([supply, -supply], np.int64))
    status = flow.solve()
    name = flow.Status(status).name if hasattr(flow, "Status") else str(status)
    if status == flow.BAD_COST_RANGE:
        return None
    if status != flow.OPTIMAL:
        return np.zeros(len(school), np.bool_), name
    pair_arcs = arcs[len(in_play) : len(in_play) + len(school)]
    return flow.flows(pair_arcs) > 0, name
