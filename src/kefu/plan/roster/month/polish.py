"""The month's LNS polish: a few agents' whole lines re-optimised by CP-SAT, everyone else fixed.

The engine's LNS loop (``engine.lns``) draws the neighbourhoods and keeps a
candidate only when the master's own value (``ColumnGeneration.evaluate``:
coverage with the LP's break placement, fairness bands, rotation,
preferences) says it is no worse, so the CP-SAT model here only has to
point in the right direction. Its hard rules are the freed agents' line
automata (``engine.cpsat``: exactly the rules the DP prices). Its objective
is the same terms with the coverage approximated by each shift's minutes
less its breaks spread over their windows (``rules.effective_overlaps``),
rotation by consecutive days only, fairness bands rounded to whole units.

Kinds of neighbourhood: random agents, agents of one fairness group (only
they can trade nights or hours among themselves), and in a re-plan the
agents whose lines the re-plan changed (a leave's) with others who may take
their shifts over.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from kefu.plan.roster.engine.cpsat import CellVars, add_line, read_line
from kefu.plan.roster.engine.lines import REST
from kefu.plan.roster.engine.lns import Polished, Progress, polish
from kefu.plan.roster.month import replan
from kefu.plan.roster.month.fairness import tolerances
from kefu.plan.roster.month.mapping import MonthModel
from kefu.plan.roster.rules import effective_overlaps
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY

Lines = list[list[int]]


@dataclass
class MonthMove:
    model: cp_model.CpModel
    agents: list[int]
    x: dict[int, CellVars] = field(default_factory=dict)
    trivially_infeasible: bool = False

    def read(self, solver: cp_model.CpSolver, roster: Lines) -> Lines:
        out = [list(line) for line in roster]
        for a in self.agents:
            out[a] = read_line(solver, self.x[a], len(roster[a]))
        return out


class MonthNeighbourhoods:
    """The engine's LNS hooks for the month."""

    kinds: tuple[str, ...] = ("agents", "group")
    lane_kinds: tuple[str, ...] = kinds

    def __init__(self, month: MonthModel) -> None:
        self.month = month
        p = month.problem
        self.n_agents, self.horizon = len(p.agents), p.days
        self.n_slots = p.days * SLOTS_PER_DAY
        self.skill_of = [k for _s, k in month.choices]
        # effective agent-minutes per slot of each (day, choice)
        self.minutes = {(d, c): effective_overlaps(p.shifts[s], d, self.n_slots)
                        for d in range(p.days) for c, (s, _k) in enumerate(month.choices)}
        # a re-plan aims at what the stored roster covered: its shortfall is free (``replan``)
        self.need = {key: round(minutes) for key, minutes in month.need_minutes().items()}
        self.groups: dict[int, list[int]] = {}
        for a, g in enumerate(month.group_of):
            self.groups.setdefault(g, []).append(a)
        self.stored: Lines | None = None
        if p.previous is not None:  # a re-plan also draws around the agents it changed (``repair``)
            self.stored = replan.stored_lines(month)
            self.kinds = (*self.kinds, "repair")

    def initial_sizes(self) -> dict[str, float]:
        return dict.fromkeys(self.kinds, float(min(self.n_agents, 6) * self.horizon))

    def draw(self, roster: Lines, kind: str, size: float, rng: random.Random, pool: list[int]
             ) -> tuple[list[int], int, int]:
        k = min(len(pool), max(2, round(size / self.horizon)))
        if kind == "repair" and self.stored is not None:
            # the agents whose lines differ from the stored ones (a leave's), and others who may take over
            changed = [a for a in pool if roster[a] != self.stored[a]]
            picked = rng.sample(changed, min(len(changed), max(1, k // 2)))
            rest = [a for a in pool if a not in picked]
            return sorted(picked + rng.sample(rest, min(k - len(picked), len(rest)))), 0, self.horizon
        if kind == "group":
            groups = [[a for a in members if a in pool] for members in self.groups.values()]
            groups = [g for g in groups if len(g) >= 2]
            if groups:
                chosen = rng.choice(groups)
                picked = rng.sample(chosen, min(k, len(chosen)))
                rest = [a for a in pool if a not in picked]
                picked += rng.sample(rest, min(k - len(picked), len(rest)))
                return sorted(picked), 0, self.horizon
        return sorted(rng.sample(pool, k)), 0, self.horizon

    def build(self, roster: Lines, agents: list[int], first: int, last: int) -> MonthMove:
        month, p = self.month, self.month.problem
        w = p.weights
        m = cp_model.CpModel()
        move = MonthMove(m, agents)
        lines = month.lines
        obj: list[cp_model.LinearExprT] = []
        chosen = set(agents)
        fixed: dict[tuple[str, int], int] = {}
        for a, line in enumerate(roster):
            if a in chosen:
                continue
            for d, c in enumerate(line):
                if c != REST:
                    for t, mins in self.minutes[(d, c)]:
                        key = (self.skill_of[c], t)
                        fixed[key] = fixed.get(key, 0) + mins
        terms: dict[tuple[str, int], list[tuple[cp_model.IntVar, int]]] = {}
        tol = tolerances(p)
        for a in agents:
            t_a = lines.agent_type[a]
            rules = lines.rules[t_a]
            x, _works = add_line(m, rules, f"a{a}", hint=roster[a])
            move.x[a] = x
            pen = lines.penalty[t_a]
            n_c = pen.shape[1] - 1
            for (d, c), v in x.items():
                for t, mins in self.minutes[(d, c)]:
                    terms.setdefault((self.skill_of[c], t), []).append((v, mins))
                cost = round(pen[d, c] - pen[d, n_c])
                if cost:
                    obj.append(cost * v)
            obj.extend(self._fairness(m, a, x, tol))
            obj.extend(self._rotation(m, rules.trans, rules.kind, x))
        for key in set(terms) | {k for k in fixed if k in self.need}:
            need = self.need.get(key, 0)
            base = fixed.get(key, 0)
            items = terms.get(key)
            if not items:
                continue
            under = m.new_int_var(0, max(0, need), "")
            over = m.new_int_var(0, SLOT * len(items) + base, "")
            expr = cp_model.LinearExpr.weighted_sum([v for v, _k in items], [k for _v, k in items])
            m.add(expr + base - need == over - under)
            obj += [w.under * under, w.over * over]
        m.minimize(sum(obj))
        return move

    def _fairness(self, m: cp_model.CpModel, a: int, x: CellVars, tol: dict[str, tuple[float, int]]
                  ) -> list[cp_model.LinearExprT]:
        out: list[cp_model.LinearExprT] = []
        g = self.month.group_of[a]
        for name, (_width, weight) in tol.items():
            band = self.month.bands.get((g, name))
            if band is None:
                continue
            amounts = self.month.measures[name]
            items = [(v, int(amounts[d, c])) for (d, c), v in x.items() if amounts[d, c]]
            if not items:
                continue
            total = cp_model.LinearExpr.weighted_sum([v for v, _k in items], [k for _v, k in items])
            outside = m.new_int_var(0, sum(k for _v, k in items) + abs(round(band[0])), "")
            m.add(outside >= round(band[0]) - total)
            m.add(outside >= total - round(band[1]))
            out.append(weight * outside)
        return out

    def _rotation(self, m: cp_model.CpModel, trans: np.ndarray | None, kind: np.ndarray, x: CellVars
                  ) -> list[cp_model.LinearExprT]:
        """Consecutive workdays' transition costs (rotation), as the proxy of the DP's."""
        if trans is None:
            return []
        per: dict[tuple[int, int], list[cp_model.IntVar]] = {}
        for (d, c), v in x.items():
            per.setdefault((d, int(kind[c])), []).append(v)
        out: list[cp_model.LinearExprT] = []
        n_k = trans.shape[3]
        for d in range(1, self.horizon):
            for a in range(n_k):
                first = per.get((d - 1, a))
                if not first:
                    continue
                for b in range(n_k):
                    cost = round(trans[d, 1, a, b])
                    second = per.get((d, b))
                    if cost <= 0 or not second:
                        continue
                    z = m.new_bool_var("")
                    m.add(sum(first) + sum(second) - 1 <= z)
                    out.append(cost * z)
        return out


def polish_month(month: MonthModel, roster: Lines, evaluate: Callable[[Lines], float], lower: float, deadline: float,
                 *, seed: int = 0, workers: int = 1, lanes: int = 2, progress: Progress | None = None,
                 t0: float | None = None) -> Polished:
    """The engine's LNS on the month until the deadline (the models' objective only approximates ``evaluate``)."""
    return polish(MonthNeighbourhoods(month), roster, evaluate, lower, deadline, seed=seed, workers=workers,
                  lanes=lanes, progress=progress, t0=t0, exact_models=False)
