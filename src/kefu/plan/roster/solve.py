"""Plan the shop's month with the one roster engine: bound, column generation, dives, breaks, report.

The month is mapped onto the engine's general model (``month.mapping``): a
line per agent priced by the compiled DP against the coverage, break and
fairness duals of the HiGHS master. Two column generations run:

1. the *coverage bound*: the same agents and hard rules, only missing
   agent-minutes cost. Its Lagrangian bound is a proof: no roster under
   these rules covers more than ``bound`` of the requirement after breaks;
2. the *roster*: the full objective (coverage, fairness bands, rotation,
   preferences, changes to a stored roster), seeded with the first run's
   lines; dives and the master IP turn it into a roster, the LNS polishes
   it (``month.polish``).

Feasibility never depends on the search: all hard rules are per agent, each
agent's cheapest line with no prices is found (or proven impossible, and
the conflicting rules named) before anything else. Breaks are placed in a
second stage; the roster's coverage ratio after breaks and its gap to the
bound are reported.
"""

from __future__ import annotations

import calendar
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kefu.domain.errors import bad_argument
from kefu.plan.roster.breaks import place_breaks, slot_coverage
from kefu.plan.roster.engine.colgen import ColumnGeneration, lower_bound
from kefu.plan.roster.engine.lines import best_line
from kefu.plan.roster.engine.search import Budget, colgen_phase
from kefu.plan.roster.explain import conflicts, infeasible_error
from kefu.plan.roster.month import replan
from kefu.plan.roster.month.breakaware import break_repair
from kefu.plan.roster.month.mapping import MonthModel, bands_from, build_model
from kefu.plan.roster.month.polish import polish_month
from kefu.plan.roster.month.repair import repair_month
from kefu.plan.roster.rules import check, forbidden_successions, month_parts
from kefu.plan.roster.types import (
    SLOTS_PER_DAY,
    STATUTORY_HOURS_MONTH,
    AgentTotals,
    Roster,
    RosterProblem,
    RosterResult,
)

Progress = Callable[[float, float], None]
log = logging.getLogger(__name__)
BOUND_SHARE = 0.3  # of the solving time, at most, for the coverage bound's column generation
ROOT_SHARE = 0.15  # of the rest, at most, for pricing under the full objective before the dive
DIVE_SHARE = 0.6  # of the rest: the dive ends by then (finished by rounding), the LNS has what is left
DIVE_ROUNDS = 1  # pricing rounds per dive step (each re-solve after a fixing is the costly part)
BAND_LP_GAP = 0.1  # the coverage LP's value within this share of its bound: near enough to centre fair bands on
BREAK_SHARE = 0.15  # of the time limit (at most 10 s) kept for placing breaks
REPAIR_SHARE = 0.8  # of the time left after the dives, kept for the break-aware repair after the LNS


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
    if any(gap > 1 for _a, _b, gap in forbidden_successions(problem.shifts, r.min_rest_hours)):
        raise bad_argument("min_rest_hours", f"最少休息 {r.min_rest_hours:g} 小时跨过了一整天, 不支持",
                           f"a minimum rest of {r.min_rest_hours:g} h spans a whole day off; not supported",
                           min_rest_hours=r.min_rest_hours)
    for skill, req in problem.requirement.items():
        if len(req) != n:
            raise bad_argument("requirement", f"技能 {skill} 的需求长度 {len(req)} 应为 {n}",
                               f"requirement for {skill} has {len(req)} slots, expected {n}")


def first_lines(model: MonthModel, explain_limit: float) -> list[list[int]]:
    """Each agent's cheapest legal line with no prices; ROSTER_INFEASIBLE naming the rules when one has none."""
    lines = model.lines
    by_type: list[list[int] | None] = []
    for t in range(lines.n_types):
        found = best_line(lines.shapes[t], lines.penalty[t])
        by_type.append(None if found is None else found[0])
    stuck = [a for a, t in enumerate(lines.agent_type) if by_type[t] is None]
    if stuck:
        raise infeasible_error(conflicts(model.problem, limit=explain_limit, only=stuck))
    return [list(by_type[t] or []) for t in lines.agent_type]


