"""The demo shop's roster: the seeds' weekly 白班/晚班 rotation on the full-time contract, every rule kept.

Seed 001's shop: a week of 白班, then a week of 晚班 (half the team each),
four rest days each calendar month and every other day worked (the
full-timer's contract: a part of a month owes its pro-rata share of rest
days, rounded up, as ``kefu.plan.roster.rules.month_parts`` reads it), at
most six days in a row, nobody resting on a promotion peak. The roster runs
from the window's first day to the end of its last month, so the stored
month the roster page checks is whole from its first stored day on.

Rest days are chosen per agent by a small dynamic programme over (days in
the current run, rest days taken this month): exactly the month's count,
runs of at most ``MAX_RUN``, as near as it can to evenly spaced targets
staggered across the team, on days few others rest, and on the agent's more
frequent shift; then
single-day 白/晚 swaps keep the evening shifts within two of each other.
Runs are counted across the months of the stored roster, as a supervisor
reads the rule (issue 18: the month-by-month count let kf01 and kf12 work
nine days in a row over a month's end). Exactly four rest days in every
month and never more than six days in a row cannot both hold for long (a
month's 26–27 workdays in runs of six need a rest day every seventh day,
four and a half a month); the demo's window plus the rest of its last month
(two months at most) always fits, and a longer window falls back to runs
counted within each month.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

DAY_SHIFT, NIGHT_SHIFT = "白班", "晚班"
REST_DAYS = 4  # a calendar month (seed 001)
MAX_RUN = 6  # consecutive workdays at most
FORBIDDEN = 10**6


def roster_days(start: date, days: int) -> int:
    """Days from ``start`` to the end of the month of the window's last day."""
    last = start + timedelta(days=days - 1)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return (end - start).days + 1


def _parts(start: date, days: int) -> list[tuple[int, int, int]]:
    """(first, last exclusive, rest days owed) per calendar month of the range."""
    out = []
    i = 0
    while i < days:
        d = start + timedelta(days=i)
        month_len = calendar.monthrange(d.year, d.month)[1]
        end = min(days, i + month_len - d.day + 1)
        covered = end - i
        out.append((i, end, min(covered, -(-REST_DAYS * covered // month_len))))
        i = end
    return out


def _rotation(a: int, start: date, days: int) -> list[str]:
    return [DAY_SHIFT if (a + (start + timedelta(days=d)).isocalendar()[1]) % 2 == 0 else NIGHT_SHIFT
            for d in range(days)]


def _rest_days(cost: list[float], parts: list[tuple[int, int, int]], carry: bool = True) -> set[int] | None:
    """The cheapest rest days: each part's exact count, no run of work longer than ``MAX_RUN``.

    With ``carry`` a run goes on across a month's end (as a supervisor counts it); without, each
    month starts afresh. None when no such days exist.
    """
    days = len(cost)
    owed = [0] * days
    part_end = [False] * days
    for first, last, count in parts:
        for d in range(first, last):
            owed[d] = count
        part_end[last - 1] = True
    # state (run, taken this part) -> (cost, rest days)
    states: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {(0, 0): (0.0, ())}
    for d in range(days):
        nxt: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {}
        for (run, taken), (value, rests) in states.items():
            options: list[tuple[tuple[int, int], float, tuple[int, ...]]] = []
            if run < MAX_RUN:
                options.append(((run + 1, taken), value, rests))
            if taken < owed[d] and cost[d] < FORBIDDEN:
                options.append(((0, taken + 1), value + cost[d], (*rests, d)))
            for key, v, r in options:
                if part_end[d]:
                    if key[1] != owed[d]:
                        continue
                    key = (key[0] if carry else 0, 0)  # the next month owes its own count
                if key not in nxt or v < nxt[key][0]:
                    nxt[key] = (v, r)
        states = nxt
    if not states:
        return None
    return set(min(states.values())[1])


def make_roster(n_agents: int, start: date, days: int, peaks: set[date]) -> list[list[str]]:
    """[agent][day] shift code ("" = rest) from ``start`` for ``days`` days (``roster_days`` for whole months)."""
    parts = _parts(start, days)
    rows = [_rotation(a, start, days) for a in range(n_agents)]
    mean_nights = sum(row.count(NIGHT_SHIFT) for row in rows) / max(1, n_agents)
    roster = []
    resting = [0] * days  # agents already resting each day: the next one rests elsewhere if it can
    for a, row in enumerate(rows):
        lean = NIGHT_SHIFT if row.count(NIGHT_SHIFT) > mean_nights else DAY_SHIFT
        targets = []
        for first, last, rests in parts:
            if rests:
                step = (last - first) / rests
                targets += [first + (a * 3 % max(1, round(step))) + k * step for k in range(rests)]
        cost = []
        for d in range(days):
            if start + timedelta(days=d) in peaks:
                cost.append(float(FORBIDDEN))
                continue
            near = min((abs(d - t) for t in targets), default=0.0)
            cost.append(near + (0.0 if row[d] == lean else 3.0) + 5.0 * resting[d])
        rest = _rest_days(cost, parts)
        if rest is None:  # months of exactly four rest days cannot keep runs of six across them for long
            rest = _rest_days(cost, parts, carry=False) or set()
        for d in rest:
            resting[d] += 1
        roster.append(["" if d in rest else row[d] for d in range(days)])
    for d in range(days):  # a shift left empty by rest days borrows from the other one
        for empty, full in ((DAY_SHIFT, NIGHT_SHIFT), (NIGHT_SHIFT, DAY_SHIFT)):
            on = [a for a in range(n_agents) if roster[a][d] == full]
            if len(on) >= 2 and all(roster[a][d] != empty for a in range(n_agents)):
                roster[on[-1]][d] = empty
    for first, last, _rests in parts:
        _balance_nights(roster, first, last)
    return roster


def _balance_nights(roster: list[list[str]], first: int, last: int, spread: int = 2) -> None:
    """Swap one day's 白班 and 晚班 between the agents with most and fewest 晚班 until within ``spread``.

    A swap keeps each day's head-count per shift, and any order of the two
    shifts leaves the minimum rest (晚班 ends 22:30, 白班 starts 09:00).
    """
    if len(roster) < 2:
        return
    for _round in range(last - first):
        nights = [row[first:last].count(NIGHT_SHIFT) for row in roster]
        hi, lo = nights.index(max(nights)), nights.index(min(nights))
        if nights[hi] - nights[lo] <= spread:
            return
        day = next((d for d in range(first, last) if roster[hi][d] == NIGHT_SHIFT and roster[lo][d] == DAY_SHIFT), None)
        if day is None:
            return
        roster[hi][day], roster[lo][day] = DAY_SHIFT, NIGHT_SHIFT
