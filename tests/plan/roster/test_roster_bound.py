"""The plan's LP bound: a number whenever column generation proved one, None (never 1.0) when it proved nothing.

Given a fortnight that asks for nine agents all day of a shop with five, the LP bound is exactly
what five agents on twelve 8-hour days cover (every worked minute is needed), and the plan
reaches it; given the seed month with no time for more than one pricing round, no bound is
proven and None is reported. The service's figures follow: bound and gap both None.
"""

from __future__ import annotations

import time
from datetime import date

from kefu.plan.roster.month.mapping import build_model
from kefu.plan.roster.solve import coverage_bound, first_lines, plan_roster
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, RosterProblem, Rules, Shift
from kefu.service.plan.actions_roster import plan_quality
from kefu.sim.roster_month import seed_month

DAYS = 14


def _short_staffed() -> RosterProblem:
    day = [0.0] * SLOTS_PER_DAY
    for t in range(18, 44):  # 09:00–22:00
        day[t] = 9.0
    agents = [Agent(a, ("售前",)) for a in "ABCDE"]
    shifts = [Shift("白", 9 * 60, 17 * 60), Shift("晚", 14 * 60, 22 * 60, evening=True)]
    return RosterProblem(date(2026, 3, 2), DAYS, agents, shifts, {"售前": day * DAYS}, Rules(4, 7, 10))


def test_bound_is_the_lp_value_and_the_plan_reaches_it() -> None:
    result = plan_roster(_short_staffed(), time_limit=10)
    worked = 5 * 12 * 8 * 60  # five agents, 14 days less the 2 rest days owed, 8-hour shifts: agent-minutes
    asked = 9 * 13 * 60 * DAYS
    assert result.bound is not None and abs(result.bound - worked / asked) < 1e-9
    assert result.coverage_ratio is not None and abs(result.coverage_ratio - worked / asked) < 1e-9


def test_bound_not_proven_is_none() -> None:
    model = build_model(seed_month(), coverage_only=True)
    start = first_lines(model, explain_limit=1.0)
    bound, cg, _lam, settled = coverage_bound(model, start, deadline=time.monotonic() - 1.0, lanes=1)
    assert (bound, cg.converged, settled) == (None, False, False)  # one pricing round: nothing proven yet


def test_service_reports_bound_and_gap_or_neither() -> None:
    assert plan_quality(0.9, 0.95) == (0.95, 0.0526)
    assert plan_quality(0.9, None) == (None, None)
    assert plan_quality(0.0, 0.0) == (0.0, 0.0)
