"""The month's local repair takes the move that must be found and never one that breaks a rule.

Given a hand-made week for one agent on a contract of exactly five days, with the requirement on
days 0, 1, 4, 5, 6 only, and a start that works days 0–4: the repair moves both days off to 2 and 3
(two rest-day moves), the only roster covering everything. Given 晚 on day 0 and a requirement for
早 on day 1 that only an 8-hour rest could meet (the rule asks 10): nothing is changed.
"""

from __future__ import annotations

from datetime import date

from kefu.plan.roster.engine.lines import REST
from kefu.plan.roster.month.mapping import build_model
from kefu.plan.roster.month.repair import repair
from kefu.plan.roster.rules import check
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, RosterProblem, Rules, Shift

START = date(2026, 3, 2)  # a Monday
DAYS = 7
EARLY = Shift("早", 6 * 60, 14 * 60)
DAY = Shift("白", 9 * 60, 17 * 60)
LATE = Shift("晚", 14 * 60, 22 * 60, evening=True)
RULES = Rules(rest_days_per_month=0, max_consecutive=6, min_rest_hours=10)


def _requirement(wanted: dict[int, tuple[int, int]]) -> dict[str, list[float]]:
    """One agent in the half hours ``[first, last)`` of each day ``wanted`` names."""
    req = [0.0] * (DAYS * SLOTS_PER_DAY)
    for d, (first, last) in wanted.items():
        for t in range(first, last):
            req[d * SLOTS_PER_DAY + t] = 1.0
    return {"售前": req}


def _problem(wanted: dict[int, tuple[int, int]], days: int | None = None) -> RosterProblem:
    agent = Agent("A", ("售前",), min_days=days, max_days=days)
    return RosterProblem(START, DAYS, [agent], [EARLY, DAY, LATE], _requirement(wanted), RULES)


def test_rest_days_move_to_where_nobody_is_needed() -> None:
    problem = _problem({d: (18, 34) for d in (0, 1, 4, 5, 6)}, days=5)
    model = build_model(problem)
    day = model.index[("白", "售前")]
    start = [[day, day, day, day, day, REST, REST]]
    assert check(problem, model.to_roster(start)) == []
    done = repair(model, start, deadline=float("inf"))
    assert done.roster == [[day, day, REST, REST, day, day, day]]
    assert done.done  # two rest-day moves, or a move to 早 and its switch back to 白: the seed orders them
    assert check(problem, model.to_roster(done.roster)) == []


def test_a_move_breaking_the_minimum_rest_is_not_taken() -> None:
    problem = _problem({0: (28, 44), 1: (12, 28)})  # 晚 on day 0, 早 on day 1
    model = build_model(problem)
    late, day = model.index[("晚", "售前")], model.index[("白", "售前")]
    start = [[late, day, REST, REST, REST, REST, REST]]
    assert check(problem, model.to_roster(start)) == []
    done = repair(model, start, deadline=float("inf"))
    # 白 covers 09–14 of day 1; 早 would cover 06–14 but leaves 8 h after 晚 ends at 22:00
    assert done.roster == start
    assert done.moves == 0 and done.done
