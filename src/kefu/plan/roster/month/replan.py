"""A re-plan: the stored roster is the incumbent, and only what the change made worse is worth a changed cell.

Re-planning a month that is already stored (a sick leave, a new agent, an
edited contract) should change as few cells as possible: a re-plan with
nothing changed changes nothing, and after a leave only the cells that buy
back the coverage the leave took. Charging each changed cell (``Weights.change``)
is not enough on its own: a stored roster a minute-long search produced is
never optimal, so a second search finds coverage worth more than the cells
it changes (the seed month: 55 cells changed with nothing changed). So in a
re-plan

- each coverage row's shortfall and surplus up to the stored roster's own
  are free (``rows.RowBuilder.coverage``'s kept columns, bounded here from
  the stored roster's master value: its breaks placed by the same LP);
- the fairness bands hold the stored roster's totals (``stored_bands``):
  the re-plan keeps its spread instead of re-centring on a new LP;
- the search starts from the stored lines, each agent's nearest legal line
  where the stored one breaks a rule now (``start_lines``).

The coverage bound's LP is unchanged (the kept shortfall costs what the
shortfall does there). Improving a stored month's coverage beyond what it
had is a fresh plan (no stored roster), not a re-plan.
"""

from __future__ import annotations

import math

from kefu.plan.roster.engine.colgen import ColumnGeneration
from kefu.plan.roster.engine.lines import REST, line_legal
from kefu.plan.roster.month.fairness import Band, line_totals, tolerances
from kefu.plan.roster.month.mapping import MonthModel

Lines = list[list[int]]


def stored_lines(model: MonthModel) -> Lines:
    """Each agent's stored line in the model's choices; a day with no stored cell, or a shift or skill gone, is rest."""
    days = model.problem.days
    previous = model.problem.previous or {}
    out = []
    for agent in model.problem.agents:
        line = list(previous.get(agent.id, []))[:days]
        line += [None] * (days - len(line))
        out.append([REST if cell is None else model.index.get((cell.shift, cell.skill), REST) for cell in line])
    return out


def stored_slacks(bound_model: MonthModel, lines: Lines) -> dict[int, float]:
    """The stored roster's shortfall and surplus per coverage row: column -> its bound for the kept column.

    The stored roster is valued by the coverage bound's master with every
    agent fixed to it (breaks placed by the LP, least shortfall); the values
    are rounded up, so the stored roster itself pays nothing for coverage.
    Call before any column generation on ``bound_model`` (its master takes
    the kept columns' bounds when it is built).
    """
    cg = ColumnGeneration(bound_model.lines)
    cg.evaluate(lines)
    values = cg.master_extra()
    out: dict[int, float] = {}
    for under, over, kept_under, kept_over in bound_model.slacks:
        out[kept_under] = max(0, math.ceil(values[under] - 1e-6))
        out[kept_over] = max(0, math.ceil(values[over] - 1e-6))
    return out


def stored_spreads(model: MonthModel, lines: Lines) -> dict[int, float]:
    """Each fairness band's free widening: how far the stored totals of its group spread beyond the tolerance.

    Column -> bound (``rows.RowBuilder.fairness``'s kept widening, two after
    the band's ``low``): the LP's band rows then cost the stored roster
    nothing, so no cell is changed to narrow a spread the month already had.
    """
    tol = tolerances(model.problem)
    out: dict[int, float] = {}
    for (g, name), low in model.band_columns.items():
        got = [line_totals(model.measures, line)[name] for a, line in enumerate(lines) if model.group_of[a] == g]
        out[low + 2] = float(max(0.0, max(got) - min(got) - tol[name][0])) if got else 0.0
    return out


def keep_slacks(model: MonthModel, bounds: dict[int, float]) -> None:
    """Bound ``model``'s kept columns by ``stored_slacks`` (every model of the month has the same columns).

    The LNS's models aim at the requirement less the shortfall kept
    (``polish``): a move that fills it elsewhere would only be refused.
    """
    hi = model.lines.coupling.col_hi
    for j, value in bounds.items():
        hi[j] = value
    model.kept_short = {key: hi[cols[2]] for key, cols in zip(model.slack_keys, model.slacks, strict=True)}


def stored_bands(model: MonthModel, lines: Lines) -> dict[tuple[int, str], Band]:
    """Per fairness group and measure, a band as wide as the tolerance holding every stored total.

    A group whose stored spread is already wider keeps it (the band is the
    stored range): a re-plan does not re-balance a month at the price of
    changed cells. Counts get whole bands.
    """
    tol = tolerances(model.problem)
    values: dict[tuple[int, str], list[int]] = {}
    sizes: dict[int, int] = {}
    for g in model.group_of:
        sizes[g] = sizes.get(g, 0) + 1
    for a, line in enumerate(lines):
        g = model.group_of[a]
        if sizes[g] < 2:
            continue
        for name, value in line_totals(model.measures, line).items():
            if name in tol:
                values.setdefault((g, name), []).append(value)
    out: dict[tuple[int, str], Band] = {}
    for (g, name), got in values.items():
        lo, hi, width = min(got), max(got), tol[name][0]
        if hi - lo >= width:
            out[(g, name)] = (float(lo), float(hi))
        elif name == "hours":
            mid = (lo + hi) / 2
            out[(g, name)] = (mid - width / 2, mid + width / 2)
        else:
            low = min(lo, max(0, hi - int(width), round((lo + hi - width) / 2)))
            out[(g, name)] = (float(low), float(low + width))
    return out


def start_lines(model: MonthModel, stored: Lines, cheapest: Lines) -> Lines:
    """The stored line of every agent it is still legal for; the others their ``cheapest`` (nearest legal) line."""
    rules, types = model.lines.rules, model.lines.agent_type
    return [list(line) if line_legal(rules[types[a]], line) else list(cheapest[a]) for a, line in enumerate(stored)]


def adopt(model: MonthModel, kept: dict[int, float], stored: Lines, cheapest: Lines) -> Lines:
    """A model of the re-plan (the coverage bound's or the roster's) takes the stored roster's free slacks and
    spreads (``keep_slacks``); its start is the stored roster as far as it is legal (``start_lines``)."""
    keep_slacks(model, kept)
    return start_lines(model, stored, cheapest)
