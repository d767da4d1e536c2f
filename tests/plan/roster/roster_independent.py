"""Independent checkers for roster tests, written from the rules' text, not from the model.

They read only the finished roster (plain strings and dates) and the inputs,
so a modelling bug in ``kefu.plan.roster`` cannot hide behind itself.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta


def roster_violations(
    rows: list[tuple[str, date, str]],
    agents: dict[str, tuple[set[str], bool]],  # agent -> (skills, night_ok); skill check done by callers
    shifts: dict[str, tuple[int, int, bool]],  # code -> (start min, end min (> start), night)
    start: date,
    days: int,
    rest_days_per_month: int,
    max_consecutive: int,
    min_rest_hours: float,
    leave: dict[str, set[date]] | None = None,
) -> list[str]:
    leave = leave or {}
    out: list[str] = []
    by_agent: dict[str, dict[date, list[str]]] = {a: {} for a in agents}
    for agent, day, code in rows:
        if agent not in agents:
            out.append(f"unknown agent {agent}")
            continue
        by_agent[agent].setdefault(day, []).append(code)
    dates = [start + timedelta(days=i) for i in range(days)]
    for agent, cells in by_agent.items():
        line: list[str] = []
        for d in dates:
            codes = cells.get(d, [])
            if len(codes) != 1:
                out.append(f"{agent} {d}: {len(codes)} rows")
            work = [c for c in codes if c]
            if len(work) > 1:
                out.append(f"{agent} {d}: more than one shift")
            line.append(work[0] if work else "")
        for i, code in enumerate(line):
            if not code:
                continue
            if code not in shifts:
                out.append(f"{agent} {dates[i]}: unknown shift {code}")
                continue
            if dates[i] in leave.get(agent, set()):
                out.append(f"{agent} {dates[i]}: works on leave")
            if shifts[code][2] and not agents[agent][1]:
                out.append(f"{agent} {dates[i]}: night shift without night_ok")
            for j in range(i + 1, min(days, i + 4)):
                if line[j]:
                    gap = (j - i) * 1440 + shifts[line[j]][0] - shifts[code][1]
                    if gap < min_rest_hours * 60:
                        out.append(f"{agent} {dates[j]}: rest {gap} min")
        run = 0
        for i, code in enumerate(line):
            run = run + 1 if code else 0
            if run > max_consecutive:
                out.append(f"{agent} {dates[i]}: {run} consecutive days")
        months: dict[tuple[int, int], list[str]] = {}
        for i, code in enumerate(line):
            months.setdefault((dates[i].year, dates[i].month), []).append(code)
        for (y, m), codes in months.items():
            length = calendar.monthrange(y, m)[1]
            need = rest_days_per_month if len(codes) == length else math.ceil(rest_days_per_month * len(codes) / length)
            rest = sum(1 for c in codes if not c)
            if rest < min(need, len(codes)):
                out.append(f"{agent} {y}-{m}: {rest} rest days < {need}")
    return out
