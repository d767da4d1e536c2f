"""Model chosen by backtest, region calendars, any-granularity input and the quantile CLI."""

from __future__ import annotations

import gzip
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.domain.calendar import BusinessCalendar
from kefu.domain.errors import ErrorCode, KefuError
from kefu.io.arrivals import grid_from_counts
from kefu.io.history import read_history
from kefu.plan.backtest import backtest_auto
from kefu.plan.events import NO_EVENTS
from kefu.plan.forecast import Grid
from kefu.plan.forecast_auto import calendar_is_own, predict_auto
from kefu.plan.regions import calendar_for, normalise_code
from support import shared_path


def flat(days: int, value: float = 10.0) -> Grid:
    values = np.full((days, 48), np.nan)
    values[:, 18:36] = value
    return Grid(date(2025, 9, 1), 30, values)


def test_flat_history_keeps_seasonal_and_a_poisson_band() -> None:
    auto = predict_auto(flat(35), date(2025, 10, 6), 7)
    assert auto.chosen == "seasonal" and auto.members == ("seasonal",)
    assert len(auto.folds) == 4  # origins 1–4 weeks back that leave a week of history before them
    assert np.allclose(auto.point.values[:, 18:36], 10.0) and np.isnan(auto.point.values[:, :18]).all()
    # every candidate is exact on a flat series, so the band is Poisson noise alone: 10 ∓ 1.2816·√10
    assert auto.quantiles[0.1].values[0, 18] == pytest.approx(10 - 1.2815516 * np.sqrt(10), abs=1e-5)
    assert auto.quantiles[0.9].values[0, 18] == pytest.approx(10 + 1.2815516 * np.sqrt(10), abs=1e-5)


def test_selection_follows_a_level_step_and_leaves_an_outage_day_out() -> None:
    hist = flat(56)
    hist.values[28:, 18:36] = 20.0  # the level doubled four weeks ago
    hist.values[50, 18:36] = 1.0  # an outage-like day (far below its weekday)
    auto = predict_auto(hist, date(2025, 10, 27), 7)
    assert auto.unusual_days == [date(2025, 10, 21)]
    day = auto.point.values[:, 18:36]
    # Monday near the new level; Tuesday, with its outage left out, reaches one more week back
    assert [round(float(day[i].max()), 4) for i in (0, 1)] == [17.6904, 14.8574]
    assert auto.table[0].name == auto.chosen and auto.table[0].wape == min(s.wape for s in auto.table)


def test_one_named_candidate_is_used_as_asked() -> None:
    hist = flat(21)
    hist.values[14:, 18:36] = 16.0
    auto = predict_auto(hist, date(2025, 9, 22), 7, candidates=("mean2",))
    assert auto.chosen == "mean2" and np.allclose(auto.point.values[:, 18:36], 13.0)


def test_region_calendars_and_the_default_checked_against_the_data() -> None:
    vic = calendar_for("au-vic")
    assert vic is not None and vic.info(date(2014, 11, 4)).name == "Melbourne Cup Day"
    assert calendar_for("none") is None and normalise_code("us") == "US"
    with pytest.raises(KefuError) as err:
        calendar_for("XX")
    assert err.value.code is ErrorCode.BAD_ARGUMENT
    hist = Grid(date(2025, 9, 1), 30, np.full((70, 48), 10.0))  # runs through 国庆 without noticing it
    assert not calendar_is_own(hist, BusinessCalendar(), NO_EVENTS)
    hist.values[30:38] = 2.0  # 1–8 Oct at a fifth of the volume: the calendar is this series' own
    assert calendar_is_own(hist, BusinessCalendar(), NO_EVENTS)


