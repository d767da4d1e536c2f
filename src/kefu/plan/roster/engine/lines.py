"""One agent's rules as a line automaton, and the exact cheapest line under given day costs (``dp``).

Column generation asks, dozens of times per agent, for the whole-horizon line
of least cost, where a day's cost is its request or preference penalty minus
the coverage duals of what that day's choice covers. Every per-agent rule of
both the shop's month and the Curtois & Qu instances is a state transition of
one forward dynamic programme:

- a *choice* per day: one of the work choices (a shift, or a shift and the
  skill covered), or the day off; ``allowed`` and ``off_ok`` restrict them per
  day (leave, days off, night_ok, skills, cells fixed by a re-plan or a
  branching decision);
- the *kind* of a work choice (its shift) decides forbidden successions
  (``forbid``: too little rest) and the transition costs (rotation: changing
  shift inside a week, keeping it across weeks);
- *runs*: maximum and minimum work runs and minimum runs off (runs touching
  either end of the horizon exempt from the minimums when ``relaxed_ends``,
  the Curtois reading); days before the horizon count as days off;
- *counters* accumulated per window of days and bounded at the window's end:
  worked minutes, workdays per calendar month or per contract, weekends
  worked, one shift type's count. A counter the state cannot afford (over
  ``STATE_BUDGET``) is *checked* on the answer instead; an answer that breaks
  it is not exact and the caller asks its fallback.

The state after a day is (yesterday's kind or off, current run length, the
last worked kind when transition costs need memory across days off, the
tracked counters' values).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kefu.plan.roster.engine.dp import INF, BoolArray, FloatArray, IntArray, dp
from kefu.plan.roster.engine.states import choice_groups, kind_classes

REST = -1  # a line's value for a day off
STATE_BUDGET = 60_000  # states per day; optional counters that would exceed it are checked afterwards


@dataclass(frozen=True)
class Counter:
    """A quantity a line accumulates, bounded per window of days.

    ``inc[c]`` is added on a day whose ``window`` is not -1 when choice ``c``
    is worked, and ``off`` when the day is off (counting rest days instead
    of workdays keeps a nearly full month's counter small: 0–4 rather than
    0–27); the window's total must stay within ``hi`` and reach ``lo`` by
    its last day. With ``once_per_group`` a stretch of consecutive counted
    days of one window is counted once (a weekend: Saturday, or Sunday after a
    Saturday off); that reading needs every work choice to count the same.
    """

    name: str
    inc: IntArray  # per work choice
    window: IntArray  # per day: window index, -1 = not counted
    lo: IntArray  # per window
    hi: IntArray  # per window
    once_per_group: bool = False
    required: bool = True  # False: may be checked on the answer instead of tracked
    off: int = 0  # added on a day off


@dataclass(frozen=True)
class LineRules:
    """Everything that decides which lines one agent may work, and the costs that do not depend on duals."""

    allowed: BoolArray  # [day, work choice]
    kind: IntArray  # per work choice: its shift (transition class)
    forbid: BoolArray  # [kind, kind]: the second may not follow the first on the next day
    max_run: int
    min_run: int = 1
    min_off: int = 1
    relaxed_ends: bool = False
    counters: tuple[Counter, ...] = ()
    off_ok: BoolArray | None = None  # [day]: a day off is possible (None: every day)
    # [day, days since the previous worked day (capped), previous kind (n_kinds = none), kind]: the cost of
    # working ``kind`` on ``day`` after it (rotation); the previous kind is yesterday's only, unless ``memory``
    trans: FloatArray | None = None
    memory: bool = False  # trans sees the last worked kind across days off

    @property
    def horizon(self) -> int:
        return int(self.allowed.shape[0])

    @property
    def n_kinds(self) -> int:
        return int(self.forbid.shape[0])


@dataclass(frozen=True)
class LineShape:
    """The compiled arrays of one agent's DP (everything except the dual-dependent day costs)."""

    rules: LineRules
    off_ok: BoolArray
    trans: FloatArray  # [day, gap, class of the previous kind (n_classes = none), kind]
    klass: IntArray  # per work choice: the class of its kind (the DP's state)
    forbid: BoolArray  # [class, kind]
    group: IntArray  # per work choice: choices that reach the same state at the same cost but the day's (``choice_groups``)
    inc: IntArray  # [tracked counter, choice]; the last column is the day off
    window: IntArray  # [tracked counter, day]
    cont: BoolArray  # [tracked counter, day]: the day continues an already counted group
    ends: BoolArray  # [tracked counter, day]: the counter's window ends after this day
    lo: IntArray  # [tracked counter, day]: the bound checked when the window ends that day
    hi: IntArray  # [tracked counter, day]: the bound of that day's window
    radix: IntArray
    checked: tuple[Counter, ...]
    states: int
    resets: int  # days on which some tracked window ends before the horizon does
    tracked_names: tuple[str, ...] = field(default=())


