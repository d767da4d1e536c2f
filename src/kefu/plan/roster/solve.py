"""Plan a roster: check feasibility per agent, build, improve by LNS, place breaks, report.

The month model for 60 agents × 31 days × several shifts × skills is large for
one CP-SAT call on a shared 2-core machine, so the same recipe as the Curtois
solver is used: a greedy start that places a few agents at a time against the
coverage still missing, then re-optimising random groups of agents with the
rest fixed (hinted with the incumbent) until the time limit. Feasibility never
depends on the search: all hard rules are per agent and are checked first.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from ortools.sat.python import cp_model

from kefu.domain.errors import bad_argument
from kefu.plan.roster.breaks import place_breaks, slot_coverage
from kefu.plan.roster.construct import greedy_roster
from kefu.plan.roster.explain import conflicts, infeasible_error
from kefu.plan.roster.model import build
from kefu.plan.roster.rules import check
from kefu.plan.roster.score import score
from kefu.plan.roster.types import SLOTS_PER_DAY, AgentTotals, Roster, RosterProblem, RosterResult

Progress = Callable[[float, float], None]


def validate_problem(problem: RosterProblem) -> None:
    """Reject inputs the model cannot read (lengths, unknown skills, bad rule values)."""
    n = problem.days * SLOTS_PER_DAY
    if problem.days < 1:
        raise bad_argument("days", "天数至少为 1", "days must be at least 1")
    if not problem.agents:
        raise bad_argument("agents", "没有客服", "no agents")
    if not problem.shifts:
        raise bad_argument("shifts", "没有班次", "no shifts")
    r = problem.rules
    if r.rest_days_per_month < 0 or r.max_consecutive < 1 or r.min_rest_hours < 0:
        raise bad_argument("rules", "规则参数无效", "invalid rule settings",
                           rest_days_per_month=r.rest_days_per_month, max_consecutive=r.max_consecutive)
    for skill, req in problem.requirement.items():
        if len(req) != n:
            raise bad_argument("requirement", f"技能 {skill} 的需求长度 {len(req)} 应为 {n}",
                               f"requirement for {skill} has {len(req)} slots, expected {n}")


def _solve(problem: RosterProblem, roster: Roster, agents: list[int], limit: float, seed: int,
           workers: int) -> tuple[Roster, object, float]:
    built = build(problem, roster, agents)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(built.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return built.read(problem, solver, roster), status, solver.objective_value
    return roster, status, float("inf")


def _disjoint_groups(rng: random.Random, n: int, size: int, lanes: int) -> list[list[int]]:
    """One round's neighbourhoods: ``lanes`` random agent groups that share no agent (all agents: one group)."""
    if size >= n:
        return [list(range(n))]
    order = rng.sample(range(n), min(n, size * lanes))
    return [sorted(order[i:i + size]) for i in range(0, len(order), size) if len(order[i:i + size]) >= 2]


def plan_roster(
    problem: RosterProblem,
    time_limit: float = 60.0,
    *,
    seed: int = 0,
    workers: int = 1,
    lanes: int = 2,
    progress: Progress | None = None,
) -> RosterResult:
    """The best roster found in ``time_limit`` seconds; raises ROSTER_INFEASIBLE with the conflicts.

    ``lanes`` agent-disjoint groups are re-optimised at once, one per core (the
    Curtois solver's recipe, :mod:`kefu.plan.roster.curtois_solve`): the LNS is
    throughput-bound within the minute, and CP-SAT releases the GIL.
    """
    t0 = time.monotonic()
    validate_problem(problem)
    # without a contract minimum the all-rest line meets every rule, so only those agents can clash
    found = conflicts(problem, limit=max(1.0, time_limit / 20), only=[i for i, a in enumerate(problem.agents) if a.min_hours > 0])
    if found:
        raise infeasible_error(found)
    n = len(problem.agents)
    rng = random.Random(seed)
    break_budget = min(10.0, time_limit * 0.15)
    deadline = t0 + time_limit - break_budget
    roster = greedy_roster(problem, seed)
    if any(a.min_hours > 0 for a in problem.agents):
        # the greedy start ignores contract minimums; let CP-SAT top those agents up first
        short = [i for i, a in enumerate(problem.agents) if a.min_hours > 0]
        for i in range(0, len(short), 6):
            limit = max(1.0, time_limit / 20)
            for _attempt in range(4):  # each agent is known feasible; a slow machine only needs more time
                roster, st, _obj = _solve(problem, roster, short[i : i + 6], limit, seed, workers)
                if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    break
                limit *= 2
    best = score(problem, roster)
    status = "FEASIBLE"
    size = min(n, max(4, n // 6))
    it = 0
    with ThreadPoolExecutor(max(1, lanes)) as pool:
        while time.monotonic() < deadline - 0.2:
            groups = _disjoint_groups(rng, n, size, lanes)
            left = deadline - time.monotonic()
            limit = min(left, 5.0 if size < n else left)
            # CP-SAT releases the GIL: the groups of one round are solved on separate cores
            jobs = [(problem, roster, g, limit, seed + it + k, workers) for k, g in enumerate(groups)]
            solved = list(pool.map(lambda job: _solve(*job), jobs))
            for group, (cand, st, _obj) in zip(groups, solved, strict=True):
                it += 1
                if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    # groups are disjoint: splice this group's lines into the newest roster, then re-score
                    cand = {**roster, **{problem.agents[i].id: cand[problem.agents[i].id] for i in group}}
                    value = score(problem, cand)
                    if value <= best:
                        roster, best = cand, value
                        if progress:
                            progress(time.monotonic() - t0, best)
                if st == cp_model.OPTIMAL and size >= n:
                    status = "OPTIMAL"
            if status == "OPTIMAL":
                break
            size = min(n, size + 1) if all(st == cp_model.OPTIMAL for _c, st, _o in solved) else max(2, size - 1)
    bad = check(problem, roster)
    if bad:  # the model and the checker disagree: a bug, never hand this roster out
        raise RuntimeError("roster violates hard rules: " + "; ".join(v.message_en for v in bad[:5]))
    roster, quarters = place_breaks(problem, roster, time_limit=max(0.0, t0 + time_limit - time.monotonic() - 0.5))
    coverage = slot_coverage(quarters, problem.days)
    notes = []
    if status != "OPTIMAL":
        notes.append(f"LNS iterations: {it}")
    return RosterResult(roster, status, best, time.monotonic() - t0, coverage, totals(problem, roster), notes=notes)


def totals(problem: RosterProblem, roster: Roster) -> list[AgentTotals]:
    """Each agent's paid hours, workdays, nights, weekend days and rest days."""
    by_code = {s.code: s for s in problem.shifts}
    dates = problem.dates()
    out = []
    for agent in problem.agents:
        line = roster.get(agent.id, [None] * problem.days)
        worked = [(d, by_code[c.shift]) for d, c in enumerate(line) if c is not None and c.shift in by_code]
        out.append(AgentTotals(
            agent.id,
            round(sum(s.paid_minutes for _d, s in worked) / 60, 2),
            len(worked),
            sum(1 for _d, s in worked if s.night),
            sum(1 for d, _s in worked if dates[d].weekday() >= 5),
            problem.days - len(worked),
        ))
    return out


def coverage_ratio(problem: RosterProblem, coverage: dict[str, list[float]]) -> float:
    """Share of the required agent-slots that are covered (capped at the requirement)."""
    need = got = 0.0
    for skill, req in problem.requirement.items():
        cov = coverage.get(skill, [0.0] * len(req))
        for r, c in zip(req, cov, strict=True):
            need += r
            got += min(r, c)
    return got / need if need else 1.0
