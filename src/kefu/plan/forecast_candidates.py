"""Candidate forecasters the backtest chooses from (see :mod:`kefu.plan.forecast_auto`).

Why several simple ones rather than one clever one: on real contact series the
same-slot average of recent weeks is hard to beat, and which k (2–8 weeks),
mean or median, or a level × profile split wins depends on the series — its
volume (Poisson noise favours long averages and pooled shapes), its drift
(favours short windows or a smoothed level) and its outliers (favour medians).
The backtest on the series' own past decides.

All candidates see a :class:`Series`: counts per day × slot with the days
that may be learned from marked ``usable`` (data present, not a holiday /
调休 / promotion / unusual day). They return plain day × slot arrays for
target day indices at or after the end of the history; the caller applies
opening hours and calendar effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

_ALPHAS = np.array([0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.45, 0.6, 0.8])
_FACTOR_WEEKS = 8  # weeks behind the weekday factors of the level × profile models


@dataclass(frozen=True)
class Series:
    """History for the candidates: ``counts`` (0 where no data) and which days may be learned from."""

    counts: FloatArray
    usable: BoolArray
    weekday: IntArray

    @property
    def n(self) -> int:
        return int(self.counts.shape[0])

    def prior_days(self, target: int, k: int) -> list[int]:
        """The last ``k`` usable days of the target day's weekday (most recent first)."""
        out: list[int] = []
        back = target - 7 * max(1, (target - self.n) // 7 + 1)
        while back >= 0 and len(out) < k:
            if self.usable[back]:
                out.append(back)
            back -= 7
        return out


Candidate = Callable[[Series, list[int]], FloatArray]


def same_slot(k: int, stat: str = "mean") -> Candidate:
    """Mean (or median) of the same weekday and slot over the last ``k`` usable weeks."""
    reduce = np.mean if stat == "mean" else np.median

    def run(s: Series, targets: list[int]) -> FloatArray:
        out = np.zeros((len(targets), s.counts.shape[1]))
        for i, t in enumerate(targets):
            prior = s.prior_days(t, k)
            if prior:
                out[i] = reduce(s.counts[prior], axis=0)
        return out

    return run


def weekly_lags(k: int, train_weeks: int = 12) -> Candidate:
    """Same slot of the last ``k`` usable weeks, weighted by non-negative least squares on recent history.

    Why: the best weighting of recent weeks (how fast the series forgets)
    differs per series; fitting it on the last ``train_weeks`` weeks learns it,
    and weights summing above or below 1 follow a steady trend.
    """

    def run(s: Series, targets: list[int]) -> FloatArray:
        from scipy.optimize import nnls

        xs, ys = [], []
        for t in range(max(0, s.n - 7 * train_weeks), s.n):
            prior = s.prior_days(t, k) if s.usable[t] else []
            if len(prior) == k:
                xs.append(s.counts[prior].T)
                ys.append(s.counts[t])
        out = np.zeros((len(targets), s.counts.shape[1]))
        if len(xs) < 7:
            weights = np.full(k, 1.0 / k)
        else:
            x, y = np.vstack(xs), np.concatenate(ys)
            scale = float(np.abs(y).mean()) or 1.0
            weights = nnls(x / scale, y / scale)[0]
        for i, t in enumerate(targets):
            prior = s.prior_days(t, k)
            if len(prior) == k:
                out[i] = s.counts[prior].T @ weights
            elif prior:
                out[i] = s.counts[prior].mean(axis=0)
        return out

    return run


def weekday_factors(s: Series) -> FloatArray:
    """Each weekday's mean daily total over the last weeks ÷ the mean over open weekdays (0 = closed)."""
    totals = s.counts.sum(axis=1)
    lo = max(0, s.n - 7 * _FACTOR_WEEKS)
    means = np.zeros(7)
    for w in range(7):
        idx = [i for i in range(lo, s.n) if s.usable[i] and s.weekday[i] == w]
        if not idx:
            idx = [i for i in range(s.n) if s.usable[i] and s.weekday[i] == w][-_FACTOR_WEEKS:]
        means[w] = float(totals[idx].mean()) if idx else 0.0
    open_ = means > 0
    return means / means[open_].mean() if open_.any() else means


def profiles(s: Series, k: int) -> FloatArray:
    """Per weekday, the intraday proportions of its last ``k`` usable days (7 × slots)."""
    out = np.zeros((7, s.counts.shape[1]))
    for w in range(7):
        idx = [i for i in range(s.n - 1, -1, -1) if s.usable[i] and s.weekday[i] == w][:k]
        summed = s.counts[idx].sum(axis=0) if idx else np.zeros(s.counts.shape[1])
        if summed.sum() > 0:
            out[w] = summed / summed.sum()
    return out


def pooled_profiles(s: Series, k: int) -> FloatArray:
    """Weekday profiles shrunk toward the mean profile of weekdays with the same open slots.

    Why: a weekday's own shape over ``k`` weeks carries multinomial noise of
    about ``p ÷ volume`` per slot; where the weekdays' shapes differ by less
    than that, their mean is the better estimate. The weight is James–Stein
    style: noise ÷ (noise + the real spread between the weekday and the pool).
    """
    own = profiles(s, k)
    totals = s.counts.sum(axis=1)
    out = own.copy()
    for w in range(7):
        if own[w].sum() == 0:
            continue
        peers = [v for v in range(7) if own[v].sum() > 0 and _same_hours(own[v] > 0, own[w] > 0)]
        pool = own[peers].mean(axis=0)
        idx = [i for i in range(s.n - 1, -1, -1) if s.usable[i] and s.weekday[i] == w][:k]
        volume = float(totals[idx].sum())
        noise = float(np.mean(pool / max(volume, 1.0)))
        spread = max(0.0, float(np.mean((own[w] - pool) ** 2)) - noise)
        weight = noise / (noise + spread) if noise + spread > 0 else 0.0
        out[w] = weight * pool + (1 - weight) * own[w]
    return out


def _same_hours(a: BoolArray, b: BoolArray) -> bool:
    union = int((a | b).sum())
    return union > 0 and int((a & b).sum()) / union >= 0.9


def _deseasonalised(s: Series, factors: FloatArray) -> tuple[FloatArray, IntArray]:
    """Daily totals ÷ weekday factor over usable open days, and their day indices."""
    days = np.array([i for i in range(s.n) if s.usable[i] and factors[s.weekday[i]] > 0], dtype=np.int64)
    totals = s.counts[days].sum(axis=1)
    return totals / factors[s.weekday[days]], days


def ses_level(y: FloatArray, horizon: int = 7) -> float:
    """Simple exponential smoothing; α chosen by the mean absolute 1..``horizon``-step error."""
    if len(y) == 0:
        return 0.0
    best, best_err = float(y[-1]), np.inf
    for a in _ALPHAS:
        level = np.empty(len(y))
        lvl = float(y[: min(7, len(y))].mean())
        for i, v in enumerate(y):
            lvl = a * v + (1 - a) * lvl
            level[i] = lvl
        errs = [np.abs(y[h:] - level[:-h]).mean() for h in range(1, min(horizon, len(y) - 1) + 1)]
        err = float(np.mean(errs)) if errs else 0.0
        if err < best_err:
            best, best_err = float(level[-1]), err
    return best


def _open_steps(s: Series, factors: FloatArray, last: int, targets: list[int]) -> list[int]:
    """For each target, how many open days lie after ``last`` up to it (the level model's horizon)."""
    steps = []
    for t in targets:
        steps.append(max(1, sum(1 for d in range(last + 1, t + 1) if factors[(s.weekday[0] + d) % 7] > 0)))
    return steps


def level_profile(level: str, profile_weeks: int, pooled: bool = False) -> Candidate:
    """Daily level (``ses`` or statsforecast ``ets`` / ``theta`` / ``arima``) × weekday factor × profile."""

    def run(s: Series, targets: list[int]) -> FloatArray:
        factors = weekday_factors(s)
        shape = pooled_profiles(s, profile_weeks) if pooled else profiles(s, profile_weeks)
        y, days = _deseasonalised(s, factors)
        out = np.zeros((len(targets), s.counts.shape[1]))
        if len(y) == 0:
            return out
        steps = _open_steps(s, factors, int(days[-1]), targets)
        if level == "ses" or len(y) < 14:
            path = np.full(max(steps), ses_level(y))
        else:
            path = _statsforecast_path(level, y, max(steps))
        for i, t in enumerate(targets):
            w = (s.weekday[0] + t) % 7
            out[i] = max(float(path[steps[i] - 1]), 0.0) * factors[w] * shape[w]
        return out

    return run


def _statsforecast_path(level: str, y: FloatArray, h: int) -> FloatArray:
    """h-step path of a statsforecast model fitted to the deseasonalised daily level (fast: ~100s of points)."""
    from statsforecast.models import AutoARIMA, AutoETS, AutoTheta

    model: object
    if level == "ets":
        model = AutoETS(season_length=1, model="ZZN")
    elif level == "theta":
        model = AutoTheta(season_length=1)
    else:
        model = AutoARIMA(season_length=1)
    res = model.forecast(y=y.astype(np.float64), h=h)
    return np.asarray(res["mean"], dtype=np.float64)


def registry(statsforecast: bool) -> dict[str, Candidate]:
    """The candidates by name; statsforecast level models only when asked (their import takes seconds)."""
    out: dict[str, Candidate] = {"snaive": same_slot(1)}
    for k in range(2, 9):
        out[f"mean{k}"] = same_slot(k)
    for k in (3, 5, 7):
        out[f"median{k}"] = same_slot(k, "median")
    out["wlag4"] = weekly_lags(4)
    out["wlag8"] = weekly_lags(8)
    out["lp_ses4"] = level_profile("ses", 4)
    out["lp_ses8"] = level_profile("ses", 8)
    out["lp_pool8"] = level_profile("ses", 8, pooled=True)
    out["lp_pool16"] = level_profile("ses", 16, pooled=True)
    if statsforecast:
        out["lp_ets"] = level_profile("ets", 6)
        out["lp_theta"] = level_profile("theta", 6)
        out["lp_arima"] = level_profile("arima", 6)
    return out
