"""The local repair judged against the breaks the second stage will place: the exact view of a day, for a few moves.

The repair's scorer (``repair.Scorer``) spreads each break's minutes over its
window. The second stage places whole breaks on quarter hours, one at a time
per agent, each where it uncovers least (``breaks.greedy_breaks``); the seed
month's roster after the repair loses 1.9 points to breaks under the spread
view but only 1.3 under the placement, and which cells lose the rest is what
the spread view cannot see. Here the coverage after breaks is the greedy
placement of each day, kept up to date: a move is re-placed on the days it
touches (a millisecond or two a day), too slow for every move, so each
(agent, day) ranks its moves by the spread view and verifies only the best
few (``VERIFY``) this way.

The score is the repair's (shortfall and surplus per (skill, slot) against
the same need, plus the changed agents' line costs) with the slot's coverage
after the greedily placed breaks. Other days' breaks stay where they are
while a day is re-placed (they meet only across midnight).
"""

from __future__ import annotations

import random
import time

from kefu.plan.roster.breaks import QUARTER, break_need, break_starts, greedy_breaks
from kefu.plan.roster.engine.lines import REST, line_legal
from kefu.plan.roster.month.mapping import MonthModel
from kefu.plan.roster.month.repair import EPS, Cell, Lines, Repaired, Scorer, cell_cost, move_options, sweep
from kefu.plan.roster.month.respond import GROUP, Responder, shift_quarters

VERIFY = 3  # moves per (agent, day), best by the spread view, re-placed exactly
DESCENT_SHARE = 0.5  # of the time left after the best responses, for the verified single-cell moves
QUARTERS_PER_DAY = 1440 // QUARTER


