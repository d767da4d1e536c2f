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

import numpy as np

from kefu.plan.roster.breaks import QUARTER, break_need, break_starts, greedy_breaks, shortfall
from kefu.plan.roster.engine.lines import REST, best_line, line_legal
from kefu.plan.roster.month.mapping import MonthModel
from kefu.plan.roster.month.repair import EPS, Cell, Lines, Repaired, Scorer, cell_cost, move_options

VERIFY = 3  # moves per (agent, day), best by the spread view, re-placed exactly
DESCENT_SHARE = 0.5  # of the time left after the best responses, for the verified single-cell moves
GROUP = 2  # agents taken out and put back together after that
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
        self.quarters = [[_shift_quarters(p.shifts[s].start + d * 1440, p.shifts[s].end + d * 1440, self.nq)
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
            for q, m in _shift_quarters(st, end, self.nq):
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


def _shift_quarters(begin: int, end: int, nq: int) -> list[tuple[int, int]]:
    out = []
    q = begin // QUARTER
    while q * QUARTER < end and q < nq:
        m = min(end, (q + 1) * QUARTER) - max(begin, q * QUARTER)
        if m > 0 and q >= 0:
            out.append((q, m))
        q += 1
    return out


class Responder:
    """One agent's best line against the others' coverage after their placed breaks, by the line DP.

    A cell's price is what working it changes in its day's slots: the shift's
    minutes in, its own breaks placed where they uncover least given the
    others' (``greedy_breaks``'s rule), the others' breaks left where they are.
    One cell a day on disjoint slots, so the prices are exact for the agent
    alone and the DP's line is its best response; ``recreate`` takes it when
    the score (line costs included: fairness bands the DP does not price)
    falls.
    """

    def __init__(self, sc: BreakScorer) -> None:
        self.sc = sc
        self.n_choices = len(sc.month.choices)

    def without(self, agents: set[int]) -> dict[str, list[int]]:
        """``net`` with ``agents``' shifts and placed breaks taken out."""
        sc = self.sc
        net = {k: list(v) for k, v in sc.net.items()}
        for a in agents:
            for d, c in enumerate(sc.roster[a]):
                if c != REST:
                    for q, m in sc.quarters[d][c]:
                        net[sc.skill_of_choice[c]][q] -= m
        for placed in sc.placed:
            for a, k, q, m in placed:
                if a in agents:
                    net[k][q] += m
        return net

    def cell(self, net: dict[str, list[int]], d: int, c: int) -> tuple[float, dict[int, int]]:
        """The coverage term's change when ``(d, c)`` is worked on top of ``net``, and its minutes per quarter
        (on shift less its own breaks)."""
        sc = self.sc
        k = sc.skill_of_choice[c]
        have = net[k]
        mine = {q: m for q, m in sc.quarters[d][c]}
        for q, m in mine.items():
            have[q] += m  # taken back off below: ``net`` is unchanged on return
        taken: list[tuple[int, int]] = []
        for starts in sc.starts[d][c]:
            mid = (starts[0][1] + starts[-1][1]) / 2
            best: tuple[float, float, int, int] | None = None
            for _kind, st, end in starts:
                if any(st < b and a < end for a, b in taken):
                    continue
                key = (shortfall(sc.need, k, have, _shift_quarters(st, end, sc.nq)), abs(st - mid), st, end)
                best = key if best is None or key < best else best
            if best is not None:
                taken.append((best[2], best[3]))
                for q, m in _shift_quarters(best[2], best[3], sc.nq):
                    have[q] -= m
                    mine[q] = mine.get(q, 0) - m
        for q, m in mine.items():
            have[q] -= m
        slots: dict[int, int] = {}
        for q, m in mine.items():
            slots[q // 2] = slots.get(q // 2, 0) + m
        need, full = sc.need_slot[k], sc.full_slot[k]
        delta = 0.0
        for t, m in slots.items():
            x = have[2 * t] + have[2 * t + 1]
            delta += (cell_cost(sc.under, sc.over, x + m, need[t], full[t])
                      - cell_cost(sc.under, sc.over, x, need[t], full[t]))
        return delta, mine

    def best(self, a: int, net: dict[str, list[int]]) -> tuple[list[int], dict[int, dict[int, int]]] | None:
        """Agent ``a``'s cheapest legal line on top of ``net`` (which then includes it) and its minutes per day and
        quarter; None when the DP has none."""
        sc = self.sc
        t = sc.lines.agent_type[a]
        allowed = sc.lines.rules[t].allowed
        prices = np.zeros((sc.days, self.n_choices + 1))
        kept: dict[tuple[int, int], dict[int, int]] = {}
        for d in range(sc.days):
            for c in range(self.n_choices):
                if allowed[d, c]:
                    prices[d, c], kept[(d, c)] = self.cell(net, d, c)
        found = best_line(sc.lines.shapes[t], sc.lines.penalty[t] + prices)
        if found is None:
            return None
        mine: dict[int, dict[int, int]] = {}
        for d, c in enumerate(found[0]):
            if c != REST:
                mine[d] = kept[(d, c)]
                for q, m in mine[d].items():
                    net[sc.skill_of_choice[c]][q] += m
        return found[0], mine

    def recreate(self, agents: list[int]) -> float | None:
        """``agents``' lines taken out and put back in turn as best responses; applied when the score falls.

        Each agent's breaks are its own, placed as priced (the other agents'
        stay where they are): the score's change is the prices' sum, and
        re-placing whole days for each line (``BreakScorer.try_move``) would
        cost ten times the pricing on the 60-agent month.
        """
        sc = self.sc
        net = self.without(set(agents))
        delta = 0.0
        new: dict[int, tuple[list[int], dict[int, dict[int, int]]]] = {}
        touched: set[tuple[str, int]] = set()
        for a in agents:
            found = self.best(a, net)
            if found is None or not line_legal(sc.lines.rules[sc.lines.agent_type[a]], found[0]):
                return None
            new[a] = found
            delta += sc.lines.line_penalty(sc.lines.agent_type[a], found[0]) - sc.cost[a]
            for line in (sc.roster[a], found[0]):
                for d, c in enumerate(line):
                    if c != REST:
                        touched.update((sc.skill_of_choice[c], q // 2) for q, _m in sc.quarters[d][c])
        if all(line == sc.roster[a] for a, (line, _m) in new.items()):
            return None
        delta += sum(sc.slot_cost(net, k, t) - sc.slot_cost(sc.net, k, t) for k, t in touched)
        if delta >= -EPS:
            return None
        sc.net = net
        for d in range(sc.days):
            sc.placed[d] = [x for x in sc.placed[d] if x[0] not in new]
        for a, (line, mine) in new.items():
            sc.roster[a] = line
            sc.cost[a] = sc.lines.line_penalty(sc.lines.agent_type[a], line)
            for d, minutes in mine.items():
                k = sc.skill_of_choice[line[d]]
                on = dict(sc.quarters[d][line[d]])
                sc.placed[d].extend((a, k, q, on.get(q, 0) - m) for q, m in minutes.items() if on.get(q, 0) != m)
        return delta


def _descend(exact: BreakScorer, spread: Scorer, rng: random.Random, deadline: float) -> tuple[int, int]:
    """Moves verified against the re-placed breaks, the best ``VERIFY`` per (agent, day) by the spread view, until
    none improves or the deadline: moves taken, tried."""
    cells = [(a, d) for a in range(len(exact.roster)) for d in range(exact.days)]
    moves = tried = 0
    improved = True
    while improved:
        improved = False
        rng.shuffle(cells)
        for a, d in cells:
            if time.monotonic() > deadline:
                return moves, tried
            options = move_options(spread, a, d)
            ranked = sorted(range(len(options)), key=lambda i: spread.coverage_delta(
                [cell for cs in options[i].values() for cell in cs]))[:VERIFY]
            for i in ranked:
                tried += 1
                if exact.try_move(options[i]) is not None:
                    spread.try_move(options[i], force=True)
                    moves += 1
                    improved = True
                    break
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
