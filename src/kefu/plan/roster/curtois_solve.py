"""Solve a Curtois & Qu instance: constructive start, then large-neighbourhood search.

A monolithic x[e,d,s] model stalls on the bigger instances (no feasible roster
on 20–24 in a minute), but every hard rule is per employee and only the cover
ties employees together. So we (1) build a feasible roster one employee at a
time, each minimising the cover penalty left by the employees already placed,
then (2) repeatedly free a neighbourhood — a few employees over the whole
horizon, every employee over a window of days, or a block of both — and
re-optimise it with CP-SAT hinted with the incumbent. The neighbourhood size
adapts: it grows while CP-SAT proves the sub-problems optimal and shrinks when
it times out. When the neighbourhood is the whole instance and CP-SAT proves it
optimal, the roster is optimal. The reported objective is always recomputed
from the roster by the independent validator in ``curtois.py``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster import curtois_colgen as colgen
from kefu.plan.roster.curtois import REST, Instance, objective, violations
from kefu.plan.roster.curtois_branch import BranchAndPrice
from kefu.plan.roster.curtois_greedy import greedy_line
from kefu.plan.roster.curtois_model import build
from kefu.plan.roster.curtois_moves import KINDS, neighbourhood
from kefu.plan.roster.curtois_pricing import line_shape

_DEBUG = False  # set True to trace LNS iterations
MOVE_WORK = 1.0  # deterministic time per LNS move (about a second of one core)
CG_SHARE = 0.5  # of the time limit, at most, for the LP bound, the dive and the master IP
ROOT_SHARE = 0.5  # of that phase for the root LP to converge, or the phase ends
LATE_DIVE_SHARE = 0.75  # of the time limit: a randomised dive begun within the phase may run until then
BRANCH_SHARE = 0.9  # of the time limit: branch and price may run until then, the LNS has the rest
BRANCH_GAP = 5  # units between roster and bound within which branch and price runs (it prunes nothing wider)
Progress = Callable[[float, int], None]


@dataclass
class CurtoisResult:
    roster: list[list[int]]
    objective: int
    status: str  # OPTIMAL (proven) | FEASIBLE
    seconds: float
    iterations: int = 0
    history: list[tuple[float, int]] = field(default_factory=list)
    lower_bound: int = 0  # no roster costs less (column-generation LP bound; 0 when not computed)


def _solver(limit: float, workers: int, seed: int, work: float | None = None) -> cp_model.CpSolver:
    """A solver capped by wall time and, for LNS moves, by deterministic work.

    The deterministic cap makes a move's effort the same on a quiet machine
    and on a shared one, so the search path depends on the seed, not the load.
    """
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, limit)
    if work is not None:
        solver.parameters.max_deterministic_time = work
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.linearization_level = 2  # the cover LP bound is what proves neighbourhoods optimal
    return solver


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


def construct(inst: Instance, budget: float, workers: int = 1, seed: int = 0) -> list[list[int]]:
    """A feasible roster built employee by employee, each filling the cover still missing.

    Up to 12 weeks each employee's line is optimised with CP-SAT against the
    cover left by those already placed; longer horizons use the one-pass
    greedy line (milliseconds, cover-aware) and fall back to CP-SAT line
    searches only for the few employees it cannot place.
    """
    roster = [[REST] * inst.horizon for _ in range(inst.n_emps)]
    deadline = time.monotonic() + budget
    greedy = inst.horizon <= 84
    missing = {cell: req for cell, (req, _wu, _wo) in inst.cover.items() if req > 0}
    rng = random.Random(seed)
    for e in range(inst.n_emps):
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
    return roster


def _pick_moves(
    inst: Instance, roster: list[list[int]], sizes: dict[str, float], gains: dict[str, float], rng: random.Random,
    lanes: int,
) -> list[tuple[str, list[int], int, int]]:
    """One round's neighbourhoods: the first by adaptive kind, the others on employees it left out."""
    moves: list[tuple[str, list[int], int, int]] = []
    taken: set[int] = set()
    for lane in range(lanes):
        kinds = KINDS if lane == 0 else tuple(k for k in KINDS if k != "window")
        kind = rng.choices(kinds, weights=[gains[k] for k in kinds])[0]
        pool = [e for e in range(inst.n_emps) if e not in taken]
        if len(pool) < 2:
            break
        emps, first, last = neighbourhood(inst, roster, kind, sizes[kind], rng, pool)
        moves.append((kind, emps, first, last))
        taken.update(emps)
    return moves


