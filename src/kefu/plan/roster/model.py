"""CP-SAT model of the monthly roster, for all agents or a neighbourhood of them.

Variables x[a, d, s, k] say agent a works shift s on day d covering skill k
(a multi-skill agent covers one skill per shift). Every hard rule is per agent,
so a neighbourhood of agents can be re-optimised with everyone else fixed: the
fixed agents only contribute constant coverage and constant fairness counts.
``rule_literals`` lets the explainer switch each hard-rule family on and off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kefu.plan.roster.rules import effective_overlaps, forbidden_successions, month_parts
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Agent, Assignment, Roster, RosterProblem

Key = tuple[int, int, int, str]  # agent index, day, shift index, skill


@dataclass
class Built:
    model: cp_model.CpModel
    agents: list[int]
    x: dict[Key, cp_model.IntVar] = field(default_factory=dict)

    def read(self, problem: RosterProblem, solver: cp_model.CpSolver, roster: Roster) -> Roster:
        out = {k: list(v) for k, v in roster.items()}
        for a in self.agents:
            out[problem.agents[a].id] = [None] * problem.days
        for (a, d, s, k), var in self.x.items():
            if solver.boolean_value(var):
                out[problem.agents[a].id][d] = Assignment(problem.shifts[s].code, k)
        return out


def add_agent_rules(
    m: cp_model.CpModel,
    problem: RosterProblem,
    a: int,
    x: dict[Key, cp_model.IntVar],
    rule_literals: Mapping[str, cp_model.IntVar] | None = None,
) -> list[cp_model.LinearExprT]:
    """Create agent a's variables and hard rules; returns the per-day work expressions.

    Without ``rule_literals`` leave and night_ok simply remove variables; with
    them every family is an implication of its literal so an infeasible subset
    of families can be extracted as assumptions.
    """
    agent: Agent = problem.agents[a]
    lits = rule_literals or {}
    dates = problem.dates()
    shifts = problem.shifts

    def enforce(ct: cp_model.Constraint, family: str) -> None:
        if family in lits:
            ct.only_enforce_if(lits[family])

    work: list[cp_model.LinearExprT] = []
    per_shift: list[list[cp_model.LinearExprT]] = []
    for d in range(problem.days):
        on_leave = dates[d] in agent.leave
        day_vars = []
        by_shift: list[cp_model.LinearExprT] = []
        for s, shift in enumerate(shifts):
            blocked = (on_leave, "leave"), (shift.night and not agent.night_ok, "night_ok")
            if any(flag and fam not in lits for flag, fam in blocked):
                by_shift.append(0)
                continue
            vs = []
            for k in agent.skills:
                v = m.new_bool_var(f"x{a}_{d}_{s}_{k}")
                x[(a, d, s, k)] = v
                vs.append(v)
                for flag, fam in blocked:
                    if flag:
                        enforce(m.add(v == 0), fam)
            day_vars.extend(vs)
            by_shift.append(sum(vs))
        m.add_at_most_one(day_vars)
        work.append(sum(day_vars))
        per_shift.append(by_shift)

    for part in month_parts(problem.start, problem.days, problem.rules):
        enforce(m.add(sum(work[part.first : part.last]) <= (part.last - part.first) - part.rest_days),
                "rest_days_per_month")
    mc = problem.rules.max_consecutive
    for i in range(0, problem.days - mc):
        enforce(m.add(sum(work[i : i + mc + 1]) <= mc), "max_consecutive")
    for s, t, gap in forbidden_successions(shifts, problem.rules.min_rest_hours):
        for d in range(problem.days - gap):
            first, second = per_shift[d][s], per_shift[d + gap][t]
            if isinstance(first, int) or isinstance(second, int):
                continue
            enforce(m.add(cp_model.LinearExpr.sum([first, second]) <= 1), "min_rest_hours")
    paid = sum(shifts[s].paid_minutes * per_shift[d][s] for d in range(problem.days) for s in range(len(shifts)))
    if agent.min_hours > 0:
        enforce(m.add(paid >= round(agent.min_hours * 60)), "min_hours")
    if agent.max_hours is not None:
        enforce(m.add(paid <= round(agent.max_hours * 60)), "max_hours")
    return work


def build(
    problem: RosterProblem,
    roster: Roster,
    agents: list[int],
    *,
    hint: bool = True,
) -> Built:
    """The model for ``agents`` with every other agent fixed to ``roster``."""
    m = cp_model.CpModel()
    built = Built(m, agents)
    w = problem.weights
    n_slots = problem.days * SLOTS_PER_DAY
    shift_idx = {s.code: i for i, s in enumerate(problem.shifts)}
    overlaps = {(d, s): effective_overlaps(sh, d, n_slots) for d in range(problem.days) for s, sh in enumerate(problem.shifts)}
    chosen = set(agents)
    for a in agents:
        add_agent_rules(m, problem, a, built.x)
    # coverage: constants from fixed agents, variables from the neighbourhood
    const: dict[tuple[str, int], int] = {}
    terms: dict[tuple[str, int], list[cp_model.LinearExprT]] = {}
    for a, agent in enumerate(problem.agents):
        if a in chosen:
            continue
        for d, cell in enumerate(roster.get(agent.id, [])):
            if cell is not None and cell.shift in shift_idx:
                for t, mins in overlaps[(d, shift_idx[cell.shift])]:
                    const[(cell.skill, t)] = const.get((cell.skill, t), 0) + mins
    for (a, d, s, k), v in built.x.items():
        for t, mins in overlaps[(d, s)]:
            terms.setdefault((k, t), []).append(mins * v)
        if hint:
            cell = roster.get(problem.agents[a].id, [None] * problem.days)[d]
            m.add_hint(v, cell is not None and cell.shift == problem.shifts[s].code and cell.skill == k)
    obj: list[cp_model.LinearExprT] = []
    for skill in problem.skills:
        req = problem.requirement.get(skill, [0.0] * n_slots)
        for t in range(n_slots):
            need = round(req[t] * SLOT)
            base = const.get((skill, t), 0)
            ts = terms.get((skill, t))
            if not ts:
                obj.append(w.under * max(0, need - base) + w.over * max(0, base - need))
                continue
            under = m.new_int_var(0, max(0, need - base), "")
            over = m.new_int_var(0, SLOT * len(ts) + base, "")
            m.add(sum(ts) + base - need == over - under)
            obj.append(w.under * under + w.over * over)
    obj.extend(_fairness(problem, roster, built, shift_idx))
    obj.extend(_switches_and_preferences(problem, built, shift_idx))
    m.minimize(sum(obj))
    return built


def _fairness(problem: RosterProblem, roster: Roster, built: Built, shift_idx: dict[str, int]) -> list[cp_model.LinearExprT]:
    """Spread nights and weekend days: penalise the gap between the busiest and idlest agent."""
    m, w = built.model, problem.weights
    dates = problem.dates()
    weekend = [d for d in range(problem.days) if dates[d].weekday() >= 5]
    nights = {s for s, sh in enumerate(problem.shifts) if sh.night}
    out: list[cp_model.LinearExprT] = []
    for days, shifts, weight, eligible in (
        (range(problem.days), nights, w.night_fairness, lambda ag: ag.night_ok),
        (weekend, set(range(len(problem.shifts))), w.weekend_fairness, lambda ag: True),
    ):
        if not shifts or not days or weight == 0:
            continue
        day_set = set(days)
        mine: dict[int, list[cp_model.IntVar]] = {}
        for (aa, d, s, _k), v in built.x.items():
            if d in day_set and s in shifts:
                mine.setdefault(aa, []).append(v)
        counts: list[cp_model.LinearExprT] = []
        for a, agent in enumerate(problem.agents):
            if not eligible(agent):
                continue
            if a in built.agents:
                counts.append(sum(mine.get(a, [])))
            else:
                line = roster.get(agent.id, [])
                counts.append(sum(1 for d, c in enumerate(line) if c is not None and d in day_set
                                  and shift_idx.get(c.shift) in shifts))
        if len(counts) < 2:
            continue
        hi = m.new_int_var(0, problem.days, "")
        lo = m.new_int_var(0, problem.days, "")
        m.add_max_equality(hi, counts)
        m.add_min_equality(lo, counts)
        out.append(weight * (hi - lo))
    return out


def _switches_and_preferences(problem: RosterProblem, built: Built, shift_idx: dict[str, int]) -> list[cp_model.LinearExprT]:
    """Same-shift blocks (a switch between consecutive workdays costs) and agents' wishes."""
    m, w = built.model, problem.weights
    out: list[cp_model.LinearExprT] = []
    per: dict[tuple[int, int, int], list[cp_model.IntVar]] = {}
    for (a, d, s, _k), v in built.x.items():
        per.setdefault((a, d, s), []).append(v)
    if w.switch:
        for a in built.agents:
            for d in range(problem.days - 1):
                today = [(s, per[(a, d, s)]) for s in range(len(problem.shifts)) if (a, d, s) in per]
                tomorrow_all = [v for s in range(len(problem.shifts)) for v in per.get((a, d + 1, s), [])]
                if not today or not tomorrow_all:
                    continue
                sw = m.new_bool_var("")
                for s, vs in today:
                    same = per.get((a, d + 1, s), [])
                    # working s today and a different shift tomorrow forces a switch
                    m.add(sum(vs) + sum(tomorrow_all) - sum(same) - 1 <= sw)
                out.append(w.switch * sw)
    agent_idx = {ag.id: i for i, ag in enumerate(problem.agents)}
    for p in problem.preferences:
        found = agent_idx.get(p.agent)
        if found is None or found not in built.agents:
            continue
        d = (p.day - problem.start).days
        if not 0 <= d < problem.days:
            continue
        day_vars = [v for s in range(len(problem.shifts)) for v in per.get((found, d, s), [])]
        if p.shift == "":
            out.append(w.preference * p.weight * sum(day_vars))
        elif p.shift in shift_idx:
            wanted = per.get((found, d, shift_idx[p.shift]), [])
            out.append(w.preference * p.weight * (1 - sum(wanted)))
    return out
