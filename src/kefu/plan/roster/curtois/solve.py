"""Solve a Curtois & Qu instance with the one roster engine: constructive start, column generation, LNS.

A monolithic x[e,d,s] model stalls on the bigger instances (no feasible roster
on 20–24 in a minute), but every hard rule is per employee and only the cover
ties employees together. So we (1) build a feasible roster one employee at a
time, each minimising the cover penalty left by the employees already placed,
then (2) repeatedly free a neighbourhood — a few employees over the whole
horizon, every employee over a window of days, or a block of both — and
re-optimise it with CP-SAT hinted with the incumbent. The neighbourhood size
adapts: it grows while CP-SAT proves the sub-problems optimal and shrinks when
it times out. When the neighbourhood is the whole instance and CP-SAT proves it
optimal, the roster is optimal. Between the two, the engine's column
generation (``engine.search``, on the instance mapped by ``mapping``) proves
a lower bound and dives to better rosters. The reported objective is always
recomputed from the roster by the independent validator in ``reader``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.curtois.greedy import greedy_line
from kefu.plan.roster.curtois.mapping import ExactLine, line_problem, suits
from kefu.plan.roster.curtois.model import build
from kefu.plan.roster.curtois.moves import CurtoisNeighbourhoods
from kefu.plan.roster.curtois.reader import REST, Instance, objective, violations
from kefu.plan.roster.engine.lines import best_line
from kefu.plan.roster.engine.lns import cp_solver as _solver
from kefu.plan.roster.engine.lns import polish
from kefu.plan.roster.engine.problem import LineProblem
from kefu.plan.roster.engine.search import Budget, colgen_phase

Progress = Callable[[float, int], None]
BEST_RESPONSE_PASSES = 10  # after the DP construction: passes of whole-line best responses, at most


@dataclass
class CurtoisResult:
    roster: list[list[int]]
    objective: int
    status: str  # OPTIMAL (proven) | FEASIBLE
    seconds: float
    iterations: int = 0
    history: list[tuple[float, int]] = field(default_factory=list)
    lower_bound: int = 0  # no roster costs less (column-generation LP bound; 0 when not computed)


def _feasible_line(inst: Instance, roster: list[list[int]], e: int, limit: float, seed: int) -> list[list[int]]:
    """Any roster line meeting employee ``e``'s contract (no objective).

    On the year-long instances the tight minutes band makes even one employee a
    few seconds of search; two workers without LP find it fastest (measured).
    """
    sub = build(inst, roster, [e], 0, inst.horizon, hint=False, with_objective=False)
    status = cp_model.UNKNOWN
    # on a starved machine one setting can time out; alternate settings before giving up
    for attempt, (workers, lin) in enumerate(((2, 0), (1, 2), (2, 0), (1, 2))):
        solver = _solver(limit * (1 + attempt), workers, seed + attempt)
        solver.parameters.linearization_level = lin
        status = solver.solve(sub.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return sub.read(solver, roster)
        if status == cp_model.INFEASIBLE:
            break
    raise KefuError(
        ErrorCode.ROSTER_INFEASIBLE,
        f"员工 {inst.staff[e].id} 的合同规则无法同时满足 ({solver.status_name(status)})",
        f"employee {inst.staff[e].id}: contract rules cannot all be met ({solver.status_name(status)})",
        {"employee": inst.staff[e].id, "status": solver.status_name(status)},
    )


def _chunked_line(inst: Instance, roster: list[list[int]], e: int, seed: int, chunk: int = 91) -> list[list[int]] | None:
    """Employee ``e``'s line built a quarter at a time against the missing cover, or None.

    A whole year for one employee is seconds of search (tight minutes band);
    quarters with a pro-rata minutes band (± two shifts, exact in the last
    quarter) are small models, and each still minimises the cover penalty.
    Returns None when a quarter cannot be completed, and the caller falls back
    to the whole-line feasibility search.
    """
    h, st = inst.horizon, inst.staff[e]
    off = inst.days_off.get(e, set())
    work = roster
    for first in range(0, h, chunk):
        last = min(h, first + chunk)
        done = sum(inst.shifts[s].minutes for s in work[e][:first] if s != REST)
        if last == h:
            band = (st.min_minutes - done, st.max_minutes - done)
        else:
            # pro-rata over the days the employee can work, so a quarter full of days off asks less
            share = sum(1 for d in range(last) if d not in off) / max(1, sum(1 for d in range(h) if d not in off))
            band = (int(st.min_minutes * share) - done - 480, int(st.max_minutes * share) - done + 960)
        sub = build(inst, work, [e], first, last, hint=False, minutes_band=band, with_objective=False)
        solver = _solver(3.0, 1, seed)
        if solver.solve(sub.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        work = sub.read(solver, work)
    return work if not any(v.startswith(f"{st.id}:") for v in violations(inst, work)) else None


def _cheapest_line(inst: Instance, problem: LineProblem, e: int, roster: list[list[int]]) -> list[int] | None:
    """Employee ``e``'s best line with everyone else fixed, by the engine's line DP (None: ask CP-SAT).

    Each cell's price is what one more person there changes in the
    objective: minus its under-cover weight while the cover is short, plus
    its over-cover weight once met. Exact, like the one-employee CP-SAT
    model it replaces, at a millisecond instead of a CPU-second per
    employee (Curtois 12 began its column generation 12 s later under load).
    """
    n_s = len(inst.shifts)
    others = np.asarray(roster[:e] + roster[e + 1 :], dtype=np.int64).reshape(-1, inst.horizon)
    placed = (others[:, :, np.newaxis] == np.arange(n_s)).sum(axis=0)  # [day, shift]
    cost = problem.penalty[e].copy()
    for (d, s), (req, wu, wo) in inst.cover.items():
        cost[d, s] += -wu if placed[d, s] < req else wo
    found = best_line(problem.shapes[e], cost)
    if found is None:
        return None
    if roster[e] != [REST] * inst.horizon and problem.line_value(e, cost, roster[e]) <= found[1] + 1e-9:
        return roster[e]  # keep the line already there when the DP finds none strictly better
    return found[0]


def _best_responses(inst: Instance, problem: LineProblem, roster: list[list[int]], deadline: float) -> list[list[int]]:
    """Re-optimise each employee's whole line against all the others, pass after pass, until none improves.

    The one-pass construction fixes each line before the later employees
    exist; a second look at each, now that everyone is placed, is exact and
    costs one DP per employee (Curtois 12: a pass in ~0.1 CPU-s). The
    objective never rises, so the passes end at a roster no single
    employee's line change can improve.
    """
    for _pass in range(BEST_RESPONSE_PASSES):
        changed = False
        for e in range(inst.n_emps):
            if time.monotonic() > deadline:
                return roster
            line = _cheapest_line(inst, problem, e, roster)
            if line is not None and line != roster[e]:
                roster[e] = line
                changed = True
        if not changed:
            break
    return roster


def construct(inst: Instance, budget: float, workers: int = 1, seed: int = 0, problem: LineProblem | None = None
              ) -> list[list[int]]:
    """A feasible roster built employee by employee, each filling the cover still missing.

    Up to 12 weeks each employee's line is the cheapest against the cover
    left by those already placed: by the line DP when the engine's
    ``problem`` is given and its answer keeps every cap, else by CP-SAT,
    and with the DP each line is then revised against all the others
    (``_best_responses``);
    longer horizons use the one-pass greedy line (milliseconds, cover-aware)
    and fall back to CP-SAT line searches only for the few employees it
    cannot place.
    """
    roster = [[REST] * inst.horizon for _ in range(inst.n_emps)]
    deadline = time.monotonic() + budget
    greedy = inst.horizon <= 84
    missing = {cell: req for cell, (req, _wu, _wo) in inst.cover.items() if req > 0}
    rng = random.Random(seed)
    for e in range(inst.n_emps):
        if greedy and problem is not None:
            line = _cheapest_line(inst, problem, e, roster)
            if line is not None:
                roster[e] = line
                continue
        if not greedy:
            line = greedy_line(inst, e, missing, rng)
            if line is None:
                roster = _chunked_line(inst, roster, e, seed) or _feasible_line(inst, roster, e, 30.0, seed)
            else:
                roster[e] = line
            for d, s in enumerate(roster[e]):
                if s != REST and missing.get((d, s), 0) > 0:
                    missing[(d, s)] -= 1
            continue
        # a fixed deterministic share per employee (same start whatever the load); wall time only as a guard
        left = max(0.1, deadline - time.monotonic())
        sub = build(inst, roster, [e], 0, inst.horizon, hint=False)
        solver = _solver(left, workers, seed, work=max(0.1, min(5.0, budget / inst.n_emps)))
        status = solver.solve(sub.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            roster = sub.read(solver, roster)
        else:
            roster = _feasible_line(inst, roster, e, 30.0, seed)
    if greedy and problem is not None:
        roster = _best_responses(inst, problem, roster, deadline)
    return roster


def _engine_phase(inst: Instance, problem: LineProblem, roster: list[list[int]], t0: float, time_limit: float,
                  lanes: int, seed: int) -> tuple[list[list[int]], int]:
    """The engine's column-generation phase (``engine.search``) on the instance mapped by ``line_problem``."""
    result = colgen_phase(problem, roster, lambda r: objective(inst, r), Budget(t0, time_limit), lanes, seed,
                          fallback=ExactLine(inst))
    return result.roster, int(result.lower)


