"""Synthetic contact series for the forecast benchmark: Poisson counts with weekly and daily seasonality,
day-level noise, trend, level shifts, intraday shape drift, opening hours and a region's holidays.

Why: the two real files are only two series; a method tuned on them can fail on
the next shop. These series differ in exactly the ways real ones do, and their
truth is known. Everything is seeded, so figures repeat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from kefu.plan.forecast import Grid
from kefu.plan.regions import calendar_for


@dataclass(frozen=True)
class Recipe:
    name: str
    start: date
    weeks: int
    daily: float  # contacts on an average open day at the start
    calendar: str  # the series' own holiday calendar (passed to the forecast)
    hours: tuple[int, int] = (0, 24)  # open hours, local
    closed_weekdays: tuple[int, ...] = ()
    trend: float = 0.0  # total relative change over the span
    shift_week: int | None = None  # a step change of the level ...
    shift: float = 0.0  # ... by this share
    day_cv: float = 0.04  # day-to-day level noise (weather, campaigns)
    shape_drift: float = 0.0  # how far the intraday peak moves over the span (hours)
    holiday_factor: float = 0.3  # volume on a holiday (0 = closed)
    weekday_shape: float = 0.0  # hours the peaks move per weekday (Mon 0, Tue 1×, …): shapes differ by weekday
    level_ar: float = 0.0  # day-to-day persistence of the level noise (campaigns, weather): AR(1) on its log
    seed: int = 0


RECIPES: tuple[Recipe, ...] = (
    Recipe("syn_steady_us", date(2023, 1, 2), 26, 6000.0, "US", seed=1),
    Recipe("syn_trend_gb", date(2023, 3, 6), 24, 2500.0, "GB", (8, 22), (6,), trend=0.35, seed=2),
    Recipe("syn_shift_de", date(2023, 2, 6), 24, 4000.0, "DE", (7, 23), shift_week=14, shift=-0.25, seed=3),
    Recipe("syn_drift_cn", date(2024, 6, 3), 22, 3000.0, "CN", (8, 24), shape_drift=2.0, day_cv=0.07, seed=4),
    Recipe("syn_plain", date(2023, 8, 7), 24, 20000.0, "none", trend=0.1, day_cv=0.03, seed=6),
    Recipe("syn_ar_plain", date(2023, 9, 4), 26, 9000.0, "none", (7, 23), day_cv=0.06, level_ar=0.85, seed=7),
    Recipe("syn_weekday_shapes", date(2023, 9, 4), 24, 15000.0, "none", (6, 24), day_cv=0.04, weekday_shape=0.5, level_ar=0.7, seed=8),
    Recipe("syn_small_au", date(2023, 5, 1), 20, 350.0, "AU", (9, 18), (5, 6), holiday_factor=0.0, seed=5),
)

_WEEKLY = np.array([1.12, 1.05, 1.0, 0.98, 0.95, 0.8, 0.7])


def _shape(slots: int, hours: tuple[int, int], peak_shift: float) -> np.ndarray:
    """Two peaks (late morning, evening) inside the open hours; ``peak_shift`` moves them in hours."""
    t = (np.arange(slots) + 0.5) * 24 / slots
    prof = np.exp(-0.5 * ((t - 11 - peak_shift) / 2.0) ** 2) + 0.7 * np.exp(
        -0.5 * ((t - 20 - peak_shift) / 2.5) ** 2
    )
    prof += 0.15
    prof[(t < hours[0]) | (t >= hours[1])] = 0.0
    return prof / prof.sum()


def make(recipe: Recipe, interval_min: int = 30) -> Grid:
    """The recipe's history as a day × slot grid (NaN = closed: no rows)."""
    rng = np.random.default_rng(recipe.seed)
    cal = calendar_for(recipe.calendar)
    days = recipe.weeks * 7
    slots = 1440 // interval_min
    values = np.full((days, slots), np.nan)
    level = 1.0
    log_noise = 0.0
    for i in range(days):
        day = recipe.start + timedelta(days=i)
        if day.weekday() in recipe.closed_weekdays:
            continue
        frac = i / days
        level = 1.0 + recipe.trend * frac
        if recipe.shift_week is not None and i >= 7 * recipe.shift_week:
            level *= 1.0 + recipe.shift
        if recipe.level_ar > 0:
            step = recipe.day_cv * np.sqrt(1 - recipe.level_ar**2)
            log_noise = recipe.level_ar * log_noise + rng.normal(0.0, step)
            noise = float(np.exp(log_noise))
        else:
            noise = float(rng.gamma(1 / recipe.day_cv**2, recipe.day_cv**2))
        mean = recipe.daily * level * _WEEKLY[day.weekday()] * noise
        info = cal.info(day) if cal is not None else None
        if info is not None and info.name and not info.is_workday:
            if recipe.holiday_factor == 0.0:
                continue
            mean *= recipe.holiday_factor
        shift = recipe.shape_drift * frac + recipe.weekday_shape * day.weekday()
        shape = _shape(slots, recipe.hours, shift)
        open_ = shape > 0
        values[i, open_] = rng.poisson(mean * shape[open_])
    return Grid(recipe.start, interval_min, values)
