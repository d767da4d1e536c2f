"""Arrivals follow their configured rate: hourly shape, weekday, holidays, promotions, Poisson noise."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from scipy import stats

from kefu.domain.errors import ErrorCode, KefuError
from kefu.sim.arrivals import (
    arrival_counts,
    day_factor,
    minute_rates,
    promotion_factor,
    sample_times,
    window_epochs,
)
from kefu.sim.config import SimConfig

CFG = SimConfig()


def test_hourly_totals_within_poisson_tolerance() -> None:
    # four ordinary weeks in March 2026: no holiday, no promotion
    df = arrival_counts(date(2026, 3, 2), 28, interval_minutes=60, seed=4)
    assert len(df) == 28 * 24
    assert df.interval_start.iloc[0].isoformat() == "2026-03-02T00:00:00+08:00"
    hour = df.interval_start.dt.hour
    obs = df.groupby(hour)["count"].sum().to_numpy()
    exp = df.groupby(hour)["expected"].sum().to_numpy()
    # each hour within 4 standard deviations, and a chi-square test of the whole shape
    assert (np.abs(obs - exp) <= 4 * np.sqrt(exp)).all()
    chi2 = ((obs - exp) ** 2 / exp).sum()
    assert stats.chi2.sf(chi2, df=24) > 1e-3
    # the expected shape is exactly the configured hourly weights
    weights = np.asarray(CFG.hourly) / sum(CFG.hourly)
    np.testing.assert_allclose(exp / exp.sum(), weights, rtol=1e-12)


def test_weekly_shape_and_totals() -> None:
    df = arrival_counts(date(2026, 3, 2), 28, interval_minutes=30, seed=9)
    day = df.interval_start.dt.dayofweek
    exp = df.groupby(day)["expected"].sum().to_numpy()
    np.testing.assert_allclose(exp, 4 * CFG.daily_contacts * np.asarray(CFG.weekly), rtol=1e-12)
    total, expected = int(df["count"].sum()), float(df["expected"].sum())
    assert abs(total - expected) <= 4 * np.sqrt(expected)


def test_double_11_peak_lead_up_after_wave_and_midnight_rush() -> None:
    peak = date(2026, 11, 11)  # a Wednesday
    assert day_factor(peak, CFG) == pytest.approx(CFG.weekly[2] * 4.0)
    assert promotion_factor(peak - timedelta(days=10), CFG) == pytest.approx(1.3)
    lead = [promotion_factor(peak - timedelta(days=k), CFG) for k in range(10, 0, -1)]
    assert lead == sorted(lead) and lead[-1] == pytest.approx(0.5 * (4.0 + 1.3))
    after = [promotion_factor(peak + timedelta(days=k), CFG) for k in range(1, 6)]
    assert after == pytest.approx([2.0, 1.5, 1.25, 1.125, 1.0])
    assert (
        promotion_factor(date(2026, 6, 18), CFG) == 2.5 and promotion_factor(date(2026, 12, 12), CFG) == 2.0
    )
    rates = minute_rates(peak, 1, CFG)
    assert rates.sum() == pytest.approx(CFG.daily_contacts * CFG.weekly[2] * 4.0)
    base_share = sum(CFG.hourly[:2]) / sum(CFG.hourly)
    assert rates[:120].sum() / rates.sum() == pytest.approx(0.2 + 0.8 * base_share)
    # the simulated peak day really is 3–5 times an ordinary Wednesday (Nov 25)
    df = arrival_counts(date(2026, 11, 1), 30, interval_minutes=1440, seed=2)
    assert 3.0 < df["count"].iloc[10] / df["count"].iloc[24] < 5.0


def test_statutory_holiday_is_quieter_but_in_lieu_rest_is_not() -> None:
    national_day = date(2026, 10, 1)  # 法定 (Thursday)
    in_lieu = date(2026, 10, 5)  # rest day of the block (Monday)
    assert day_factor(national_day, CFG) == pytest.approx(CFG.weekly[3] * CFG.holiday_factor)
    assert day_factor(in_lieu, CFG) == pytest.approx(CFG.weekly[0])
    # the whole Spring Festival block is quiet, its rest days included; the day after is not
    for day in (date(2026, 2, 15), date(2026, 2, 17), date(2026, 2, 23)):
        assert day_factor(day, CFG) == pytest.approx(CFG.weekly[day.weekday()] * CFG.spring_festival_factor)
    assert day_factor(date(2026, 2, 24), CFG) == pytest.approx(CFG.weekly[1])
    # 2027 is past the official schedule: python-holidays names the days in English
    for day in (date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 10)):
        assert day_factor(day, CFG) == pytest.approx(CFG.weekly[day.weekday()] * CFG.spring_festival_factor)


def test_same_seed_same_counts_other_seed_differs() -> None:
    a = arrival_counts(date(2026, 1, 5), 7, seed=1)
    b = arrival_counts(date(2026, 1, 5), 7, seed=1)
    c = arrival_counts(date(2026, 1, 5), 7, seed=2)
    assert a["count"].tolist() == b["count"].tolist()
    assert a["count"].tolist() != c["count"].tolist()


def test_a_year_long_window_crosses_years_without_error() -> None:
    df = arrival_counts(date(2026, 7, 1), 366, interval_minutes=30, seed=3)
    assert len(df) == 366 * 48
    assert df["count"].dtype == np.int64 and (df["count"] >= 0).all()


def test_sampled_times_follow_the_rate() -> None:
    start = date(2026, 3, 2)
    rates = minute_rates(start, 7, CFG)
    first, end = window_epochs(start, 7)
    ts = sample_times(np.random.default_rng(0), 50_000, rates, first)
    assert ts.min() >= first and ts.max() < end
    hours = ((ts - first) // 3600) % 24
    obs = np.bincount(hours, minlength=24)
    exp = 50_000 * np.asarray(CFG.hourly) / sum(CFG.hourly)
    assert stats.chisquare(obs, exp).pvalue > 1e-3


@pytest.mark.parametrize(("interval", "days"), [(7, 3), (0, 3), (30, 0), (30, -2)])
def test_bad_arguments(interval: int, days: int) -> None:
    with pytest.raises(KefuError) as exc:
        arrival_counts(date(2026, 1, 1), days, interval_minutes=interval)
    assert exc.value.code is ErrorCode.BAD_ARGUMENT


def test_daily_contacts_override_scales_the_rate() -> None:
    small = arrival_counts(date(2026, 3, 2), 7, seed=1, daily_contacts=18.0)
    big = arrival_counts(date(2026, 3, 2), 7, seed=1)
    np.testing.assert_allclose(small["expected"] * 10, big["expected"], rtol=1e-12)
    with pytest.raises(KefuError):
        arrival_counts(date(2026, 3, 2), 7, daily_contacts=-1.0)
