"""A month through the one roster engine: the seed shop's month or the wider 60-agent one.

Usage: .venv/bin/python bench/roster_month.py [--shape seed|wide] [--time-limit 60] [--agents N] [--seed 1]

``seed``: the seeds' shop (``kefu.sim.roster_month.seed_month``: 28 agents, 早/白/中/晚,
2 skills, a 双12 peak, full-timers on the month's days less 4, part-timers 10–18 days).
``wide``: 60 agents, five shifts with a night shift, the same contracts.
Hard rules are re-checked by an independent loop in this script, contracts and fairness
spreads are recomputed from the roster. Last line: key=value figures.
"""

from __future__ import annotations

import argparse

from kefu.plan.roster.rules import check
from kefu.plan.roster.solve import plan_roster
from kefu.plan.roster.types import Assignment, RosterProblem
from kefu.sim.roster_month import seed_month, wide_month


def independent_violations(problem: RosterProblem, roster: dict[str, list[Assignment | None]]) -> int:
    """Skills, night_ok, rest days, consecutive days, minimum rest and contract days, from the rules' text."""
    by = {s.code: s for s in problem.shifts}
    bad = 0
    for a in problem.agents:
        line = roster[a.id]
        bad += sum(1 for c in line if c is not None and (c.skill not in a.skills or (by[c.shift].night and not a.night_ok)))
        bad += int(sum(1 for c in line if c is None) < problem.rules.rest_days_per_month)
        worked = sum(1 for c in line if c is not None)
        bad += int(a.min_days is not None and worked < a.min_days) + int(a.max_days is not None and worked > a.max_days)
        run = 0
        for c in line:
            run = run + 1 if c is not None else 0
            bad += int(run > problem.rules.max_consecutive)
        for d in range(problem.days - 1):
            x, y = line[d], line[d + 1]
            if x is not None and y is not None and 1440 + by[y.shift].start - by[x.shift].end < problem.rules.min_rest_hours * 60:
                bad += 1
    return bad


def spreads(problem: RosterProblem, roster: dict[str, list[Assignment | None]]) -> tuple[float, int]:
    """Largest hours and nights spread among agents on the same contract (days, night_ok), as the engine groups them."""
    by = {s.code: s for s in problem.shifts}
    groups: dict[tuple[int | None, int | None, bool], list[tuple[float, int]]] = {}
    for a in problem.agents:
        cells = [c for c in roster[a.id] if c is not None]
        hours = sum(by[c.shift].paid_minutes for c in cells) / 60
        nights = sum(1 for c in cells if by[c.shift].late)
        groups.setdefault((a.min_days, a.max_days, a.night_ok), []).append((hours, nights))
    hours = max((max(h for h, _n in g) - min(h for h, _n in g)) for g in groups.values())
    nights = max((max(n for _h, n in g) - min(n for _h, n in g)) for g in groups.values())
    return hours, nights


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", choices=("seed", "wide"), default="seed")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--agents", type=int, default=0, help="default 28 (seed) or 60 (wide)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lanes", type=int, default=2)
    args = ap.parse_args()
    if args.shape == "seed":
        problem = seed_month(args.seed, n_agents=args.agents or 28)
    else:
        problem = wide_month(args.agents or 60, args.seed)
    res = plan_roster(problem, args.time_limit, seed=args.seed, lanes=args.lanes)
    ratio = res.coverage_ratio or 0.0
    bound = "none" if res.bound is None else f"{res.bound:.4f}"  # none: not proven in the time
    gap = "none" if res.bound is None else f"{res.bound - ratio:.4f}"
    hours, nights = spreads(problem, res.roster)
    print(
        f"shape={args.shape} agents={len(problem.agents)} days={problem.days} time_limit={args.time_limit:g} "
        f"seconds={res.seconds:.1f} violations={len(check(problem, res.roster))} "
        f"independent_violations={independent_violations(problem, res.roster)} coverage={ratio:.4f} "
        f"bound={bound} gap={gap} hours_spread={hours:g} nights_spread={nights} "
        f"notes={';'.join(res.notes).replace(' ', '_')}"
    )


if __name__ == "__main__":
    main()
