"""Column generation for Curtois: exact line pricing, the LP bound, and the bound proving optima."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from kefu.plan.roster.curtois import mapping
from kefu.plan.roster.curtois.mapping import ExactLine, employee_rules, line_problem, suits
from kefu.plan.roster.curtois.reader import (
    REST,
    Instance,
    line_violations,
    objective,
    parse_instance,
    violations,
)
from kefu.plan.roster.curtois.solve import solve
from kefu.plan.roster.engine import lines
from kefu.plan.roster.engine.colgen import ColumnGeneration, lower_bound
from support import shared_path


def _instance(horizon: int, shifts: str, staff: str, days_off: str = "") -> Instance:
    ids = [line.split(",")[0] for line in shifts.splitlines() if line]
    cover = "\n".join(f"{d},{s},1,100,1" for d in range(horizon) for s in ids)
    return parse_instance(
        f"SECTION_HORIZON\n{horizon}\n\nSECTION_SHIFTS\n{shifts}\n\nSECTION_STAFF\n{staff}\n\n"
        f"SECTION_DAYS_OFF\n{days_off}\n\nSECTION_COVER\n{cover}\n",
        "hand",
    )


# one shift type over two weeks: min runs of 2 days on and 2 off, 1 weekend, a day off
TWO_WEEKS = _instance(14, "D,480,", "A,D=14,4800,2880,4,2,2,1", "A,3")
# three shift types over a week: forbidden successions, two caps, minutes in 120-minute units
THREE_SHIFTS = _instance(7, "E,480,\nL,480,E\nN,600,E|L", "A,E=7|L=2|N=1,2640,1440,5,1,1,1")
# two early shifts alike as yesterday's shift (one DP class), all 480 minutes (workdays counted as days off)
ALIKE = _instance(7, "a1,480,\na2,480,\nd1,480,a1|a2", "A,a1=7|a2=7|d1=3,2880,1920,4,2,1,1", "A,5")


def _brute_force(inst: Instance, cost: np.ndarray) -> float:
    """The cheapest line by enumerating every line and asking the independent validator."""
    n_s = len(inst.shifts)
    best = float("inf")
    for choice in itertools.product(range(n_s + 1), repeat=inst.horizon):
        line = [REST if c == n_s else c for c in choice]
        if not line_violations(inst, 0, line):
            best = min(best, float(sum(cost[d, c] for d, c in enumerate(choice))))
    return best


def _cg(inst: Instance) -> ColumnGeneration:
    return ColumnGeneration(line_problem(inst), ExactLine(inst))


def _priced(inst: Instance, cg: ColumnGeneration, mu: np.ndarray) -> np.ndarray:
    """Employee 0's request penalties less the cells' prices, computed here from the instance."""
    cost = cg.problem.penalty[0].copy()
    for k, (d, s) in enumerate(sorted(inst.cover)):
        cost[d, s] -= mu[k]
    return cost


@pytest.mark.parametrize("inst", [TWO_WEEKS, THREE_SHIFTS, ALIKE], ids=["two_weeks", "three_shifts", "alike"])
@pytest.mark.parametrize("budget", [lines.STATE_BUDGET, 1], ids=["caps_tracked", "caps_checked"])
def test_priced_line_is_the_cheapest_legal_line(
    inst: Instance, budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DP (and, with no room for caps in the state, its CP-SAT fallback) equal enumeration."""
    monkeypatch.setattr(lines, "STATE_BUDGET", budget)
    cg = _cg(inst)
    rng = np.random.default_rng(7)
    for _trial in range(6):
        mu = rng.integers(-1, 101, size=len(inst.cover)).astype(float)
        answer = cg.price(0, mu)
        assert answer is not None
        line, value, exact = answer
        assert exact
        assert line_violations(inst, 0, line) == []
        assert value == _brute_force(inst, _priced(inst, cg, mu))


def test_alike_shifts_share_a_state_and_equal_lengths_count_days_off() -> None:
    """a1 and a2 are one class; 4–6 workdays of 480 minutes in 7 are tracked as 1–3 days off."""
    rules = employee_rules(ALIKE, 0)
    shape = lines.compile_rules(rules)
    assert shape.klass.tolist() == [0, 0, 1]
    assert shape.group.tolist() == [0, 0, 1]
    assert shape.forbid.tolist() == [[False, False, False], [True, True, False]]
    minutes = rules.counters[0]
    assert (minutes.off, minutes.lo.tolist(), minutes.hi.tolist(), minutes.inc.tolist()) == (1, [1], [3], [0, 0, 0])
    # (2 classes + off) x 4 run lengths x 4 days-off values x 2 weekend values x 4 d1-cap values
    assert shape.states == 3 * 4 * 4 * 2 * 4


