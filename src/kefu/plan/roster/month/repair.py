"""The month's local repair: single-cell moves scored incrementally, run on the best roster the search found.

Under load a minute buys one or two dives and a few LNS moves (each CP-SAT
move about a second, each ``evaluate`` a master LP solve of a third of a
second on the seed month), so the roster handed to the break stage still
has shortfalls one cell would fix. This pass tries the cheap moves:

- ``switch``: one agent's cell on one day to another shift or skill (or to
  or from a day off, when the contract allows);
- ``rest``: a day off moved to another day within a week, the freed day
  worked on any shift;
- ``swap``: two agents' cells on one day exchanged.

Each is scored without a solver: the coverage term against each (skill,
slot)'s need with every shift's break minutes spread over their windows
(``rules.effective_overlaps``, the LNS model's view), plus the changed
agents' own line costs (preferences, changes to a stored roster, rotation,
fairness bands: ``LineProblem.line_penalty``). A move is taken when the sum
falls and every changed line keeps its type's rules (``line_legal``: the
same automaton the DP prices, contract days and hours, rest, runs, hard
fairness bands). The caller keeps the result only when the master's own
value (``evaluate``) agrees.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from kefu.plan.roster.engine.lines import REST, line_legal
from kefu.plan.roster.month.mapping import MonthModel
from kefu.plan.roster.rules import effective_overlaps
from kefu.plan.roster.types import SLOTS_PER_DAY

Lines = list[list[int]]
Cell = tuple[int, int, int]  # (day, old choice, new choice)
EPS = 1e-6
REST_REACH = 6  # days a day off may move: within a week


@dataclass
class Repaired:
    roster: Lines
    moves: int  # moves taken
    tried: int  # moves scored
    done: bool  # no move improved (else the deadline stopped it)


def cell_cost(under: float, over: float, x: float, need: float, full: float) -> float:
    """A (skill, slot)'s cost at ``x`` agent-minutes: ``under`` each short of ``need``, ``over`` each beyond ``full``.

    They differ in a re-plan only: the stored roster's shortfall is free (``need`` is the requirement less it),
    and covering it again is no surplus (the coverage master's kept columns price it the same way).
    """
    if x < need:
        return under * (need - x)
    return over * (x - full) if x > full else 0.0


class Scorer:
    """Coverage after spread breaks and each agent's line cost, kept up to date as moves are applied."""

    def __init__(self, month: MonthModel, roster: Lines) -> None:
        p = month.problem
        self.month, self.lines = month, month.lines
        n_slots = p.days * SLOTS_PER_DAY
        skills = sorted(p.skills)
        where = {k: i * n_slots for i, k in enumerate(skills)}
        # (day, choice) -> [(flat (skill, slot), effective minutes)]
        self.adds = [[[(where[k] + t, m) for t, m in effective_overlaps(p.shifts[s], d, n_slots) if m]
                      for s, k in month.choices] for d in range(p.days)]  # fmt: skip
        self.need = [0.0] * (len(skills) * n_slots)
        for (k, t), minutes in month.need_minutes().items():  # a re-plan: the stored roster's shortfall is free
            self.need[where[k] + t] = minutes
        self.full = list(self.need)  # surplus is counted above the whole requirement, not above ``need``
        for (k, t), kept in month.kept_short.items():
            self.full[where[k] + t] += kept
        self.under, self.over = float(p.weights.under), float(p.weights.over)
        self.load(roster)

    def load(self, roster: Lines) -> None:
        """Start from ``roster``: its coverage and line costs."""
        self.roster = [list(line) for line in roster]
        self.cov = [0.0] * len(self.need)
        for line in self.roster:
            for d, c in enumerate(line):
                if c != REST:
                    for f, m in self.adds[d][c]:
                        self.cov[f] += m
        self.cost = [self.lines.line_penalty(self.lines.agent_type[a], line) for a, line in enumerate(self.roster)]

    def score(self) -> float:
        """The whole proxy objective of the current roster: coverage cells and line costs."""
        return sum(self._cell(x, f) for f, x in enumerate(self.cov)) + sum(self.cost)

    def _cell(self, x: float, f: int) -> float:
        """Row ``f``'s cost at coverage ``x``: short of ``need``, or beyond the whole requirement (``full``)."""
        return cell_cost(self.under, self.over, x, self.need[f], self.full[f])

    def coverage_delta(self, cells: list[Cell]) -> float:
        """What the coverage term changes by when each (day, old, new) of ``cells`` is applied."""
        acc: dict[int, float] = {}
        for d, old, new in cells:
            if old != REST:
                for f, m in self.adds[d][old]:
                    acc[f] = acc.get(f, 0.0) - m
            if new != REST:
                for f, m in self.adds[d][new]:
                    acc[f] = acc.get(f, 0.0) + m
        total = 0.0
        for f, dm in acc.items():
            if dm:
                x = self.cov[f]
                total += self._cell(x + dm, f) - self._cell(x, f)
        return total

    def try_move(self, changes: dict[int, list[Cell]], force: bool = False) -> bool:
        """Apply ``changes`` (agent -> its changed cells) when they lower the score and keep every rule.

        ``force``: whenever they keep every rule (a move the break-aware repair took, ``month.breakaware``).
        """
        cover = self.coverage_delta([cell for cells in changes.values() for cell in cells])
        if cover >= -EPS and not force:
            return False  # the line costs below only ever matter to a move that buys coverage
        new_lines: dict[int, list[int]] = {}
        delta = cover
        for a, cells in changes.items():
            line = list(self.roster[a])
            for d, _old, new in cells:
                line[d] = new
            t = self.lines.agent_type[a]
            delta += self.lines.line_penalty(t, line) - self.cost[a]
            new_lines[a] = line
        if delta >= -EPS and not force:
            return False
        for a, line in new_lines.items():
            if not line_legal(self.lines.rules[self.lines.agent_type[a]], line):
                return False
        for a, line in new_lines.items():
            for d, old, new in changes[a]:
                for f, m in self.adds[d][old] if old != REST else ():
                    self.cov[f] -= m
                for f, m in self.adds[d][new] if new != REST else ():
                    self.cov[f] += m
            self.roster[a] = line
            self.cost[a] = self.lines.line_penalty(self.lines.agent_type[a], line)
        return True


def _switches(sc: Scorer, a: int, d: int) -> list[dict[int, list[Cell]]]:
    rules = sc.lines.rules[sc.lines.agent_type[a]]
    cur = sc.roster[a][d]
    options = [c for c in range(rules.allowed.shape[1]) if rules.allowed[d, c]] + [REST]
    return [{a: [(d, cur, v)]} for v in options if v != cur]


def _rest_moves(sc: Scorer, a: int, d: int) -> list[dict[int, list[Cell]]]:
    """The day off ``d`` of agent ``a`` moved to a worked day within ``REST_REACH``, ``d`` worked on any choice."""
    line = sc.roster[a]
    if line[d] != REST:
        return []
    rules = sc.lines.rules[sc.lines.agent_type[a]]
    out = []
    for e in range(max(0, d - REST_REACH), min(len(line), d + REST_REACH + 1)):
        if line[e] == REST:
            continue
        for v in range(rules.allowed.shape[1]):
            if rules.allowed[d, v]:
                out.append({a: [(d, REST, v), (e, line[e], REST)]})
    return out


def _swaps(sc: Scorer, a: int, d: int) -> list[dict[int, list[Cell]]]:
    mine = sc.roster[a][d]
    return [{a: [(d, mine, sc.roster[b][d])], b: [(d, sc.roster[b][d], mine)]}
            for b in range(a + 1, len(sc.roster)) if sc.roster[b][d] != mine]


def move_options(sc: Scorer, a: int, d: int) -> list[dict[int, list[Cell]]]:
    """Every switch, rest and swap move around agent ``a``'s day ``d``."""
    return [*_switches(sc, a, d), *_rest_moves(sc, a, d), *_swaps(sc, a, d)]


def sweep(cells: list[tuple[int, int]], rng: random.Random, deadline: float,
          attempt: Callable[[int, int], tuple[int, bool]]) -> tuple[int, int, bool]:  # fmt: skip
    """First-improvement sweeps over ``cells`` (agent, day) in a fresh random order each, until a sweep takes no
    move: moves taken, tried, finished (False at the deadline). ``attempt`` tries one cell's moves: (tried, took)."""
    moves = tried = 0
    improved = True
    while improved:
        improved = False
        rng.shuffle(cells)
        for a, d in cells:
            if time.monotonic() > deadline:
                return moves, tried, False
            n, took = attempt(a, d)
            tried += n
            if took:
                moves += 1
                improved = True
    return moves, tried, True


def _descend(sc: Scorer, cells: list[tuple[int, int]], rng: random.Random, deadline: float) -> tuple[int, int, bool]:
    """First-improvement moves around ``cells`` (agent, day) until none is left: moves taken, tried, finished."""

    def attempt(a: int, d: int) -> tuple[int, bool]:
        tried = 0
        for kind in (_switches, _rest_moves, _swaps):
            for change in kind(sc, a, d):
                tried += 1
                if sc.try_move(change):
                    return tried, True
        return tried, False

    return sweep(cells, rng, deadline, attempt)


def repair(month: MonthModel, roster: Lines, deadline: float, *, seed: int = 0) -> Repaired:
    """Improving switch, rest and swap moves until none is left (or the deadline)."""
    sc = Scorer(month, roster)
    every = [(a, d) for a in range(len(roster)) for d in range(len(roster[a]))]
    moves, tried, done = _descend(sc, every, random.Random(seed), deadline)
    return Repaired(sc.roster, moves, tried, done)


def repair_month(month: MonthModel, roster: Lines, evaluate: Callable[[Lines], float], best: float, deadline: float,
                 *, seed: int = 0) -> tuple[Lines, float, Repaired]:
    """``repair``, kept only when the master's value of the repaired roster is no worse than ``best``."""
    done = repair(month, roster, deadline, seed=seed)
    if not done.moves:
        return roster, best, done
    value = evaluate(done.roster)
    if value <= best:
        return done.roster, value, done
    return roster, best, done
