"""The break-aware repair: exact best responses, a consistent score, and only legal rosters.

A hand-made week for one agent on a contract of exactly five days, with the requirement on days
0, 1, 4, 5, 6 only, and a start working days 0–4: the agent's best response (the line DP against
what working each cell adds) rests on days 2 and 3, the only roster covering everything. The
weighted shortfall a break adds is checked by hand on one slot, and a re-plan's free shortfall covered again
costs nothing (the surplus starts above the whole requirement). A soft fairness band (hours, on a contract of 3–5
days, so not a line rule) is priced in the best response: the DP alone would work all five wanted days, outside
the band; the response works four, inside it. On a small seed-shaped month the
repair keeps every rule and every contract, and the score it keeps up to date equals the one
recomputed from its own state after each move.
"""

from __future__ import annotations

import random
import time
from datetime import date

from kefu.plan.roster.breaks import QUARTER_WEIGHT, SLOT_WEIGHT, Need, shortfall
from kefu.plan.roster.engine.lines import REST, best_line
from kefu.plan.roster.month.breakaware import BreakScorer, break_repair
from kefu.plan.roster.month.mapping import build_model
from kefu.plan.roster.month.repair import cell_cost
from kefu.plan.roster.month.respond import Responder
from kefu.plan.roster.rules import check
from kefu.plan.roster.solve import first_lines
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, RosterProblem, Rules, Shift
from kefu.sim.roster_month import seed_month

START = date(2026, 3, 2)  # a Monday
DAYS = 7


def _week(wanted: tuple[int, ...]) -> RosterProblem:
    req = [0.0] * (DAYS * SLOTS_PER_DAY)
    for d in wanted:
        for t in range(18, 34):  # 09:00–17:00
            req[d * SLOTS_PER_DAY + t] = 1.0
    agent = Agent("A", ("售前",), min_days=5, max_days=5)
    return RosterProblem(START, DAYS, [agent], [Shift("白", 9 * 60, 17 * 60)], {"售前": req},
                         Rules(rest_days_per_month=0, max_consecutive=6, min_rest_hours=10))


def test_best_response_moves_the_rest_days_to_where_nobody_is_needed() -> None:
    problem = _week((0, 1, 4, 5, 6))
    model = build_model(problem)
    day = model.index[("白", "售前")]
    start = [[day, day, day, day, day, REST, REST]]
    sc = BreakScorer(model, start)
    before = sc.score()
    delta = Responder(sc).recreate([0])
    assert sc.roster == [[day, day, REST, REST, day, day, day]]
    # two uncovered days (2 × 16 slots × 30 agent-minutes × under 20) won, two surplus days (× over 1) gone
    assert delta == -(2 * 16 * 30 * 20 + 2 * 16 * 30 * 1)
    assert sc.score() == before + delta
    assert check(problem, model.to_roster(sc.roster)) == []
    assert Responder(sc).recreate([0]) is None  # nothing better is left


def test_best_response_prices_a_soft_fairness_band() -> None:
    # day d asks one agent for 16 - d slots from 09:00: working it covers 16 - d slots (× 30 × under 20)
    req = [0.0] * (DAYS * SLOTS_PER_DAY)
    for d in range(DAYS):
        for t in range(18, 34 - d):
            req[d * SLOTS_PER_DAY + t] = 1.0
    week = _week(())
    problem = RosterProblem(START, DAYS, [Agent("A", ("售前",), min_days=3, max_days=5)], week.shifts, {"售前": req},
                            week.rules)
    model = build_model(problem, bands={(0, "hours"): (3 * 480, 4 * 480)})  # 3 to 4 shifts of 8 h
    assert model.hard[0] == frozenset()  # the workdays are not fixed: hours are a per-line cost, not a rule
    day = model.index[("白", "售前")]
    sc = BreakScorer(model, [[day, day, day, REST, REST, REST, REST]])
    responder = Responder(sc)
    # unpriced, the DP works five days (a fifth day gains 7,200 and costs the band's 480 min × 100)
    net = responder.without({0})
    prices = [[responder.cell(net, d, c)[0] for c in range(len(model.choices))] + [0.0] for d in range(DAYS)]
    unpriced = best_line(model.lines.shapes[0], model.lines.penalty[0] + prices)
    assert unpriced is not None and sum(c != REST for c in unpriced[0]) == 5
    before = sc.score()
    delta = Responder(sc).recreate([0])
    # day 3 covered (13 slots × 30 agent-minutes × under 20, 3 slots × 30 surplus × over 1), still inside the band
    assert delta == -(13 * 30 * 20) + 3 * 30
    assert sc.roster[0] == [day, day, day, day, REST, REST, REST]
    assert sum(c != REST for c in sc.roster[0]) == 4
    assert sc.score() == before + delta
    assert check(problem, model.to_roster(sc.roster)) == []


