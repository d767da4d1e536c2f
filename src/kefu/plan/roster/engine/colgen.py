"""Column generation over agents' lines: the LP bound, and integer rosters found by diving on it.

Every hard rule is per agent and only the coupling rows (coverage, breaks,
fairness bands) tie agents together, so a roster is one *line* (a
whole-horizon schedule) per agent. The master LP chooses a convex
combination of known lines per agent; its duals price the coupling rows, and
``lines.best_line`` finds each agent's line of least reduced cost. On the
Curtois instances 1–12 this LP is within 0–0.4 % of the optimum (5: 1140.6
against 1143, 8: 1296.6 against 1300, 12: 4040 exactly; 1 and 9 are the
exceptions at 558 / 406 against 607 / 439), where the x[e,d,s] model's LP is
40–50 % below it: the bound proves rosters optimal, and the LP solution says
which lines belong together — what a local search, which sees a few agents
at a time, cannot know.

Integer rosters come from diving on this LP and a restricted master IP
over every line seen (``dive``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kefu.plan.roster.engine.lines import REST, best_line, line_legal
from kefu.plan.roster.engine.master import MasterLP
from kefu.plan.roster.engine.problem import Line, LineProblem

EPS = 1e-6
VARIANTS = 8  # lines per type and pricing round, at most (the exact one and variants), for types of several agents
FORCE_COST = 1e5  # added to a choice a branching decision took away: above any line's reduced cost
Fallback = Callable[[int, npt.NDArray[np.float64]], "tuple[list[int], bool] | None"]
Roster = list[list[int]]


@dataclass
class Bound:
    """What column generation proved: the LP value and the integer lower bound it gives."""

    lp: float
    lower: int  # no roster costs less
    converged: bool  # no line with negative reduced cost was left (else the deadline stopped it)
    exact: float = -math.inf  # the Lagrangian bound itself (before rounding up)


@dataclass
class ColumnGeneration:
    """Lines per agent type, the master LP over them and the pricing of new ones.

    ``fixed`` maps agents (not types) to lines: a dive fixes one agent of a
    type at a time. ``choices`` (branching decisions) are per type, and only
    used where every type is one agent. ``fallback(type, cost)`` answers
    when the DP's answer breaks a counter it could not track: a line and
    whether it is proven cheapest, or None.
    """

    problem: LineProblem
    fallback: Fallback | None = None
    lines: list[list[Line]] = field(default_factory=list)
    fixed: dict[int, Line] = field(default_factory=dict)
    choices: dict[int, dict[int, frozenset[int]]] = field(default_factory=dict)  # type -> day -> choices/REST left
    _seen: set[tuple[int, Line]] = field(default_factory=set)

    def __post_init__(self) -> None:
        p = self.problem
        self.n_agents, self.n_types = p.n_agents, p.n_types
        self.type_of = p.agent_type
        self.lines = [[] for _ in range(p.n_types)]
        self.free = p.counts.copy()  # agents of each type not fixed, as of the last master solve
        self._fixed_now: dict[int, Line] = {}
        self._choices_now: dict[int, dict[int, frozenset[int]]] = {}
        self._columns: list[list[int]] = [[] for _ in range(p.n_types)]  # master column of each line
        self._coefs: list[list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]] = [[] for _ in range(p.n_types)]
        self._index: dict[tuple[int, Line], int] = {}  # (type, line) -> its position in ``lines[type]``
        self.closed: set[tuple[int, int]] = set()  # (type, position): lines the rules forbid since ``retarget``
        self._arrays: dict[int, npt.NDArray[np.int64]] = {}
        self.converged = False
        self._lp = MasterLP(p.counts, p.coupling)

    def retarget(self, problem: LineProblem) -> None:
        """Solve ``problem`` from here on: same agents, types, rules and coupling rows, other costs.

        The lines priced so far stay and the master keeps its basis, so the
        second objective starts where the first one ended instead of from
        scratch; a line the new rules forbid (a fairness band added) is
        closed for good.
        """
        if problem.agent_type != self.problem.agent_type or problem.coupling.n_rows != self.problem.coupling.n_rows:
            raise ValueError("retarget needs the same agent types and coupling rows")
        self.problem = problem
        costs = [0.0] * len(self._lp.owner)
        for t in range(self.n_types):
            legal = np.array([line_legal(problem.rules[t], line) for line in self.lines[t]], dtype=np.bool_)
            if not legal.all():
                self._lp.allow(np.array(self._columns[t]), legal)
                self.closed.update((t, int(i)) for i in np.flatnonzero(~legal))
            for line, col in zip(self.lines[t], self._columns[t], strict=True):
                costs[col] = self.line_cost(t, line)
        self._lp.set_costs(problem.coupling.col_cost, np.asarray(costs))
        self.converged = False

    def line_cost(self, t: int, line: Line | Sequence[int]) -> float:
        """Type ``t``'s penalties, transition and extra costs on ``line`` (its column's cost)."""
        return self.problem.line_penalty(t, line)

    def add(self, t: int, line: Sequence[int]) -> bool:
        key = (t, tuple(line))
        if key in self._seen:
            return False
        self._seen.add(key)
        self._index[key] = len(self.lines[t])
        self.lines[t].append(key[1])
        rows, vals = self.problem.line_rows(t, key[1])
        self._coefs[t].append((rows, vals))
        self._columns[t].append(self._lp.add_line(t, self.line_cost(t, key[1]), rows, vals))
        if t in self.choices and not self._fits(t, [key[1]])[0]:
            self._lp.allow(np.array(self._columns[t][-1:]), np.array([False]))
        return True

    def rows_of(self, t: int, line: Line) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """A line's coupling coefficients, from the pool when it is there."""
        i = self._index.get((t, line))
        return self._coefs[t][i] if i is not None else self.problem.line_rows(t, line)

    def line_array(self, t: int) -> npt.NDArray[np.int64]:
        """Type ``t``'s lines as a ``[line, day]`` array (cached until a line is added)."""
        cached = self._arrays.get(t)
        if cached is None or len(cached) != len(self.lines[t]):
            cached = self._arrays[t] = np.asarray(self.lines[t], dtype=np.int64).reshape(len(self.lines[t]), -1)
        return cached

    def _fits(self, t: int, lines: Sequence[Line] | None = None) -> npt.NDArray[np.bool_]:
        """Which of ``lines`` (default: all of ``t``'s) keep to type ``t``'s choices left per day."""
        arr = self.line_array(t) if lines is None else np.asarray(lines)
        ok = np.ones(len(arr), dtype=np.bool_)
        for d, left in self.choices.get(t, {}).items():
            ok &= np.isin(arr[:, d], list(left))
        return ok

    def _apply_choices(self) -> None:
        """Close the columns that break a branching decision and reopen those that no longer do."""
        for t in set(self.choices) | set(self._choices_now):
            if self.choices.get(t) != self._choices_now.get(t) and self.lines[t]:
                self._lp.allow(np.array(self._columns[t]), self._fits(t))
        self._choices_now = {t: dict(days) for t, days in self.choices.items()}

    def master(self) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64], list[list[float]]]:
        """Solve the master LP: value, type duals, coupling-row duals, λ per type's lines."""
        if self.fixed != self._fixed_now:
            taken = np.zeros(self.n_types, dtype=np.int64)
            for a in self.fixed:
                taken[self.type_of[a]] += 1
            self._lp.fix(taken, [self.rows_of(self.type_of[a], line) for a, line in self.fixed.items()])
            self.free = self.problem.counts - taken
            self._fixed_now = dict(self.fixed)
        if self.choices != self._choices_now:
            self._apply_choices()
        value, duals, col = self._lp.solve()
        lam: list[list[float]] = [[] for _ in range(self.n_types)]
        for t, x in zip(self._lp.owner, col, strict=True):
            lam[t].append(float(x) if self.free[t] else 0.0)
        const = sum(self.line_cost(self.type_of[a], line) for a, line in self.fixed.items())
        return value + const, duals[: self.n_types], duals[self.n_types :], lam

    def master_extra(self) -> npt.NDArray[np.float64]:
        """The last master solution's values of the coupling's own columns (slacks, bands, break minutes)."""
        return self._lp.extra_values()

    def evaluate(self, roster: Roster) -> float:
        """The master's value with every agent fixed to ``roster``: the objective of an integer roster."""
        saved = self.fixed
        try:
            self.fixed = {a: tuple(line) for a, line in enumerate(roster)}
            return self.master()[0]
        finally:
            self.fixed = saved

    def fix_one(self, t: int, line: Line) -> None:
        """Fix the first free agent of type ``t`` to ``line``."""
        a = next(a for a in self.problem.members[t] if a not in self.fixed)
        self.fixed[a] = line

    def priced_costs(self, t: int, shared: npt.NDArray[np.float64], mu: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """``[day, choice]`` cost for type ``t``: penalties less the rows' prices, branching decisions enforced."""
        cost = self.problem.priced_costs(t, shared, mu)
        off = cost.shape[1] - 1
        for d, left in self.choices.get(t, {}).items():
            for c in range(off + 1):
                if (REST if c == off else c) not in left:
                    cost[d, c] += FORCE_COST
        return cost

    def _add_variants(self, t: int, mu: npt.NDArray[np.float64], shared: npt.NDArray[np.float64], line: list[int],
                      pi: float) -> int:
        """Add the variants of a type's new line that also price out; how many were added."""
        n = min(int(self.free[t]), VARIANTS) - 1
        if n <= 0:
            return 0
        cost = self.priced_costs(t, shared, mu)
        added = 0
        for other in self.variants(t, mu, shared, line, n):
            extra = self.problem.extra_cost(t, tuple(other)) if self.problem.extra_cost is not None else 0.0
            if self.problem.line_value(t, cost, other) + extra - pi < -EPS and self.add(t, other):
                added += 1
        return added

    def price(self, t: int, mu: npt.NDArray[np.float64], shared: npt.NDArray[np.float64] | None = None
              ) -> tuple[list[int], float, bool] | None:
        """Type ``t``'s cheapest line under row prices ``mu``, its cost, and whether it is proven cheapest.

        None when the fallback found no line in its time.
        """
        if shared is None:
            shared = self.problem.shared_prices(mu)
        cost = self.priced_costs(t, shared, mu)
        found = best_line(self.problem.shapes[t], cost)
        if found is not None:
            return found[0], float(found[1]), True
        if self.fallback is None:
            return None
        answer = self.fallback(t, cost)
        if answer is None:
            return None
        line, exact = answer
        return line, self.problem.line_value(t, cost, line), exact

    def variants(self, t: int, mu: npt.NDArray[np.float64], shared: npt.NDArray[np.float64], first: Sequence[int],
                 n: int) -> list[list[int]]:
        """Up to ``n`` more lines of type ``t`` unlike ``first``, each cheapest with the cells already taken dearer.

        A type stands for several interchangeable agents, but exact pricing
        gives one line per round: with the seed month's full-timers (one or
        two types) the root LP took hundreds of rounds. Lines found this way
        are only candidates (each still needs a negative reduced cost); the
        bound comes from the exact first line alone.
        """
        cost = self.priced_costs(t, shared, mu)
        off = cost.shape[1] - 1
        out: list[list[int]] = []
        line = list(first)
        for _k in range(n):
            bump = max(1.0, float(np.abs(cost).mean()))
            for d, c in enumerate(line):
                cost[d, off if c == REST else c] += bump
            found = best_line(self.problem.shapes[t], cost)
            if found is None:
                break
            line = found[0]
            out.append(line)
        return out

    def run(self, deadline: float, pool: ThreadPoolExecutor, max_rounds: int = 400) -> tuple[float, list[list[float]], float]:
        """Price until no line has negative reduced cost (or the deadline): LP value, λ, Lagrangian bound.

        The Lagrangian bound ``LP + Σ free agents × min(0, reduced cost)`` is
        a valid lower bound after every round whose pricing was exact, so a
        stop at the deadline still proves something.
        """
        bound = -math.inf
        value = math.inf
        lam: list[list[float]] = []
        for _round in range(max_rounds):
            value, pi, mu, lam = self.master()
            free = [t for t in range(self.n_types) if self.free[t] > 0]
            shared = self.problem.shared_prices(mu)
            priced = list(pool.map(self.price, free, [mu] * len(free), [shared] * len(free)))
            lagrangian, added, exact = value, 0, True
            for t, answer in zip(free, priced, strict=True):
                if answer is None:
                    exact = False
                    continue
                line, red, proven = answer
                exact = exact and proven
                # the DP does not price ``extra_cost`` (never negative): its value still bounds the column's
                extra = self.problem.extra_cost(t, tuple(line)) if self.problem.extra_cost is not None else 0.0
                reduced = red + extra - pi[t]
                lagrangian += self.free[t] * min(0.0, red - pi[t])
                if reduced < -EPS and self.add(t, line):
                    added += 1
                    added += self._add_variants(t, mu, shared, line, pi[t])
            if exact:
                bound = max(bound, lagrangian)
            self.converged = added == 0
            if added == 0 or time.monotonic() > deadline:
                break
        return value, lam, bound


def lower_bound(cg: ColumnGeneration, deadline: float, pool: ThreadPoolExecutor) -> tuple[Bound, list[list[float]]]:
    """Root column generation: the proven lower bound and the root λ."""
    value, lam, bound = cg.run(deadline, pool)
    lower = max(0, math.ceil(bound - 1e-4)) if math.isfinite(bound) else 0
    return Bound(value, lower, cg.converged, bound), lam
