"""Alternative forecast models: the two baselines and statsforecast models.

Why here: the backtest must compare the default model with the baselines a
supervisor already uses ("same half hour last week", "average of the same
half hour over the last 4 weeks"), and users may prefer a statsforecast model.
statsforecast takes seconds to import, so it is imported only when asked for.
The open-hours mask is applied by the caller (:func:`kefu.plan.forecast.predict`).
"""

from __future__ import annotations

from datetime import date

import numpy as np
from numpy.typing import NDArray

from kefu.domain.errors import bad_argument
from kefu.plan.forecast import DayClass, Grid

FloatArray = NDArray[np.float64]


def run(
    model: str, history: Grid, classes: list[DayClass], target_days: list[date], weeks: int
) -> FloatArray:
    del classes  # the baselines are calendar-blind on purpose: that is what they measure
    if model == "snaive":
        return same_slot(history, target_days, 1)
    if model == "avg4":
        return same_slot(history, target_days, 4)
    return _statsforecast(model, history, target_days)


def same_slot(history: Grid, target_days: list[date], weeks: int) -> FloatArray:
    """Mean of the same weekday-slot over the last ``weeks`` weeks of history that have data."""
    seen_day = ~np.all(np.isnan(history.values), axis=1)
    counts = np.where(np.isnan(history.values), 0.0, history.values)
    out = np.zeros((len(target_days), history.slots))
    for i, day in enumerate(target_days):
        back = (day - history.start).days - 7
        while back >= history.values.shape[0]:
            back -= 7
        prior: list[int] = []
        while back >= 0 and len(prior) < weeks:
            if seen_day[back]:
                prior.append(back)
            back -= 7
        if prior:
            out[i] = counts[prior].mean(axis=0)
    return out


def _statsforecast(model: str, history: Grid, target_days: list[date]) -> FloatArray:
    """Fit on the whole history as one regular series (closed = 0) with daily and weekly seasons."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS, OptimizedTheta

    slots = history.slots
    y = np.where(np.isnan(history.values), 0.0, history.values).ravel()
    if len(y) < 2 * 7 * slots:
        raise bad_argument(
            "history",
            "statsforecast 模型至少需要 2 周历史",
            "statsforecast models need at least 2 weeks of history",
        )
    horizon_days = (target_days[-1] - history.start).days + 1 - history.values.shape[0]
    h = horizon_days * slots
    if model == "sf_mstl":
        sf_model: object = MSTL(season_length=[slots, 7 * slots], trend_forecaster=AutoETS(model="ZZN"))
    else:
        sf_model = OptimizedTheta(season_length=7 * slots)
    frame = pd.DataFrame({"unique_id": "x", "ds": np.arange(len(y)), "y": y})
    fc = StatsForecast(models=[sf_model], freq=1).forecast(df=frame, h=h)
    values = fc.drop(columns=["unique_id", "ds"], errors="ignore").to_numpy(dtype=np.float64)[:, -1]
    full = values.reshape(horizon_days, slots)
    first = (target_days[0] - history.start).days - history.values.shape[0]
    return np.asarray(full[first : first + len(target_days)], dtype=np.float64)
