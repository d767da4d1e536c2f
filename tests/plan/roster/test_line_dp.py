"""The engine's line DP against enumeration: merged kinds and alike choices never change the cheapest line."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kefu.plan.roster.engine.lines import Counter, LineRules, best_line, compile_rules, line_cost, line_legal

H = 6
# choices: (early, skill 1), (early, skill 2), (late, skill 1), (late, skill 2), (mid, skill 1)
KIND = np.array([0, 0, 1, 1, 2], dtype=np.int64)


def _rules(*, rotation: bool) -> LineRules:
    """Three shifts, two skills; no early after late; 2–4 workdays; at most 2 lates; rotation costs with memory."""
    forbid = np.zeros((3, 3), dtype=np.bool_)
    forbid[1, 0] = True
    allowed = np.ones((H, 5), dtype=np.bool_)
    allowed[2, 4] = False  # mid not on day 2
    everywhere = np.zeros(H, dtype=np.int64)
    counters = (
        Counter("days", np.ones(5, dtype=np.int64), everywhere, np.array([2]), np.array([4])),
        Counter("lates", np.array([0, 0, 1, 1, 0], dtype=np.int64), everywhere, np.array([0]), np.array([2])),
    )
    trans = None
    if rotation:  # changing shift after a day off costs 5, keeping the last worked shift across a day off costs 3
        trans = np.zeros((H, 4, 4, 3))
        for gap in range(2, 4):
            for a in range(3):
                for b in range(3):
                    trans[:, gap, a, b] = 3.0 if a == b else 5.0
        trans[:, 1, 0, 2] = 2.0  # mid straight after early
    return LineRules(allowed, KIND, forbid, 3, counters=counters, trans=trans, memory=rotation)


def _enumerate(rules: LineRules, cost: np.ndarray) -> float:
    best = float("inf")
    for choice in itertools.product(range(-1, 5), repeat=H):
        if line_legal(rules, choice):
            best = min(best, line_cost(rules, cost, choice))
    return best


def test_alike_choices_and_kinds_are_grouped() -> None:
    """Both skills of a shift are one group; early and mid (nothing forbidden after either) share a state class."""
    shape = compile_rules(_rules(rotation=False))
    assert shape.group.tolist() == [0, 0, 1, 1, 2]
    assert shape.klass.tolist() == [0, 0, 1, 1, 0]
    assert shape.forbid.tolist() == [[False, False, False], [True, False, False]]
    # with rotation costs every shift is its own class (the cost depends on which one was worked)
    assert compile_rules(_rules(rotation=True)).klass.tolist() == [0, 0, 1, 1, 2]


@pytest.mark.parametrize("rotation", [False, True], ids=["plain", "rotation"])
def test_dp_equals_enumeration(rotation: bool) -> None:
    rules = _rules(rotation=rotation)
    shape = compile_rules(rules)
    rng = np.random.default_rng(3)
    for _trial in range(8):
        cost = rng.integers(-9, 10, size=(H, 6)).astype(float)
        found = best_line(shape, cost)
        assert found is not None
        line, value = found
        assert line_legal(rules, line)
        assert value == line_cost(rules, cost, line) == _enumerate(rules, cost)


def test_no_line_when_the_counters_cannot_be_met() -> None:
    """Two workdays at least, but only day 0 may be worked: no line."""
    rules = _rules(rotation=False)
    allowed = np.zeros((H, 5), dtype=np.bool_)
    allowed[0, :] = True
    blocked = LineRules(allowed, rules.kind, rules.forbid, rules.max_run, counters=rules.counters)
    assert best_line(compile_rules(blocked), np.zeros((H, 6))) is None
