"""The shop's month as the engine's general model: line rules per agent, coverage, break and fairness rows.

A work choice is a (shift, skill) pair — a multi-skill agent covers one
skill per shift — and its kind is the shift. Per agent (``agent_rules``):
leave, skills and night_ok restrict the choices; too little rest forbids a
shift after another; at most ``max_consecutive`` days in a row; workdays per
calendar month capped by the rest days owed, and bounded by the contract
(days and paid minutes, leave counted as worked); the seeds' rotation — a
week of one shift, the next week another — as transition costs: changing
shift inside a week costs ``switch``, keeping last week's shift costs
``rotate``.

Coupling rows (``coupling``):

- coverage per (skill, 30-minute slot) in agent-minutes, with a missing and
  a surplus column (``under`` / ``over`` per agent-minute);
- breaks: each worked (day, shift, skill) owes each break rule's minutes,
  placed by columns in the slots of its window (at most what the window
  leaves of a slot per agent), and every placed minute leaves the coverage.
  This is a relaxation of the second stage's placement (quarter hours, one
  break at a time), so the coverage LP bound is a bound on the coverage
  after breaks;

Agents with the same skills, night_ok, leave, contract, preferences and
stored line are one type (``engine.problem``): the master asks for as many
lines of the type as it has agents, and prices them once.

Fairness (``Fairness``): per group of agents on the same contract and per
measure (paid minutes, evening and night shifts, weekend days, holidays)
every member's total should lie in a band as wide as the supervisor's
tolerance, centred on the group's mean in the coverage LP (``fair_bands``).
A line outside the band pays ``weight`` per unit outside: a per-line cost
(``LineProblem.extra_cost``) the DP does not price, so it shapes which lines
the master and the dives pick, and the LNS (``polish``) works on the same
terms.

``coverage_only`` builds the problem whose LP value bounds the missing
agent-minutes: no penalties, no rotation, no fairness, ``under`` = 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from kefu.plan.roster.engine.lines import REST, Counter, LineRules, best_line, compile_rules, days_counter
from kefu.plan.roster.engine.problem import LineProblem
from kefu.plan.roster.month.fairness import (
    Band,
    fair_counters,
    fair_measures,
    fairness_groups,
    line_totals,
    outside,
    tolerances,
)
from kefu.plan.roster.month.rows import RowBuilder
from kefu.plan.roster.rules import contract_bounds, forbidden_successions, month_parts
from kefu.plan.roster.types import SLOT, Agent, Assignment, Roster, RosterProblem

INF = math.inf


@dataclass
class MonthModel:
    """The engine's problem for a month and the translation between its lines and a ``Roster``."""

    problem: RosterProblem
    choices: list[tuple[int, str]]  # (shift index, skill) per work choice
    lines: LineProblem
    need: float  # agent-minutes required over the horizon (the coverage ratio's denominator)
    measures: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)  # name -> [day, choice] amounts
    group_of: list[int] = field(default_factory=list)  # agent -> fairness group
    bands: dict[tuple[int, str], Band] = field(default_factory=dict)  # (group, measure) -> band
    hard: list[frozenset[str]] = field(default_factory=list)  # per type: the bands that are line rules
    band_columns: dict[tuple[int, str], int] = field(default_factory=dict)  # (group, measure) -> LP column of its low
    index: dict[tuple[str, str], int] = field(default_factory=dict)  # (shift code, skill) -> choice
    slacks: list[tuple[int, int, int, int]] = field(default_factory=list)  # re-plan: a coverage row's slack columns
    slack_keys: list[tuple[str, int]] = field(default_factory=list)  # the (skill, slot) of each of ``slacks``
    kept_short: dict[tuple[str, int], float] = field(default_factory=dict)  # re-plan: (skill, slot) -> free shortfall

    def __post_init__(self) -> None:
        self.index = {(self.problem.shifts[s].code, k): c for c, (s, k) in enumerate(self.choices)}
        self.weights = tolerances(self.problem)
        self.group_of_type = [self.group_of[m[0]] for m in self.lines.members]

    def group_bands(self, g: int) -> dict[str, Band]:
        return {name: band for (group, name), band in self.bands.items() if group == g}

    def fairness_cost(self, t: int, line: tuple[int, ...]) -> float:
        """What type ``t``'s ``line`` pays for lying outside its group's bands (those not already line rules)."""
        skip = self.hard[t] if self.hard else frozenset()
        return outside(self.group_bands(self.group_of_type[t]), self.weights, line_totals(self.measures, line), skip)

    def to_lines(self, roster: Roster) -> list[list[int]]:
        out = []
        for agent in self.problem.agents:
            line = roster.get(agent.id, [None] * self.problem.days)
            out.append([REST if cell is None else self.index[(cell.shift, cell.skill)] for cell in line])
        return out

    def need_minutes(self) -> dict[tuple[str, int], float]:
        """Agent-minutes asked per (skill, slot), less a re-plan's free shortfall (``replan``): what the
        local searches (``polish``, ``repair``) aim to cover."""
        return {(k, t): max(0.0, v * SLOT - self.kept_short.get((k, t), 0.0))
                for k, req in self.problem.requirement.items() for t, v in enumerate(req) if v}  # fmt: skip

    def to_roster(self, lines: list[list[int]]) -> Roster:
        shifts = self.problem.shifts
        return {
            agent.id: [None if c == REST else Assignment(shifts[self.choices[c][0]].code, self.choices[c][1])
                       for c in line]
            for agent, line in zip(self.problem.agents, lines, strict=True)
        }


