"""Say which hard rules conflict when no roster exists, instead of just "infeasible".

Every hard rule belongs to one agent, so the roster is feasible exactly when
each agent's own rules are. For each agent we switch every rule family on with
an assumption literal; when CP-SAT proves the agent infeasible it returns a
subset of assumptions that is already infeasible, and a deletion pass shrinks
it to a minimal conflict (dropping any one family makes the rest satisfiable).
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.model import Key, add_agent_rules
from kefu.plan.roster.rules import FAMILIES, FAMILY_TEXT
from kefu.plan.roster.types import RosterProblem


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


__all__ = ["Conflict", "Key", "agent_conflict", "conflicts", "infeasible_error"]
