"""CP-SAT model of a Curtois & Qu instance restricted to a neighbourhood.

One builder serves every solve: the full model (all employees, all days), a
single employee (constructive start) and the large-neighbourhood moves (a few
employees, a window of days, or both). Cells outside the neighbourhood are
constants taken from the incumbent roster, so the per-employee rules that
straddle the window edge (runs, totals, weekends) are still enforced exactly
and the sub-solution always splices back into a feasible roster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from ortools.sat.python import cp_model

from kefu.plan.roster.curtois.reader import REST, Instance

Lit = cp_model.IntVar | bool


@dataclass
class SubModel:
    """A built neighbourhood model and the handles needed to read it back."""

    model: cp_model.CpModel
    emps: list[int]
    first: int
    last: int  # exclusive
    x: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    trivially_infeasible: bool = False

    def read(self, solver: cp_model.CpSolver, roster: list[list[int]]) -> list[list[int]]:
        """The incumbent roster with the neighbourhood replaced by the solver's values."""
        out = [row[:] for row in roster]
        for e in self.emps:
            for d in range(self.first, self.last):
                out[e][d] = REST
        for (e, d, s), var in self.x.items():
            if solver.boolean_value(var):
                out[e][d] = s
        return out


def _neg(lit: Lit) -> Lit:
    if isinstance(lit, bool):
        return not lit
    return cast(Lit, lit.negated())


def build(
    inst: Instance,
    roster: list[list[int]],
    emps: list[int],
    first: int,
    last: int,
    *,
    hint: bool = True,
    with_objective: bool = True,
    minutes_band: tuple[int, int] | None = None,
) -> SubModel:
    """Model cells (e, d) for e in ``emps`` and first <= d < last; everything else is fixed.

    ``minutes_band`` replaces the window's worked-minutes range (used when one
    employee's year is built a quarter at a time with a pro-rata band).
    """
    h = inst.horizon
    m = cp_model.CpModel()
    sub = SubModel(m, emps, first, last)
    in_win = set(range(first, last))
    forb = inst.forbidden_pairs()
    n_shifts = len(inst.shifts)
    emp_set = set(emps)
    obj: list[cp_model.LinearExprT] = []

    for e in emps:
        st = inst.staff[e]
        off = inst.days_off.get(e, set())
        allowed = [s for s in range(n_shifts) if inst.cap(e, s) > 0]
        w: list[Lit] = []
        for d in range(h):
            if d not in in_win:
                w.append(roster[e][d] != REST)
                continue
            if d in off or not allowed:
                w.append(False)
                continue
            xs = []
            for s in allowed:
                v = m.new_bool_var(f"x{e}_{d}_{s}")
                sub.x[(e, d, s)] = v
                xs.append(v)
                if hint:
                    m.add_hint(v, roster[e][d] == s)
            wv = m.new_bool_var(f"w{e}_{d}")
            m.add(sum(xs) == wv)
            w.append(wv)

        def cell(d: int, s: int, e: int = e) -> Lit:
            if d in in_win:
                return sub.x.get((e, d, s), False)
            return roster[e][d] == s

        # forbidden successions touching the window
        for d in range(max(0, first - 1), min(h - 1, last)):
            for s in allowed:
                if not forb[s]:
                    continue
                a = cell(d, s)
                if a is False:
                    continue
                nxt = [cell(d + 1, t) for t in forb[s]]
                if any(v is True for v in nxt):
                    if a is True:
                        sub.trivially_infeasible = True
                    else:
                        m.add(a == 0)
                    continue
                nv = [v for v in nxt if not isinstance(v, bool)]
                if a is True:
                    for v in nv:
                        m.add(v == 0)
                elif nv:
                    m.add(a + sum(nv) <= 1)
        # caps per shift type and total minutes
        minutes: list[cp_model.LinearExprT] = []
        fixed_minutes = 0
        for s in allowed:
            inside = [sub.x[(e, d, s)] for d in range(first, last) if (e, d, s) in sub.x]
            outside = sum(1 for d in range(h) if d not in in_win and roster[e][d] == s)
            fixed_minutes += outside * inst.shifts[s].minutes
            if inside:
                m.add(sum(inside) <= inst.cap(e, s) - outside)
                minutes.extend(inst.shifts[s].minutes * v for v in inside)
        lo, hi = minutes_band or (st.min_minutes - fixed_minutes, st.max_minutes - fixed_minutes)
        if minutes:
            m.add_linear_constraint(sum(minutes), lo, hi)
        elif not st.min_minutes <= fixed_minutes <= st.max_minutes:
            sub.trivially_infeasible = True
        _runs(m, w, first, last, h, st.max_consecutive, st.min_consecutive, st.min_days_off, sub)
        _weekends(m, w, first, last, h, st.max_weekends, sub)

    if with_objective:
        for e, d, s, wt in inst.on_requests:
            if e in emp_set and d in in_win:
                obj.append(wt * (1 - sub.x[(e, d, s)]) if (e, d, s) in sub.x else wt)
        for e, d, s, wt in inst.off_requests:
            if e in emp_set and d in in_win and (e, d, s) in sub.x:
                obj.append(wt * sub.x[(e, d, s)])
        fixed: dict[tuple[int, int], int] = {}
        for e in range(inst.n_emps):
            for d in range(first, last):
                if e not in emp_set and roster[e][d] != REST:
                    fixed[(d, roster[e][d])] = fixed.get((d, roster[e][d]), 0) + 1
        for d in range(first, last):
            for s in range(n_shifts):
                req, wu, wo = inst.cover.get((d, s), (0, 100, 1))
                xs = [sub.x[(e, d, s)] for e in emps if (e, d, s) in sub.x]
                base = fixed.get((d, s), 0)
                if not xs:
                    obj.append(wu * max(0, req - base) + wo * max(0, base - req))
                    continue
                under = m.new_int_var(0, max(0, req - base), f"u{d}_{s}")
                over = m.new_int_var(0, len(xs) + base, f"o{d}_{s}")
                m.add(sum(xs) + base - req == over - under)
                obj.append(wu * under + wo * over)
        m.minimize(sum(obj))
    return sub


