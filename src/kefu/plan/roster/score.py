"""The roster objective recomputed in plain Python from a finished roster.

LNS compares rosters built from different neighbourhoods, whose CP-SAT
objectives omit the terms of fixed agents; this full score is the common
yardstick (and an independent check of the model's weighting).
"""

from __future__ import annotations

from kefu.plan.roster.rules import effective_overlaps, slot_overlaps
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Roster, RosterProblem


def shift_coverage(problem: RosterProblem, roster: Roster, effective: bool = False) -> dict[str, list[int]]:
    """Agent-minutes on shift per skill and 30-minute slot (``effective``: expected break share deducted)."""
    overlaps = effective_overlaps if effective else slot_overlaps
    n = problem.days * SLOTS_PER_DAY
    cov = {k: [0] * n for k in problem.skills}
    by = {s.code: s for s in problem.shifts}
    for line in roster.values():
        for d, c in enumerate(line):
            if c is not None and c.shift in by and c.skill in cov:
                for t, m in overlaps(by[c.shift], d, n):
                    cov[c.skill][t] += m
    return cov


def score(problem: RosterProblem, roster: Roster) -> int:
    w = problem.weights
    n = problem.days * SLOTS_PER_DAY
    total = 0
    for k, cov in shift_coverage(problem, roster, effective=True).items():
        req = problem.requirement.get(k, [0.0] * n)
        for t in range(n):
            need = round(req[t] * SLOT)
            total += w.under * max(0, need - cov[t]) + w.over * max(0, cov[t] - need)
    by = {s.code: s for s in problem.shifts}
    dates = problem.dates()
    nights, weekends = [], []
    for agent in problem.agents:
        line = roster.get(agent.id, [None] * problem.days)
        if agent.night_ok:
            nights.append(sum(1 for c in line if c is not None and by[c.shift].night))
        weekends.append(sum(1 for d, c in enumerate(line) if c is not None and dates[d].weekday() >= 5))
        for d in range(problem.days - 1):
            a, b = line[d], line[d + 1]
            if a is not None and b is not None and a.shift != b.shift:
                total += w.switch
    if any(by[s.code].night for s in problem.shifts) and len(nights) >= 2:
        total += w.night_fairness * (max(nights) - min(nights))
    if any(d.weekday() >= 5 for d in dates) and len(weekends) >= 2:
        total += w.weekend_fairness * (max(weekends) - min(weekends))
    for p in problem.preferences:
        d = (p.day - problem.start).days
        if p.agent not in roster or not 0 <= d < problem.days:
            continue
        c = roster[p.agent][d]
        if p.shift == "":
            total += w.preference * p.weight * int(c is not None)
        elif p.shift in by:
            total += w.preference * p.weight * int(c is None or c.shift != p.shift)
    return total
