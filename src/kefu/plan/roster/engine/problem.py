"""The general roster model the one engine solves: agents' line rules, and linear rows that tie agents together.

A roster is one *line* per agent: a work choice or a day off per day. Every
hard rule is per agent (``LineRules``), so the only things that tie agents
together are linear rows over what the lines work (``Coupling``):

- coverage: per cell (Curtois: a day and shift; the shop: a skill and a
  30-minute slot) the people or agent-minutes on duty, with a slack column
  for each missing and each surplus unit;
- whatever else an adapter adds with its own columns: break minutes placed
  inside their windows, the band of hours or nights within which a group of
  agents must stay fair.

Agents with the same rules, penalties and rows are one *type* (``agent_type``):
the master has one convexity row per type whose right-hand side is the
number of its agents, and a type's lines are priced once. A shop of
interchangeable agents so has a small, far less degenerate master (the
Curtois employees are each their own type). A line's column has a 1 in its
type's convexity row and, in the coupling rows, the sum over its worked days
of what that day's choice contributes — the same for every type
(``cell_rows``) plus rows of its own (``agent_rows``). Its cost is the type's
per-day penalties, the rules' transition costs and ``extra_cost`` (a
per-line cost the DP does not price). Everything is integer except costs,
so the same data builds the master LP (HiGHS) and the master IP (CP-SAT).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse

from kefu.plan.roster.engine.lines import REST, LineRules, LineShape, compile_rules, line_cost

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Line = tuple[int, ...]


@dataclass
class Coupling:
    """Rows shared by all agents and the non-line columns that live in them.

    ``cell_rows`` is a ``(days × choices) × rows`` matrix: row ``d * n_choices
    + c`` is what working choice ``c`` on day ``d`` adds to the coupling rows.
    ``agent_rows[a]`` lists ``(row, weights[day, choice])`` pairs adding agent
    ``a``'s own rows. Columns are given as a CSC matrix over the rows, with
    costs and bounds; ``col_integer`` says which the master IP keeps integral.
    """

    row_lo: FloatArray
    row_hi: FloatArray
    cell_rows: sparse.csr_matrix
    col_cost: FloatArray
    col_lo: FloatArray
    col_hi: FloatArray
    cols: sparse.csc_matrix  # rows × extra columns
    agent_rows: list[list[tuple[int, IntArray]]] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.row_lo)


@dataclass
class LineProblem:
    """Agent types' rules, per-day penalties, and the coupling rows: all the one engine needs.

    ``rules``, ``penalty``, ``shapes`` and ``coupling.agent_rows`` are per
    type; ``agent_type[a]`` is agent ``a``'s type (default: one type per agent).
    """

    horizon: int
    n_choices: int
    rules: list[LineRules]
    penalty: FloatArray  # [type, day, choice + off]
    coupling: Coupling
    shapes: list[LineShape] = field(default_factory=list)
    agent_type: list[int] = field(default_factory=list)
    extra_cost: Callable[[int, Line], float] | None = None  # (type, line) -> cost the DP does not price

    def __post_init__(self) -> None:
        if not self.shapes:
            self.shapes = [compile_rules(r) for r in self.rules]
        if not self.coupling.agent_rows:
            self.coupling.agent_rows = [[] for _ in self.rules]
        if not self.agent_type:
            self.agent_type = list(range(len(self.rules)))
        self.counts = np.bincount(np.asarray(self.agent_type, dtype=np.int64), minlength=len(self.rules))
        self.members: list[list[int]] = [[] for _ in self.rules]
        for a, t in enumerate(self.agent_type):
            self.members[t].append(a)

    @property
    def n_agents(self) -> int:
        return len(self.agent_type)

    @property
    def n_types(self) -> int:
        return len(self.rules)

    def line_penalty(self, t: int, line: Sequence[int]) -> float:
        """Type ``t``'s per-day penalties, transition costs and extra cost on ``line`` (its column's cost)."""
        extra = self.extra_cost(t, tuple(line)) if self.extra_cost is not None else 0.0
        return self.line_value(t, self.penalty[t], line) + extra

    def line_value(self, t: int, cost: FloatArray, line: Sequence[int]) -> float:
        """``line``'s cost under ``cost[day, choice]`` with type ``t``'s transition costs."""
        return line_cost(self.rules[t], cost, line)

    def line_rows(self, t: int, line: Sequence[int]) -> tuple[IntArray, FloatArray]:
        """The coupling rows ``line`` of type ``t`` touches and its coefficient in each (duplicates summed)."""
        idx = [d * self.n_choices + c for d, c in enumerate(line) if c != REST]
        block = self.coupling.cell_rows[idx]
        rows = [block.indices.astype(np.int64)]
        vals = [block.data.astype(np.float64)]
        for row, weights in self.coupling.agent_rows[t]:
            value = float(sum(weights[d, c] for d, c in enumerate(line) if c != REST))
            if value:
                rows.append(np.array([row], dtype=np.int64))
                vals.append(np.array([value]))
        r = np.concatenate(rows)
        v = np.concatenate(vals)
        if len(r) == 0:
            return r, v
        uniq, inv = np.unique(r, return_inverse=True)
        summed = np.bincount(inv, weights=v, minlength=len(uniq))
        keep = summed != 0
        return uniq[keep], summed[keep]

    def priced_costs(self, t: int, shared: FloatArray, duals: FloatArray) -> FloatArray:
        """``[day, choice]`` cost for type ``t``: its penalties less the rows' prices of each choice.

        ``shared`` is ``cell_rows @ duals`` reshaped to ``[day, choice]``,
        computed once per pricing round for every type.
        """
        cost: FloatArray = self.penalty[t].copy()
        cost[:, : self.n_choices] -= shared
        for row, weights in self.coupling.agent_rows[t]:
            if duals[row]:
                cost[:, : self.n_choices] -= duals[row] * weights
        return cost

    def shared_prices(self, duals: FloatArray) -> FloatArray:
        out: FloatArray = np.asarray(self.coupling.cell_rows @ duals).reshape(self.horizon, self.n_choices)
        return out
