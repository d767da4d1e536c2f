"""Say which hard rules conflict when no roster exists, instead of just "infeasible".

Every hard rule belongs to one agent, so the roster is feasible exactly when
each agent's own rules are (the engine finds an agent with no legal line
before anything else, ``solve.first_lines``). For each agent we switch every rule family on with
an assumption literal; when CP-SAT proves the agent infeasible it returns a
subset of assumptions that is already infeasible, and a deletion pass shrinks
it to a minimal conflict (dropping any one family makes the rest satisfiable).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.rules import FAMILIES, FAMILY_TEXT, contract_bounds, forbidden_successions, month_parts
from kefu.plan.roster.types import Agent, RosterProblem

Key = tuple[int, int, int, str]  # agent index, day, shift index, skill


def add_agent_rules(
    m: cp_model.CpModel,
    problem: RosterProblem,
    a: int,
    x: dict[Key, cp_model.IntVar],
    rule_literals: Mapping[str, cp_model.IntVar] | None = None,
) -> list[cp_model.LinearExprT]:
    """Create agent a's variables x[a, d, s, k] and hard rules; returns the per-day work expressions.

    Every family is an implication of its literal in ``rule_literals``, so an
    infeasible subset of families can be extracted as assumptions (without a
    literal, leave and night_ok simply remove variables).
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
    owed = contract_bounds(problem, agent)
    if owed.min_minutes > 0:
        enforce(m.add(paid >= owed.min_minutes), "min_hours")
    if owed.max_minutes is not None:
        enforce(m.add(paid <= owed.max_minutes), "max_hours")
    if owed.min_days > 0:
        enforce(m.add(sum(work) >= owed.min_days), "min_days")
    if owed.max_days is not None:
        enforce(m.add(sum(work) <= owed.max_days), "max_days")
    return work


@dataclass(frozen=True)
class Conflict:
    agent: str
    rules: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "agent": self.agent,
            "rules": list(self.rules),
            "rules_zh": [FAMILY_TEXT[r][0] for r in self.rules],
            "rules_en": [FAMILY_TEXT[r][1] for r in self.rules],
        }


def _feasible(problem: RosterProblem, a: int, families: tuple[str, ...], limit: float) -> tuple[bool, list[str]]:
    m = cp_model.CpModel()
    lits = {f: m.new_bool_var(f) for f in FAMILIES}
    add_agent_rules(m, problem, a, {}, lits)
    for f in FAMILIES:
        if f not in families:
            m.add(lits[f] == 0)
    m.add_assumptions([lits[f] for f in families])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = limit
    solver.parameters.num_workers = 1  # assumption cores need the single-worker search
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        core = {solver.response_proto.sufficient_assumptions_for_infeasibility[i] for i in range(
            len(solver.response_proto.sufficient_assumptions_for_infeasibility))}
        names = [f for f in families if lits[f].index in core]
        return False, names or list(families)
    return status in (cp_model.OPTIMAL, cp_model.FEASIBLE), []


def agent_conflict(problem: RosterProblem, a: int, limit: float = 5.0) -> Conflict | None:
    """The minimal set of rule families that agent a cannot meet together (None if feasible)."""
    ok, core = _feasible(problem, a, FAMILIES, limit)
    if ok:
        return None
    families = tuple(core)
    for f in list(families):
        trial = tuple(x for x in families if x != f)
        if not _feasible(problem, a, trial, limit)[0]:
            families = trial
    return Conflict(problem.agents[a].id, families)


def conflicts(problem: RosterProblem, limit: float = 5.0, only: list[int] | None = None) -> list[Conflict]:
    """Conflicts of every agent (or of the agents in ``only``)."""
    out = []
    for a in range(len(problem.agents)) if only is None else only:
        c = agent_conflict(problem, a, limit)
        if c is not None:
            out.append(c)
    return out


def infeasible_error(found: list[Conflict]) -> KefuError:
    """ROSTER_INFEASIBLE naming the agents and the rules that clash for each."""
    parts_zh = [f"{c.agent}: " + " + ".join(FAMILY_TEXT[r][0] for r in c.rules) for c in found[:10]]
    parts_en = [f"{c.agent}: " + " + ".join(FAMILY_TEXT[r][1] for r in c.rules) for c in found[:10]]
    return KefuError(
        ErrorCode.ROSTER_INFEASIBLE,
        "排班无解, 以下规则互相冲突: " + "; ".join(parts_zh),
        "no roster satisfies the hard rules; conflicting rules: " + "; ".join(parts_en),
        {"conflicts": [c.as_dict() for c in found]},
    )