def _colgen_phase(
    inst: Instance, roster: list[list[int]], t0: float, time_limit: float, lanes: int, seed: int
) -> tuple[list[list[int]], int]:
    """The column-generation LP bound, then dives and the master IP for a better roster.

    Runs only where line pricing is cheap (``colgen.suits``: up to 12 weeks);
    elsewhere the bound is 0 and the roster unchanged. A root LP that has
    not converged within ``ROOT_SHARE`` of the phase (13, 15, 18, 19: many
    employees or long horizons) ends the phase there: its dives would not
    finish, and the LNS makes better use of the time (measured: 19 at 140 %
    after the phase against 62 % with LNS alone). The first dive follows
    the LP greedily and ends with the phase; randomised dives explore other
    fixings, begun while the phase lasts and ended by ``LATE_DIVE_SHARE`` of
    the time limit, until the roster is within ``BRANCH_GAP`` of the bound
    (on 5–7 a dive takes 0.2–3 s, on 8 and 9 6–13 s). Where the dives run
    but stay wide of the bound (8, 9), LNS adds little in the last quarter:
    on 8, seed 0 left the phase at 1410 when the dives had to end with it,
    and LNS took it only to 1407; the third dive, let run past the phase,
    finds 1306–1309. The master IP then recombines every line seen, the
    incumbent's included: lines of different dives fit together where no
    single dive found them. Within ``BRANCH_GAP`` of the
    bound, branch and price (``curtois_branch``) searches for the rest of
    the units until ``BRANCH_SHARE`` of the time limit: it found 5, 6 and 7's
    optima where dives and LNS stopped a unit above, and a finished search
    proves the roster optimal (the returned bound is then its value).
    """
    shapes = [line_shape(inst, e) for e in range(inst.n_emps)]
    if not colgen.suits(shapes, inst.horizon):
        return roster, 0
    start, deadline = time.monotonic(), t0 + CG_SHARE * time_limit
    cg = colgen.ColumnGeneration(inst, shapes)
    for e, line in enumerate(roster):
        cg.add(e, line)
    rng = random.Random(seed)
    best = objective(inst, roster)
    with ThreadPoolExecutor(max(1, lanes)) as pool:
        bound, lam = colgen.lower_bound(cg, start + ROOT_SHARE * (deadline - start), pool)
        late = t0 + LATE_DIVE_SHARE * time_limit
        until = deadline  # the last dive's deadline: the phase's for the greedy dive, ``late`` for the others
        dives = 0
        while (
            bound.converged and best > bound.lower + (BRANCH_GAP if dives else 0)
            and (dives == 0 or time.monotonic() < deadline)
        ):
            until = late if dives else deadline
            dived = colgen.dive(cg, lam, until, pool, rng=rng if dives else None)
            dives += 1
            value = objective(inst, dived) if dived is not None else best
            if dived is not None and value < best:
                roster, best = dived, value
        if best > bound.lower and dives:
            left = until - time.monotonic()  # after a lone rushed dive (12) the LNS needs the time, not the master
            roster = colgen.master_ip(cg, roster, max(1.0, min(10.0, left / 2)), workers=max(1, lanes))
            best = objective(inst, roster)
        if bound.lower < best <= bound.lower + BRANCH_GAP:
            search = BranchAndPrice(cg, pool, roster, best, bound.lower, rng)
            search.run(t0 + BRANCH_SHARE * time_limit)
            roster = search.roster
            if not search.proven:  # the search priced lines no dive saw
                left = t0 + time_limit - time.monotonic()
                roster = colgen.master_ip(cg, roster, min(5.0, left / 2), workers=max(1, lanes))
            return roster, search.floor
    return roster, bound.lower


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
    master IP of ``_colgen_phase``, then LNS for the rest; the search stops
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
    rng = random.Random(seed)
    roster = construct(inst, budget=min(time_limit * 0.3, 120.0), workers=workers, seed=seed)
    history = [(time.monotonic() - t0, objective(inst, roster))]
    if progress:
        progress(*history[-1])
    lower = 0
    if colgen_phase:
        roster, lower = _colgen_phase(inst, roster, t0, time_limit, lanes, seed)
    best = objective(inst, roster)
    if best < lower:  # a roster below a proven bound means a pricing bug: never report it
        raise RuntimeError(f"curtois roster {best} below the LP bound {lower}")
    if best < history[-1][1]:
        history.append((time.monotonic() - t0, best))
        if progress:
            progress(*history[-1])
    total = float(inst.n_emps * inst.horizon)
    sizes = {k: min(total, float(max(2 * inst.horizon, 2 * inst.n_emps, 120))) for k in KINDS}
    sizes["window"] = min(total, max(sizes["window"], 7.0 * inst.n_emps))
    gains = dict.fromkeys(KINDS, 1.0)
    status = "OPTIMAL" if best <= lower else "FEASIBLE"
    it = 0
    spent = 0.0
    with ThreadPoolExecutor(max(1, lanes)) as pool:
        while status != "OPTIMAL" and time.monotonic() < deadline - 0.05 and (work is None or spent < work):
            moves = _pick_moves(inst, roster, sizes, gains, rng, lanes)
            left = deadline - time.monotonic()
            full = len(moves) == 1 and moves[0][1] == list(range(inst.n_emps)) and moves[0][3] - moves[0][2] == inst.horizon
            limit = min(left, 10.0 if not full else max(5.0, time_limit / 4))  # the work cap binds first
            subs = [build(inst, roster, emps, first, last) for _kind, emps, first, last in moves]
            solvers = [_solver(limit, workers, seed + it + i, work=None if full else MOVE_WORK) for i in range(len(moves))]
            # CP-SAT releases the GIL: the moves of one round run on separate cores
            statuses = list(pool.map(lambda pair: pair[1].solve(pair[0].model), zip(subs, solvers, strict=True)))
            for (kind, emps, first, last), sub, solver, st in zip(moves, subs, solvers, statuses, strict=True):
                it += 1
                spent += solver.deterministic_time
                if _DEBUG:
                    print(f"it{it} {kind} {len(emps)}x{first}-{last} {solver.status_name(st)} {solver.wall_time:.2f} {best}")
                gains[kind] = max(0.2, gains[kind] * 0.95)
                if st in (cp_model.OPTIMAL, cp_model.FEASIBLE) and not sub.trivially_infeasible:
                    # the moves of a round touch different employees, so each splices into the newest roster
                    cand = sub.read(solver, roster)
                    value = objective(inst, cand)
                    if value <= best:
                        roster = cand
                        if value < best:
                            gains[kind] += 1.0
                            best = value
                            history.append((time.monotonic() - t0, best))
                            if best <= lower:  # the LP bound proves it
                                status = "OPTIMAL"
                            if progress:
                                progress(history[-1][0], best)
                if st == cp_model.OPTIMAL and full:
                    status = "OPTIMAL"
                if st == cp_model.OPTIMAL:
                    sizes[kind] = min(total, sizes[kind] * 1.15)
                else:
                    sizes[kind] = max(14.0, sizes[kind] * 0.8)
            if status == "OPTIMAL":
                break
    bad = violations(inst, roster)
    if bad:  # a model bug must never be reported as a result
        raise RuntimeError("curtois roster violates hard rules: " + "; ".join(bad[:5]))
    return CurtoisResult(roster, objective(inst, roster), status, time.monotonic() - t0, it, history, lower)
