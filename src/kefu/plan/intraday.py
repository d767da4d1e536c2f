"""Intraday: re-forecast the rest of today from the actuals so far, and the staffing gap.

Why a shrunk ratio: by 10:00 only a few dozen contacts have arrived, and
their Poisson noise alone moves a raw actual ÷ forecast ratio by ±20%.
Treating the day's multiplier as Gamma-distributed around 1 with a prior
worth ``prior_share`` of the day's forecast volume gives the posterior mean

    m = (κ + A) ÷ (κ + F),   κ = prior_share × F_day,

where A and F are the actual and forecast contacts of the elapsed open
intervals. Early in the day m stays near 1; by mid-afternoon it follows the
actuals. The rest of the day is the original forecast × m.

The gap is required − scheduled agents per interval (positive = short).
Short runs become overtime offers; intervals with spare agents are where
breaks can move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kefu.domain.errors import bad_argument
from kefu.plan.staffing import erlang_c_service_level, required_agents

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Reforecast:
    values: FloatArray  # per slot: actuals for elapsed slots, re-forecast after (NaN = closed)
    multiplier: float
    elapsed_actual: float
    elapsed_forecast: float


def reforecast_today(
    forecast: ArrayLike, actual: ArrayLike, now_slot: int, *, prior_share: float = 0.15
) -> Reforecast:
    """``forecast``/``actual`` per slot of one day (NaN = closed / not yet known); slots ≥ ``now_slot`` are future."""
    f = np.asarray(forecast, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if f.shape != a.shape or f.ndim != 1:
        raise bad_argument(
            "actual",
            "实际与预测须为同长度的时段序列",
            "actual and forecast must be per-slot arrays of one length",
        )
    if not 0 <= now_slot <= len(f):
        raise bad_argument("now", "当前时段超出当天范围", "current interval is outside the day")
    if prior_share <= 0:
        raise bad_argument("prior_share", "须大于 0", "must be > 0")
    open_ = ~np.isnan(f)
    past = np.zeros(len(f), dtype=bool)
    past[:now_slot] = True
    elapsed = past & open_
    a_sum = float(np.nansum(np.where(elapsed, a, 0.0)))
    f_sum = float(np.sum(f[elapsed]))
    kappa = prior_share * float(np.sum(f[open_]))
    m = (kappa + a_sum) / (kappa + f_sum) if kappa + f_sum > 0 else 1.0
    values = np.where(past, np.where(open_, np.nan_to_num(a, nan=0.0), np.nan), f * m)
    return Reforecast(values, round(m, 6), a_sum, f_sum)


@dataclass(frozen=True)
class Offer:
    """An overtime offer (extra agents over a run of short intervals) or a break window."""

    kind: str  # "overtime" | "break_ok"
    first_slot: int
    last_slot: int  # inclusive
    agents: int


@dataclass(frozen=True)
class Gap:
    required: IntArray
    scheduled: IntArray
    gap: IntArray  # required − scheduled
    service_level: FloatArray  # predicted with the scheduled agents on the floor
    offers: list[Offer] = field(default_factory=list)


def staffing_gap(
    calls: ArrayLike,
    scheduled: ArrayLike,
    *,
    interval_s: float,
    aht_s: float,
    target_sl: float,
    target_s: float,
    patience_s: float | None = None,
    concurrency: int = 1,
    max_occupancy: float | None = None,
    from_slot: int = 0,
) -> Gap:
    """Gap per slot (closed slots: NaN calls → 0 required). Offers only from ``from_slot`` on.

    ``scheduled`` counts agents on the floor in each slot (breaks already removed), so
    no shrinkage is applied here.
    """
    c = np.nan_to_num(np.asarray(calls, dtype=np.float64), nan=0.0)
    s = np.asarray(scheduled, dtype=np.int64)
    if c.shape != s.shape:
        raise bad_argument("scheduled", "排班与话务的时段数不一致", "scheduled and calls differ in length")
    req = required_agents(
        c,
        interval_s,
        aht_s,
        target_sl,
        target_s,
        patience_s=patience_s,
        max_occupancy=max_occupancy,
        concurrency=concurrency,
    )
    sl = erlang_c_service_level(
        c, interval_s, aht_s, s, target_s, concurrency=concurrency, patience_s=patience_s
    )
    gap = req - s
    return Gap(req, s, gap, sl, _offers(gap, from_slot))


def _offers(gap: IntArray, from_slot: int) -> list[Offer]:
    out: list[Offer] = []
    i = from_slot
    n = len(gap)
    while i < n:
        if gap[i] == 0:
            i += 1
            continue
        short = gap[i] > 0
        j = i
        while j + 1 < n and (gap[j + 1] > 0) == short and gap[j + 1] != 0:
            j += 1
        run = gap[i : j + 1]
        if short:
            out.append(Offer("overtime", i, j, int(run.max())))
        else:
            out.append(Offer("break_ok", i, j, int(-run.max())))
        i = j + 1
    return out