def coverage_bound(model: MonthModel, start: list[list[int]], deadline: float, lanes: int
                   ) -> tuple[float | None, ColumnGeneration, list[list[float]], bool]:
    """The LP upper bound on the coverage ratio (None when nothing was proven in time), the column generation, its λ.

    The bound is the Lagrangian bound of the coverage master (no roster
    under these rules misses fewer agent-minutes) on the coverage scale:
    the LP value itself once column generation converged. Stopped earlier,
    the Lagrangian bound still proves something when it is above zero
    missing minutes; at or below zero it proves nothing, and None says so
    (reporting 1.0 read as "everything can be covered"). The last value
    says whether the LP is near enough its optimum for fair bands centred
    on its group means: converged, or its value within ``BAND_LP_GAP`` of the proven bound (the tail of column
    generation moves the value little: the demo's December, 4.5 % above the
    bound after 100 of 270 rounds).
    """
    cg = ColumnGeneration(model.lines)
    for a, line in enumerate(start):
        cg.add(model.lines.agent_type[a], line)
    with ThreadPoolExecutor(max(1, lanes)) as pool:
        bound, lam = lower_bound(cg, deadline, pool)
    finite = bool(np.isfinite(bound.exact))
    ratio = None
    if finite and (bound.converged or bound.exact > 0):
        ratio = min(1.0, 1.0 - max(0.0, bound.exact) / model.need) if model.need else 1.0
    settled = bound.converged or (finite and bound.lp - bound.exact <= BAND_LP_GAP * max(bound.lp, 1.0))
    return ratio, cg, lam, bool(settled)


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

    ``lanes`` pricing threads (the DP releases the GIL) and LNS moves run at
    once, one per core; ``workers`` is CP-SAT's per LNS move.
    """
    t0 = time.monotonic()
    validate_problem(problem)
    bound_model = build_model(problem, coverage_only=True)
    start = first_lines(bound_model, explain_limit=max(1.0, time_limit / 20))
    stored = replan.stored_lines(bound_model) if problem.previous is not None else None
    if stored is not None:  # a re-plan: the stored roster is the incumbent, its shortfall and surplus are free
        kept = replan.stored_slacks(bound_model, stored) | replan.stored_spreads(bound_model, stored)
        start = replan.adopt(bound_model, kept, stored, start)
    end = t0 + time_limit - min(10.0, time_limit * BREAK_SHARE)
    tb = time.monotonic()  # after the first lines, which load the compiled DP (about a second)
    bound, cg, lam, settled = coverage_bound(bound_model, start, tb + BOUND_SHARE * (end - tb), lanes)
    log.debug("coverage bound %s after %.1f s, %.1f CPU-s (%d types, %d lines)", bound, time.monotonic() - t0,
              time.process_time(), cg.n_types, sum(len(x) for x in cg.lines))
    # fair bands are centred on the LP's group means: an LP stopped early (all but the first lines) would
    # centre them on nearly idle lines and, as line rules, hold everyone there; a re-plan keeps the stored ones
    if stored is not None:
        bands = replan.stored_bands(bound_model, stored)
    else:
        bands = bands_from(bound_model, cg.lines, lam) if settled else {}
    model = build_model(problem, bands=bands)
    start = first_lines(model, explain_limit=max(1.0, time_limit / 20))  # legal under the fair bands too
    if stored is not None:
        start = replan.adopt(model, kept, stored, start)
    t1 = time.monotonic()
    phase = colgen_phase(model.lines, start, None, Budget(t1, max(0.1, end - t1), cg_share=DIVE_SHARE,
                         root_share=ROOT_SHARE, late_share=DIVE_SHARE, branch_share=DIVE_SHARE), lanes, seed,
                         integral=False, branch_gap=0.0, always_dive=True, cg=cg, dive_rounds=DIVE_ROUNDS)
    assert phase.cg is not None
    evaluate = phase.cg.evaluate  # the master's value of a whole roster: coverage with the LP's break placement
    best = evaluate(phase.roster)
    log.debug("phase: %d dives, roster %.0f after %.1f s, %.1f CPU-s", phase.dives, best, time.monotonic() - t0,
              time.process_time())
    if progress:
        progress(time.monotonic() - t0, best)
    lns_end = end - REPAIR_SHARE * max(0.0, end - time.monotonic())
    first, best, repaired = repair_month(model, phase.roster, evaluate, best, lns_end, seed=seed)
    kept_moves = repaired.moves if first is not phase.roster else 0
    log.debug("repair: %d moves of %d tried (%s), roster %.0f after %.1f s, %.1f CPU-s", repaired.moves,
              repaired.tried, "done" if repaired.done else "stopped", best, time.monotonic() - t0, time.process_time())
    polished = polish_month(model, first, evaluate, -math.inf, lns_end, seed=seed, workers=workers,
                            lanes=lanes, progress=progress, t0=t0)
    log.debug("LNS: %d moves, roster %.0f after %.1f s, %.1f CPU-s", polished.iterations, polished.best,
              time.monotonic() - t0, time.process_time())
    exact = break_repair(model, polished.roster, end, seed=seed)
    lines, value = polished.roster, polished.best
    if exact.moves:  # judged against the breaks the second stage places, not the master's LP placement
        lines, value = exact.roster, evaluate(exact.roster)
    log.debug("break-aware repair: %d moves of %d tried, roster %.0f after %.1f s, %.1f CPU-s", exact.moves,
              exact.tried, value, time.monotonic() - t0, time.process_time())
    roster = model.to_roster(lines)
    bad = check(problem, roster)
    if bad:  # the model and the checker disagree: a bug, never hand this roster out
        raise RuntimeError("roster violates hard rules: " + "; ".join(v.message_en for v in bad[:5]))
    roster, quarters = place_breaks(problem, roster, time_limit=max(0.0, t0 + time_limit - time.monotonic() - 0.5))
    coverage = slot_coverage(quarters, problem.days)
    ratio = coverage_ratio(problem, coverage)
    if bound is not None and ratio > bound + 1e-6:  # a roster above a proven bound means a modelling bug
        raise RuntimeError(f"coverage {ratio:.6f} above the LP bound {bound:.6f}")
    notes = [f"dives: {phase.dives}", f"LNS moves: {polished.iterations}",
             f"repair moves: {kept_moves}", f"break-aware moves: {exact.moves}"]
    if not bands and stored is None:
        notes.append("fairness not balanced: the coverage LP did not converge in time")
    if bound is None:
        notes.append("coverage bound not proven: no pricing round was exact in time")
    return RosterResult(roster, "FEASIBLE", value, time.monotonic() - t0, coverage, totals(problem, roster),
                        notes=notes, bound=bound, coverage_ratio=ratio)


def totals(problem: RosterProblem, roster: Roster) -> list[AgentTotals]:
    """Each agent's paid hours, workdays, evening/night shifts, weekend and holiday days, rest days, overtime."""
    by_code = {s.code: s for s in problem.shifts}
    dates = problem.dates()
    # 174 h for each whole calendar month, pro rata for a part of one
    statutory = sum(STATUTORY_HOURS_MONTH * (p.last - p.first) / calendar.monthrange(p.year, p.month)[1]
                    for p in month_parts(problem.start, problem.days, problem.rules))
    out = []
    for agent in problem.agents:
        line = roster.get(agent.id, [None] * problem.days)
        worked = [(d, by_code[c.shift]) for d, c in enumerate(line) if c is not None and c.shift in by_code]
        hours = round(sum(s.paid_minutes for _d, s in worked) / 60, 2)
        out.append(AgentTotals(
            agent.id,
            hours,
            len(worked),
            sum(1 for _d, s in worked if s.late),
            sum(1 for d, _s in worked if dates[d].weekday() >= 5),
            problem.days - len(worked),
            sum(1 for d, _s in worked if dates[d] in problem.holidays),
            round(max(0.0, hours - statutory), 2),
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
