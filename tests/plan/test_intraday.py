"""Intraday re-forecast (shrunk ratio) and the required-vs-scheduled gap with offers."""

from __future__ import annotations

import numpy as np
import pytest

from kefu.domain.errors import KefuError
from kefu.plan.intraday import Offer, reforecast_today, staffing_gap


def test_reforecast_scales_rest_of_day_by_shrunk_ratio() -> None:
    f = np.array([np.nan, 10.0, 10.0, 10.0, 10.0, np.nan])
    a = np.array([np.nan, 15.0, 15.0, np.nan, np.nan, np.nan])
    r = reforecast_today(f, a, 3, prior_share=0.25)
    # κ = 0.25 × 40 = 10; m = (10 + 30) / (10 + 20) = 4/3
    assert r.multiplier == pytest.approx(4 / 3, abs=1e-6)
    assert (r.elapsed_actual, r.elapsed_forecast) == (30.0, 20.0)
    assert np.isnan(r.values[0]) and np.isnan(r.values[5])
    assert r.values[1:3].tolist() == [15.0, 15.0]
    assert r.values[3] == pytest.approx(40 / 3)


def test_before_opening_the_forecast_is_unchanged_and_missing_actuals_count_as_zero() -> None:
    f = np.array([10.0, 10.0, 10.0])
    assert reforecast_today(f, np.full(3, np.nan), 0).values.tolist() == [10.0, 10.0, 10.0]
    r = reforecast_today(f, np.array([np.nan, np.nan, np.nan]), 2, prior_share=0.5)
    assert r.multiplier == pytest.approx(15 / 35, abs=1e-6)  # κ = 15: (15 + 0) / (15 + 20)
    assert r.values[:2].tolist() == [0.0, 0.0]


def test_bad_intraday_input() -> None:
    with pytest.raises(KefuError):
        reforecast_today([1.0, 2.0], [1.0], 1)
    with pytest.raises(KefuError):
        reforecast_today([1.0, 2.0], [1.0, 2.0], 3)
    with pytest.raises(KefuError):
        staffing_gap([1.0, 2.0], [1], interval_s=1800, aht_s=180, target_sl=0.8, target_s=20)


def test_gap_and_offers() -> None:
    calls = np.array([np.nan, 100.0, 100.0, 100.0, 20.0, 20.0])
    gap = staffing_gap(calls, [0, 14, 12, 11, 8, 4], interval_s=1800, aht_s=180, target_sl=0.8, target_s=20)
    assert gap.required.tolist() == [0, 14, 14, 14, 4, 4]
    assert gap.gap.tolist() == [0, 0, 2, 3, -4, 0]
    assert gap.service_level[1] == pytest.approx(0.88835, rel=1e-5)
    assert gap.service_level[0] == 1.0
    assert gap.offers == [Offer("overtime", 2, 3, 3), Offer("break_ok", 4, 4, 4)]
    later = staffing_gap(
        calls, [0, 14, 12, 11, 8, 4], interval_s=1800, aht_s=180, target_sl=0.8, target_s=20, from_slot=3
    )
    assert later.offers == [Offer("overtime", 3, 3, 3), Offer("break_ok", 4, 4, 4)]
