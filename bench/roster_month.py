"""A 60-agent, 2-skill, 31-day month with 30-minute demand, solved by the roster engine.

Usage: .venv/bin/python bench/roster_month.py [--time-limit 60] [--agents 60] [--seed 1]

Demand is synthetic but coverable: for each day and skill a random head-count
per shift template (about 80 % of the agents who can be on duty) is turned into
the 30-minute requirement those shifts would cover, so "coverage ≥ 97 % where
capacity allows" is measurable. Hard rules are re-checked on the result by an
independent loop in this script. Last line: key=value figures.
"""

from __future__ import annotations

import argparse
import random
from datetime import date

from kefu.plan.roster.rules import slot_overlaps
from kefu.plan.roster.solve import coverage_ratio, plan_roster
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, BreakRule, RosterProblem, Rules, Shift

SHIFTS = [
    Shift("早", 8 * 60, 16 * 60 + 30, False, (BreakRule("meal", 30, 180, 330), BreakRule("short", 15, 60, 150))),
    Shift("白", 9 * 60, 17 * 60 + 30, False, (BreakRule("meal", 30, 150, 300), BreakRule("short", 15, 330, 450))),
    Shift("中", 12 * 60, 20 * 60 + 30, False, (BreakRule("meal", 30, 300, 420),)),
    Shift("晚", 16 * 60, 24 * 60 + 30, False, (BreakRule("meal", 30, 120, 240),)),
    Shift("夜", 22 * 60, 32 * 60, True, (BreakRule("short", 15, 180, 360),)),
]


def make_problem(n_agents: int, seed: int, start: date = date(2026, 3, 1), days: int = 31) -> RosterProblem:
    rng = random.Random(seed)
    agents = []
    for i in range(n_agents):
        roll = rng.random()
        skills = ("售前",) if roll < 0.45 else ("售后",) if roll < 0.8 else ("售前", "售后")
        agents.append(Agent(f"A{i:03d}", skills, night_ok=rng.random() < 0.5))
    n_slots = days * SLOTS_PER_DAY
    req = {"售前": [0.0] * n_slots, "售后": [0.0] * n_slots}
    share = {"售前": 0.55, "售后": 0.45}
    on_duty = n_agents * 27 / 31 * 0.8
    for d in range(days):
        weekend = date.fromordinal(start.toordinal() + d).weekday() >= 5
        for skill, part in share.items():
            heads = on_duty * part * (1.1 if weekend else 1.0)
            weights = [0.25, 0.25, 0.2, 0.22, 0.08]
            for shift, wgt in zip(SHIFTS, weights, strict=True):
                count = max(0, round(heads * wgt + rng.uniform(-1.5, 1.5)))
                for t, mins in slot_overlaps(shift, d, n_slots):
                    req[skill][t] += count * mins / 30
    return RosterProblem(start, days, agents, SHIFTS, req, Rules(4, 6, 10))


def independent_violations(problem: RosterProblem, roster: dict) -> int:  # type: ignore[type-arg]
    by = {s.code: s for s in problem.shifts}
    bad = 0
    for a in problem.agents:
        line = roster[a.id]
        bad += sum(1 for c in line if c is not None and (c.skill not in a.skills or (by[c.shift].night and not a.night_ok)))
        bad += int(sum(1 for c in line if c is None) < problem.rules.rest_days_per_month)
        run = 0
        for c in line:
            run = run + 1 if c is not None else 0
            bad += int(run > problem.rules.max_consecutive)
        for d in range(problem.days - 1):
            x, y = line[d], line[d + 1]
            if x is not None and y is not None and 1440 + by[y.shift].start - by[x.shift].end < problem.rules.min_rest_hours * 60:
                bad += 1
    return bad


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--agents", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--lanes", type=int, default=2, help="agent-disjoint LNS moves solved at once")
    args = ap.parse_args()
    problem = make_problem(args.agents, args.seed)
    res = plan_roster(problem, args.time_limit, seed=args.seed, workers=args.workers, lanes=args.lanes)
    # coverage before breaks: the shifts alone, as the requirement was generated from shifts
    n_slots = problem.days * SLOTS_PER_DAY
    shift_cov = {k: [0.0] * n_slots for k in problem.requirement}
    by = {s.code: s for s in problem.shifts}
    for line in res.roster.values():
        for d, c in enumerate(line):
            if c is not None:
                for t, mins in slot_overlaps(by[c.shift], d, n_slots):
                    shift_cov[c.skill][t] += mins / 30
    violations = independent_violations(problem, res.roster)
    print(
        f"agents={args.agents} skills=2 days={problem.days} time_limit={args.time_limit:g} lanes={args.lanes} "
        f"seconds={res.seconds:.1f} status={res.status} hard_violations={violations} "
        f"coverage_shifts={coverage_ratio(problem, shift_cov):.4f} coverage_after_breaks={coverage_ratio(problem, res.coverage):.4f}"
    )


if __name__ == "__main__":
    main()