def test_five_minute_rows_and_contact_rows_are_summed_with_the_assumptions_reported() -> None:
    lines = ["interval_start,count,queue"]
    for d in range(14):
        day = date(2025, 9, 1) + timedelta(days=d)
        if day.weekday() == 6 or d == 3:  # Sundays closed; Thursday 4 Sep lost
            continue
        lines += [f"{day} 09:{m:02d},2,q1" for m in range(0, 60, 5) if not (d == 1 and m == 35)]
    hist = read_history("\n".join(lines) + "\n", "h.csv", 30)
    assert hist.grid.values[0, 18:20].tolist() == [12.0, 12.0]
    assert hist.grid.values[1, 19] == 10.0  # a missing 5-minute row inside the half hour adds nothing
    p = hist.profile
    assert (p.source, p.native_minutes, p.closed_weekdays) == ("counts", 5, (6,))
    assert p.missing_days == (date(2025, 9, 4),) and p.filled_zeros == 0 and p.integer_counts
    assert "closed weekdays: Sun" in [en for _, en in p.notes()]
    contacts = "contact_time,agent\n2025-09-01 09:01:59,a\n2025-09-01 09:29:00,b\n2025-09-01 10:00:01,c\n"
    got = read_history(contacts, "c.csv", 30)
    assert got.profile.source == "contacts" and got.grid.values[0, [18, 20]].tolist() == [2.0, 1.0]
    assert np.isnan(got.grid.values[0, 19])  # 09:30 never saw a contact: not an open interval
    with pytest.raises(KefuError) as err:
        read_history("interval_start,count\n2025-09-01 09:00,1\n2025-09-01 09:20,1\n", "h.csv", 30)
    assert "20-minute rows" in err.value.message_en


def test_cli_predict_from_five_minute_history_at_p90(tmp_path: Path) -> None:
    rows = ["interval_start,count"]
    for d in range(21):
        day = datetime(2025, 9, 1) + timedelta(days=d)
        rows += [f"{day + timedelta(minutes=m):%Y-%m-%d %H:%M},1" for m in range(540, 600, 5)]
    (tmp_path / "h.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "f.csv"
    args = ["forecast", "predict", "--history", str(tmp_path / "h.csv"), "--start", "2025-09-22"]
    args += ["--days", "1", "--interval", "30", "--out", str(out), "--quantile", "0.9", "--calendar", "none"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").splitlines() == [
        "interval_start,forecast",
        "2025-09-22 09:00,9.139",  # 6 a half hour ± Poisson noise: 6 + 1.2816·√6
        "2025-09-22 09:30,9.139",
    ]
    bad = CliRunner().invoke(app, [*args[:-4], "--quantile", "1.5", "--calendar", "none"])
    assert isinstance(bad.exception, KefuError) and bad.exception.details["argument"] == "quantile"


def test_real_electricity_beats_the_baselines_over_four_origins() -> None:
    path = shared_path("data", "arrivals", "victoria_electricity_2014_30min.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        next(fh)
        rows = [(datetime.fromisoformat(line.split(",")[0]), float(line.split(",")[1])) for line in fh]
    grid = grid_from_counts(rows, 30)
    starts = [date(2014, 9, 1) + timedelta(days=7 * k) for k in range(4)]
    folds, pooled = backtest_auto(grid, starts, 7, calendar=calendar_for("AU-VIC"))
    assert len(folds) == 4
    assert pooled.ratio <= 0.95, pooled
    assert 0.7 <= pooled.coverage80 <= 0.9, pooled


def test_intraday_reforecast_is_scored_on_the_rest_of_each_day() -> None:
    from kefu.plan.backtest import _intraday_errors

    fc = np.full((1, 12), np.nan)
    fc[0, :10] = 10.0
    actual = np.full((1, 12), np.nan)
    actual[0, :10] = 20.0  # the day runs at twice the forecast
    # 40 % of the forecast is due after 4 slots; m = (15 + 80) ÷ (15 + 40) with κ = 0.15 × 100
    got = _intraday_errors(fc, actual)
    assert got.tolist() == pytest.approx([60.0, 6 * (20 - 10 * 95 / 55), 120.0])


def test_unknown_model_is_refused() -> None:
    with pytest.raises(KefuError) as err:
        predict_auto(flat(21), date(2025, 9, 22), 7, candidates=("avg4",))
    assert err.value.details["argument"] == "model" and "unknown model ['avg4']" in err.value.message_en
