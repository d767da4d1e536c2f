"""Column generation for Curtois & Qu: the LP bound, and integer rosters found by diving on it.

Every hard rule is per employee and only the cover ties employees together,
so the roster is one *line* (a whole-horizon schedule) per employee. The
master LP chooses a convex combination of known lines per employee and pays
100 / 1 per missing / surplus person on each (day, shift); its duals price
cover cells, and ``curtois_pricing`` finds each employee's line of least
reduced cost. On ten of instances 1–12 this LP is within 0–0.4 % of the
optimum (5: 1140.6 against 1143, 8: 1296.6 against 1300, 12: 4040 exactly;
1 and 9 are the exceptions at 558 / 406 against 607 / 439), where the
x[e,d,s] model's LP is 40–50 % below it: the bound proves LNS rosters optimal,
and the LP solution says which lines belong together — what LNS, which sees a
few employees at a time, cannot know.

Integer rosters come from *diving*: fix the lines the LP already chose
(λ ≈ 1) and the most chosen fractional one, re-price the rest, repeat until
every employee is fixed. A restricted master IP over all lines seen (CP-SAT)
then recombines them, including the incumbent's.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model

from kefu.plan.roster.curtois import REST, Instance, objective
from kefu.plan.roster.curtois_master import MasterLP
from kefu.plan.roster.curtois_model import SubModel, build
from kefu.plan.roster.curtois_pricing import LineShape, best_line, line_shape

DP_STATE_LIMIT = 4_000_000  # states x days per employee above which the instance is left to LNS alone
EPS = 1e-6
FORCE_COST = 1e5  # added to a choice a branching decision took away: above any line's reduced cost
FALLBACK_SECONDS = 2.0  # CP-SAT line pricing, per call
Line = tuple[int, ...]


def suits(shapes: Sequence[LineShape], horizon: int) -> bool:
    """Whether pricing stays cheap enough: the 4- to 12-week instances, not the 52-week ones."""
    return all(shape.states * horizon <= DP_STATE_LIMIT for shape in shapes)


def _total(cost: npt.NDArray[np.float64], line: Sequence[int]) -> float:
    """A line's cost under ``cost[day, choice]`` (the last choice is the day off)."""
    off = cost.shape[1] - 1
    return float(sum(cost[d, off if s == REST else s] for d, s in enumerate(line)))


@dataclass
class Bound:
    """What column generation proved: the LP value and the integer lower bound it gives."""

    lp: float
    lower: int  # no roster costs less
    converged: bool  # no line with negative reduced cost was left (else the deadline stopped it)


