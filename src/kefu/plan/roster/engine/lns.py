"""Large-neighbourhood search around CP-SAT: the engine's polish after the column-generation phase (ADR 0003).

Every hard rule is per agent and only the coupling rows tie agents together,
so a neighbourhood — a few agents over the whole horizon, everyone over a
window of days, a block of both — can be re-optimised with everything else
fixed, and the answer splices back into a legal roster. The adapter says
what the neighbourhoods are and builds the CP-SAT model of one
(``Neighbourhoods``); this loop picks them, solves ``lanes`` agent-disjoint
ones at once (CP-SAT releases the GIL), keeps a candidate when the adapter's
independent ``evaluate`` says it is no worse, and adapts: a kind that
improves is picked more often, a neighbourhood grows while CP-SAT proves it
optimal and shrinks when it times out. Each move has a deterministic-time
budget, so the path depends on the seed, not the load. The search stops at
the deadline, at ``work`` deterministic seconds, or when the roster meets
the proven bound.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from ortools.sat.python import cp_model

from kefu.plan.roster.engine.colgen import Roster

MOVE_WORK = 1.0  # deterministic time per LNS move (about a second of one core)
Progress = Callable[[float, float], None]


class SubProblem(Protocol):
    """A built neighbourhood: the CP-SAT model and how to read its answer back into a roster."""

    model: cp_model.CpModel
    trivially_infeasible: bool

    def read(self, solver: cp_model.CpSolver, roster: Roster) -> Roster: ...


class Neighbourhoods(Protocol):
    """What an adapter tells the LNS: the kinds of neighbourhood, how to draw one, how to model it."""

    kinds: tuple[str, ...]
    lane_kinds: tuple[str, ...]  # kinds a second lane may use (not those that free everyone)
    n_agents: int
    horizon: int

    def initial_sizes(self) -> dict[str, float]: ...

    def draw(self, roster: Roster, kind: str, size: float, rng: random.Random, pool: list[int]
             ) -> tuple[list[int], int, int]: ...

    def build(self, roster: Roster, agents: list[int], first: int, last: int) -> SubProblem: ...


@dataclass
class Polished:
    roster: Roster
    best: float
    optimal: bool
    iterations: int
    history: list[tuple[float, float]] = field(default_factory=list)


def cp_solver(limit: float, workers: int, seed: int, work: float | None = None) -> cp_model.CpSolver:
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


def _pick_moves(hood: Neighbourhoods, roster: Roster, sizes: dict[str, float], gains: dict[str, float],
                rng: random.Random, lanes: int) -> list[tuple[str, list[int], int, int]]:
    """One round's neighbourhoods: the first by adaptive kind, the others on agents it left out."""
    moves: list[tuple[str, list[int], int, int]] = []
    taken: set[int] = set()
    for lane in range(lanes):
        kinds = hood.kinds if lane == 0 else hood.lane_kinds
        kind = rng.choices(kinds, weights=[gains[k] for k in kinds])[0]
        pool = [a for a in range(hood.n_agents) if a not in taken]
        if len(pool) < 2:
            break
        agents, first, last = hood.draw(roster, kind, sizes[kind], rng, pool)
        moves.append((kind, agents, first, last))
        taken.update(agents)
    return moves


def polish(
    hood: Neighbourhoods,
    roster: Roster,
    evaluate: Callable[[Roster], float],
    lower: float,
    deadline: float,
    *,
    seed: int = 0,
    workers: int = 1,
    lanes: int = 2,
    work: float | None = None,
    full_limit: float = 15.0,
    progress: Progress | None = None,
    t0: float | None = None,
    exact_models: bool = True,
) -> Polished:
    """Improve ``roster`` until the deadline, the work budget, or the bound ``lower``.

    ``exact_models``: the neighbourhood models' objective is ``evaluate``'s,
    so a whole-instance move CP-SAT proves optimal proves the roster optimal.
    """
    t0 = time.monotonic() if t0 is None else t0
    rng = random.Random(seed)
    best = evaluate(roster)
    history: list[tuple[float, float]] = []
    total = float(hood.n_agents * hood.horizon)
    sizes = hood.initial_sizes()
    gains = dict.fromkeys(hood.kinds, 1.0)
    optimal = best <= lower
    it = 0
    spent = 0.0
    with ThreadPoolExecutor(max(1, lanes)) as pool:
        while not optimal and time.monotonic() < deadline - 0.05 and (work is None or spent < work):
            moves = _pick_moves(hood, roster, sizes, gains, rng, lanes)
            left = deadline - time.monotonic()
            full = (len(moves) == 1 and moves[0][1] == list(range(hood.n_agents))
                    and moves[0][3] - moves[0][2] == hood.horizon)
            limit = min(left, 10.0 if not full else max(5.0, full_limit))  # the work cap binds first
            subs = [hood.build(roster, agents, first, last) for _kind, agents, first, last in moves]
            solvers = [cp_solver(limit, workers, seed + it + i, work=None if full else MOVE_WORK) for i in range(len(moves))]
            # CP-SAT releases the GIL: the moves of one round run on separate cores
            statuses = list(pool.map(lambda pair: pair[1].solve(pair[0].model), zip(subs, solvers, strict=True)))
            for (kind, _agents, _first, _last), sub, solver, st in zip(moves, subs, solvers, statuses, strict=True):
                it += 1
                spent += solver.deterministic_time
                gains[kind] = max(0.2, gains[kind] * 0.95)
                if st in (cp_model.OPTIMAL, cp_model.FEASIBLE) and not sub.trivially_infeasible:
                    # the moves of a round touch different agents, so each splices into the newest roster
                    cand = sub.read(solver, roster)
                    value = evaluate(cand)
                    if value <= best:
                        roster = cand
                        if value < best:
                            gains[kind] += 1.0
                            best = value
                            history.append((time.monotonic() - t0, best))
                            optimal = optimal or best <= lower  # the LP bound proves it
                            if progress:
                                progress(history[-1][0], best)
                if st == cp_model.OPTIMAL and full and exact_models:
                    optimal = True
                if st == cp_model.OPTIMAL:
                    sizes[kind] = min(total, sizes[kind] * 1.15)
                else:
                    sizes[kind] = max(14.0, sizes[kind] * 0.8)
    return Polished(roster, best, optimal, it, history)
