"""A Curtois & Qu instance as the engine's general model: line rules per employee, cover rows, request penalties.

Every rule of ``reader.line_violations`` becomes part of an employee's line
automaton (``engine.lines``): forbidden successions from the shift types'
"may not follow" lists, run bounds with the "relaxed at the horizon ends"
reading, worked minutes in units of the shift lengths' gcd, weekends counted
once per Saturday–Sunday pair, and the per-shift caps — tightest first while
the state stays small; a looser cap is checked on the answer, and an answer
that breaks one goes to the one-employee CP-SAT model (``fallback``), so
pricing stays exact. The cover is one row per (day, shift) with a missing
and a surplus column at the instance's weights.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from ortools.sat.python import cp_model
from scipy import sparse

from kefu.plan.roster.curtois.model import SubModel, build
from kefu.plan.roster.curtois.reader import REST, Instance
from kefu.plan.roster.engine.lines import Counter, LineRules, days_counter
from kefu.plan.roster.engine.problem import Coupling, LineProblem

FALLBACK_SECONDS = 2.0  # CP-SAT line pricing, per call
DP_STATE_LIMIT = 4_000_000  # states x days per employee above which the instance is left to LNS alone


def employee_rules(inst: Instance, e: int) -> LineRules:
    """Employee ``e``'s contract as a line automaton."""
    h, n_s, st = inst.horizon, len(inst.shifts), inst.staff[e]
    g = 0
    for sh in inst.shifts:
        g = math.gcd(g, sh.minutes)
    units = np.array([sh.minutes // g for sh in inst.shifts], dtype=np.int64)
    forbid = np.zeros((n_s, n_s), dtype=np.bool_)
    for a, nxt in enumerate(inst.forbidden_pairs()):
        forbid[a, nxt] = True
    off = inst.days_off.get(e, set())
    allowed = np.zeros((h, n_s), dtype=np.bool_)
    for s in range(n_s):
        if inst.cap(e, s) > 0:
            allowed[[d for d in range(h) if d not in off], s] = True
    everywhere = np.zeros(h, dtype=np.int64)
    one = np.array([0], dtype=np.int64)
    min_units, max_units = -(-st.min_minutes // g), st.max_minutes // g
    weekend_days = np.array([0 if d % 7 >= 5 else -1 for d in range(h)], dtype=np.int64)
    counters = [
        _minutes_counter(units, everywhere, min_units, max_units),
        Counter("weekends", np.ones(n_s, dtype=np.int64), weekend_days, one,
                np.array([min(st.max_weekends, h // 7)]), once_per_group=True),
    ]
    most_days = min(h, max_units // int(units.min()))
    binding = sorted(
        (inst.cap(e, s), s) for s in range(n_s) if 0 < inst.cap(e, s) < min(most_days, int(allowed[:, s].sum()))
    )
    for cap, s in binding:
        inc = np.zeros(n_s, dtype=np.int64)
        inc[s] = 1
        counters.append(Counter(f"cap {inst.shifts[s].id}", inc, everywhere, one, np.array([cap]), required=False))
    return LineRules(allowed, np.arange(n_s, dtype=np.int64), forbid, st.max_consecutive, st.min_consecutive,
                     st.min_days_off, relaxed_ends=True, counters=tuple(counters))


def _minutes_counter(units: npt.NDArray[np.int64], window: npt.NDArray[np.int64], lo: int, hi: int) -> Counter:
    """Worked minutes within [lo, hi] units; with every shift the same length, workdays (or days off) instead.

    Equal shift lengths make the minutes band a band of workdays, and
    ``days_counter`` counts whichever of workdays or days off spans fewer
    values: Curtois 12's band of 16–18 eight-hour days in 28 becomes 10–12
    days off, 13 counter values instead of 19 in the DP's state.
    """
    u = int(units[0])
    if bool(np.all(units == u)) and -(-lo // u) <= len(window):  # (more days than the horizon: no line either way)
        return days_counter("minutes", len(units), window, np.array([-(-lo // u)]), np.array([hi // u]))
    return Counter("minutes", units, window, np.array([lo]), np.array([hi]))


def _cover(inst: Instance) -> tuple[Coupling, list[tuple[int, int]]]:
    cells = sorted(inst.cover)
    n_s = len(inst.shifts)
    req = np.array([inst.cover[c][0] for c in cells], dtype=np.float64)
    under = np.array([inst.cover[c][1] for c in cells], dtype=np.float64)
    over = np.array([inst.cover[c][2] for c in cells], dtype=np.float64)
    n = len(cells)
    rows = np.array([d * n_s + s for d, s in cells], dtype=np.int64)
    cell_rows = sparse.csr_matrix((np.ones(n), (rows, np.arange(n))), shape=(inst.horizon * n_s, n))
    slack = sparse.csc_matrix(
        (np.tile([1.0, -1.0], n), (np.repeat(np.arange(n), 2), np.arange(2 * n))), shape=(n, 2 * n))
    costs = np.ravel(np.column_stack([under, over]))
    coupling = Coupling(req, req.copy(), cell_rows, costs, np.zeros(2 * n), np.full(2 * n, np.inf), slack)
    return coupling, cells


def line_problem(inst: Instance) -> LineProblem:
    """The instance in the engine's terms (choice ``s`` = shift type ``s``; penalties from the requests)."""
    n_s = len(inst.shifts)
    penalty = np.zeros((inst.n_emps, inst.horizon, n_s + 1))
    for e, d, s, w in inst.on_requests:
        penalty[e, d, :] += w
        penalty[e, d, s] -= w
    for e, d, s, w in inst.off_requests:
        penalty[e, d, s] += w
    coupling, _cells = _cover(inst)
    return LineProblem(inst.horizon, n_s, [employee_rules(inst, e) for e in range(inst.n_emps)], penalty, coupling)


def suits(problem: LineProblem) -> bool:
    """Whether pricing stays cheap enough: the 4- to 12-week instances, not the 52-week ones."""
    return all(shape.states * problem.horizon <= DP_STATE_LIMIT for shape in problem.shapes)


class ExactLine:
    """The one-employee CP-SAT model: exact pricing when the DP's answer breaks an untracked cap.

    On 12-week horizons this can take seconds; past ``FALLBACK_SECONDS`` the
    best line found still makes a column, but that round proves no bound.
    """

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self._models: dict[int, SubModel] = {}

    def __call__(self, e: int, cost: npt.NDArray[np.float64]) -> tuple[list[int], bool] | None:
        inst = self.inst
        sub = self._models.get(e)
        if sub is None:
            empty = [[REST] * inst.horizon for _ in range(inst.n_emps)]
            sub = self._models[e] = build(inst, empty, [e], 0, inst.horizon, hint=False, with_objective=False)
        n_s = len(inst.shifts)
        scale = 10_000  # duals are fractional; CP-SAT wants integers
        x = sub.x
        terms = [round((cost[d, s] - cost[d, n_s]) * scale) * v for (_e, d, s), v in x.items()]
        sub.model.minimize(sum(terms))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = FALLBACK_SECONDS
        status = solver.solve(sub.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        line = [REST] * inst.horizon
        for (_e, d, s), v in x.items():
            if solver.boolean_value(v):
                line[d] = s
        return line, status == cp_model.OPTIMAL
