"""Re-plans change as few cells as they must: none when nothing changed, the fills after a leave.

Given a hand-made fortnight that covers its requirement exactly — A and B on 白, C and D on 晚,
each resting two days, E working exactly on their rest days — when it is re-planned unchanged
then no cell changes; when C takes three days of leave then C's three cells become rest and the
coverage is restored (the fewest cells that do it are six: E, the only agent free on those days,
works C's 晚 on each — what the search reaches in a limited time is not asserted).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from roster_independent import roster_violations

from kefu.plan.roster.rules import check
from kefu.plan.roster.solve import plan_roster
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, Assignment, Roster, RosterProblem, Rules, Shift

START = date(2026, 3, 2)  # a Monday
DAYS = 14
DAY = Shift("白", 9 * 60, 17 * 60)
LATE = Shift("晚", 14 * 60, 22 * 60, evening=True)
REST_DAYS = {"A": {0, 6}, "B": {1, 7}, "C": {2, 8}, "D": {3, 9}}
LEAVE = (10, 11, 12)  # days C works and E rests
RULES = Rules(4, 7, 10)  # runs of up to seven days: E can fill all three


def _requirement() -> dict[str, list[float]]:
    """Two agents 09–14, four 14–17 (both shifts), two 17–22, every day."""
    day = [0.0] * SLOTS_PER_DAY
    for t in range(18, 44):
        day[t] = 4.0 if 28 <= t < 34 else 2.0
    return {"售前": day * DAYS}


def _stored() -> Roster:
    shift = {"A": "白", "B": "白", "C": "晚", "D": "晚"}
    roster: Roster = {a: [None if d in rest else Assignment(shift[a], "售前") for d in range(DAYS)]
                      for a, rest in REST_DAYS.items()}  # fmt: skip
    cover = {d: shift[a] for a, rest in REST_DAYS.items() for d in rest}  # E takes the shift of whoever rests
    roster["E"] = [Assignment(cover[d], "售前") if d in cover else None for d in range(DAYS)]
    return roster


def _problem(leave: frozenset[date] = frozenset()) -> RosterProblem:
    agents = [Agent(a, ("售前",), leave=leave if a == "C" else frozenset()) for a in "ABCDE"]
    return RosterProblem(START, DAYS, agents, [DAY, LATE], _requirement(), RULES, previous=_stored())


def _changed(before: Roster, after: Roster) -> dict[tuple[str, int], tuple[str, str]]:
    return {(a, d): ("" if x is None else x.shift, "" if y is None else y.shift)
            for a in before for d, (x, y) in enumerate(zip(before[a], after[a], strict=True))
            if (x is None) != (y is None) or (x is not None and y is not None and x.shift != y.shift)}  # fmt: skip


def _independent(problem: RosterProblem, roster: Roster) -> list[str]:
    rows = [(a, START + timedelta(days=d), "" if c is None else c.shift) for a, line in roster.items()
            for d, c in enumerate(line)]  # fmt: skip
    return roster_violations(rows, {a.id: ({"售前"}, False) for a in problem.agents},
                             {s.code: (s.start, s.end, s.night) for s in problem.shifts}, START, DAYS, 4, 7, 10,
                             {a.id: set(a.leave) for a in problem.agents})  # fmt: skip


def test_the_stored_fortnight_covers_its_requirement_exactly() -> None:
    """The premise: every rule holds and the requirement is met with no surplus."""
    problem = _problem()
    stored = _stored()
    assert check(problem, stored) == [] and _independent(problem, stored) == []
    for d in range(DAYS):
        on = sorted(line[d].shift for line in stored.values() if line[d] is not None)
        assert on == ["晚", "晚", "白", "白"]


def test_unchanged_replan_changes_no_cell() -> None:
    problem = _problem()
    result = plan_roster(problem, time_limit=5)
    assert _changed(_stored(), result.roster) == {}
    assert result.coverage_ratio == 1.0


def test_leave_is_honoured_and_its_shifts_filled() -> None:
    """C rests on the leave days and the fortnight is covered again, every rule kept. The fewest cells that
    do it are six (C's three, E's three fills): no answer changes fewer. How close a time-limited search
    gets to six depends on the machine (6 at 5 s on an idle one, ``docs/bench/roster.md``), so it is not asserted."""
    leave = frozenset(START + timedelta(days=d) for d in LEAVE)
    problem = _problem(leave)
    result = plan_roster(problem, time_limit=5)
    changed = _changed(_stored(), result.roster)
    assert {("C", d): ("晚", "") for d in LEAVE}.items() <= changed.items()
    assert check(problem, result.roster) == [] and _independent(problem, result.roster) == []
    assert result.coverage_ratio == 1.0 and len(changed) >= 6


def test_replan_keeps_the_days_already_worked() -> None:
    """Days before ``frozen_days`` are kept as stored even when a change elsewhere would pay."""
    leave = frozenset(START + timedelta(days=d) for d in LEAVE)
    problem = dataclasses.replace(_problem(leave), frozen_days=4)
    result = plan_roster(problem, time_limit=5)
    stored = _stored()
    assert all(result.roster[a][:4] == stored[a][:4] for a in stored)


def test_a_hand_edit_that_breaks_the_contract_is_repaired() -> None:
    """A's contract is 12 days; a supervisor rests A on day 4 (11 days, 白 short that day): the re-plan puts
    A to 12 days again, every rule kept and the coverage whole."""
    edited = _stored()
    edited["A"] = [None if d == 4 else c for d, c in enumerate(edited["A"])]
    problem = _problem()
    problem.agents = [dataclasses.replace(a, min_days=12, max_days=12) if a.id == "A" else a for a in problem.agents]
    problem.previous = edited
    assert [v.rule for v in check(problem, edited)] == ["min_days"]
    result = plan_roster(problem, time_limit=5)
    changed = _changed(edited, result.roster)
    # A works one more day (the contract is a hard rule); the fewest cells, one (A back on day 4, where it also
    # restores the coverage), is what the search finds on an idle machine, not asserted (a time-limited search)
    assert sum(cell is not None for cell in result.roster["A"]) == 12 and any(a == "A" for a, _ in changed)
    assert check(problem, result.roster) == [] and result.coverage_ratio == 1.0
