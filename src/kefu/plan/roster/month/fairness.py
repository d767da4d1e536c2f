"""Fair shares among agents on the same contract: bands per measure, as line rules where they fit.

Measures: paid minutes, evening and night shifts, weekend days and 法定节假日
worked. Agents with the same contract (days, hours, night_ok) form a group;
the supervisor's tolerance is the spread allowed inside a group (``Fairness``).
In the roster's LP every type's average lies in a band [low, low + tolerance]
whose low the LP chooses (``mapping._RowBuilder.fairness``); the coverage
bound's LP has no such rows, so it bounds every legal roster. Column
generation works with agent *types*, whose lines are shared by
interchangeable agents, so in the roster fairness is a property of each
line: its total must lie in the band the coverage LP chose
(``mapping.bands_from``). Every line inside the band means a spread within
tolerance by construction.

A band becomes a counter of the line automaton (``fair_counters``) — hard,
and priced exactly by the DP — while the state stays within the budget:
nights first, then weekends (as weekend days off, a range of at most the
month's 4 rest days for a full timer), hours (as minutes above the shortest
shift, when the workdays are fixed) and holidays. A band that does not fit,
or that leaves an agent type no line at all, is a per-line cost instead
(``outside``: weight per unit outside the band, which the DP does not price
but the master, the dives and the LNS do).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from kefu.plan.roster.engine.lines import REST, STATE_BUDGET, Counter, days_counter
from kefu.plan.roster.rules import contract_bounds
from kefu.plan.roster.types import RosterProblem

Band = tuple[float, float]
MEASURES = ("nights", "weekends", "hours", "holidays")  # the order bands become line rules in


def fairness_groups(problem: RosterProblem) -> list[list[int]]:
    """Agents on the same contract (days, hours, night_ok, days of leave): the ones whose totals are compared.

    Days of leave are part of the key: two agents without a contract, one of
    them away half the month, cannot work the same hours.
    """
    groups: dict[tuple[object, ...], list[int]] = {}
    dates = problem.dates()
    for i, agent in enumerate(problem.agents):
        owed = contract_bounds(problem, agent)
        leave = sum(1 for d in dates if d in agent.leave)
        groups.setdefault((owed, agent.night_ok, leave), []).append(i)
    return list(groups.values())


def fair_measures(problem: RosterProblem, choices: list[tuple[int, str]]) -> dict[str, npt.NDArray[np.int64]]:
    """What each (day, choice) adds to an agent's paid minutes, nights, weekend days and holidays."""
    shifts, dates = problem.shifts, problem.dates()
    paid = np.array([shifts[s].paid_minutes for s, _k in choices], dtype=np.int64)
    late = np.array([int(shifts[s].late) for s, _k in choices], dtype=np.int64)
    ones = np.ones(len(choices), dtype=np.int64)
    weekend = np.array([int(d.weekday() >= 5) for d in dates], dtype=np.int64)
    holiday = np.array([int(d in problem.holidays) for d in dates], dtype=np.int64)
    return {
        "hours": np.tile(paid, (problem.days, 1)),
        "nights": np.tile(late, (problem.days, 1)),
        "weekends": np.outer(weekend, ones),
        "holidays": np.outer(holiday, ones),
    }


def tolerances(problem: RosterProblem) -> dict[str, tuple[float, int]]:
    """measure -> (tolerated spread, weight per unit outside the band); measures not balanced are left out."""
    f, w = problem.fairness, problem.weights
    longest = max(s.paid_minutes for s in problem.shifts)
    out: dict[str, tuple[float, int]] = {}
    for name, tol, weight in (
        ("hours", longest if f.hours is None else round(f.hours * 60), w.hours_fairness),
        ("nights", f.nights, w.night_fairness),
        ("weekends", f.weekends, w.weekend_fairness),
        ("holidays", f.holidays, w.holiday_fairness),
    ):
        if tol is not None and weight:
            out[name] = (float(tol), weight)
    return out


def line_totals(measures: dict[str, npt.NDArray[np.int64]], line: list[int] | tuple[int, ...]) -> dict[str, int]:
    """A line's paid minutes, nights, weekend days and holidays."""
    worked = [(d, c) for d, c in enumerate(line) if c != REST]
    return {name: int(sum(int(arr[d, c]) for d, c in worked)) for name, arr in measures.items()}


def outside(bands: dict[str, Band], weights: dict[str, tuple[float, int]], totals: dict[str, int],
            skip: frozenset[str] = frozenset()) -> float:
    """Weight per unit outside each band (the measures in ``skip`` are line rules already)."""
    total = 0.0
    for name, (low, high) in bands.items():
        if name in weights and name not in skip:
            value = totals[name]
            total += weights[name][1] * max(0.0, low - value, value - high)
    return total


def fair_counters(problem: RosterProblem, choices: list[tuple[int, str]], measures: dict[str, npt.NDArray[np.int64]],
                  bands: dict[str, Band], days: tuple[int, int], states: int) -> list[Counter]:
    """The bands that fit in the DP's state budget (starting from ``states``), as counters, in ``MEASURES`` order.

    ``days`` is the type's (fewest, most) workdays: hours become a counter of
    minutes above the shortest shift only when they are equal.
    """
    h = problem.days
    out: list[Counter] = []
    everywhere = np.zeros(h, dtype=np.int64)
    for name in MEASURES:
        band = bands.get(name)
        if band is None:
            continue
        counter = _band_counter(name, problem, choices, measures[name], band, days, everywhere)
        if counter is None:
            continue
        span = int(counter.hi.max(initial=0)) + 1
        if states * span > STATE_BUDGET:
            continue
        states *= span
        out.append(counter)
    return out


def _band_counter(name: str, problem: RosterProblem, choices: list[tuple[int, str]], amounts: npt.NDArray[np.int64],
                  band: Band, days: tuple[int, int], everywhere: npt.NDArray[np.int64]) -> Counter | None:
    n_c = len(choices)
    if name in ("weekends", "holidays"):
        marked = amounts[:, 0] > 0
        if not marked.any():
            return None
        window = np.where(marked, 0, -1).astype(np.int64)
        return days_counter(f"fair {name}", n_c, window, np.array([int(band[0])]), np.array([int(band[1])]))
    if name == "nights":
        return Counter("fair nights", amounts[0].astype(np.int64), everywhere, np.array([int(band[0])]),
                       np.array([int(band[1])]))
    # hours: minutes above the shortest shift, in units of their gcd, when the workdays are fixed
    paid = amounts[0]
    extra = paid - paid.min()
    unit = math.gcd(*[int(x) for x in extra if x]) if extra.any() else 0
    if unit == 0 or days[0] != days[1]:
        return None
    base = days[0] * int(paid.min())
    lo = max(0, math.ceil((band[0] - base) / unit))
    hi = math.floor((band[1] - base) / unit)
    if hi < lo:
        return None
    return Counter("fair hours", (extra // unit).astype(np.int64), everywhere, np.array([lo]), np.array([hi]))
