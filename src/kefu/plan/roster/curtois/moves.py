"""Neighbourhoods for the Curtois large-neighbourhood search.

Each kind frees a different structure, because the penalties that remain after
a few moves need different repairs: a missing person on (day, shift) is fixed
by someone who can work that shift re-planning the days around it (``cover``);
totals and run lengths only move when whole employee lines are freed together
(``emps``); the cover balance between shift types is a window of days with
everybody free (``window``); ``block`` (a few employees × a few weeks) is what
still scales to the 52-week instances. Windows are centred on penalised cells
half of the time, since the remaining cost is concentrated there.
"""

from __future__ import annotations

import random

from kefu.plan.roster.curtois.model import SubModel, build
from kefu.plan.roster.curtois.reader import REST, Instance

KINDS = ("emps", "window", "block", "cover")


def penalised_cells(inst: Instance, roster: list[list[int]]) -> list[tuple[int, int, int]]:
    """(day, shift, penalty) for every cover cell or request that costs something now."""
    counts: dict[tuple[int, int], int] = {}
    for row in roster:
        for d, s in enumerate(row):
            if s != REST:
                counts[(d, s)] = counts.get((d, s), 0) + 1
    out = []
    for (d, s), (req, wu, wo) in inst.cover.items():
        n = counts.get((d, s), 0)
        cost = wu * max(0, req - n) + wo * max(0, n - req)
        if cost:
            out.append((d, s, cost))
    out.extend((d, s, w) for e, d, s, w in inst.on_requests if roster[e][d] != s)
    out.extend((d, s, w) for e, d, s, w in inst.off_requests if roster[e][d] == s)
    return out


def _window(h: int, length: int, rng: random.Random, hot: list[tuple[int, int, int]]) -> tuple[int, int]:
    """A window of ``length`` days, around a penalised day (weighted by cost) half of the time."""
    length = min(h, length)
    if hot and rng.random() < 0.5:
        d = rng.choices([c[0] for c in hot], weights=[c[2] for c in hot])[0]
        start = min(max(0, d - rng.randrange(length)), h - length)
    else:
        start = rng.randrange(0, h - length + 1)
    return start, start + length


def neighbourhood(
    inst: Instance, roster: list[list[int]], kind: str, size: float, rng: random.Random, pool: list[int]
) -> tuple[list[int], int, int]:
    """Employees (from ``pool``) and a day window of roughly ``size`` employee-days, shaped by ``kind``.

    A ``pool`` smaller than the staff lets a second move run at the same time
    on other employees; ``window`` always frees everyone in the pool.
    """
    n, h = len(pool), inst.horizon
    if size >= n * h:
        return list(pool), 0, h
    hot = penalised_cells(inst, roster) if kind != "emps" else []
    if kind == "emps":
        k = min(n, max(2, round(size / h)))
        return sorted(rng.sample(pool, k)), 0, h
    if kind == "window":
        first, last = _window(h, max(2, round(size / n)), rng, hot)
        return list(pool), first, last
    if kind == "cover" and hot:
        d, s, _cost = rng.choices(hot, weights=[c[2] for c in hot])[0]
        length = min(h, max(7, round(size / max(2, min(n, 8)))))
        first, last = _window(h, length, rng, [(d, s, 1)])
        able = [e for e in pool if inst.cap(e, s) > 0 and d not in inst.days_off.get(e, set())]
        k = min(n, max(2, round(size / length)))
        others = [e for e in pool if e not in able]
        picked = rng.sample(able, min(k, len(able)))
        picked += rng.sample(others, min(k - len(picked), len(others)))
        return sorted(picked), first, last
    length = min(h, max(7, round(size / max(2, min(n, 6)))))
    k = min(n, max(2, round(size / length)))
    first, last = _window(h, length, rng, hot)
    return sorted(rng.sample(pool, k)), first, last


class CurtoisNeighbourhoods:
    """The engine's LNS hooks for an instance: these kinds, drawn as above, modelled by ``model.build``."""

    kinds: tuple[str, ...] = KINDS
    lane_kinds: tuple[str, ...] = tuple(k for k in KINDS if k != "window")  # a second lane cannot free everyone

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.n_agents, self.horizon = inst.n_emps, inst.horizon

    def initial_sizes(self) -> dict[str, float]:
        inst = self.inst
        total = float(inst.n_emps * inst.horizon)
        sizes = {k: min(total, float(max(2 * inst.horizon, 2 * inst.n_emps, 120))) for k in KINDS}
        sizes["window"] = min(total, max(sizes["window"], 7.0 * inst.n_emps))
        return sizes

    def draw(self, roster: list[list[int]], kind: str, size: float, rng: random.Random, pool: list[int]
             ) -> tuple[list[int], int, int]:
        return neighbourhood(self.inst, roster, kind, size, rng, pool)

    def build(self, roster: list[list[int]], agents: list[int], first: int, last: int) -> SubModel:
        return build(self.inst, roster, agents, first, last)