def work_choices(problem: RosterProblem) -> list[tuple[int, str]]:
    return [(s, k) for s in range(len(problem.shifts)) for k in problem.skills]


def _week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso[0], iso[1]


def rotation_costs(problem: RosterProblem, run_dim: int) -> npt.NDArray[np.float64] | None:
    """``trans[day, gap, previous shift, shift]``: changing shift inside an ISO week, or keeping last week's."""
    w = problem.weights
    n_k = len(problem.shifts)
    if n_k < 2 or (w.switch == 0 and w.rotate == 0):
        return None
    dates = problem.dates()
    trans = np.zeros((problem.days, run_dim + 1, n_k + 1, n_k))
    for d in range(problem.days):
        for gap in range(1, run_dim + 1):
            before = d - gap
            same_week = before >= 0 and _week(dates[before]) == _week(dates[d]) if before >= 0 else False
            for a in range(n_k):
                for b in range(n_k):
                    if same_week and a != b:
                        trans[d, gap, a, b] = w.switch
                    elif not same_week and a == b:
                        trans[d, gap, a, b] = w.rotate
    return trans


def agent_rules(problem: RosterProblem, agent: Agent, choices: list[tuple[int, str]], *, rotation: bool = True,
                fair: tuple[Counter, ...] = ()) -> LineRules:
    """Agent ``agent``'s hard rules (with ``rotation``, the rotation costs; ``fair``: band counters) as a line automaton."""
    h, shifts = problem.days, problem.shifts
    dates = problem.dates()
    allowed = np.zeros((h, len(choices)), dtype=np.bool_)
    for c, (s, k) in enumerate(choices):
        if k in agent.skills and not (shifts[s].night and not agent.night_ok):
            allowed[:, c] = [day not in agent.leave for day in dates]
    off_ok = np.ones(h, dtype=np.bool_)
    previous = (problem.previous or {}).get(agent.id)
    if previous is not None:
        for d in range(min(problem.frozen_days, h)):
            cell = previous[d] if d < len(previous) else None
            allowed[d, :] = False
            if cell is not None:
                allowed[d, [c for c, (s, k) in enumerate(choices) if shifts[s].code == cell.shift and k == cell.skill]] = True
                off_ok[d] = False
    n_k = len(shifts)
    forbid = np.zeros((n_k, n_k), dtype=np.bool_)
    for a, b, gap in forbidden_successions(shifts, problem.rules.min_rest_hours):
        if gap == 1:
            forbid[a, b] = True
    counters = [*_counters(problem, agent, choices), *fair]
    run_dim = max(problem.rules.max_consecutive, 1)
    trans = rotation_costs(problem, run_dim) if rotation else None
    return LineRules(allowed, np.array([s for s, _k in choices], dtype=np.int64), forbid, problem.rules.max_consecutive,
                     counters=tuple(counters), off_ok=off_ok, trans=trans, memory=trans is not None)


