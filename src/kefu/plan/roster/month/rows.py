"""The month's coupling rows: coverage per (skill, 30-minute slot), breaks inside their windows, fairness bands.

What each worked (day, choice) adds to them is shared by every agent type
(``Coupling.cell_rows``); the fairness rows are per type (``agent_rows``).
The builder also keeps, per coverage row, its slack columns, so a re-plan
can say how much of a row's shortfall and surplus the stored roster already
had (``month.replan``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from scipy import sparse

from kefu.plan.roster.engine.lines import LineRules
from kefu.plan.roster.engine.problem import Coupling
from kefu.plan.roster.rules import slot_overlaps
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, RosterProblem, Shift

INF = math.inf


class RowBuilder:
    """Collects coupling rows, their non-line columns, and what each (day, choice) adds to them."""

    def __init__(self, problem: RosterProblem, choices: list[tuple[int, str]], rules: list[LineRules]) -> None:
        self.p, self.choices = problem, choices
        self.n_c = len(choices)
        self.used = np.zeros((problem.days, self.n_c), dtype=np.bool_)  # some agent may work it
        for r in rules:
            self.used |= r.allowed
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.cells: list[tuple[int, int, float]] = []  # (day * n_c + choice, row, value)
        self.col_cost: list[float] = []
        self.col_lo: list[float] = []
        self.col_hi: list[float] = []
        self.col_entries: list[tuple[int, int, float]] = []  # (row, column, value)
        self.cover: dict[tuple[str, int], int] = {}
        self.slacks: list[tuple[int, int, int, int]] = []  # per coverage row: under, over, kept under, kept over
        self.slack_keys: list[tuple[str, int]] = []  # the (skill, slot) of each of ``slacks``
        self.agent_rows: list[list[tuple[int, npt.NDArray[np.int64]]]] = [[] for _ in rules]
        self.need = 0.0

    def row(self, lo: float, hi: float) -> int:
        self.lo.append(lo)
        self.hi.append(hi)
        return len(self.lo) - 1

    def column(self, cost: float, entries: list[tuple[int, float]], lo: float = 0.0, hi: float = INF) -> int:
        j = len(self.col_cost)
        self.col_cost.append(cost)
        self.col_lo.append(lo)
        self.col_hi.append(hi)
        self.col_entries.extend((r, j, v) for r, v in entries)
        return j

    def coverage(self, under: float, over: float, kept_under: float | None = None) -> None:
        """A row per (skill, slot) in agent-minutes, with its missing (``under``) and surplus (``over``) columns.

        ``kept_under`` (a re-plan): two more columns per row, free up to the
        shortfall and the surplus the stored roster already had there (their
        bounds are set by ``month.replan``): a re-plan pays only for what it
        makes worse than the stored roster, and a changed cell must buy that
        back. The shortfall kept costs ``kept_under`` (the coverage bound: the
        same as ``under``, so the bound is unchanged; the roster: nothing).
        """
        p = self.p
        n_slots = p.days * SLOTS_PER_DAY
        touched: dict[tuple[str, int], list[tuple[int, float]]] = {}
        for d in range(p.days):
            for c, (s, k) in enumerate(self.choices):
                if not self.used[d, c]:
                    continue
                for t, minutes in slot_overlaps(p.shifts[s], d, n_slots):
                    touched.setdefault((k, t), []).append((d * self.n_c + c, float(minutes)))
        for k in p.skills:
            req = p.requirement.get(k, [0.0] * n_slots)
            for t in range(n_slots):
                need = req[t] * SLOT
                self.need += need
                if need == 0 and (k, t) not in touched:
                    continue
                r = self.cover[(k, t)] = self.row(need, need)
                self.cells.extend((i, r, m) for i, m in touched.get((k, t), []))
                cols = self.column(under, [(r, 1.0)]), self.column(over, [(r, -1.0)])
                if kept_under is not None:
                    kept = self.column(kept_under, [(r, 1.0)], hi=0.0), self.column(0.0, [(r, -1.0)], hi=0.0)
                    self.slacks.append((*cols, *kept))
                    self.slack_keys.append((k, t))

    def breaks(self) -> None:
        p = self.p
        n_slots = p.days * SLOTS_PER_DAY
        for d in range(p.days):
            for c, (s, k) in enumerate(self.choices):
                shift = p.shifts[s]
                if not self.used[d, c]:
                    continue
                for b in shift.breaks:
                    owed = self.row(0.0, 0.0)  # placed minutes - minutes x workers = 0
                    self.cells.append((d * self.n_c + c, owed, -float(b.minutes)))
                    window = Shift("", shift.start + b.window_from, shift.start + b.window_to)
                    for t, room in _window_slots(window, d, n_slots):
                        entries = [(owed, 1.0)]
                        if (k, t) in self.cover:
                            entries.append((self.cover[(k, t)], -1.0))
                        if room < b.minutes:  # at most what the window leaves of this slot, per worker
                            cap = self.row(-INF, 0.0)
                            self.cells.append((d * self.n_c + c, cap, -float(room)))
                            entries.append((cap, 1.0))
                        self.column(0.0, entries)

    def fairness(self, group_of_type: list[int], counts: npt.NDArray[np.int64], measures: dict[str, npt.NDArray[np.int64]],
                 tol: dict[str, tuple[float, int]], free: bool, kept: bool = False) -> dict[tuple[int, str], int]:
        """Per group and measure, a band [low, low + tolerance] every type's average total lies in.

        ``low`` is a column the LP chooses; widening the band costs the
        measure's fairness weight per unit and agent (nothing when ``free``:
        the coverage bound). A roster whose spreads are within tolerance
        satisfies these rows with no widening. Returns the column of each
        band's ``low``; its widening is the next column and, with ``kept``
        (a re-plan), the one after it is a free widening bounded by the
        stored roster's own spread (``month.replan``).
        """
        members: dict[int, list[int]] = {}
        for t, g in enumerate(group_of_type):
            members.setdefault(g, []).append(t)
        out: dict[tuple[int, str], int] = {}
        for g, types in members.items():
            size = int(sum(counts[t] for t in types))
            if size < 2:
                continue
            for name, (width, weight) in tol.items():
                amounts = measures[name]
                if not amounts.any():
                    continue
                ups, downs = [], []
                for t in types:
                    up, down = self.row(-INF, float(width * counts[t])), self.row(0.0, INF)
                    self.agent_rows[t] += [(up, amounts), (down, amounts)]
                    ups.append((up, t))
                    downs.append((down, t))
                low = self.column(0.0, [(r, -float(counts[t])) for r, t in ups + downs])
                widen = [(r, -float(counts[t])) for r, t in ups]
                self.column(0.0 if free else float(weight) * size, widen)
                if kept:
                    self.column(0.0, widen, hi=0.0)
                out[(g, name)] = low
        return out

    def coupling(self) -> Coupling:
        n_rows = len(self.lo)
        idx, rows, vals = zip(*self.cells, strict=True) if self.cells else ((), (), ())
        cell_rows = sparse.csr_matrix((vals, (idx, rows)), shape=(self.p.days * self.n_c, n_rows))
        r, j, v = zip(*self.col_entries, strict=True) if self.col_entries else ((), (), ())
        cols = sparse.csc_matrix((v, (r, j)), shape=(n_rows, len(self.col_cost)))
        return Coupling(np.array(self.lo), np.array(self.hi), cell_rows, np.array(self.col_cost),
                        np.array(self.col_lo), np.array(self.col_hi), cols, self.agent_rows)


def _window_slots(window: Shift, day: int, n_slots: int) -> list[tuple[int, int]]:
    """(slot, minutes of the window in it) — slots past the horizon keep index ``-1`` (no coverage row)."""
    out = []
    begin, end = day * 1440 + window.start, day * 1440 + window.end
    t = begin - begin % SLOT
    while t < end:
        minutes = min(end, t + SLOT) - max(begin, t)
        if minutes > 0:
            slot = t // SLOT
            out.append((slot if 0 <= slot < n_slots else -1, minutes))
        t += SLOT
    return out
