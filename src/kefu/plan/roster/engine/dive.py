"""Integer rosters from column generation: dives on the LP, and the restricted master IP over every line seen.

A *dive* fixes the lines the LP already chose (λ ≈ 1) and the most chosen
fractional one, re-prices the rest, and repeats until every agent is fixed;
randomised dives explore other fixings. The *master IP* (CP-SAT) then
recombines every line priced on the way, the incumbent's included: lines of
different dives fit together where no single dive found them.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from ortools.sat.python import cp_model

from kefu.plan.roster.engine.colgen import ColumnGeneration, Roster
from kefu.plan.roster.engine.problem import Line


def dive(
    cg: ColumnGeneration, lam: list[list[float]], deadline: float, pool: ThreadPoolExecutor, rounds: int = 30,
    rng: random.Random | None = None, finish: bool = False,
) -> Roster | None:
    """Fix the lines the LP chose and the most chosen fractional ones, re-price, repeat.

    Each step fixes, per type, as many agents as the LP gives whole lines
    (λ ≥ 1), and the agents whose best line the LP chose most: one per step
    while time allows (the best dives, e.g. Curtois 12 at its optimum), more
    per step when the steps so far say the deadline would come first. The
    others are re-priced for at most ``rounds`` rounds. With ``rng`` the
    first agent fixed each step is drawn from the three most chosen (a
    different dive each time; their lines all reach the master IP). Returns
    the roster, or None when the deadline came first — unless ``finish``:
    then the agents left take their type's lines by the last λ (largest
    remainders first). Leaves ``cg`` unfixed again, keeping every line
    priced on the way for the master IP.
    """
    began = time.monotonic()
    steps = 0
    try:
        while True:
            candidates: list[tuple[float, int, int]] = []
            for t in range(cg.n_types):
                left = sum(1 for a in cg.problem.members[t] if a not in cg.fixed)
                if left <= 0 or not lam[t]:
                    continue
                i = max(range(len(lam[t])), key=lam[t].__getitem__)
                whole = min(left, math.floor(lam[t][i] + 1e-6))
                if whole >= 1:
                    for _k in range(whole):
                        cg.fix_one(t, cg.lines[t][i])
                else:
                    candidates.append((lam[t][i], t, i))
            candidates.sort(reverse=True)
            if rng is not None and len(candidates) > 1:
                j = rng.randrange(min(3, len(candidates)))
                candidates.insert(0, candidates.pop(j))
            now = time.monotonic()
            steps_left = (deadline - now) / ((now - began) / steps) if steps else len(candidates)
            for _x, t, i in candidates[: max(1, math.ceil(len(candidates) / max(1.0, steps_left)))]:
                cg.fix_one(t, cg.lines[t][i])
            if len(cg.fixed) == cg.n_agents or now > deadline:
                break
            _value, lam, _bound = cg.run(deadline, pool, max_rounds=rounds)
            steps += 1
        if len(cg.fixed) < cg.n_agents:
            if not finish:
                return None
            _round_rest(cg, lam)
        return [list(cg.fixed[a]) for a in range(cg.n_agents)]
    finally:
        cg.fixed = {}


def _round_rest(cg: ColumnGeneration, lam: list[list[float]]) -> None:
    """Give the agents not fixed yet their type's lines in proportion to λ (largest remainders first)."""
    for t in range(cg.n_types):
        left = [a for a in cg.problem.members[t] if a not in cg.fixed]
        if not left:
            continue
        weights = np.zeros(len(cg.lines[t]))
        weights[: len(lam[t])] = lam[t]
        usable = np.array([(t, i) not in cg.closed for i in range(len(weights))])
        weights[~usable] = 0.0
        if weights.sum() <= 0:
            weights[usable] = 1.0
        share = weights / weights.sum() * len(left)
        count = np.floor(share).astype(np.int64)
        for i in np.argsort(-(share - count), kind="stable")[: len(left) - int(count.sum())]:
            count[i] += 1
        it = iter(left)
        for i in np.flatnonzero(count):
            for _k in range(int(count[i])):
                cg.fixed[next(it)] = cg.lines[t][int(i)]


def master_ip(cg: ColumnGeneration, incumbent: Roster, seconds: float, workers: int = 2,
              evaluate: Callable[[Roster], float] | None = None) -> Roster:
    """The best roster that picks known lines for every agent (CP-SAT over the coupling rows), hinted with the incumbent.

    Every coefficient and cost of the coupling is integral (people, minutes,
    integer weights), so the IP is the master LP with integral columns (how
    many agents of each type work each line). Returns the incumbent unless
    the answer is better by ``evaluate`` (default: the master with every
    agent fixed).
    """
    p = cg.problem
    judge = evaluate or cg.evaluate
    for a, line in enumerate(incumbent):
        cg.add(cg.type_of[a], line)
    held: dict[tuple[int, Line], int] = {}
    for a, line in enumerate(incumbent):
        key = (cg.type_of[a], tuple(line))
        held[key] = held.get(key, 0) + 1
    m = cp_model.CpModel()
    pick = [[m.new_int_var(0, 0 if (t, i) in cg.closed else int(p.counts[t]), f"z{t}_{i}")
             for i in range(len(cg.lines[t]))] for t in range(cg.n_types)]
    terms: list[cp_model.LinearExprT] = []
    per_row: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(p.coupling.n_rows)]
    for t in range(cg.n_types):
        m.add(sum(pick[t]) == int(p.counts[t]))
        for i, option in enumerate(cg.lines[t]):
            m.add_hint(pick[t][i], held.get((t, option), 0))
            cost = round(cg.line_cost(t, option))
            if cost:
                terms.append(cost * pick[t][i])
            rows, vals = cg._coefs[t][i]
            for r, v in zip(rows.tolist(), vals.tolist(), strict=True):
                per_row[r].append((pick[t][i], round(v)))
    cols = p.coupling.cols.tocsc()
    big = 10**9
    for j in range(cols.shape[1]):
        lo = p.coupling.col_lo[j]
        hi = p.coupling.col_hi[j]
        v = m.new_int_var(int(lo) if math.isfinite(lo) else -big, int(hi) if math.isfinite(hi) else big, "")
        cost = round(p.coupling.col_cost[j])
        if cost:
            terms.append(cost * v)
        for k in range(cols.indptr[j], cols.indptr[j + 1]):
            per_row[int(cols.indices[k])].append((v, round(float(cols.data[k]))))
    for r, items in enumerate(per_row):
        lo, hi = p.coupling.row_lo[r], p.coupling.row_hi[r]
        if lo == hi:  # an equality on a fractional requirement: the nearest integer
            lo = hi = round(lo)
        expr = cp_model.LinearExpr.weighted_sum([x for x, _c in items], [c for _x, c in items])
        m.add_linear_constraint(expr, math.ceil(lo) if math.isfinite(lo) else -(2**40),
                                math.floor(hi) if math.isfinite(hi) else 2**40)
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = workers
    if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return incumbent
    roster: Roster = [[] for _ in range(cg.n_agents)]
    for t in range(cg.n_types):
        free = iter(p.members[t])
        for i, option in enumerate(cg.lines[t]):
            for _k in range(solver.value(pick[t][i])):
                roster[next(free)] = list(option)
    return roster if judge(roster) <= judge(incumbent) else incumbent