def _counters(problem: RosterProblem, agent: Agent, choices: list[tuple[int, str]]) -> list[Counter]:
    """Workdays per calendar month (rest owed), contract days and contract paid minutes."""
    h, shifts = problem.days, problem.shifts
    owed = contract_bounds(problem, agent)
    parts = month_parts(problem.start, h, problem.rules)
    everywhere = np.zeros(h, dtype=np.int64)
    paid = np.array([shifts[s].paid_minutes for s, _k in choices], dtype=np.int64)
    g = 0
    for m in paid:
        g = math.gcd(g, int(m))
    g = max(g, 1)
    out: list[Counter] = []
    max_units = None if owed.max_minutes is None else owed.max_minutes // g
    hours_bound = owed.min_minutes > 0 or max_units is not None
    part_caps = [(p.last - p.first) - p.rest_days for p in parts]
    n_c = len(choices)
    if len(parts) == 1:
        hi = part_caps[0] if owed.max_days is None else min(part_caps[0], owed.max_days)
        implied = owed.min_days == 0 and max_units is not None and max_units * g // int(paid.min()) <= hi
        if not implied or owed.max_days is not None:
            out.append(days_counter("days", n_c, everywhere, np.array([owed.min_days]), np.array([hi])))
    else:
        window = np.zeros(h, dtype=np.int64)
        for i, p in enumerate(parts):
            window[p.first : p.last] = i
        out.append(days_counter("month days", n_c, window, np.zeros(len(parts), dtype=np.int64), np.array(part_caps)))
        if owed.min_days or owed.max_days is not None:
            out.append(days_counter("days", n_c, everywhere, np.array([owed.min_days]),
                                    np.array([h if owed.max_days is None else owed.max_days])))
    if hours_bound:
        top = h * int(paid.max()) // g
        out.append(Counter("minutes", paid // g, everywhere, np.array([-(-owed.min_minutes // g)]),
                           np.array([top if max_units is None else min(top, max_units)])))
    return out


def _penalties(problem: RosterProblem, choices: list[tuple[int, str]]) -> npt.NDArray[np.float64]:
    """Per agent, day and choice (the last is the day off): preferences and the cost of changing a stored cell."""
    w, shifts = problem.weights, problem.shifts
    n_c = len(choices)
    pen = np.zeros((len(problem.agents), problem.days, n_c + 1))
    where = {a.id: i for i, a in enumerate(problem.agents)}
    code_of = np.array([shifts[s].code for s, _k in choices])
    for p in problem.preferences:
        a, d = where.get(p.agent), (p.day - problem.start).days
        if a is None or not 0 <= d < problem.days:
            continue
        cost = w.preference * p.weight
        if p.shift == "":
            pen[a, d, :n_c] += cost
        else:
            pen[a, d, :n_c] += np.where(code_of == p.shift, 0, cost)
            pen[a, d, n_c] += cost
    for agent_id, line in (problem.previous or {}).items():
        a = where.get(agent_id)
        if a is None:
            continue
        for d in range(problem.frozen_days, min(problem.days, len(line))):
            cell = line[d]
            if cell is None:
                pen[a, d, :n_c] += w.change
                continue
            same_shift = code_of == cell.shift
            pen[a, d, :n_c] += np.where(same_shift, 0, w.change)
            pen[a, d, n_c] += w.change
    return pen


def _agent_key(problem: RosterProblem, agent: Agent, group: int) -> tuple[object, ...]:
    """What makes two agents interchangeable for the engine (same type)."""
    dates = problem.dates()
    prefs = tuple(sorted((p.day, p.shift, p.weight) for p in problem.preferences if p.agent == agent.id))
    stored = tuple((problem.previous or {}).get(agent.id, ()))
    return (tuple(sorted(agent.skills)), agent.night_ok, tuple(d for d in dates if d in agent.leave),
            contract_bounds(problem, agent), group, prefs, stored)


