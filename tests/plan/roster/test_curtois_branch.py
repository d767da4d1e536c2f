"""Branch and price on Curtois cells: decisions steer the master and pricing; a finished search proves the optimum."""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

from ortools.sat.python import cp_model

from kefu.plan.roster.curtois.mapping import ExactLine, line_problem
from kefu.plan.roster.curtois.model import build
from kefu.plan.roster.curtois.reader import REST, Instance, objective, parse_instance, violations
from kefu.plan.roster.curtois.solve import construct
from kefu.plan.roster.engine.branch import BranchAndPrice, _decide
from kefu.plan.roster.engine.colgen import ColumnGeneration, lower_bound

# three employees, two shifts (no early after a late), a week; B takes at most three lates, C asks for
# two shifts off. Twenty places for thirteen to fifteen shifts: the LP shares the missing people out
# fractionally (bound 52) where any roster leaves one place short (100).
COVER = [(2, 0), (2, 0), (1, 2), (1, 1), (1, 0), (1, 1), (2, 1)]  # (early, late) wanted per day
SMALL = parse_instance(
    "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nE,480,\nL,480,E\n\nSECTION_STAFF\n"
    "A,E=7|L=7,2400,1920,4,2,2,1\nB,E=7|L=3,2400,1920,4,2,2,1\nC,E=7|L=7,2400,1440,3,2,1,1\n\n"
    "SECTION_SHIFT_OFF_REQUESTS\nC,2,L,2\nC,4,E,3\n\nSECTION_COVER\n"
    + "\n".join(f"{d},{s},{n},100,1" for d, pair in enumerate(COVER) for s, n in zip("EL", pair, strict=True))
    + "\n",
    "small",
)


def _value(roster: list[list[int]]) -> float:
    return objective(SMALL, roster)


def _optimum_by_full_model(inst: Instance) -> int:
    """The proven optimum of the plain x[e,d,s] CP-SAT model: an independent route to the same number."""
    empty = [[REST] * inst.horizon for _ in range(inst.n_emps)]
    sub = build(inst, empty, list(range(inst.n_emps)), 0, inst.horizon, hint=False)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(sub.model) == cp_model.OPTIMAL
    return objective(inst, sub.read(solver, empty))


def _root(inst: Instance, pool: ThreadPoolExecutor) -> tuple[ColumnGeneration, list[list[int]], int]:
    roster = construct(inst, budget=5.0)
    cg = ColumnGeneration(line_problem(inst), ExactLine(inst))
    for e, line in enumerate(roster):
        cg.add(e, line)
    bound, _lam = lower_bound(cg, time.monotonic() + 30, pool)
    assert bound.converged
    return cg, roster, bound.lower


def test_search_proves_the_optimum_the_full_model_finds() -> None:
    """The LP bound is below the optimum, so only the tree can close the gap, and it does."""
    optimum = _optimum_by_full_model(SMALL)
    assert optimum == 100
    with ThreadPoolExecutor(2) as pool:
        cg, roster, lower = _root(SMALL, pool)
        assert lower == 52
        search = BranchAndPrice(cg, pool, roster, objective(SMALL, roster), lower, random.Random(0), _value)
        search.run(time.monotonic() + 60)
    assert search.proven
    assert (search.best, search.floor) == (optimum, optimum)
    assert objective(SMALL, search.roster) == optimum
    assert violations(SMALL, search.roster) == []
    assert cg.choices == {}  # the decisions are undone for whoever uses the pool next


def test_a_search_started_at_the_optimum_only_proves_it() -> None:
    optimum = _optimum_by_full_model(SMALL)
    with ThreadPoolExecutor(2) as pool:
        cg, _roster, lower = _root(SMALL, pool)
        empty = [[REST] * SMALL.horizon for _ in range(SMALL.n_emps)]
        sub = build(SMALL, empty, list(range(SMALL.n_emps)), 0, SMALL.horizon, hint=False)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.solve(sub.model)
        best_roster = sub.read(solver, empty)
        search = BranchAndPrice(cg, pool, best_roster, optimum, lower, random.Random(0), _value)
        search.run(time.monotonic() + 60)
    assert search.proven and search.floor == optimum
    assert search.roster is best_roster


def test_a_search_out_of_time_proves_nothing() -> None:
    with ThreadPoolExecutor(2) as pool:
        cg, roster, lower = _root(SMALL, pool)
        start = objective(SMALL, roster)
        search = BranchAndPrice(cg, pool, roster, start, lower, random.Random(0), _value)
        search.run(time.monotonic() - 1)
    assert (search.proven, search.floor, search.best, search.nodes) == (False, lower, start, 0)


def test_decisions_close_columns_and_steer_pricing() -> None:
    """A day narrowed to "off" keeps every line the LP uses, and every priced line, off that day."""
    with ThreadPoolExecutor(2) as pool:
        cg, _roster, _lower = _root(SMALL, pool)
        root_value, *_rest = cg.master()
        cg.choices = _decide({}, 1, 3, frozenset([REST]))
        value, lam, _bound = cg.run(time.monotonic() + 30, pool)
        used = [cg.lines[1][i] for i, x in enumerate(lam[1]) if x > 1e-9]
        assert used and all(line[3] == REST for line in used)
        _v, _pi, mu, _lam = cg.master()
        priced = cg.price(1, mu)
        assert priced is not None and priced[0][3] == REST
        assert value >= root_value - 1e-6
        cg.choices = {}
        reopened, *_rest = cg.master()
    assert reopened <= root_value + 1e-6  # closing columns is undone, and the root lines are all back


def test_decide_copies_the_parent() -> None:
    parent = {0: {1: frozenset([0])}}
    child = _decide(parent, 0, 2, frozenset([REST]))
    assert parent == {0: {1: frozenset([0])}}
    assert child == {0: {1: frozenset([0]), 2: frozenset([REST])}}
