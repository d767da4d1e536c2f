"""Roster engine: hard rules hold (checked independently), coverage, breaks, infeasibility explained."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from roster_independent import roster_violations

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.breaks import place_breaks, slot_coverage
from kefu.plan.roster.rules import check, forbidden_successions, month_parts
from kefu.plan.roster.solve import coverage_ratio, plan_roster
from kefu.plan.roster.types import (
    SLOTS_PER_DAY,
    Agent,
    Assignment,
    BreakRule,
    Preference,
    RosterProblem,
    Rules,
    Shift,
)

START = date(2026, 3, 1)
EARLY = Shift("早", 6 * 60, 14 * 60)
DAY = Shift("白", 9 * 60, 17 * 60, breaks=(BreakRule("meal", 30, 150, 270),))
LATE = Shift("晚", 16 * 60, 24 * 60)
NIGHT = Shift("夜", 23 * 60, 31 * 60, night=True)


def _req(days: int, per_skill: dict[str, tuple[int, int, float]]) -> dict[str, list[float]]:
    """skill -> (from hour, to hour, agents) every day."""
    out = {}
    for skill, (a, b, n) in per_skill.items():
        line = [0.0] * (days * SLOTS_PER_DAY)
        for d in range(days):
            for t in range(a * 2, b * 2):
                line[d * SLOTS_PER_DAY + t] = n
        out[skill] = line
    return out


def _rows(problem: RosterProblem, roster: dict[str, list[Assignment | None]]) -> list[tuple[str, date, str]]:
    return [(a, problem.start + timedelta(days=d), "" if c is None else c.shift)
            for a, line in roster.items() for d, c in enumerate(line)]


def _independent(problem: RosterProblem, roster: dict[str, list[Assignment | None]]) -> list[str]:
    shifts = {s.code: (s.start, s.end, s.night) for s in problem.shifts}
    agents = {a.id: (set(a.skills), a.night_ok) for a in problem.agents}
    leave = {a.id: set(a.leave) for a in problem.agents}
    bad = roster_violations(_rows(problem, roster), agents, shifts, problem.start, problem.days,
                            problem.rules.rest_days_per_month, problem.rules.max_consecutive,
                            problem.rules.min_rest_hours, leave)
    for a in problem.agents:
        bad += [f"{a.id} skill {c.skill}" for c in roster[a.id] if c is not None and c.skill not in a.skills]
    return bad


def test_month_parts_prorate_partial_months() -> None:
    parts = month_parts(date(2026, 3, 15), 31, Rules(4, 6, 10))
    assert [(p.month, p.first, p.last, p.rest_days) for p in parts] == [(3, 0, 17, 3), (4, 17, 31, 2)]
    whole = month_parts(date(2026, 2, 1), 28, Rules(4, 6, 10))
    assert [(p.month, p.rest_days) for p in whole] == [(2, 4)]


def test_forbidden_successions_from_min_rest() -> None:
    pairs = forbidden_successions([EARLY, LATE, NIGHT], 10)
    # late ends 24:00, early starts 06:00 next day: 6 h; night ends 07:00, early 06:00: -1 h; night→late 9 h
    assert sorted(pairs) == [(1, 0, 1), (2, 0, 1), (2, 1, 1)]


def _five_agents() -> RosterProblem:
    agents = [
        Agent("A1", ("售前",), night_ok=False),
        Agent("A2", ("售前", "售后"), night_ok=True),
        Agent("A3", ("售后",), night_ok=True),
        Agent("A4", ("售前",), night_ok=False, leave=frozenset({START + timedelta(days=2), START + timedelta(days=3)})),
        Agent("A5", ("售后",), night_ok=False),
    ]
    days = 14
    return RosterProblem(START, days, agents, [EARLY, DAY, LATE, NIGHT],
                         _req(days, {"售前": (9, 17, 1.0), "售后": (16, 24, 1.0)}), Rules(4, 5, 10))  # fmt: skip


def _full_cover_by_hand(problem: RosterProblem) -> dict[str, list[Assignment | None]]:
    """A legal fortnight covering everything: A1 on 白 and A4 on 早 (over the meal), A3 on 晚, A2 and A5 relieve."""
    days = problem.days
    out: dict[str, list[Assignment | None]] = {a.id: [None] * days for a in problem.agents}
    for d in range(days):
        pre = ("A1", "白") if d not in (5, 11) else ("A2", "白")
        early = ("A4", "早") if d not in (2, 3, 8, 13) else ("A2", "早")
        late = ("A3", "晚") if d not in (5, 11) else ("A5", "晚")
        for (agent, shift), skill in ((pre, "售前"), (early, "售前"), (late, "售后")):
            out[agent][d] = Assignment(shift, skill)
    return out


def test_plan_meets_hard_rules_and_covers_requirement() -> None:
    """What every answer must satisfy, however little time the solver got: the hard rules (two checkers),
    every agent-day accounted for, and a bound that agrees with a roster built by hand.

    The hand roster covers the whole requirement after the 白 meal break, so full coverage is
    feasible and a proven LP bound can only be 1.0; how close the solver gets in a given time
    is a benchmark's question (``bench/roster_month.py``), not this test's.
    """
    problem = _five_agents()
    by_hand = _full_cover_by_hand(problem)
    assert check(problem, by_hand) == [] and _independent(problem, by_hand) == []
    _placed, quarters = place_breaks(problem, by_hand, time_limit=30)
    assert coverage_ratio(problem, slot_coverage(quarters, problem.days)) == 1.0
    result = plan_roster(problem, time_limit=5)
    assert _independent(problem, result.roster) == []
    assert check(problem, result.roster) == []
    assert result.bound in (None, 1.0)
    assert result.coverage_ratio == coverage_ratio(problem, result.coverage) <= 1.0
    assert all(c is None or c.shift != "夜" for c in result.roster["A1"])
    totals = {t.agent: t for t in result.totals}
    assert sum(t.workdays + t.rest_days for t in totals.values()) == 5 * problem.days


def test_breaks_inside_windows_and_staggered() -> None:
    agents = [Agent(f"A{i}", ("s",), night_ok=False) for i in range(3)]
    problem = RosterProblem(START, 1, agents, [DAY], _req(1, {"s": (9, 17, 2.0)}), Rules(0, 6, 10))
    roster: dict[str, list[Assignment | None]] = {a.id: [Assignment("白", "s")] for a in agents}
    placed, quarters = place_breaks(problem, roster, time_limit=3)
    spans = sorted(c.breaks[0][1:] for line in placed.values() if (c := line[0]) is not None)
    assert len(spans) == 3
    for a, b in spans:
        assert b - a == 30 and a >= 9 * 60 + 150 and b <= 9 * 60 + 270
    # three agents, two needed: staggered breaks never leave the requirement uncovered
    assert all(spans[i][1] <= spans[i + 1][0] for i in range(2))
    assert min(quarters["s"][9 * 4 : 17 * 4]) == 30
    assert coverage_ratio(problem, slot_coverage(quarters, 1)) == 1.0


def test_breaks_with_no_time_left_are_staggered_greedily() -> None:
    """Given no time for CP-SAT (a starved end of a plan), each break still goes where it uncovers least:
    three agents, two needed, the three meals one after another and nothing left uncovered."""
    agents = [Agent(f"A{i}", ("s",), night_ok=False) for i in range(3)]
    problem = RosterProblem(START, 1, agents, [DAY], _req(1, {"s": (9, 17, 2.0)}), Rules(0, 6, 10))
    roster: dict[str, list[Assignment | None]] = {a.id: [Assignment("白", "s")] for a in agents}
    placed, quarters = place_breaks(problem, roster, time_limit=0)
    spans = sorted(c.breaks[0][1:] for line in placed.values() if (c := line[0]) is not None)
    assert spans == [(11 * 60 + 45, 12 * 60 + 15), (12 * 60 + 15, 12 * 60 + 45), (12 * 60 + 45, 13 * 60 + 15)]
    assert coverage_ratio(problem, slot_coverage(quarters, 1)) == 1.0


def test_preference_for_day_off_is_respected_when_free() -> None:
    agents = [Agent("A", ("s",), False), Agent("B", ("s",), False)]
    days = 7
    problem = RosterProblem(START, days, agents, [DAY], _req(days, {"s": (9, 17, 1.0)}), Rules(1, 6, 10),
                            [Preference("A", START + timedelta(days=2), "", 1)])
    result = plan_roster(problem, time_limit=3)
    assert result.roster["A"][2] is None
    assert result.roster["B"][2] is not None and result.roster["B"][2].shift == "白"


def test_infeasible_names_conflicting_rules() -> None:
    leave = frozenset(START + timedelta(days=i) for i in range(10))
    agents = [Agent("ok", ("s",), False), Agent("bad", ("s",), False, min_hours=40.0, leave=leave)]
    problem = RosterProblem(START, 14, agents, [EARLY], _req(14, {"s": (6, 14, 1.0)}), Rules(4, 6, 10))
    with pytest.raises(KefuError) as err:
        plan_roster(problem, time_limit=3)
    assert err.value.code == ErrorCode.ROSTER_INFEASIBLE
    conflicts = err.value.details["conflicts"]
    assert [c["agent"] for c in conflicts] == ["bad"]
    assert conflicts[0]["rules"] == ["leave", "min_hours"]
    assert "合同最少工时" in err.value.message and "contract minimum hours" in err.value.message_en


def test_infeasible_rest_and_consecutive_against_contract() -> None:
    # 14 days of an 8 h shift: 104 h needs 13 workdays, but 2 rest days (pro-rata) leave 12
    agents = [Agent("x", ("s",), False, min_hours=104.0)]
    problem = RosterProblem(START, 14, agents, [EARLY], _req(14, {"s": (6, 14, 1.0)}), Rules(4, 13, 10))
    with pytest.raises(KefuError) as err:
        plan_roster(problem, time_limit=3)
    assert err.value.details["conflicts"][0]["rules"] == ["rest_days_per_month", "min_hours"]


def test_checker_flags_hand_edits() -> None:
    agents = [Agent("A", ("s",), night_ok=False)]
    problem = RosterProblem(START, 3, agents, [EARLY, LATE, NIGHT], _req(3, {"s": (6, 14, 1.0)}), Rules(1, 2, 10))
    roster: dict[str, list[Assignment | None]] = {"A": [Assignment("晚", "s"), Assignment("早", "s"), Assignment("夜", "x")]}
    rules = sorted(v.rule for v in check(problem, roster))
    assert rules == ["max_consecutive", "min_rest_hours", "night_ok", "rest_days_per_month", "skills"]


def test_bad_requirement_length_rejected() -> None:
    problem = RosterProblem(START, 2, [Agent("A", ("s",))], [EARLY], {"s": [1.0] * 10})
    with pytest.raises(KefuError) as err:
        plan_roster(problem, time_limit=1)
    assert err.value.code == ErrorCode.BAD_ARGUMENT


def test_contract_minimum_hours_are_met_even_without_demand() -> None:
    agents = [Agent("A", ("s",), False, min_hours=40.0), Agent("B", ("s",), False)]
    problem = RosterProblem(START, 7, agents, [EARLY], _req(7, {"s": (6, 14, 0.0)}), Rules(4, 6, 10))
    result = plan_roster(problem, time_limit=3)
    assert _independent(problem, result.roster) == []
    worked = {a: sum(1 for c in line if c is not None) for a, line in result.roster.items()}
    # 5 × 8 h meets 40 h; no demand, so nobody works a shift more than the contract asks
    assert worked == {"A": 5, "B": 0}


def test_contract_days_leave_and_day_off_requests_are_met() -> None:
    """The seeds' full-timer works the horizon less its rest days, exactly; a part-timer stays within min/max."""
    white, evening = Shift("白", 9 * 60, 16 * 60 + 30), Shift("晚", 16 * 60, 22 * 60 + 30, evening=True)
    days = 14  # 1–14 March: ceil(4 × 14 / 31) = 2 rest days owed, so a full-timer works 12
    leave = frozenset({START + timedelta(days=4)})
    agents = [Agent(f"F{i}", ("s",), True, min_days=12, max_days=12) for i in range(4)]
    agents += [Agent("L", ("s",), True, min_days=12, max_days=12, leave=leave),
               Agent("P", ("s",), True, min_days=5, max_days=8)]
    problem = RosterProblem(START, days, agents, [white, evening], _req(days, {"s": (9, 22, 2.0)}), Rules(4, 6, 10),
                            [Preference("F0", START + timedelta(days=9), "", 5)])
    result = plan_roster(problem, time_limit=15)
    assert check(problem, result.roster) == [] and _independent(problem, result.roster) == []
    worked = {a: sum(1 for c in line if c is not None) for a, line in result.roster.items()}
    # leave counts as a working day: L works 11 of the 13 days it is here
    assert worked == {"F0": 12, "F1": 12, "F2": 12, "F3": 12, "L": 11, "P": worked["P"]} and 5 <= worked["P"] <= 8
    assert result.roster["L"][4] is None and result.roster["F0"][9] is None
    assert result.bound is not None and result.coverage_ratio is not None
    assert result.coverage_ratio <= result.bound + 1e-9


def test_contract_days_beyond_the_rest_days_owed_is_explained() -> None:
    # 14 March days owe 2 rest days: a contract of 13 working days cannot be met
    agents = [Agent("ok", ("s",), False, min_days=12, max_days=12), Agent("x", ("s",), False, min_days=13)]
    problem = RosterProblem(START, 14, agents, [EARLY], _req(14, {"s": (6, 14, 1.0)}), Rules(4, 13, 10))
    with pytest.raises(KefuError) as err:
        plan_roster(problem, time_limit=3)
    assert err.value.code == ErrorCode.ROSTER_INFEASIBLE
    assert err.value.details["conflicts"] == [{
        "agent": "x", "rules": ["rest_days_per_month", "min_days"],
        "rules_zh": ["每个自然月的最少休息天数", "合同最少出勤天数"],
        "rules_en": ["minimum rest days each calendar month", "contract minimum working days"]}]
