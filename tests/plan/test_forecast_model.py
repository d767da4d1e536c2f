"""The seasonal forecast: opening hours, closed and missing days, recency, holidays, 调休, promotions."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from kefu.domain.calendar import BusinessCalendar
from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.events import OneOffEvent, Promotion, PromotionCalendar
from kefu.plan.forecast import Grid, classify, predict


def weekday_grid(start: date, days: int, value: float = 10.0, hours: tuple[int, int] = (9, 18)) -> Grid:
    """30-min grid open Mon–Fri between ``hours``; weekends have no rows at all."""
    values = np.full((days, 48), np.nan)
    for i in range(days):
        if (start + timedelta(days=i)).weekday() < 5:
            values[i, hours[0] * 2 : hours[1] * 2] = value
    return Grid(start, 30, values)


def test_weekday_only_history_forecasts_open_hours_of_open_days_only() -> None:
    hist = weekday_grid(date(2025, 9, 1), 14)  # Mon 1 Sep .. Sun 14 Sep
    fc = predict(hist, date(2025, 9, 15), 7)
    assert fc.values.shape == (7, 48)
    for i in range(5):
        assert np.isnan(fc.values[i, :18]).all() and np.isnan(fc.values[i, 36:]).all()
        assert fc.values[i, 18:36].tolist() == [10.0] * 18
    assert np.isnan(fc.values[5:]).all()  # Saturday and Sunday closed


def test_most_recent_week_sets_the_level() -> None:
    hist = weekday_grid(date(2025, 9, 1), 14)
    hist.values[7:14] *= 2.0  # the second week doubled
    fc = predict(hist, date(2025, 9, 15), 5)
    assert np.allclose(fc.values[:, 18:36], 20.0)


def test_missing_day_inside_history_does_not_close_that_weekday() -> None:
    hist = weekday_grid(date(2025, 9, 1), 21)
    hist.values[9] = np.nan  # Wednesday 10 Sep lost (no rows)
    fc = predict(hist, date(2025, 9, 22), 7)
    assert np.allclose(fc.values[2, 18:36], 10.0)


def test_intraday_shape_is_learned() -> None:
    hist = weekday_grid(date(2025, 9, 1), 14)
    hist.values[:, 20] = np.where(np.isnan(hist.values[:, 20]), np.nan, 30.0)  # a 10:00 peak every day
    fc = predict(hist, date(2025, 9, 15), 1).values[0]
    # [1,2,1] smoothing spreads the peak over its neighbours; the daily total is kept
    assert fc[20] == pytest.approx(20.0)
    assert fc[19] == pytest.approx(15.0) and fc[21] == pytest.approx(15.0)
    assert np.nansum(fc) == pytest.approx(17 * 10 + 30)


def test_holidays_closed_and_makeup_workday_open_for_a_weekday_business() -> None:
    cal = BusinessCalendar()
    hist = weekday_grid(date(2025, 9, 1), 26)  # to Fri 26 Sep, no holiday in it
    fc = predict(hist, date(2025, 9, 27), 16, calendar=cal)
    day = {date(2025, 9, 27) + timedelta(days=i): fc.values[i] for i in range(16)}
    assert np.allclose(day[date(2025, 9, 28)][18:36], 10.0)  # Sunday 调休 workday: open
    assert np.allclose(day[date(2025, 10, 11)][18:36], 10.0)  # Saturday 调休 workday: open
    for d in (date(2025, 10, 1), date(2025, 10, 6), date(2025, 10, 8)):  # 国庆/中秋 on weekdays: closed
        assert np.isnan(day[d]).all(), d
    assert np.isnan(day[date(2025, 9, 27)]).all()  # an ordinary Saturday stays closed
    assert np.allclose(day[date(2025, 10, 9)][18:36], 10.0)


def hourly_year(start: date, days: int, value: float = 10.0) -> Grid:
    return Grid(start, 60, np.full((days, 24), value))


def test_holiday_ratio_learned_from_last_year_per_kind() -> None:
    cal = BusinessCalendar()
    start = date(2024, 9, 1)
    hist = hourly_year(start, (date(2025, 9, 26) - start).days)
    for i, d in enumerate(hist.days):
        if classify(d, cal, PromotionCalendar(promotions=())).holiday.endswith(":statutory"):
            hist.values[i] = 5.0  # statutory days run at half volume; in-lieu rest days are normal
    fc = predict(hist, date(2025, 9, 26), 14, calendar=cal)
    by_day = {fc.start + timedelta(days=i): fc.values[i] for i in range(14)}
    for d in (date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 3), date(2025, 10, 6)):
        assert np.allclose(by_day[d], 5.0), d
    for d in (date(2025, 10, 4), date(2025, 10, 7), date(2025, 10, 9)):
        assert np.allclose(by_day[d], 10.0), d


def test_promotion_profile_learned_from_last_occurrence() -> None:
    promos = PromotionCalendar(promotions=(Promotion("t", "测试", 3, 20, lead_days=2, after_days=1),))
    start = date(2024, 1, 1)
    hist = hourly_year(start, (date(2025, 3, 10) - start).days)
    i_peak = hist.day_index(date(2024, 3, 20))
    hist.values[i_peak] = 30.0
    hist.values[i_peak - 1] = 20.0
    hist.values[i_peak, 0] = 60.0  # midnight rush on the peak day
    fc = predict(hist, date(2025, 3, 10), 14, promotions=promos)
    by_day = {fc.start + timedelta(days=i): fc.values[i] for i in range(14)}
    assert np.allclose(by_day[date(2025, 3, 18)], 10.0)  # lead day 2 had no effect last year
    assert np.allclose(by_day[date(2025, 3, 19)], 20.0)  # the eve ran at 2× last year
    assert by_day[date(2025, 3, 20)][0] == pytest.approx(60.0)  # the rush hour comes back
    assert float(np.sum(by_day[date(2025, 3, 20)])) == pytest.approx(23 * 30 + 60)
    assert np.allclose(by_day[date(2025, 3, 22)], 10.0)  # outside the window


def test_one_off_event_without_history_keeps_baseline() -> None:
    promos = PromotionCalendar(promotions=(), one_off=(OneOffEvent("anniv", "店庆", date(2025, 9, 17)),))
    hist = weekday_grid(date(2025, 9, 1), 14)
    fc = predict(hist, date(2025, 9, 15), 5, promotions=promos)
    assert np.allclose(fc.values[:, 18:36], 10.0)


def test_baselines_same_slot() -> None:
    hist = weekday_grid(date(2025, 9, 1), 28)
    for w in range(4):
        hist.values[7 * w : 7 * w + 7] *= w + 1  # weeks at 10, 20, 30, 40
    sn = predict(hist, date(2025, 9, 29), 7, model="snaive")
    a4 = predict(hist, date(2025, 9, 29), 7, model="avg4")
    assert np.allclose(sn.values[:5, 18:36], 40.0)
    assert np.allclose(a4.values[:5, 18:36], 25.0)
    assert np.isnan(a4.values[5:]).all()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"start": date(2025, 9, 10)}, ErrorCode.BAD_ARGUMENT),  # inside the history
        ({"days": 0}, ErrorCode.BAD_ARGUMENT),
        ({"model": "prophet"}, ErrorCode.BAD_ARGUMENT),
        ({"weeks": 0}, ErrorCode.BAD_ARGUMENT),
    ],
)
def test_bad_requests(kwargs: dict[str, object], code: ErrorCode) -> None:
    hist = weekday_grid(date(2025, 9, 1), 14)
    args: dict[str, object] = {"start": date(2025, 9, 15), "days": 7}
    args.update(kwargs)
    with pytest.raises(KefuError) as err:
        predict(hist, **args)  # type: ignore[arg-type]
    assert err.value.code is code


def test_empty_history() -> None:
    with pytest.raises(KefuError) as err:
        predict(Grid(date(2025, 9, 1), 30, np.full((3, 48), np.nan)), date(2025, 9, 5), 1)
    assert err.value.code is ErrorCode.FORECAST_NO_HISTORY


def test_fifteen_minute_intervals() -> None:
    values = np.full((14, 96), np.nan)
    values[:, 36:40] = [1.0, 2.0, 3.0, 4.0]  # 09:00–10:00 every day
    fc = predict(Grid(date(2025, 9, 1), 15, values), date(2025, 9, 15), 1)
    assert fc.interval_min == 15
    assert np.nonzero(~np.isnan(fc.values[0]))[0].tolist() == [36, 37, 38, 39]
    assert float(np.nansum(fc.values[0])) == pytest.approx(10.0)
    # the [1,2,1] smoothing inside the open hour: (2·1+2)/3, (1+4+3)/4, (2+6+4)/4, (3+8)/3
    assert fc.values[0, 36:40] == pytest.approx(
        np.array([4 / 3, 2.0, 3.0, 11 / 3]) / (4 / 3 + 2 + 3 + 11 / 3) * 10
    )


def test_statsforecast_is_not_imported_by_the_default_model() -> None:
    import subprocess
    import sys

    code = (
        "import sys, numpy as np; from datetime import date;"
        "from kefu.plan.forecast import Grid, predict;"
        "predict(Grid(date(2025,9,1),30,np.ones((14,48))), date(2025,9,15), 1);"
        "print('statsforecast' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow
def test_statsforecast_alternative_respects_opening_hours() -> None:
    hist = weekday_grid(date(2025, 9, 1), 21)
    fc = predict(hist, date(2025, 9, 22), 7, model="sf_theta")
    open_ = ~np.isnan(fc.values)
    assert open_.sum() == 5 * 18 and open_[:5, 18:36].all()
    assert np.allclose(fc.values[open_], 10.0, atol=0.5)
    with pytest.raises(KefuError):
        predict(weekday_grid(date(2025, 9, 1), 10), date(2025, 9, 11), 7, model="sf_mstl")  # < 2 weeks


def test_history_inside_a_promotion_window_still_opens_every_weekday() -> None:
    promos = PromotionCalendar()  # 双11: 28 Oct – 21 Nov
    hist = hourly_year(date(2026, 11, 2), 20)  # 2–21 Nov: every day is a 双11 window day
    hist.values[hist.day_index(date(2026, 11, 11))] = 100.0  # the peak (a Wednesday) must not set Wednesdays
    hist.values[hist.day_index(date(2026, 11, 12))] = 50.0
    fc = predict(hist, date(2026, 11, 22), 7, promotions=promos)
    assert np.allclose(fc.values, 10.0)