class BreakScorer:
    """Coverage per (skill, quarter) before breaks, each day's greedy break placement, and each agent's line cost."""

    def __init__(self, month: MonthModel, roster: Lines) -> None:
        p = month.problem
        self.month, self.lines = month, month.lines
        self.days, self.nq = p.days, p.days * QUARTERS_PER_DAY
        self.skill_of_choice = [k for _s, k in month.choices]
        self.need = break_need(p, set(p.skills))
        self.need_slot = {k: [0.0] * (self.nq // 2) for k in p.skills}
        for (k, t), minutes in month.need_minutes().items():
            self.need_slot[k][t] = minutes
        self.full_slot = {k: list(v) for k, v in self.need_slot.items()}  # see ``repair.cell_cost``
        for (k, t), kept in month.kept_short.items():
            self.full_slot[k][t] += kept
        self.under, self.over = float(p.weights.under), float(p.weights.over)
        # (day, choice) -> [(quarter, minutes on shift)], and per break rule its (kind, start, end) starts
        self.quarters = [[shift_quarters(p.shifts[s].start + d * 1440, p.shifts[s].end + d * 1440, self.nq)
                          for s, _k in month.choices] for d in range(p.days)]  # fmt: skip
        self.starts = [[break_starts(p.shifts[s], d) for s, _k in month.choices] for d in range(p.days)]
        self.roster = [list(line) for line in roster]
        self.net = {k: [0] * self.nq for k in p.skills}  # on shift less the placed breaks
        for line in self.roster:
            for d, c in enumerate(line):
                if c != REST:
                    self._add(d, c, 1, None)
        self.placed: list[list[tuple[int, str, int, int]]] = [[] for _d in range(p.days)]  # (agent, skill, q, min)
        for d in range(p.days):
            self._place(d, None)
        self.cost = [self.lines.line_penalty(self.lines.agent_type[a], line) for a, line in enumerate(self.roster)]

    def _add(self, d: int, c: int, sign: int, seen: set[tuple[str, int]] | None) -> None:
        have = self.net[self.skill_of_choice[c]]
        for q, m in self.quarters[d][c]:
            if seen is not None:
                seen.add((self.skill_of_choice[c], q))
            have[q] += sign * m

    def _place(self, d: int, seen: set[tuple[str, int]] | None) -> None:
        """Day ``d``'s breaks placed greedily against ``net`` (its own breaks taken out first), deducted from it."""
        for _a, k, q, m in self.placed[d]:
            if seen is not None:
                seen.add((k, q))
            self.net[k][q] += m
        cands: list[tuple[int, int, str, int, int]] = []
        skill_of: dict[int, str] = {}
        for a, line in enumerate(self.roster):
            c = line[d]
            if c == REST:
                continue
            skill_of[a] = self.skill_of_choice[c]
            for r, starts in enumerate(self.starts[d][c]):
                cands.extend((a, r, kind, st, end) for kind, st, end in starts)
        placed = []
        for i in greedy_breaks(cands, skill_of, self.net, self.need, self.nq):
            a, _r, _kind, st, end = cands[i]
            k = skill_of[a]
            for q, m in shift_quarters(st, end, self.nq):
                placed.append((a, k, q, m))
                if seen is not None:
                    seen.add((k, q))
                self.net[k][q] -= m
        self.placed[d] = placed

    def replace_all(self) -> None:
        """Every day's breaks re-placed greedily, as the second stage starts (``Responder`` places each agent's own)."""
        for d in range(self.days):
            self._place(d, None)
        self.cost = [self.lines.line_penalty(self.lines.agent_type[a], line) for a, line in enumerate(self.roster)]

    def slot_cost(self, net: dict[str, list[int]], k: str, t: int) -> float:
        x = net[k][2 * t] + net[k][2 * t + 1]
        return cell_cost(self.under, self.over, x, self.need_slot[k][t], self.full_slot[k][t])

    def score(self) -> float:
        """The whole objective: shortfall and surplus after the placed breaks, and the line costs."""
        return sum(self.slot_cost(self.net, k, t) for k in self.net for t in range(self.nq // 2)) + sum(self.cost)

    def try_move(self, changes: dict[int, list[Cell]]) -> float | None:
        """Apply ``changes`` when, re-placing the breaks of the days they touch, they lower the score and keep
        every rule; the score's change (None when refused and undone)."""
        new_lines: dict[int, list[int]] = {}
        delta = 0.0
        for a, cells in changes.items():
            line = list(self.roster[a])
            for d, _old, new in cells:
                line[d] = new
            if not line_legal(self.lines.rules[self.lines.agent_type[a]], line):
                return None
            delta += self.lines.line_penalty(self.lines.agent_type[a], line) - self.cost[a]
            new_lines[a] = line
        old_lines = {a: self.roster[a] for a in changes}
        old_placed = {d: self.placed[d] for cells in changes.values() for d, _o, _n in cells}
        before = self.net
        self.net = {k: list(v) for k, v in before.items()}
        seen: set[tuple[str, int]] = set()
        self._apply(changes, new_lines, seen)
        slots = {(k, q // 2) for k, q in seen}
        delta += sum(self.slot_cost(self.net, k, t) - self.slot_cost(before, k, t) for k, t in slots)
        if delta >= -EPS:
            self.net = before
            for a, line in old_lines.items():
                self.roster[a] = line
            for d, placed in old_placed.items():
                self.placed[d] = placed
            return None
        for a in new_lines:
            self.cost[a] = self.lines.line_penalty(self.lines.agent_type[a], new_lines[a])
        return delta

    def _apply(self, changes: dict[int, list[Cell]], new_lines: dict[int, list[int]],
               seen: set[tuple[str, int]]) -> None:
        days = set()
        for cells in changes.values():
            for d, old, new in cells:
                days.add(d)
                if old != REST:
                    self._add(d, old, -1, seen)
                if new != REST:
                    self._add(d, new, 1, seen)
        for a, line in new_lines.items():
            self.roster[a] = line
        for d in sorted(days):
            self._place(d, seen)


def _descend(exact: BreakScorer, spread: Scorer, rng: random.Random, deadline: float) -> tuple[int, int]:
    """Moves verified against the re-placed breaks, the best ``VERIFY`` per (agent, day) by the spread view, until
    none improves or the deadline: moves taken, tried."""

    def attempt(a: int, d: int) -> tuple[int, bool]:
        options = move_options(spread, a, d)
        ranked = sorted(range(len(options)), key=lambda i: spread.coverage_delta(
            [cell for cs in options[i].values() for cell in cs]))[:VERIFY]
        for tried, i in enumerate(ranked, 1):
            if exact.try_move(options[i]) is not None:
                spread.try_move(options[i], force=True)
                return tried, True
        return len(ranked), False

    cells = [(a, d) for a in range(len(exact.roster)) for d in range(exact.days)]
    moves, tried, _ = sweep(cells, rng, deadline, attempt)
    return moves, tried


def break_repair(month: MonthModel, roster: Lines, deadline: float, *, seed: int = 0) -> Repaired:
    """The roster improved against the breaks the second stage will place, until ``deadline``.

    First each agent's best response, pass after pass until none changes
    (whole lines: rest-day patterns move); then single-cell moves verified
    exactly (``DESCENT_SHARE`` of the time left); then, until the deadline,
    random groups of ``GROUP`` agents taken out and put back as best
    responses. Every step is taken only when the exact score falls.
    """
    exact = BreakScorer(month, roster)
    responder = Responder(exact)
    rng = random.Random(seed)
    n = len(roster)
    moves = tried = 0
    changed = True
    while changed and time.monotonic() < deadline:
        order = list(range(n))
        rng.shuffle(order)
        changed = False
        for a in order:
            if time.monotonic() > deadline:
                break
            tried += 1
            if responder.recreate([a]) is not None:
                moves += 1
                changed = True
    exact.replace_all()
    spread = Scorer(month, exact.roster)
    more, n_tried = _descend(exact, spread, rng, time.monotonic() + DESCENT_SHARE * max(0.0, deadline - time.monotonic()))
    moves, tried = moves + more, tried + n_tried
    while time.monotonic() < deadline and n > GROUP:
        tried += 1
        moves += responder.recreate(rng.sample(range(n), GROUP)) is not None
    return Repaired(exact.roster, moves, tried, True)