def _clause(m: cp_model.CpModel, lits: list[Lit], sub: SubModel) -> None:
    if any(v is True for v in lits):
        return
    rest = [v for v in lits if not isinstance(v, bool)]
    if not rest:
        sub.trivially_infeasible = True
        return
    m.add_bool_or(rest)


def _runs(
    m: cp_model.CpModel, w: list[Lit], first: int, last: int, h: int, max_c: int, min_c: int, min_off: int, sub: SubModel
) -> None:
    """Max run (outside horizon = off), min work run and min off run (relaxed at both ends)."""
    for i in range(max(0, first - max_c), min(last, h - max_c)):
        window = w[i : i + max_c + 1]
        vars_ = [v for v in window if not isinstance(v, bool)]
        const = sum(1 for v in window if v is True)
        if vars_:
            m.add(sum(vars_) <= max_c - const)
        elif const > max_c:
            sub.trivially_infeasible = True
    for j in range(1, min_c):
        for d in range(1, h - j):
            if d + j < first or d - 1 >= last:
                continue
            _clause(m, [w[d - 1], *[_neg(w[k]) for k in range(d, d + j)], w[d + j]], sub)
    for j in range(1, min_off):
        for d in range(1, h - j):
            if d + j < first or d - 1 >= last:
                continue
            _clause(m, [_neg(w[d - 1]), *[w[k] for k in range(d, d + j)], _neg(w[d + j])], sub)


def _weekends(m: cp_model.CpModel, w: list[Lit], first: int, last: int, h: int, max_w: int, sub: SubModel) -> None:
    terms: list[cp_model.IntVar] = []
    const = 0
    for k in range(h // 7):
        sat, sun = w[7 * k + 5], w[7 * k + 6]
        if sat is True or sun is True:
            const += 1
            continue
        live = [v for v in (sat, sun) if not isinstance(v, bool)]
        if not live:
            continue
        if len(live) == 1:
            terms.append(live[0])
            continue
        wk = m.new_bool_var("")
        m.add_max_equality(wk, live)
        terms.append(wk)
    if terms:
        m.add(sum(terms) <= max_w - const)
    elif const > max_w:
        sub.trivially_infeasible = True
