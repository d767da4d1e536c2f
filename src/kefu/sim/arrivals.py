"""Contact arrivals: a non-homogeneous Poisson process with daily, weekly, holiday and promotion shape.

The rate is piecewise constant per local minute: ``daily_contacts`` × weekday
weight × holiday factor × promotion factor, spread over the day by the hourly
shape (on a promotion's peak day part of the volume moves to the 00:00–02:00
rush when sales open). Counts per interval are Poisson with the integrated
rate, which is what a forecaster sees in real history; the individual contact
times of a fixed total are the same process conditioned on its total
(multinomial over minutes, uniform inside a minute).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from kefu.domain.calendar import BusinessCalendar, DayKind
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import SHOP_TZ, local_midnight
from kefu.sim.config import SimConfig

MINUTES_PER_DAY = 1440


def check_window(start: date, days: int) -> None:
    """Reject a window the simulator cannot cover, before anything is computed or written."""
    if not isinstance(days, int) or days <= 0:
        raise bad_argument(
            "days", f"天数必须为正整数, 收到 {days}", f"days must be a positive integer, got {days}"
        )
    if days > 3660:
        raise bad_argument(
            "days", f"天数过大 (最多 3660), 收到 {days}", f"days too large (max 3660), got {days}"
        )
    if not isinstance(start, date):
        raise bad_argument("start", "开始日期无效", "start date is not a date")


def day_factor(day: date, cfg: SimConfig, calendar: BusinessCalendar | None = None) -> float:
    """Multiplier of the ordinary weekday volume for one local date."""
    cal = calendar or BusinessCalendar()
    info = cal.info(day)
    factor = cfg.weekly[day.weekday()]
    if info.name == "春节" or "Spring Festival" in info.name or "New Year's Eve" in info.name:
        factor *= cfg.spring_festival_factor  # rest days of the block too
    elif info.kind is DayKind.STATUTORY:
        factor *= cfg.holiday_factor
    return factor * promotion_factor(day, cfg)


def promotion_factor(day: date, cfg: SimConfig) -> float:
    """The strongest promotion effect on ``day`` (peak, linear lead-up, geometric after-wave)."""
    best = 1.0
    for promo in cfg.promotions:
        for year in (day.year - 1, day.year, day.year + 1):
            peak = promo.peak_date(year)
            delta = (day - peak).days
            if delta == 0:
                f = promo.peak
            elif -promo.lead_days <= delta < 0:
                # rises linearly from lead_factor to halfway to the peak on the eve
                progress = (promo.lead_days + delta) / max(promo.lead_days - 1, 1)
                f = promo.lead_factor + progress * (
                    0.5 * (promo.peak + promo.lead_factor) - promo.lead_factor
                )
            elif 0 < delta <= promo.after_days:
                f = 1.0 + (promo.after_factor - 1.0) * (0.5 ** (delta - 1))
            else:
                continue
            best = max(best, f)
    return best


def _midnight_share(day: date, cfg: SimConfig) -> float:
    for promo in cfg.promotions:
        if day == promo.peak_date(day.year):
            return promo.midnight_share
    return 0.0


def minute_rates(
    start: date, days: int, cfg: SimConfig, calendar: BusinessCalendar | None = None
) -> np.ndarray:
    """Expected contacts in each local minute of the window (length ``days * 1440``)."""
    check_window(start, days)
    hourly = np.asarray(cfg.hourly, dtype=float)
    if hourly.shape != (24,) or (hourly < 0).any() or hourly.sum() <= 0:
        raise bad_argument("hourly", "小时分布需要 24 个非负数", "hourly shape needs 24 non-negative weights")
    base_shape = np.repeat(hourly / hourly.sum() / 60.0, 60)  # sums to 1 over the day
    rush = np.zeros(MINUTES_PER_DAY)
    rush[:120] = 1.0 / 120.0
    cal = calendar or BusinessCalendar()
    out = np.empty(days * MINUTES_PER_DAY)
    for i in range(days):
        day = start + timedelta(days=i)
        share = _midnight_share(day, cfg)
        shape = base_shape if share == 0.0 else (1.0 - share) * base_shape + share * rush
        out[i * MINUTES_PER_DAY : (i + 1) * MINUTES_PER_DAY] = (
            cfg.daily_contacts * day_factor(day, cfg, cal) * shape
        )
    return out


def arrival_counts(
    start: date,
    days: int,
    interval_minutes: int = 30,
    seed: int = 1,
    config: SimConfig | None = None,
    calendar: BusinessCalendar | None = None,
    daily_contacts: float | None = None,
) -> pd.DataFrame:
    """Simulated contact counts per interval, with the rate that produced them.

    Columns: ``interval_start`` (aware, Asia/Shanghai), ``count`` (int, Poisson
    draw), ``expected`` (the integrated rate). Deterministic for a seed.
    ``daily_contacts`` overrides the config's ordinary-weekday volume.
    """
    if interval_minutes <= 0 or MINUTES_PER_DAY % interval_minutes != 0:
        raise bad_argument(
            "interval_minutes",
            f"时段长度必须整除一天 (如 15, 30, 60), 收到 {interval_minutes}",
            f"interval must divide a day (e.g. 15, 30, 60), got {interval_minutes}",
        )
    cfg = config or SimConfig()
    if daily_contacts is not None:
        if daily_contacts < 0:
            raise bad_argument("daily_contacts", "日咨询量不能为负数", "daily contacts must not be negative")
        cfg = replace(cfg, daily_contacts=float(daily_contacts))
    rates = minute_rates(start, days, cfg, calendar).reshape(-1, interval_minutes).sum(axis=1)
    counts = np.random.default_rng(seed).poisson(rates)
    first = local_midnight(start)
    stamps = pd.date_range(pd.Timestamp(first), periods=len(rates), freq=f"{interval_minutes}min", tz=SHOP_TZ)
    return pd.DataFrame({"interval_start": stamps, "count": counts.astype(np.int64), "expected": rates})


def window_epochs(start: date, days: int) -> tuple[int, int]:
    """UTC epoch seconds of the window's first local midnight and of its end."""
    first = local_midnight(start)
    last = first + timedelta(days=days)
    return int(first.timestamp()), int(last.timestamp())


def sample_times(rng: np.random.Generator, n: int, rates: np.ndarray, start_epoch: int) -> np.ndarray:
    """``n`` contact times (epoch seconds) from the rate, conditioned on the total.

    Shanghai has had no daylight saving since 1991, so minute ``k`` of the window
    is ``start_epoch + 60 k`` exactly.
    """
    if n == 0:
        return np.empty(0, dtype=np.int64)
    cdf = np.cumsum(rates)
    minute = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    minute = np.minimum(minute, len(rates) - 1)
    return np.asarray(start_epoch + minute.astype(np.int64) * 60 + rng.integers(0, 60, n), dtype=np.int64)


def local_minute_of_day(epoch: np.ndarray) -> np.ndarray:
    """Minute of the Shanghai day (0..1439) for UTC epoch seconds (UTC+8, no DST)."""
    return np.asarray(((epoch + 8 * 3600) // 60) % MINUTES_PER_DAY, dtype=np.int64)