def test_shortfall_weighs_the_slot_first_then_the_quarter() -> None:
    # one slot asking 1.5 agents (22 agent-minutes a quarter hour, 450 tenths of an agent-minute a slot), 2 on shift
    need = Need({"k": [22, 22]}, {"k": [450]})
    have = [30, 30]
    # a 15-minute break in the first quarter: 15 < 22 there (7 short); the slot keeps 45 of 45 agent-minutes
    assert shortfall(need, "k", have, [(0, 15)]) == 7 * QUARTER_WEIGHT
    # two such breaks, one in each quarter: 7 short in each; the slot 30 of 45 (150 tenths short)
    assert shortfall(need, "k", have, [(0, 15), (1, 15)]) == 14 * QUARTER_WEIGHT + 150 * SLOT_WEIGHT


def test_a_replans_free_shortfall_is_no_surplus_when_covered_again() -> None:
    # 60 agent-minutes asked, 30 of them short in the stored roster (free): need 30, surplus only beyond 60
    assert cell_cost(20, 1, 20.0, 30.0, 60.0) == 200.0
    assert cell_cost(20, 1, 45.0, 30.0, 60.0) == 0.0
    assert cell_cost(20, 1, 60.0, 30.0, 60.0) == 0.0
    assert cell_cost(20, 1, 70.0, 30.0, 60.0) == 10.0


def _recomputed_net(sc: BreakScorer) -> dict[str, list[int]]:
    net = {k: [0] * sc.nq for k in sc.net}
    for line in sc.roster:
        for d, c in enumerate(line):
            if c != REST:
                for q, m in sc.quarters[d][c]:
                    net[sc.skill_of_choice[c]][q] += m
    for placed in sc.placed:
        for _a, k, q, m in placed:
            net[k][q] -= m
    return net


def test_the_kept_state_matches_the_roster_after_every_move() -> None:
    problem = seed_month(3, n_agents=8)
    model = build_model(problem)
    sc = BreakScorer(model, first_lines(model, 5.0))
    responder = Responder(sc)
    rng = random.Random(0)
    for _ in range(6):
        score = sc.score()
        delta = responder.recreate(rng.sample(range(8), rng.choice((1, 2))))
        assert _recomputed_net(sc) == sc.net
        if delta is None:
            assert abs(sc.score() - score) < 1e-6
        else:
            assert delta < 0 and abs(sc.score() - (score + delta)) < 1e-6
        assert check(problem, model.to_roster(sc.roster)) == []


def test_the_repaired_month_keeps_every_rule_and_contract() -> None:
    problem = seed_month(3, n_agents=8)
    model = build_model(problem)
    done = break_repair(model, first_lines(model, 5.0), time.monotonic() + 3.0, seed=1)
    roster = model.to_roster(done.roster)
    assert check(problem, roster) == []
    for agent in problem.agents:
        worked = sum(1 for cell in roster[agent.id] if cell is not None)
        assert agent.min_days is not None and agent.max_days is not None
        assert agent.min_days <= worked <= agent.max_days
