"""Re-plans of the seed month: nothing changed, then one agent's three days of sick leave.

Usage: .venv/bin/python bench/roster_replan.py [--time-limit 30] [--seed 1]

Plans the seed shop's month (``kefu.sim.roster_month.seed_month``), stores it as ``previous``,
re-plans it unchanged (cells changed should be 0), then gives the first agent working days
11–13 sick leave on them and re-plans again. Coverage before and after is recomputed with every
day's breaks solved (no time pressure), so the two are comparable. Last line: key=value figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from kefu.plan.roster.breaks import place_breaks, slot_coverage
from kefu.plan.roster.rules import check
from kefu.plan.roster.solve import coverage_ratio, plan_roster
from kefu.plan.roster.types import Assignment, Roster, RosterProblem
from kefu.sim.roster_month import seed_month

LEAVE = (10, 11, 12)


def changed(before: Roster, after: Roster) -> int:
    def code(c: Assignment | None) -> str:
        return "" if c is None else c.shift

    return sum(1 for a, line in before.items() for x, y in zip(line, after[a], strict=True) if code(x) != code(y))


def covered(problem: RosterProblem, roster: Roster) -> float:
    bare = {a: [None if c is None else Assignment(c.shift, c.skill) for c in line] for a, line in roster.items()}
    _placed, quarters = place_breaks(problem, bare, time_limit=120)
    return coverage_ratio(problem, slot_coverage(quarters, problem.days))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    cpu0 = time.process_time()
    first = plan_roster(seed_month(args.seed), args.time_limit, seed=args.seed)
    same = seed_month(args.seed)
    same.previous = first.roster
    again = plan_roster(same, args.time_limit, seed=args.seed)
    sick = seed_month(args.seed)
    dates = sick.dates()
    who = next(a for a in sick.agents if all(first.roster[a.id][d] is not None for d in LEAVE))
    sick.agents = [dataclasses.replace(a, leave=a.leave | {dates[d] for d in LEAVE}) if a is who else a
                   for a in sick.agents]  # fmt: skip
    sick.previous = first.roster
    after = plan_roster(sick, args.time_limit, seed=args.seed)
    print(
        f"time_limit={args.time_limit:g} unchanged_changed={changed(first.roster, again.roster)} "
        f"leave_agent={who.id} leave_cells={len(LEAVE)} leave_changed={changed(first.roster, after.roster)} "
        f"violations={len(check(sick, after.roster))} covered_before={covered(seed_month(args.seed), first.roster):.4f} "
        f"covered_leave_unfilled={covered(sick, {**first.roster, who.id: [None if d in LEAVE else c for d, c in enumerate(first.roster[who.id])]}):.4f} "
        f"covered_after={covered(sick, after.roster):.4f} cpu_s={time.process_time() - cpu0:.1f}"
    )


if __name__ == "__main__":
    main()
