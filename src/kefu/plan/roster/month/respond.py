"""Best responses against the breaks the second stage will place: one agent's (or a pair's) whole line rebuilt.

The break-aware repair (``breakaware``) verifies single-cell moves; a rest day that has to move several days,
or two agents who must trade their patterns, need more than one cell. Here an agent is taken out of the
roster, each (day, shift) is priced by what it would cover after that agent's own break is placed against
the others' coverage, and the engine's line DP (``best_line``) builds the agent's cheapest legal line against
those prices — the soft fairness bands priced in (``Responder.fair_line``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kefu.plan.roster.breaks import QUARTER, shortfall
from kefu.plan.roster.engine.lines import REST, best_line, line_legal
from kefu.plan.roster.month.fairness import line_totals
from kefu.plan.roster.month.repair import EPS, cell_cost

if TYPE_CHECKING:
    from kefu.plan.roster.month.breakaware import BreakScorer

FAIR_STEPS = 6  # DPs bisecting the soft fairness bands' price (``Responder.fair_line``)
GROUP = 2  # agents taken out and put back together after that


def shift_quarters(begin: int, end: int, nq: int) -> list[tuple[int, int]]:
    """(quarter hour, minutes on it) of a shift from ``begin`` to ``end`` (minutes from the month's start), within
    the month's ``nq`` quarters: what a shift covers before its break is placed."""
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
                key = (shortfall(sc.need, k, have, shift_quarters(st, end, sc.nq)), abs(st - mid), st, end)
                best = key if best is None or key < best else best
            if best is not None:
                taken.append((best[2], best[3]))
                for q, m in shift_quarters(best[2], best[3], sc.nq):
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
        found = self.fair_line(t, sc.lines.penalty[t] + prices, prices)
        if found is None:
            return None
        mine: dict[int, dict[int, int]] = {}
        for d, c in enumerate(found[0]):
            if c != REST:
                mine[d] = kept[(d, c)]
                for q, m in mine[d].items():
                    net[sc.skill_of_choice[c]][q] += m
        return found[0], mine

    def fair_line(self, t: int, cost: np.ndarray, prices: np.ndarray) -> tuple[list[int], float] | None:
        """The DP's line for ``cost``, with the soft fairness bands priced: the DP cannot see a per-line cost, so
        when its line lies outside a band (one not a line rule), each such measure is priced at a share of its
        weight per unit, up for a total above the band and down below, the share bisected (``FAIR_STEPS`` DPs) to
        where the line comes inside; of the lines seen, the one whose whole cost (prices, line cost and the
        bands' outside cost) is least. A Lagrangian price: it reaches the lines inside the band that are the DP's
        answer for some share (not every one, when days are priced alike), which is why the unpriced line stays a
        candidate."""
        sc, month = self.sc, self.sc.month
        found = best_line(sc.lines.shapes[t], cost)
        if found is None or not month.bands:
            return found
        skip = month.hard[t] if month.hard else frozenset()
        soft = {name: band for name, band in month.group_bands(month.group_of_type[t]).items()
                if name in month.weights and name not in skip}
        if not soft:
            return found

        def off(line: list[int]) -> dict[str, int]:
            totals = line_totals(month.measures, line)
            return {name: (totals[name] > high) - (totals[name] < low) for name, (low, high) in soft.items()}

        def whole(line: list[int]) -> float:
            return float(sum(prices[d, c] for d, c in enumerate(line) if c != REST)) + sc.lines.line_penalty(t, line)

        side = off(found[0])
        if not any(side.values()):
            return found
        direction = np.zeros_like(cost)
        for name, sign in side.items():
            if sign:
                direction[:, :-1] += sign * month.weights[name][1] * month.measures[name]
        best, best_cost = found, whole(found[0])
        low, high = 0.0, 1.0
        for _step in range(FAIR_STEPS):
            share = (low + high) / 2
            seen = best_line(sc.lines.shapes[t], cost + share * direction)
            if seen is None:
                break
            value = whole(seen[0])
            if value < best_cost:
                best, best_cost = seen, value
            now = off(seen[0])
            if any(now[name] == sign != 0 for name, sign in side.items()):
                low = share  # still outside on the same side: price it more
            else:
                high = share
        return best

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