@dataclass
class ColumnGeneration:
    """Lines per employee, the master LP over them and the pricing of new ones."""

    inst: Instance
    shapes: list[LineShape] = field(default_factory=list)  # per employee; computed when not given
    lines: list[list[Line]] = field(default_factory=list)
    fixed: dict[int, Line] = field(default_factory=dict)
    choices: dict[int, dict[int, frozenset[int]]] = field(default_factory=dict)  # employee -> day -> shifts/REST left
    _seen: set[tuple[int, Line]] = field(default_factory=set)

    def __post_init__(self) -> None:
        inst = self.inst
        self.cells = sorted(inst.cover)
        self.cell_index = {c: k for k, c in enumerate(self.cells)}
        self.shapes = self.shapes or [line_shape(inst, e) for e in range(inst.n_emps)]
        n_s = len(inst.shifts)
        # request penalty per (employee, day, choice); choice n_s is the day off
        self.penalty = np.zeros((inst.n_emps, inst.horizon, n_s + 1))
        for e, d, s, w in inst.on_requests:
            self.penalty[e, d, :] += w
            self.penalty[e, d, s] -= w
        for e, d, s, w in inst.off_requests:
            self.penalty[e, d, s] += w
        self.lines = [[] for _ in range(inst.n_emps)]
        self._cells: list[list[npt.NDArray[np.int64]]] = [[] for _ in range(inst.n_emps)]
        self._fixed_now: dict[int, Line] = {}
        self._choices_now: dict[int, dict[int, frozenset[int]]] = {}
        self._columns: list[list[int]] = [[] for _ in range(inst.n_emps)]  # master column of each line
        self._arrays: dict[int, npt.NDArray[np.int64]] = {}
        self.converged = False
        self._lp = MasterLP(inst.n_emps, *zip(*(inst.cover[c] for c in self.cells), strict=True))
        self._cp_lines: dict[int, SubModel] = {}

    def line_cost(self, e: int, line: Line) -> float:
        """Employee ``e``'s request penalties on ``line``."""
        return _total(self.penalty[e], line)

    def add(self, e: int, line: Sequence[int]) -> bool:
        key = (e, tuple(line))
        if key in self._seen:
            return False
        self._seen.add(key)
        self.lines[e].append(key[1])
        self._cells[e].append(self._cells_of(key[1]))
        self._columns[e].append(self._lp.add_line(e, self.line_cost(e, key[1]), self._cells[e][-1]))
        if e in self.choices and not self._fits(e, [key[1]])[0]:
            self._lp.allow(np.array(self._columns[e][-1:]), np.array([False]))
        return True

    def line_array(self, e: int) -> npt.NDArray[np.int64]:
        """Employee ``e``'s lines as a ``[line, day]`` array (cached until a line is added)."""
        cached = self._arrays.get(e)
        if cached is None or len(cached) != len(self.lines[e]):
            cached = self._arrays[e] = np.asarray(self.lines[e], dtype=np.int64).reshape(len(self.lines[e]), -1)
        return cached

    def _fits(self, e: int, lines: Sequence[Line] | None = None) -> npt.NDArray[np.bool_]:
        """Which of ``lines`` (default: all of ``e``'s) keep to employee ``e``'s choices left per day."""
        arr = self.line_array(e) if lines is None else np.asarray(lines)
        ok = np.ones(len(arr), dtype=np.bool_)
        for d, left in self.choices.get(e, {}).items():
            ok &= np.isin(arr[:, d], list(left))
        return ok

    def _apply_choices(self) -> None:
        """Close the columns that break a branching decision and reopen those that no longer do."""
        for e in set(self.choices) | set(self._choices_now):
            if self.choices.get(e) != self._choices_now.get(e) and self.lines[e]:
                self._lp.allow(np.array(self._columns[e]), self._fits(e))
        self._choices_now = {e: dict(days) for e, days in self.choices.items()}

    def _cells_of(self, line: Line) -> npt.NDArray[np.int64]:
        return np.array([self.cell_index[(d, s)] for d, s in enumerate(line) if s != REST], dtype=np.int64)

    def master(self) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64], list[list[float]]]:
        """Solve the master LP: value, employee duals, cell duals, λ per employee's lines."""
        n_emps = self.inst.n_emps
        if self.fixed != self._fixed_now:
            self._lp.fix({e: self._cells_of(line) for e, line in self.fixed.items()})
            self._fixed_now = dict(self.fixed)
        if self.choices != self._choices_now:
            self._apply_choices()
        value, duals, col = self._lp.solve()
        lam: list[list[float]] = [[] for _ in range(n_emps)]
        for e, x in zip(self._lp.owner, col, strict=True):
            lam[e].append(0.0 if e in self.fixed else float(x))
        const = sum(self.line_cost(e, line) for e, line in self.fixed.items())
        return value + const, duals[:n_emps], duals[n_emps:], lam

    def priced_costs(self, e: int, mu: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``[day, choice]`` cost for employee ``e``: request penalties less the cells' prices."""
        cost: npt.NDArray[np.float64] = self.penalty[e].copy()
        for k, (d, s) in enumerate(self.cells):
            cost[d, s] -= mu[k]
        off = cost.shape[1] - 1
        for d, left in self.choices.get(e, {}).items():
            for c in range(off + 1):
                if (REST if c == off else c) not in left:
                    cost[d, c] += FORCE_COST
        return cost

    def price(self, e: int, mu: npt.NDArray[np.float64]) -> tuple[list[int], float, bool] | None:
        """Employee ``e``'s cheapest line under cell prices ``mu``, its cost, and whether it is proven cheapest.

        None when the CP-SAT fallback found no line in its time.
        """
        cost = self.priced_costs(e, mu)
        found = best_line(self.shapes[e], cost)
        if found is not None:
            return found[0], float(found[1]), True
        fallback = self._price_cp(e, cost)
        if fallback is None:
            return None
        line, exact = fallback
        return line, _total(cost, line), exact

    def _price_cp(self, e: int, cost: npt.NDArray[np.float64]) -> tuple[list[int], bool] | None:
        """The exact CP-SAT line model, for an answer that breaks an untracked cap: line, proven optimal.

        On 12-week horizons this can take seconds; past ``FALLBACK_SECONDS``
        the best line found still makes a column, but that round proves no bound.
        """
        inst = self.inst
        sub = self._cp_lines.get(e)
        if sub is None:
            empty = [[REST] * inst.horizon for _ in range(inst.n_emps)]
            sub = self._cp_lines[e] = build(inst, empty, [e], 0, inst.horizon, hint=False, with_objective=False)
        n_s = len(inst.shifts)
        scale = 10_000  # duals are fractional; CP-SAT wants integers
        terms = [round((cost[d, s] - cost[d, n_s]) * scale) * v for (_e, d, s), v in sub.x.items()]
        sub.model.minimize(sum(terms))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = FALLBACK_SECONDS
        status = solver.solve(sub.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        line = [REST] * inst.horizon
        for (_e, d, s), v in sub.x.items():
            if solver.boolean_value(v):
                line[d] = s
        return line, status == cp_model.OPTIMAL

    def run(self, deadline: float, pool: ThreadPoolExecutor, max_rounds: int = 400) -> tuple[float, list[list[float]], float]:
        """Price until no line has negative reduced cost (or the deadline): LP value, λ, Lagrangian bound.

        The Lagrangian bound ``LP + Σ min(0, reduced cost)`` is a valid lower
        bound after every round whose pricing was exact, so a stop at the
        deadline still proves something.
        """
        bound = -math.inf
        value = math.inf
        lam: list[list[float]] = []
        for _round in range(max_rounds):
            value, pi, mu, lam = self.master()
            free = [e for e in range(self.inst.n_emps) if e not in self.fixed]
            priced = list(pool.map(self.price, free, [mu] * len(free)))
            lagrangian, added, exact = value, 0, True
            for e, answer in zip(free, priced, strict=True):
                if answer is None:
                    exact = False
                    continue
                line, red, proven = answer
                exact = exact and proven
                reduced = red - pi[e]
                lagrangian += min(0.0, reduced)
                if reduced < -EPS and self.add(e, line):
                    added += 1
            if exact:
                bound = max(bound, lagrangian)
            self.converged = added == 0
            if added == 0 or time.monotonic() > deadline:
                break
        return value, lam, bound


def lower_bound(cg: ColumnGeneration, deadline: float, pool: ThreadPoolExecutor) -> tuple[Bound, list[list[float]]]:
    """Root column generation: the proven lower bound and the root λ."""
    value, lam, bound = cg.run(deadline, pool)
    lower = max(0, math.ceil(bound - 1e-4)) if math.isfinite(bound) else 0
    return Bound(value, lower, cg.converged), lam


def dive(
    cg: ColumnGeneration, lam: list[list[float]], deadline: float, pool: ThreadPoolExecutor, rounds: int = 30,
    rng: random.Random | None = None,
) -> list[list[int]] | None:
    """Fix the lines the LP chose and the most chosen fractional ones, re-price, repeat.

    Each step fixes every line with λ ≈ 1 and the employees whose best line
    the LP chose most: one per step while time allows (the best dives, e.g.
    instance 12 at its optimum), more per step when the steps so far say the
    deadline would come first. The others are re-priced for at most
    ``rounds`` rounds. With ``rng`` the first employee fixed each step is
    drawn from the three most chosen (a different dive each time; their
    lines all reach the master IP). Returns the roster, or None when the
    deadline came first. Leaves ``cg`` unfixed again, keeping every line priced on the way
    for the master IP.
    """
    inst = cg.inst
    began = time.monotonic()
    steps = 0
    try:
        while True:
            candidates: list[tuple[float, int, int]] = []
            for e in range(inst.n_emps):
                if e in cg.fixed or not lam[e]:
                    continue
                i = max(range(len(lam[e])), key=lam[e].__getitem__)
                if lam[e][i] > 1 - 1e-6:
                    cg.fixed[e] = cg.lines[e][i]
                else:
                    candidates.append((lam[e][i], e, i))
            candidates.sort(reverse=True)
            if rng is not None and len(candidates) > 1:
                j = rng.randrange(min(3, len(candidates)))
                candidates.insert(0, candidates.pop(j))
            now = time.monotonic()
            steps_left = (deadline - now) / ((now - began) / steps) if steps else len(candidates)
            for _x, e, i in candidates[: max(1, math.ceil(len(candidates) / max(1.0, steps_left)))]:
                cg.fixed[e] = cg.lines[e][i]
            if len(cg.fixed) == inst.n_emps or now > deadline:
                break
            _value, lam, _bound = cg.run(deadline, pool, max_rounds=rounds)
            steps += 1
        if len(cg.fixed) < inst.n_emps:
            return None
        return [list(cg.fixed[e]) for e in range(inst.n_emps)]
    finally:
        cg.fixed = {}


def master_ip(cg: ColumnGeneration, incumbent: list[list[int]], seconds: float, workers: int = 2) -> list[list[int]]:
    """The best roster that picks one known line per employee (CP-SAT), hinted with the incumbent."""
    inst = cg.inst
    for e, line in enumerate(incumbent):
        cg.add(e, line)
    m = cp_model.CpModel()
    pick = [[m.new_bool_var(f"z{e}_{i}") for i in range(len(cg.lines[e]))] for e in range(inst.n_emps)]
    terms: list[cp_model.LinearExprT] = []
    on_cell: dict[tuple[int, int], list[cp_model.IntVar]] = {c: [] for c in cg.cells}
    for e in range(inst.n_emps):
        m.add_exactly_one(pick[e])
        for i, option in enumerate(cg.lines[e]):
            m.add_hint(pick[e][i], option == tuple(incumbent[e]))
            cost = round(cg.line_cost(e, option))
            if cost:
                terms.append(cost * pick[e][i])
            for d, s in enumerate(option):
                if s != REST:
                    on_cell[(d, s)].append(pick[e][i])
    for cell, zs in on_cell.items():
        req, under, over = inst.cover[cell]
        short = m.new_int_var(0, req, "")
        extra = m.new_int_var(0, inst.n_emps, "")
        m.add(sum(zs) - req == extra - short)
        terms += [under * short, over * extra]
    m.minimize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, seconds)
    solver.parameters.num_workers = workers
    if solver.solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return incumbent
    roster = [list(next(line for i, line in enumerate(cg.lines[e]) if solver.boolean_value(pick[e][i])))
              for e in range(inst.n_emps)]
    return roster if objective(inst, roster) <= objective(inst, incumbent) else incumbent