def build_model(problem: RosterProblem, *, coverage_only: bool = False, bands: dict[tuple[int, str], Band] | None = None
                ) -> MonthModel:
    """The month as a ``LineProblem`` (``coverage_only``: the problem whose LP bounds the missing minutes).

    ``bands`` (group, measure) -> fair band (``fairness.fair_bands``);
    without them nothing is balanced.
    """
    choices = work_choices(problem)
    groups = fairness_groups(problem)
    group_of = [0] * len(problem.agents)
    for g, members in enumerate(groups):
        for a in members:
            group_of[a] = g
    keys: dict[tuple[object, ...], int] = {}
    agent_type = [keys.setdefault(_agent_key(problem, agent, group_of[a]), len(keys))
                  for a, agent in enumerate(problem.agents)]
    reps = [agent_type.index(t) for t in range(len(keys))]
    measures = fair_measures(problem, choices)
    rules: list[LineRules] = []
    hard: list[frozenset[str]] = []
    for a in reps:
        agent = problem.agents[a]
        base = agent_rules(problem, agent, choices, rotation=not coverage_only)
        mine = {name: band for (g, name), band in (bands or {}).items() if g == group_of[a]}
        owed = contract_bounds(problem, agent)
        fair = fair_counters(problem, choices, measures, mine, (owed.min_days, owed.max_days or problem.days),
                             compile_rules(base).states) if mine and not coverage_only else []
        with_fair = agent_rules(problem, agent, choices, rotation=not coverage_only, fair=tuple(fair)) if fair else base
        if fair and best_line(compile_rules(with_fair), np.zeros((problem.days, len(choices) + 1))) is None:
            fair, with_fair = [], base  # the bands leave this type no line: they stay costs
        rules.append(with_fair)
        hard.append(frozenset(c.name.removeprefix("fair ") for c in fair))
    if coverage_only:
        penalty = np.zeros((len(reps), problem.days, len(choices) + 1))
    else:
        penalty = _penalties(problem, choices)[reps]
    rows = RowBuilder(problem, choices, rules)
    kept_under = None if problem.previous is None else (1 if coverage_only else 0)
    rows.coverage(1 if coverage_only else problem.weights.under, 0 if coverage_only else problem.weights.over, kept_under)
    rows.breaks()
    group_of_type = [group_of[a] for a in reps]
    counts = np.bincount(np.asarray(agent_type), minlength=len(reps))
    # in the coverage bound a band widens for free: it must bound every roster the hard rules allow, fair or
    # not (fairness is a cost); the rows are there so the roster's column generation continues this one
    band_columns = rows.fairness(group_of_type, counts, measures, tolerances(problem), free=coverage_only,
                                kept=problem.previous is not None)
    lines = LineProblem(problem.days, len(choices), rules, penalty, rows.coupling(), agent_type=agent_type)
    model = MonthModel(problem, choices, lines, rows.need, measures, group_of, dict(bands or {}), hard, band_columns,
                       slacks=rows.slacks, slack_keys=rows.slack_keys)
    if bands and not coverage_only:
        lines.extra_cost = model.fairness_cost
    return model


def bands_from(model: MonthModel, lines_by_type: list[list[tuple[int, ...]]], lam: list[list[float]]
               ) -> dict[tuple[int, str], Band]:
    """Each group's fair band per measure: as wide as the tolerance, centred on the group's mean in the LP.

    Counts get whole bands [lo, lo + tolerance] holding the mean. A group of
    one agent has nobody to be fair to: no band (it would only push the
    agent toward the LP's arbitrary choice, e.g. a shift nobody needs).
    """
    tol = tolerances(model.problem)
    sizes = np.bincount(np.asarray(model.group_of, dtype=np.int64))
    sums: dict[tuple[int, str], float] = {}
    mass: dict[int, float] = {}
    for t, (lines, lams) in enumerate(zip(lines_by_type, lam, strict=False)):
        g = model.group_of_type[t]
        if sizes[g] < 2:
            continue
        for line, x in zip(lines, lams, strict=False):  # lines priced after the last LP solve have no λ
            if x <= 1e-9:
                continue
            mass[g] = mass.get(g, 0.0) + x
            for name, value in line_totals(model.measures, line).items():
                if name in tol:
                    sums[(g, name)] = sums.get((g, name), 0.0) + x * value
    out: dict[tuple[int, str], Band] = {}
    for (g, name), total in sums.items():
        mean, width = total / mass[g], tol[name][0]
        if name == "hours":
            out[(g, name)] = (mean - width / 2, mean + width / 2)
        else:
            lo = max(0, round(mean - width / 2))
            out[(g, name)] = (float(lo), float(lo + width))
    return out
