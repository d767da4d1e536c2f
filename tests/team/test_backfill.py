"""Filling the shifts a leave freed with the fewest changes the rules allow (``kefu.team.backfill``).

A week from Monday 2026-03-02; one shift D 09:00–17:00 (16 half hours) of skill s; the
requirement is two agents all day every day. A, B and C work five days each (contracts of
exactly five); A takes Wednesday off, leaving C alone that day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from kefu.plan.roster.rules import check
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, Assignment, Roster, RosterProblem, Rules, Shift
from kefu.team.backfill import Move, backfill

MON = date(2026, 3, 2)
D = Assignment("D", "s")
WED = 2


def day(i: int) -> date:
    return MON + timedelta(days=i)


def week(a: str, b: str, c: str) -> Roster:
    """Each agent's week as seven characters, "x" = works D."""
    return {name: [D if ch == "x" else None for ch in line] for name, line in (("A", a), ("B", b), ("C", c))}


def problem(roster: Roster, *, b_max: int = 5, need: float = 2.0, frozen: int = 0) -> RosterProblem:
    slots = [0.0] * (7 * SLOTS_PER_DAY)
    for d in range(7):
        for i in range(18, 34):  # 09:00–17:00
            slots[d * SLOTS_PER_DAY + i] = need
    agents = [Agent("A", ("s",), leave=frozenset({day(WED)}), min_days=5, max_days=5),
              Agent("B", ("s",), min_days=3, max_days=b_max), Agent("C", ("s",), min_days=5, max_days=5)]
    return RosterProblem(MON, 7, agents, [Shift("D", 9 * 60, 17 * 60)], {"s": slots}, Rules(4, 6, 10.0),
                         previous=roster, frozen_days=frozen)  # fmt: skip


def freed(roster: Roster) -> Roster:
    out = {a: [*line] for a, line in roster.items()}
    out["A"][WED] = None
    return out


BEFORE = week("xxxxx..", "xx.x.xx", "x.x.xxx")  # Monday has three agents, every other day two


def test_a_full_timer_moves_its_rest_day_to_the_gap_giving_back_the_least_needed_day() -> None:
    start = freed(BEFORE)
    filled = backfill(problem(start), start, [(WED, D)], skip="A")
    assert filled.moves == (Move("B", day(0), "D", "", "s"), Move("B", day(WED), "", "D", "s"))
    assert (filled.won, filled.unfilled) == (16.0, 0)  # Wednesday covered again; Monday had one too many
    assert check(problem(start), filled.roster) == []
    assert filled.roster["C"] == start["C"] and filled.roster["A"] == start["A"]


def test_an_agent_with_days_to_spare_takes_the_shift_with_one_change() -> None:
    start = freed(BEFORE)
    filled = backfill(problem(start, b_max=6), start, [(WED, D)], skip="A")
    assert filled.moves == (Move("B", day(WED), "", "D", "s"),)


def test_nobody_moves_for_a_shift_the_requirement_does_not_ask_for() -> None:
    start = freed(BEFORE)
    filled = backfill(problem(start, need=1.0), start, [(WED, D)], skip="A")  # C alone is enough
    assert (filled.moves, filled.unfilled, filled.roster) == ((), 1, start)


def test_a_move_breaking_a_rule_is_not_made() -> None:
    """B works a night shift (22:00–06:00) on Tuesday: Wednesday's 09:00 would leave it 3 hours' rest, so B gives the
    night back (nobody asks for it) instead of keeping it, even with a day to spare."""
    start = freed(BEFORE)
    start["B"][1] = Assignment("N", "s")
    night = replace(problem(start, b_max=6), shifts=[Shift("D", 9 * 60, 17 * 60), Shift("N", 22 * 60, 30 * 60, night=True)])
    filled = backfill(night, start, [(WED, D)], skip="A")
    assert filled.moves == (Move("B", day(1), "N", "", "s"), Move("B", day(WED), "", "D", "s"))
    assert check(night, filled.roster) == []


def test_days_already_worked_never_change() -> None:
    start = freed(BEFORE)
    filled = backfill(problem(start, frozen=3), start, [(WED, D)], skip="A")
    assert (filled.moves, filled.unfilled) == ((), 1)


def test_a_colleague_on_a_shift_nobody_needs_switches_to_the_freed_one() -> None:
    start = freed(BEFORE)
    start["B"][WED] = Assignment("L", "s")  # a late shift 17:00–23:00 the requirement does not ask for
    late = replace(problem(start, b_max=6), shifts=[Shift("D", 9 * 60, 17 * 60), Shift("L", 17 * 60, 23 * 60)])
    filled = backfill(late, start, [(WED, D)], skip="A")
    assert (filled.moves, filled.won) == ((Move("B", day(WED), "L", "D", "s"),), 16.0)
