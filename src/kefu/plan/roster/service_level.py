"""Predicted service level per interval from the roster's coverage (Erlang C via ``kefu.plan.staffing``).

Coverage after breaks is fractional (an agent on a 15-minute break is half
an agent in that 30-minute slot); Erlang C needs whole agents, so the figure
is the mean of the service levels at the two neighbouring whole head-counts,
weighted by the fraction — exact at whole numbers, and between them it never
promises more than the better of the two.
"""

from __future__ import annotations

import numpy as np

from kefu.plan.roster.types import SLOT
from kefu.plan.staffing import erlang_c_service_level


def predicted_service_level(
    coverage: list[float],
    calls: list[float],
    aht_s: float,
    target_s: float,
    concurrency: int = 1,
) -> list[float]:
    """Service level per 30-minute slot (1.0 where no contact arrives)."""
    cov = np.asarray(coverage, dtype=np.float64)
    lo = np.floor(cov + 1e-9)
    frac = np.clip(cov - lo, 0.0, 1.0)
    c = np.asarray(calls, dtype=np.float64)
    sl_lo = erlang_c_service_level(c, SLOT * 60.0, aht_s, lo, target_s, concurrency=concurrency)
    sl_hi = erlang_c_service_level(c, SLOT * 60.0, aht_s, lo + 1, target_s, concurrency=concurrency)
    out = (1 - frac) * sl_lo + frac * sl_hi
    return [round(float(x), 4) for x in out]
