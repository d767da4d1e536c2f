"""Rolling-origin backtest: WAPE per interval and per day, against the baselines and the noise floor.

Why these numbers: WAPE (Σ|F − A| ÷ ΣA) weights busy intervals the way
staffing does, and the baselines ("same slot last week" = ``snaive``,
"same slot, average of the last 4 weeks" = ``avg4``) are what a supervisor
would do by hand. No forecast of Poisson arrivals can beat the Poisson noise
floor E|X − λ| ÷ λ; a score below it means the test data leaked into the fit.

Each fold forecasts ``days`` days from a test start using only history before
it. Cells without actual data (closed, missing) are not scored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import poisson

from kefu.domain.errors import bad_argument
from kefu.plan.events import NO_EVENTS, PromotionCalendar
from kefu.plan.forecast import Grid, predict
from kefu.plan.intraday import reforecast_today
from kefu.plan.regions import DayCalendar

FloatArray = NDArray[np.float64]
BASELINES = ("snaive", "avg4")


@dataclass(frozen=True)
class Score:
    """One model on one fold (or ``fold == "all"``: pooled over folds)."""

    model: str
    fold: str
    wape_interval: float
    wape_day: float
    floor_interval: float
    floor_day: float
    vs_avg4: float  # 1 − WAPE ÷ WAPE(avg4): the share of avg4's error removed
    actual_total: float
    intervals: int

    @property
    def leak_suspected(self) -> bool:
        return self.wape_interval < self.floor_interval

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["leak_suspected"] = self.leak_suspected
        return out


def poisson_mad(lam: FloatArray) -> FloatArray:
    """E|X − λ| for X ~ Poisson(λ): 2λ · P(X = ⌊λ⌋) (exact)."""
    lam = np.asarray(lam, dtype=np.float64)
    return np.where(lam > 0, 2.0 * lam * poisson.pmf(np.floor(lam), np.maximum(lam, 1e-300)), 0.0)


@dataclass
class _Acc:
    abs_i: float = 0.0
    abs_d: float = 0.0
    mad_i: float = 0.0
    mad_d: float = 0.0
    total: float = 0.0
    cells: int = 0

    def add(self, fc: FloatArray, actual: FloatArray) -> None:
        seen = ~np.isnan(actual)
        f = np.where(seen & ~np.isnan(fc), fc, 0.0)
        a = np.where(seen, actual, 0.0)
        self.abs_i += float(np.abs(f - a)[seen].sum())
        day_f, day_a = f.sum(axis=1), a.sum(axis=1)
        self.abs_d += float(np.abs(day_f - day_a).sum())
        self.mad_i += float(poisson_mad(a[seen]).sum())
        self.mad_d += float(poisson_mad(day_a).sum())
        self.total += float(a.sum())
        self.cells += int(seen.sum())

    def score(self, model: str, fold: str, avg4_abs: float) -> Score:
        t = self.total if self.total > 0 else float("nan")
        return Score(
            model,
            fold,
            round(self.abs_i / t, 6),
            round(self.abs_d / t, 6),
            round(self.mad_i / t, 6),
            round(self.mad_d / t, 6),
            round(1.0 - self.abs_i / avg4_abs, 6) if avg4_abs > 0 else float("nan"),
            self.total,
            self.cells,
        )


def backtest(
    history: Grid,
    test_starts: list[date],
    days: int,
    *,
    models: tuple[str, ...] = ("seasonal",),
    calendar: DayCalendar | None = None,
    promotions: PromotionCalendar = NO_EVENTS,
    weeks: int = 4,
) -> list[Score]:
    """Scores per model per fold, then pooled (``fold="all"``); baselines are always included."""
    if not test_starts:
        raise bad_argument("test_start", "至少需要一个测试起始日", "at least one test start is needed")
    wanted = tuple(dict.fromkeys((*models, *BASELINES)))
    per_fold: list[tuple[str, str, _Acc]] = []
    pooled = {m: _Acc() for m in wanted}
    for start in sorted(test_starts):
        train, actual = _split(history, start, days)
        for model in wanted:
            fc = predict(
                train, start, days, model=model, calendar=calendar, promotions=promotions, weeks=weeks
            )
            acc = _Acc()
            acc.add(fc.values, actual)
            pooled[model].add(fc.values, actual)
            per_fold.append((model, start.isoformat(), acc))
    out: list[Score] = []
    avg4_by_fold = {fold: acc.abs_i for model, fold, acc in per_fold if model == "avg4"}
    for model, fold, acc in per_fold:
        out.append(acc.score(model, fold, avg4_by_fold[fold]))
    for model in wanted:
        out.append(pooled[model].score(model, "all", pooled["avg4"].abs_i))
    return out


def recent_starts(history: Grid, folds: int, days: int = 7) -> list[date]:
    """The last ``folds`` whole windows of ``days`` days that have at least a week of history before them."""
    end = history.start + timedelta(days=history.values.shape[0])
    starts = [end - timedelta(days=days * k) for k in range(folds, 0, -1)]
    return [d for d in starts if d >= history.start + timedelta(days=7)]


@dataclass(frozen=True)
class AutoFold:
    """One rolling origin of the model chosen by backtest: what it chose, its error and its band."""

    fold: str
    chosen: str
    members: tuple[str, ...]
    wape: float
    baselines: dict[str, float]  # snaive, avg4 (calendar-blind, as a supervisor computes them)
    floor: float
    coverage80: float  # share of actual intervals with volume (expected or seen) inside [P10, P90]
    actual_total: float
    # rest of each day once 40 % of its forecast volume is due: WAPE of the day-ahead forecast, of the re-forecast
    intraday: tuple[float, float] = (float("nan"), float("nan"))

    @property
    def ratio(self) -> float:
        """WAPE ÷ the better baseline (the issue's yardstick: ≤ 0.95)."""
        best = min(self.baselines.values())
        return self.wape / best if best > 0 else float("nan")


def backtest_auto(
    history: Grid,
    test_starts: list[date],
    days: int,
    *,
    calendar: DayCalendar | None = None,
    promotions: PromotionCalendar = NO_EVENTS,
    verify_calendar: bool = False,
    statsforecast: bool = False,
) -> tuple[list[AutoFold], AutoFold]:
    """Rolling-origin backtest of the selection itself: each fold chooses on its own past only."""
    from kefu.plan.forecast_auto import predict_auto

    folds: list[AutoFold] = []
    sums: dict[str, float] = {"auto": 0.0, "snaive": 0.0, "avg4": 0.0, "mad": 0.0, "in": 0.0, "cells": 0.0}
    rest = np.zeros(3)  # day-ahead error, re-forecast error, actual volume on the rest of the days
    total = 0.0
    for start in sorted(test_starts):
        train, actual = _split(history, start, days)
        auto = predict_auto(
            train,
            start,
            days,
            calendar=calendar,
            promotions=promotions,
            verify_calendar=verify_calendar,
            statsforecast=statsforecast,
        )
        seen = ~np.isnan(actual)
        errs = {"auto": _abs_err(auto.point.values, actual)}
        for base in BASELINES:
            errs[base] = _abs_err(predict(train, start, days, model=base).values, actual)
        lo, hi = auto.quantiles[0.1].values, auto.quantiles[0.9].values
        # intervals with volume expected or seen: a closed-at-night zero inside a [0, 0] band proves nothing
        scored = seen & ~np.isnan(lo) & ((np.nan_to_num(auto.point.values) > 0) | (np.nan_to_num(actual) > 0))
        inside = float(((actual >= lo) & (actual <= hi))[scored].sum())
        tot = float(actual[seen].sum())
        mad = float(poisson_mad(actual[seen]).sum())
        day_rest = _intraday_errors(auto.point.values, actual)
        rest += day_rest
        folds.append(
            AutoFold(
                start.isoformat(),
                auto.chosen,
                auto.members,
                _share(errs["auto"], tot),
                {b: _share(errs[b], tot) for b in BASELINES},
                _share(mad, tot),
                round(inside / max(int(scored.sum()), 1), 4),
                tot,
                (_share(day_rest[0], day_rest[2]), _share(day_rest[1], day_rest[2])),
            )
        )
        for key, err in errs.items():
            sums[key] += err
        sums["mad"] += mad
        sums["in"] += inside
        sums["cells"] += float(scored.sum())
        total += tot
    pooled = AutoFold(
        "all",
        "",
        (),
        _share(sums["auto"], total),
        {b: _share(sums[b], total) for b in BASELINES},
        _share(sums["mad"], total),
        round(sums["in"] / max(sums["cells"], 1.0), 4),
        total,
        (_share(rest[0], rest[2]), _share(rest[1], rest[2])),
    )
    return folds, pooled


def _intraday_errors(fc: FloatArray, actual: FloatArray, share: float = 0.4) -> FloatArray:
    """Per day, re-forecast the rest from the actuals once ``share`` of the forecast volume is due.

    Why: the intraday re-forecast (:func:`kefu.plan.intraday.reforecast_today`)
    must earn its place under the same backtest as the day-ahead model.
    """
    out = np.zeros(3)
    for f, a in zip(fc, actual, strict=True):
        open_ = ~np.isnan(f)
        if not open_.any() or np.isnan(a[open_]).all():
            continue
        due = np.cumsum(np.where(open_, f, 0.0))
        now = int(np.searchsorted(due, share * due[-1], side="right"))
        re = reforecast_today(f, np.where(np.isnan(a), 0.0, a), now)
        later = open_ & (np.arange(len(f)) >= now) & ~np.isnan(a)
        out += (
            float(np.abs(f[later] - a[later]).sum()),
            float(np.abs(re.values[later] - a[later]).sum()),
            float(a[later].sum()),
        )
    return out


def _share(part: float, total: float) -> float:
    return round(part / total, 6) if total > 0 else float("nan")


def _split(history: Grid, start: date, days: int) -> tuple[Grid, FloatArray]:
    cut = history.day_index(start)
    if cut < 7 or cut + days > history.values.shape[0]:
        raise bad_argument(
            "test_start",
            f"{start} 之前须有至少 7 天历史, 之后须有 {days} 天实际数据",
            f"{start} needs at least 7 days of history before and {days} days of actuals after it",
        )
    return Grid(history.start, history.interval_min, history.values[:cut]), history.values[cut : cut + days]


def _abs_err(fc: FloatArray, actual: FloatArray) -> float:
    seen = ~np.isnan(actual)
    f = np.where(seen & ~np.isnan(fc), fc, 0.0)
    return float(np.abs(f - np.where(seen, actual, 0.0))[seen].sum())
