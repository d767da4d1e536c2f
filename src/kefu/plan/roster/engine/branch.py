"""Branch and price on (agent, day) cells: the search that closes the last units between a roster and the LP bound.

Diving fixes whole lines and never goes back; on instances 6 and 7 it and
the LNS stop one unit above the optimum (1951 / 1057), where the LP bound
is 1949 / 1055. With an incumbent that close, a depth-first branch and price
prunes almost everything: a node whose bound rounds up to the incumbent
cannot hold a better roster. A node branches on one (employee, day) cell
whose LP value ``x`` (the λ of the employee's lines working that choice
that day) is fractional: first "this choice", then "any other choice".
Decisions close the master columns that break them and reach pricing as a
prohibitive cost (``ColumnGeneration.choices``), so nothing is deleted.

Which cell to branch on matters, and no rule wins everywhere: the one
nearest 1 (a dive: 6 finds 1950 within 30 nodes, 7 never in 60 s) or the
most fractional (7 finds 1056 after 360 nodes, 6 never). The search
therefore restarts from the root alternating the two rules, each pair of
restarts allowed twice the nodes of the pair before; from the third on,
ties between cells are broken at random so a restart does not repeat the
last one's tree. Every search prunes at the best roster so far. (Pruning
the most-fractional searches at the proven floor + 1 instead, to raise the
bound a unit at a time, proved 7's floor of 1056 on three seeds of three but
found the 1056 roster on one; pruning at the incumbent found it on three.)
A search that runs out of nodes proves nothing; one that empties its stack
with every prune backed by an exact bound proves the incumbent optimal.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from kefu.plan.roster.engine.colgen import ColumnGeneration, Roster
from kefu.plan.roster.engine.lines import REST

ROUNDS = 30  # pricing rounds per node; a node stopped earlier is still bounded by its last exact round
FIRST_NODES = 50  # nodes of the first pair of restarts; each later pair gets twice as many
JITTER = 0.2  # random tie-break added to a cell's score from the third restart on
Choices = dict[int, dict[int, frozenset[int]]]  # agent -> day -> choices left (work choices, REST)


@dataclass
class BranchAndPrice:
    """Depth-first searches over cell decisions, sharing one column pool and the incumbent."""

    cg: ColumnGeneration
    pool: ThreadPoolExecutor
    roster: Roster
    best: float
    floor: float  # proven: no roster costs less (the LP bound, or ``best`` once a search has finished)
    rng: random.Random
    evaluate: Callable[[Roster], float]  # an integer roster's objective, recomputed independently
    integral: bool = True  # every roster's objective is an integer: a node within 1 of the best is pruned
    nodes: int = 0
    restarts: int = 0

    def __post_init__(self) -> None:
        if self.cg.n_types != self.cg.n_agents:
            raise ValueError("branch and price on cells needs one agent per type")

    @property
    def proven(self) -> bool:
        return self.floor >= self.best

    def run(self, deadline: float) -> None:
        """Restart the search, alternating branching rules and doubling the node budget, until the deadline."""
        try:
            while not self.proven and time.monotonic() < deadline:
                budget = FIRST_NODES * 2 ** (self.restarts // 2)
                jitter = JITTER if self.restarts >= 2 else 0.0
                if self._search(deadline, self.nodes + budget, self.restarts % 2 == 1, jitter):
                    self.floor = self.best
                self.restarts += 1
        finally:
            self.cg.choices = {}

    def _search(self, deadline: float, node_limit: int, most_fractional: bool, jitter: float) -> bool:
        """One depth-first search for a roster cheaper than the best; True when it proved there is none."""
        exact = True
        stack: list[Choices] = [{}]
        everything = frozenset([*range(self.cg.problem.n_choices), REST])
        while stack:
            if time.monotonic() > deadline or self.nodes >= node_limit:
                return False
            self.cg.choices = stack.pop()
            value, lam, bound = self.cg.run(deadline, self.pool, max_rounds=ROUNDS)
            self.nodes += 1
            if not math.isfinite(bound):  # no exact pricing round: the LP value is only a guide
                exact, bound = False, value
            if (math.ceil(bound - 1e-6) if self.integral else bound + 1e-6) >= self.best:
                continue
            cell = self._branch_cell(lam, most_fractional, jitter)
            if cell is None:  # every employee on one line: an integer roster
                exact = exact and self.cg.converged
                self._offer([list(self.cg.lines[e][int(np.argmax(lam[e]))]) for e in range(self.cg.n_types)])
                continue
            e, d, choice = cell
            left = self.cg.choices.get(e, {}).get(d, everything)
            stack.append(_decide(self.cg.choices, e, d, left - {choice}))
            stack.append(_decide(self.cg.choices, e, d, frozenset([choice])))
        return exact

    def _offer(self, roster: Roster) -> None:
        value = self.evaluate(roster)
        if value < self.best:
            self.roster, self.best = roster, value

    def _branch_cell(self, lam: list[list[float]], most_fractional: bool, jitter: float) -> tuple[int, int, int] | None:
        """The fractional cell to branch on: nearest 1, or nearest ½; None when the LP is integral."""
        n_s = self.cg.problem.n_choices
        best: tuple[float, int, int, int] | None = None
        for e in range(self.cg.n_types):
            weights = np.asarray(lam[e])
            used = weights > 1e-9
            lines = self.cg.line_array(e)[: len(weights)][used]
            for c in range(n_s + 1):
                x = (lines == (REST if c == n_s else c)).T @ weights[used]
                frac = (x > 1e-6) & (x < 1 - 1e-6)
                if not frac.any():
                    continue
                score = -np.abs(x - 0.5) if most_fractional else x
                if jitter:
                    score = score + jitter * np.array([self.rng.random() for _ in range(len(x))])
                score = np.where(frac, score, -np.inf)
                d = int(np.argmax(score))
                if best is None or score[d] > best[0]:
                    best = (float(score[d]), e, d, REST if c == n_s else c)
        return None if best is None else best[1:]


def _decide(choices: Choices, e: int, d: int, left: frozenset[int]) -> Choices:
    """A copy of ``choices`` with employee ``e``'s day ``d`` narrowed to ``left``."""
    out = {k: dict(v) for k, v in choices.items()}
    out.setdefault(e, {})[d] = left
    return out
