"""The engine's integer phase: the column-generation bound, dives, the master IP, branch and price.

Adapters (the shop's month, the Curtois instances) hand over a
``LineProblem``, a first roster and an ``evaluate`` function that recomputes
a roster's objective independently of the LP. ``colgen_phase`` returns a
roster at least as good and the lower bound column generation proved.

Time shares (ADR 0008, measured on Curtois 1–12): the phase gets at most
``CG_SHARE`` of the time limit. A root LP that has not converged within
``ROOT_SHARE`` of the phase ends it there (Curtois 13, 15, 18, 19: many
agents or long horizons): its dives would not finish, and the LNS makes
better use of the time (19 at 140 % after the phase against 62 % with LNS
alone). The first dive follows the LP greedily and ends with the phase;
randomised dives explore other fixings, begun while the phase lasts and
ended by ``LATE_DIVE_SHARE`` of the time limit, until the roster is within
``BRANCH_GAP`` of the bound (on Curtois 5–7 a dive takes 0.2–3 s, on 8 and 9
6–13 s; on 8 the third dive, let run past the phase, finds 1306–1309 where
the LNS alone stopped at 1407). The master IP then recombines every line
seen, the incumbent's included: lines of different dives fit together where
no single dive found them. Within ``BRANCH_GAP`` of the bound, branch and
price (``branch``) searches for the rest of the units until
``BRANCH_SHARE`` of the time limit: it found Curtois 5, 6 and 7's optima
where dives and LNS stopped a unit above, and a finished search proves the
roster optimal (the returned bound is then its value).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kefu.plan.roster.engine import colgen, dive
from kefu.plan.roster.engine.branch import BranchAndPrice
from kefu.plan.roster.engine.colgen import ColumnGeneration, Fallback, Roster
from kefu.plan.roster.engine.problem import LineProblem

CG_SHARE = 0.5  # of the time limit, at most, for the LP bound, the dives and the master IP
ROOT_SHARE = 0.5  # of that phase for the root LP to converge, or the phase ends
LATE_DIVE_SHARE = 0.75  # of the time limit: a randomised dive begun within the phase may run until then
BRANCH_SHARE = 0.9  # of the time limit: branch and price may run until then, the LNS has the rest
BRANCH_GAP = 5  # units between roster and bound within which branch and price runs (it prunes nothing wider)


@dataclass
class PhaseResult:
    roster: Roster
    lower: float  # proven: no roster costs less (0 when column generation proved nothing)
    dives: int = 0
    converged: bool = False
    cg: ColumnGeneration | None = None


@dataclass(frozen=True)
class Budget:
    """When each step of the phase must end, as shares of the time limit from ``t0``."""

    t0: float
    time_limit: float
    cg_share: float = CG_SHARE
    root_share: float = ROOT_SHARE
    late_share: float = LATE_DIVE_SHARE
    branch_share: float = BRANCH_SHARE

    def at(self, share: float) -> float:
        return self.t0 + share * self.time_limit


def colgen_phase(
    problem: LineProblem,
    roster: Roster,
    evaluate: Callable[[Roster], float] | None,
    budget: Budget,
    lanes: int,
    seed: int,
    *,
    fallback: Fallback | None = None,
    integral: bool = True,
    branch_gap: float = BRANCH_GAP,
    seed_lines: list[list[tuple[int, ...]]] | None = None,
    always_dive: bool = False,
    cg: ColumnGeneration | None = None,
    dive_rounds: int = 30,
) -> PhaseResult:
    """The column-generation LP bound, then dives and the master IP for a better roster, then branch and price.

    ``evaluate`` None judges rosters by the master with every agent fixed
    (``ColumnGeneration.evaluate``). ``seed_lines`` are columns known before
    the root (another phase's lines). ``always_dive``: dive even when the
    root LP did not converge, and finish a dive the deadline cuts short by
    rounding the last λ (the month needs a roster from the phase; Curtois
    leaves such instances to the LNS). ``cg``: continue an earlier column
    generation retargeted to ``problem`` (its lines and basis kept).
    ``dive_rounds``: pricing rounds after each fixing step of a dive.
    """
    start, deadline = time.monotonic(), budget.at(budget.cg_share)
    if cg is None:
        cg = ColumnGeneration(problem, fallback)
    else:
        cg.retarget(problem)
    evaluate = evaluate or cg.evaluate
    for a, line in enumerate(roster):
        cg.add(cg.type_of[a], line)
    for t, lines in enumerate(seed_lines or []):  # per agent type
        for known in lines:
            cg.add(t, known)
    rng = random.Random(seed)
    best = evaluate(roster)
    with ThreadPoolExecutor(max(1, lanes)) as pool:
        bound, lam = colgen.lower_bound(cg, start + budget.root_share * (deadline - start), pool)
        lower: float = bound.lower if integral else max(0.0, bound.exact)
        late = budget.at(budget.late_share)
        until = deadline  # the last dive's deadline: the phase's for the greedy dive, ``late`` for the others
        dives = 0
        while (
            (bound.converged or always_dive) and best > lower + (branch_gap if dives else 0)
            and (dives == 0 or time.monotonic() < deadline)
        ):
            until = late if dives else deadline
            dived = dive.dive(cg, lam, until, pool, rounds=dive_rounds, rng=rng if dives else None, finish=always_dive)
            dives += 1
            value = evaluate(dived) if dived is not None else best
            if dived is not None and value < best:
                roster, best = dived, value
        if best > lower and dives:
            left = until - time.monotonic()  # after a lone rushed dive (Curtois 12) the LNS needs the time, not the master
            roster = dive.master_ip(cg, roster, max(1.0, min(10.0, left / 2)), workers=max(1, lanes), evaluate=evaluate)
            best = evaluate(roster)
        if lower < best <= lower + branch_gap:
            search = BranchAndPrice(cg, pool, roster, best, lower, rng, evaluate, integral)
            search.run(budget.at(budget.branch_share))
            roster = search.roster
            if not search.proven:  # the search priced lines no dive saw
                left = budget.t0 + budget.time_limit - time.monotonic()
                roster = dive.master_ip(cg, roster, min(5.0, left / 2), workers=max(1, lanes), evaluate=evaluate)
            return PhaseResult(roster, search.floor, dives, bound.converged, cg)
    return PhaseResult(roster, lower, dives, bound.converged, cg)