def _group_cont(counter: Counter) -> BoolArray:
    w = counter.window
    cont = np.zeros(len(w), dtype=np.bool_)
    if counter.once_per_group:
        cont[1:] = (w[1:] >= 0) & (w[1:] == w[:-1])
    return cont


def compile_rules(rules: LineRules) -> LineShape:
    """The DP arrays of ``rules``; optional counters become state dimensions, in the given order, while they fit."""
    h, n_k = rules.horizon, rules.n_kinds
    trans_k = rules.trans if rules.trans is not None else np.zeros((h, 2, n_k + 1, n_k))
    kind_class, reps = kind_classes(rules.forbid, trans_k)
    n_cls = len(reps)
    run = max(rules.max_run, rules.min_off, 1)
    base = (n_cls + 1) * run * ((n_cls + 1) if rules.memory else 1)
    tracked: list[Counter] = []
    checked: list[Counter] = []
    size = base
    for c in rules.counters:
        span = int(c.hi.max(initial=0)) + 1
        if c.required or size * span <= STATE_BUDGET:
            size *= span
            tracked.append(c)
        else:
            checked.append(c)
    n_t = len(tracked)
    radix = np.ones(n_t + 1, dtype=np.int64)
    inc = np.zeros((n_t, rules.allowed.shape[1] + 1), dtype=np.int64)
    window = np.full((n_t, h), -1, dtype=np.int64)
    cont = np.zeros((n_t, h), dtype=np.bool_)
    ends = np.zeros((n_t, h), dtype=np.bool_)
    lo = np.zeros((n_t, h), dtype=np.int64)
    hi = np.zeros((n_t, h), dtype=np.int64)
    reset_days = np.zeros(h, dtype=np.bool_)
    for q, c in enumerate(tracked):
        radix[q + 1] = radix[q] * (int(c.hi.max(initial=0)) + 1)
        inc[q, :-1] = c.inc
        inc[q, -1] = c.off
        window[q] = c.window
        cont[q] = _group_cont(c)
        for w in range(len(c.lo)):
            days = np.flatnonzero(c.window == w)
            if len(days) == 0:
                continue
            last = int(days[-1])
            ends[q, last] = True
            lo[q, last] = c.lo[w]
            hi[q, days] = c.hi[w]
            if last < h - 1:
                reset_days[last] = True
    off_ok = rules.off_ok if rules.off_ok is not None else np.ones(h, dtype=np.bool_)
    trans = np.ascontiguousarray(trans_k[:, :, [*reps, n_k], :])
    forbid = np.ascontiguousarray(rules.forbid[reps])
    group = choice_groups(rules, kind_class, trans_k, rules.counters)
    return LineShape(rules, off_ok, trans, kind_class[rules.kind], forbid, group, inc, window, cont, ends, lo, hi,
                     radix, tuple(checked), size, int(reset_days.sum()), tuple(c.name for c in tracked))


def counter_breaks(counter: Counter, line: Sequence[int] | IntArray) -> bool:
    """Whether ``line`` breaks ``counter`` (each window's total within [lo, hi])."""
    totals = np.zeros(len(counter.lo), dtype=np.int64)
    prev_worked = False
    for d, c in enumerate(line):
        w = counter.window[d]
        worked = c != REST
        if w >= 0 and worked:
            grouped = counter.once_per_group and d > 0 and counter.window[d - 1] == w and prev_worked
            if not grouped:
                totals[w] += counter.inc[c]
        elif w >= 0:
            totals[w] += counter.off
        prev_worked = worked
    return bool(np.any(totals < counter.lo) or np.any(totals > counter.hi))


