"""An agent's ``LineRules`` as CP-SAT constraints over x[day, choice]: the same rules the DP prices.

The LNS re-optimises a few agents' whole lines with everyone else fixed; the
hard rules of each freed agent come from the very automaton column
generation prices (``lines``), so the two can never disagree: allowed
choices and days off, forbidden successions, the maximum run (days before
the horizon are off), and every counter's window bounds. Minimum runs and
once-per-group counters (the Curtois rules, which has its own LNS model) are
not modelled here; ``supported`` says whether a rule set fits.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from kefu.plan.roster.engine.lines import REST, LineRules

CellVars = dict[tuple[int, int], cp_model.IntVar]  # (day, choice) -> x


def supported(rules: LineRules) -> bool:
    return rules.min_run <= 1 and rules.min_off <= 1 and not any(c.once_per_group for c in rules.counters)


def add_line(m: cp_model.CpModel, rules: LineRules, name: str, hint: list[int] | None = None
             ) -> tuple[CellVars, list[cp_model.LinearExprT]]:
    """x[day, choice] for one agent under ``rules``; returns them and the per-day "works" expressions."""
    h, n_c = rules.allowed.shape
    x: CellVars = {}
    works: list[cp_model.LinearExprT] = []
    by_kind: list[dict[int, list[cp_model.IntVar]]] = []
    for d in range(h):
        day: list[cp_model.IntVar] = []
        kinds: dict[int, list[cp_model.IntVar]] = {}
        for c in range(n_c):
            if not rules.allowed[d, c]:
                continue
            v = m.new_bool_var(f"{name}_{d}_{c}")
            x[(d, c)] = v
            day.append(v)
            kinds.setdefault(int(rules.kind[c]), []).append(v)
            if hint is not None:
                m.add_hint(v, hint[d] == c)
        if rules.off_ok is not None and not rules.off_ok[d]:
            m.add_exactly_one(day)
        elif day:
            m.add_at_most_one(day)
        works.append(sum(day) if day else 0)
        by_kind.append(kinds)
    for d in range(h - 1):
        for a, first in by_kind[d].items():
            for b, second in by_kind[d + 1].items():
                if rules.forbid[a, b]:
                    m.add(sum(first) + sum(second) <= 1)
    mr = rules.max_run
    for i in range(0, h - mr):  # any mr + 1 consecutive days (days before the horizon are off)
        m.add(sum(works[i : i + mr + 1]) <= mr)
    for counter in rules.counters:
        for w in range(len(counter.lo)):
            days = [d for d in range(h) if counter.window[d] == w]
            # a day off adds ``off``: off * (days - worked days) = off * days - sum(off * x)
            terms = [(x[(d, c)], int(counter.inc[c]) - counter.off) for d in days for c in range(n_c)
                     if (d, c) in x and int(counter.inc[c]) != counter.off]
            total = cp_model.LinearExpr.weighted_sum([v for v, _k in terms], [k for _v, k in terms])
            base = counter.off * len(days)
            m.add_linear_constraint(total, int(counter.lo[w]) - base, int(counter.hi[w]) - base)
    return x, works


def read_line(solver: cp_model.CpSolver, x: CellVars, horizon: int) -> list[int]:
    line = [REST] * horizon
    for (d, c), v in x.items():
        if solver.boolean_value(v):
            line[d] = c
    return line
