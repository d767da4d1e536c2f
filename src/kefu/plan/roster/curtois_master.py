"""The column-generation master LP, kept in one HiGHS instance and re-solved warm.

Rebuilding the LP each round cost 0.3 s on instance 12 (2 700 lines), 80 % of
the root column generation; adding the new columns to a live HiGHS model and
re-solving from the previous basis takes milliseconds. Fixing an employee's
line (diving) only changes row bounds: the employee's convexity row drops to
0 and the cover rows lose the fixed line's people, so nothing is deleted and
the basis stays warm.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import highspy
import numpy as np
import numpy.typing as npt

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
    """Rows: one convexity row per employee, then one cover row per (day, shift) cell.

    Columns: a surplus pair per cell (missing person at ``under``, extra at
    ``over``), then one column per line, owned by its employee.
    """

    def __init__(self, n_emps: int, requirement: Sequence[int], under: Sequence[int], over: Sequence[int]) -> None:
        self.n_emps, self.n_cells = n_emps, len(requirement)
        self.requirement = np.asarray(requirement, dtype=np.float64)
        self.lp = _new_highs()
        rhs = np.concatenate([np.ones(n_emps), self.requirement])
        self.lp.addRows(len(rhs), rhs, rhs, 0, np.zeros(len(rhs), dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        n = self.n_cells
        costs = np.ravel(np.column_stack([under, over])).astype(np.float64)
        rows = np.repeat(np.arange(n_emps, n_emps + n, dtype=np.int32), 2)
        vals = np.tile([1.0, -1.0], n)
        self.lp.addCols(2 * n, costs, np.zeros(2 * n), np.full(2 * n, highspy.kHighsInf), 2 * n,
                        np.arange(2 * n, dtype=np.int32), rows, vals)
        self.owner: list[int] = []  # employee of each line column

    def add_line(self, e: int, cost: float, cells: npt.NDArray[np.int64]) -> int:
        """A line of employee ``e`` working the cover cells ``cells`` (indices into the requirement); its index."""
        rows = np.concatenate([[e], self.n_emps + cells]).astype(np.int32)
        self.lp.addCol(cost, 0.0, highspy.kHighsInf, len(rows), rows, np.ones(len(rows)))
        self.owner.append(e)
        return len(self.owner) - 1

    def allow(self, lines: npt.NDArray[np.int64], allowed: npt.NDArray[np.bool_]) -> None:
        """Open (``allowed``) or close (upper bound 0) the line columns ``lines``: branching decisions."""
        idx = (2 * self.n_cells + lines).astype(np.int32)
        upper = np.where(allowed, highspy.kHighsInf, 0.0)
        self.lp.changeColsBounds(len(idx), idx, np.zeros(len(idx)), upper)

    def fix(self, fixed_cells: dict[int, npt.NDArray[np.int64]]) -> None:
        """Take the employees in ``fixed_cells`` out (their lines' people are subtracted from the cover)."""
        conv = np.array([0.0 if e in fixed_cells else 1.0 for e in range(self.n_emps)])
        cover = self.requirement.copy()
        for cells in fixed_cells.values():
            np.subtract.at(cover, cells, 1.0)
        rhs = np.concatenate([conv, cover])
        idx = np.arange(len(rhs), dtype=np.int32)
        self.lp.changeRowsBounds(len(rhs), idx, rhs, rhs)  # type: ignore[attr-defined]

    def solve(self) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Objective, row duals (employees then cells), and the λ of every line column."""
        self.lp.run()
        status = self.lp.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"master LP: {self.lp.modelStatusToString(status)}")
        sol = self.lp.getSolution()
        return (
            float(self.lp.getInfo().objective_function_value),
            np.asarray(sol.row_dual),
            np.asarray(sol.col_value)[2 * self.n_cells :],
        )