def line_legal(rules: LineRules, line: Sequence[int] | IntArray) -> bool:
    """Whether ``line`` keeps to ``rules`` (choices allowed, successions, maximum run, counters).

    The minimum runs are not checked: only the Curtois rules have them, and
    they never change under a Curtois line (``ColumnGeneration.retarget``).
    """
    run = 0
    for d, c in enumerate(line):
        if c == REST:
            if rules.off_ok is not None and not rules.off_ok[d]:
                return False
            run = 0
            continue
        if not rules.allowed[d, c]:
            return False
        if d > 0 and line[d - 1] != REST and rules.forbid[rules.kind[line[d - 1]], rules.kind[c]]:
            return False
        run += 1
        if run > rules.max_run:
            return False
    return not any(counter_breaks(counter, line) for counter in rules.counters)


def line_cost(rules: LineRules, cost: FloatArray, line: Sequence[int] | IntArray) -> float:
    """``cost[day, choice]`` (the last choice is the day off) plus the transition costs along ``line``."""
    n_c = cost.shape[1] - 1
    total = 0.0
    none = rules.n_kinds
    prev, worked_on = none, -(10**6)  # nobody worked before the horizon
    for d, c in enumerate(line):
        if c == REST:
            total += cost[d, n_c]
            continue
        k = int(rules.kind[c])
        total += cost[d, c]
        if rules.trans is not None:
            gap = min(d - worked_on, rules.trans.shape[1] - 1)
            before = prev if (rules.memory or gap == 1) else none
            total += rules.trans[d, gap if before != none else rules.trans.shape[1] - 1, before, k]
        prev, worked_on = k, d
    return float(total)


def best_line(shape: LineShape, cost: FloatArray) -> tuple[list[int], float] | None:
    """The least-cost legal line for ``cost[day, choice]`` (choice ``n_choices`` = day off), or None.

    None also when the answer breaks a counter the DP did not track: the
    caller then asks its exact fallback instead.
    """
    r = shape.rules
    line = np.full(cost.shape[0], -2, dtype=np.int64)
    value = dp(
        np.ascontiguousarray(cost), shape.trans, r.kind, shape.klass, shape.group, shape.forbid, r.allowed, shape.off_ok, r.max_run, r.min_run,
        r.min_off, r.relaxed_ends, r.memory, shape.inc, shape.window, shape.cont, shape.ends, shape.lo, shape.hi,
        shape.radix, shape.resets, line,
    )
    if value >= INF / 2:
        return None
    n_c = cost.shape[1] - 1
    out = [REST if c == n_c else int(c) for c in line]
    if any(counter_breaks(c, out) for c in shape.checked):
        return None
    return out, float(value)


def warm() -> None:
    """Compile the DP into numba's on-disk cache (``make install``), so no solve pays the ~1 s compile."""
    h = 7
    days = np.zeros(h, dtype=np.int64)
    rules = LineRules(np.ones((h, 1), dtype=np.bool_), np.zeros(1, dtype=np.int64), np.zeros((1, 1), dtype=np.bool_),
                      5, counters=(Counter("days", np.ones(1, dtype=np.int64), days, np.array([1]), np.array([5])),))
    best_line(compile_rules(rules), np.zeros((h, 2)))


def days_counter(name: str, n_choices: int, window: IntArray, lo: IntArray, hi: IntArray) -> Counter:
    """Workdays per window within [lo, hi]: counted as workdays, or as days off when that range is smaller."""
    lengths = np.bincount(window[window >= 0], minlength=len(lo)).astype(np.int64)
    if int((lengths - lo).max(initial=0)) < int(hi.max(initial=0)):
        return Counter(name, np.zeros(n_choices, dtype=np.int64), window, lengths - hi, lengths - lo, off=1)
    return Counter(name, np.ones(n_choices, dtype=np.int64), window, lo, hi)