def test_untracked_cap_broken_by_the_dp_goes_to_cp_sat(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the L and N caps left out of the state, the DP alone would break them."""
    monkeypatch.setattr(lines, "STATE_BUDGET", 1)
    shape = lines.compile_rules(employee_rules(THREE_SHIFTS, 0))
    assert [c.name for c in shape.checked] == ["cap N", "cap L"]
    assert shape.tracked_names == ("minutes", "weekends")
    cost = np.zeros((7, 4))
    cost[:, 2] = -50.0  # N is very attractive every day: the DP would take it more than once
    assert lines.best_line(shape, cost) is None
    cg = _cg(THREE_SHIFTS)
    mu = np.array([50.0 if s == 2 else 0.0 for _d, s in sorted(THREE_SHIFTS.cover)])
    answer = cg.price(0, mu)
    assert answer is not None
    line, value, exact = answer
    assert exact and line_violations(THREE_SHIFTS, 0, line) == [] and line.count(2) == 1
    assert value == _brute_force(THREE_SHIFTS, _priced(THREE_SHIFTS, cg, mu)) == -50.0


def test_impossible_contract_has_no_line() -> None:
    """Minimum minutes above what the days off leave: the DP says so instead of returning a line."""
    inst = _instance(7, "D,480,", "A,D=7,4800,2400,5,1,1,1", "A,0,1,2,3")
    assert lines.best_line(lines.compile_rules(employee_rules(inst, 0)), np.zeros((7, 2))) is None


def test_lp_bound_on_instances_2_and_3_is_their_optimum() -> None:
    """The column-generation bound equals the proven optima 828 and 1001 (the x[e,d,s] LP is far below)."""
    for number, optimum in ((2, 828), (3, 1001)):
        inst = parse_instance(shared_path("benchmarks", "curtois", f"Instance{number}.txt").read_text(), "i")
        cg = _cg(inst)
        assert suits(cg.problem)
        for e in range(inst.n_emps):
            cg.add(e, [REST] * inst.horizon if inst.staff[e].min_minutes == 0 else _any_line(cg, e))
        with ThreadPoolExecutor(2) as pool:
            bound, lam = lower_bound(cg, deadline=float("inf"), pool=pool)
        assert bound.lower == optimum
        assert all(abs(sum(x) - 1.0) < 1e-6 for x in lam)


def _any_line(cg: ColumnGeneration, e: int) -> list[int]:
    answer = cg.price(e, np.zeros(cg.problem.coupling.n_rows))
    assert answer is not None
    return answer[0]


def test_bound_proves_instance_3_optimal() -> None:
    inst = parse_instance(shared_path("benchmarks", "curtois", "Instance3.txt").read_text(), "Instance3")
    res = solve(inst, time_limit=30)
    assert (res.objective, res.lower_bound, res.status) == (1001, 1001, "OPTIMAL")


def test_json_output_stays_clean_when_highs_starts(tmp_path: Path) -> None:
    """HiGHS prints a banner on its first instance; ``--json`` must still be one JSON document.

    Properties of the answer only, never what the solver proves within N seconds (on a
    loaded machine it may stop at FEASIBLE): a legal roster whose recomputed objective is
    the one printed, and no better than the bound (5 shifts at most: 2 days uncovered).
    """
    text = ("SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\nA,D=7,2400,960,5,1,1,1\n\n"
            "SECTION_COVER\n" + "\n".join(f"{d},D,1,100,1" for d in range(7)) + "\n")
    path = tmp_path / "one.txt"
    path.write_text(text)
    out = subprocess.run(
        [sys.executable, "-m", "kefu", "roster", "curtois", str(path), "--time-limit", "2", "--json"],
        capture_output=True, text=True, check=True,
    )
    body = json.loads(out.stdout)  # the whole of stdout is one JSON document
    assert body["status"] in ("OPTIMAL", "FEASIBLE")
    inst = parse_instance(text, "one")
    roster = [[REST if c == "" else 0 for c in body["roster"]["A"]]]
    assert violations(inst, roster) == []
    assert body["objective"] == objective(inst, roster) >= 200


def test_pricing_out_of_time_proves_no_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CP-SAT fallback that finds nothing in its time: no column, no bound claimed, no crash."""
    monkeypatch.setattr(lines, "STATE_BUDGET", 1)
    monkeypatch.setattr(mapping, "FALLBACK_SECONDS", 1e-9)
    cg = _cg(THREE_SHIFTS)
    cg.add(0, [0, 0, REST, 0, 0, REST, REST])  # 4 early shifts: 1920 minutes, a legal line
    mu = np.array([50.0 if s == 2 else 0.0 for _d, s in sorted(THREE_SHIFTS.cover)])
    assert cg.price(0, mu) is None
    with ThreadPoolExecutor(1) as pool:
        bound, lam = lower_bound(cg, deadline=float("inf"), pool=pool)
    assert (bound.lower, lam) == (0, [[1.0]])