def solve(
    inst: Instance,
    time_limit: float,
    *,
    seed: int = 0,
    workers: int = 1,
    progress: Progress | None = None,
    work: float | None = None,
    lanes: int = 2,
    colgen_phase: bool = True,
) -> CurtoisResult:
    """Best roster found within ``time_limit`` seconds (wall clock, including the start).

    First a constructive start, then (``colgen_phase``, up to half the time;
    late dives up to three quarters) the column-generation bound, dives and
    master IP of the engine (``_engine_phase``), then LNS for the rest; the search stops
    as soon as the roster meets the LP bound (status ``OPTIMAL``).

    ``work`` also stops the search after that much CP-SAT deterministic time
    summed over the moves: the same budget on a busy and on a quiet machine,
    which is what an A/B comparison of two variants needs. ``lanes`` moves
    on different employees are solved at once (one per core); a round waits
    for all of them, so with one worker per move the search path depends on
    the seed only. Two lanes is the default: the search is throughput-bound
    (8 and 12 still improve at the end of the minute), and at twice the work
    two lanes took 8 / 12 from 14.2 / 10.6 % to 11.0 / 4.4 % (seeds 2, 3).
    """
    t0 = time.monotonic()
    deadline = t0 + time_limit
    # ``suits``: line pricing is cheap up to 12 weeks; the 52-week instances go to the LNS alone (bound 0)
    problem = line_problem(inst)
    usable = problem if suits(problem) else None
    roster = construct(inst, budget=min(time_limit * 0.3, 120.0), workers=workers, seed=seed, problem=usable)
    history = [(time.monotonic() - t0, objective(inst, roster))]
    if progress:
        progress(*history[-1])
    lower = 0
    if colgen_phase and usable is not None:
        roster, lower = _engine_phase(inst, usable, roster, t0, time_limit, lanes, seed)
    best = objective(inst, roster)
    if best < lower:  # a roster below a proven bound means a pricing bug: never report it
        raise RuntimeError(f"curtois roster {best} below the LP bound {lower}")
    if best < history[-1][1]:
        history.append((time.monotonic() - t0, best))
        if progress:
            progress(*history[-1])
    done = polish(CurtoisNeighbourhoods(inst), roster, lambda r: objective(inst, r), lower, deadline, seed=seed,
                  workers=workers, lanes=lanes, work=work, full_limit=time_limit / 4,
                  progress=(lambda t, v: progress(t, int(v))) if progress else None, t0=t0)
    roster = done.roster
    history += [(t, int(v)) for t, v in done.history]
    status = "OPTIMAL" if done.optimal else "FEASIBLE"
    it = done.iterations
    bad = violations(inst, roster)
    if bad:  # a model bug must never be reported as a result
        raise RuntimeError("curtois roster violates hard rules: " + "; ".join(bad[:5]))
    return CurtoisResult(roster, objective(inst, roster), status, time.monotonic() - t0, it, history, lower)
