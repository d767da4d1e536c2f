"""The column-generation master LP, kept in one HiGHS instance and re-solved warm.

Rebuilding the LP each round cost 0.3 s on instance 12 (2 700 lines), 80 % of
the root column generation; adding the new columns to a live HiGHS model and
re-solving from the previous basis takes milliseconds. Fixing an employee's
line (diving) only changes row bounds: the agent's convexity row drops to 0
and the coupling rows lose the fixed line's coefficients, so nothing is
deleted and the basis stays warm.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import highspy
import numpy as np
import numpy.typing as npt

from kefu.plan.roster.engine.problem import Coupling

_BANNER_SHOWN = False


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Swallow what the C++ side writes to fd 1 (HiGHS prints a banner on its first instance).

    ``kefu roster curtois --json`` must print nothing but its JSON document.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _new_highs() -> highspy.Highs:
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        lp = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        with _quiet_stdout():
            lp = highspy.Highs()  # type: ignore[no-untyped-call]
        _BANNER_SHOWN = True
    lp.setOptionValue("output_flag", False)
    lp.setOptionValue("threads", 1)
    lp.setOptionValue("presolve", "off")
    lp.setOptionValue("simplex_strategy", 4)  # primal: new columns leave the last basis primal feasible
    return lp


class MasterLP:
    """Rows: one convexity row per agent type, then the coupling rows; columns: the coupling's own, then the lines.

    A type's convexity row asks for as many lines as it has agents. The
    coupling's columns (coverage slacks, break minutes, fairness bands) come
    first; every line column after them belongs to one type.
    """

    def __init__(self, counts: npt.NDArray[np.int64], coupling: Coupling) -> None:
        self.counts = np.asarray(counts, dtype=np.float64)
        n_agents = self.n_agents = len(self.counts)
        self.n_rows = coupling.n_rows
        self.row_lo = np.asarray(coupling.row_lo, dtype=np.float64)
        self.row_hi = np.asarray(coupling.row_hi, dtype=np.float64)
        self.lp = _new_highs()
        lo = np.concatenate([self.counts, _finite(self.row_lo)])
        hi = np.concatenate([self.counts, _finite(self.row_hi)])
        self.lp.addRows(len(lo), lo, hi, 0, np.zeros(len(lo), dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        cols = coupling.cols.tocsc()
        self.n_extra = cols.shape[1]
        self.lp.addCols(self.n_extra, np.asarray(coupling.col_cost, dtype=np.float64), _finite(coupling.col_lo),
                        _finite(coupling.col_hi), cols.nnz, cols.indptr[:-1].astype(np.int32),
                        (cols.indices + n_agents).astype(np.int32), cols.data.astype(np.float64))
        self.owner: list[int] = []  # agent of each line column

    def add_line(self, a: int, cost: float, rows: npt.NDArray[np.int64], vals: npt.NDArray[np.float64]) -> int:
        """A line of type ``a`` with coefficients ``vals`` in coupling rows ``rows``; its index."""
        idx = np.concatenate([[a], self.n_agents + rows]).astype(np.int32)
        self.lp.addCol(cost, 0.0, highspy.kHighsInf, len(idx), idx, np.concatenate([[1.0], vals]))
        self.owner.append(a)
        return len(self.owner) - 1

    def set_costs(self, extra: npt.NDArray[np.float64], lines: npt.NDArray[np.float64]) -> None:
        """New costs for the coupling's columns and every line column (the basis stays: it is still feasible)."""
        costs = np.concatenate([extra, lines]).astype(np.float64)
        self.lp.changeColsCost(len(costs), np.arange(len(costs), dtype=np.int32), costs)

    def allow(self, lines: npt.NDArray[np.int64], allowed: npt.NDArray[np.bool_]) -> None:
        """Open (``allowed``) or close (upper bound 0) the line columns ``lines``: branching decisions."""
        idx = (self.n_extra + lines).astype(np.int32)
        upper = np.where(allowed, highspy.kHighsInf, 0.0)
        self.lp.changeColsBounds(len(idx), idx, np.zeros(len(idx)), upper)

    def fix(self, taken: npt.NDArray[np.int64], fixed: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]
            ) -> None:
        """Take fixed agents out: ``taken[t]`` of type ``t``, whose lines' coefficients ``fixed`` move to the rows' bounds."""
        conv = self.counts - taken
        used = np.zeros(self.n_rows)
        for rows, vals in fixed:
            np.add.at(used, rows, vals)
        lo = np.concatenate([conv, _finite(self.row_lo - used)])
        hi = np.concatenate([conv, _finite(self.row_hi - used)])
        idx = np.arange(len(lo), dtype=np.int32)
        self.lp.changeRowsBounds(len(lo), idx, lo, hi)  # type: ignore[attr-defined]

    def solve(self) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Objective, row duals (types then coupling rows), and the λ of every line column."""
        self.lp.run()
        status = self.lp.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"master LP: {self.lp.modelStatusToString(status)}")
        sol = self.lp.getSolution()
        return (
            float(self.lp.getInfo().objective_function_value),
            np.asarray(sol.row_dual),
            np.asarray(sol.col_value)[self.n_extra :],
        )

    def extra_values(self) -> npt.NDArray[np.float64]:
        """The last solution's values of the coupling's own columns (slacks, break minutes, bands)."""
        return np.asarray(self.lp.getSolution().col_value)[: self.n_extra]


def _finite(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """±inf as HiGHS's own infinity."""
    return np.clip(np.asarray(x, dtype=np.float64), -highspy.kHighsInf, highspy.kHighsInf)
