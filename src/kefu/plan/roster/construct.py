"""Greedy first roster: day by day, give each shift to the agent whose work covers most.

It respects every hard rule as it goes (leave, night_ok, minimum rest,
consecutive days, rest days still owed this month), so its result is a
feasible starting point and a hint for CP-SAT. It is not optimal; the
neighbourhood search improves it. Contract minimum hours are not chased here —
agents with a minimum are topped up by the CP-SAT stage.
"""

from __future__ import annotations

import random

from kefu.plan.roster.rules import effective_overlaps, forbidden_successions, month_parts
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Assignment, Roster, RosterProblem


def greedy_roster(problem: RosterProblem, seed: int = 0) -> Roster:
    rng = random.Random(seed)
    n_slots = problem.days * SLOTS_PER_DAY
    shifts = problem.shifts
    dates = problem.dates()
    missing = {k: [round(v * SLOT) for v in problem.requirement.get(k, [0.0] * n_slots)] for k in problem.skills}
    forbidden = {(s, t, gap) for s, t, gap in forbidden_successions(shifts, problem.rules.min_rest_hours)}
    parts = month_parts(problem.start, problem.days, problem.rules)
    part_of = [next(p for p in parts if p.first <= d < p.last) for d in range(problem.days)]
    index = {s.code: i for i, s in enumerate(shifts)}
    roster: Roster = {a.id: [None] * problem.days for a in problem.agents}
    run = [0] * len(problem.agents)
    worked_in_part = [0] * len(problem.agents)
    for d in range(problem.days):
        if d > 0 and part_of[d].first == d:
            worked_in_part = [0] * len(problem.agents)
        part = part_of[d]
        free_days_left = part.last - d  # today included
        overlaps = [effective_overlaps(s, d, n_slots) for s in shifts]
        candidates = []
        for a, agent in enumerate(problem.agents):
            if dates[d] in agent.leave or run[a] >= problem.rules.max_consecutive:
                continue
            rest_so_far = (d - part.first) - worked_in_part[a]
            if rest_so_far + free_days_left - 1 < part.rest_days:
                continue  # working today would leave too few days to rest this month
            candidates.append(a)
        rng.shuffle(candidates)
        assigned: set[int] = set()

        def eligible(a: int, s: int, k: str, d: int = d, assigned: set[int] = assigned) -> bool:
            agent = problem.agents[a]
            if a in assigned or k not in agent.skills or (shifts[s].night and not agent.night_ok):
                return False
            line = roster[agent.id]
            return not any(
                d - g >= 0 and line[d - g] is not None and (index[line[d - g].shift], s, g) in forbidden  # type: ignore[union-attr]
                for g in (1, 2, 3)
            )

        while True:
            gains = sorted(
                ((sum(min(m, missing[k][t]) for t, m in overlaps[s]), s, k)
                 for s in range(len(shifts)) for k in problem.skills),
                reverse=True,
            )
            placed = False
            for gain, s, k in gains:
                if gain * 2 < shifts[s].minutes:
                    break  # nobody covers even half a shift of missing demand any more
                who = next((a for a in candidates if eligible(a, s, k)), None)
                if who is None:
                    continue
                roster[problem.agents[who].id][d] = Assignment(shifts[s].code, k)
                for t, m in overlaps[s]:
                    missing[k][t] = max(0, missing[k][t] - m)
                assigned.add(who)
                placed = True
                break
            if not placed:
                break
        for a in range(len(problem.agents)):
            if a in assigned:
                run[a] += 1
                worked_in_part[a] += 1
            else:
                run[a] = 0
    return roster
