"""Backtest scores, the Poisson floor, the real bank data figures and the CLI contracts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.domain.errors import KefuError
from kefu.io.arrivals import bank_call_times, counts_from_times
from kefu.plan.backtest import backtest, poisson_mad
from kefu.plan.forecast import Grid
from support import shared_path


def test_poisson_mad_exact() -> None:
    got = poisson_mad(np.array([1.0, 0.5, 0.0, 4.0]))
    assert got[0] == pytest.approx(2 * np.exp(-1))
    assert got[1] == pytest.approx(np.exp(-0.5))
    assert got[2] == 0.0
    assert got[3] == pytest.approx(2 * 4 * np.exp(-4) * 4**4 / 24)


def test_perfect_forecast_of_a_flat_series_is_flagged_as_leakage() -> None:
    values = np.full((28, 48), np.nan)
    values[:, 18:36] = 10.0
    scores = backtest(Grid(date(2025, 9, 1), 30, values), [date(2025, 9, 22)], 7)
    by_model = {s.model: s for s in scores if s.fold == "all"}
    assert set(by_model) == {"seasonal", "snaive", "avg4"}
    s = by_model["seasonal"]
    assert (s.wape_interval, s.wape_day, s.intervals, s.actual_total) == (0.0, 0.0, 7 * 18, 7 * 18 * 10.0)
    assert s.floor_interval == pytest.approx(float(poisson_mad(np.array([10.0]))[0]) / 10, abs=1e-6)
    assert s.leak_suspected


def test_fold_needs_history_and_actuals() -> None:
    values = np.full((14, 48), 1.0)
    with pytest.raises(KefuError):
        backtest(Grid(date(2025, 9, 1), 30, values), [date(2025, 9, 10)], 7)
    with pytest.raises(KefuError):
        backtest(Grid(date(2025, 9, 1), 30, values), [date(2025, 9, 3)], 7)
    with pytest.raises(KefuError):
        backtest(Grid(date(2025, 9, 1), 30, values), [], 7)


def test_real_bank_weeks_beat_same_slot_average_by_5pct_and_stay_above_floor() -> None:
    path = shared_path("data", "arrivals", "anonymous_bank_1999_02_calls.txt.gz")
    grid = counts_from_times(bank_call_times(path), 30)
    assert float(np.nansum(grid.values)) == 31372.0  # every agent-queue arrival of the README
    scores = backtest(grid, [date(1999, 2, 15), date(1999, 2, 22)], 7)
    for fold in ("1999-02-15", "1999-02-22"):
        s = next(x for x in scores if x.model == "seasonal" and x.fold == fold)
        assert s.vs_avg4 >= 0.05, fold
        assert s.wape_interval > s.floor_interval, fold
    s3 = next(x for x in scores if x.model == "seasonal" and x.fold == "1999-02-15")
    assert round(s3.wape_interval, 4) == 0.2161


runner = CliRunner()


def test_cli_predict_backtest_and_requirement(tmp_path: Path) -> None:
    lines = ["interval_start,count"]
    day0 = date(2025, 9, 1)
    for i in range(21):
        d = day0 + timedelta(days=i)
        if d.weekday() < 5:
            lines += [f"{d} {h:02d}:{m:02d},12" for h in range(9, 12) for m in (0, 30)]
    hist, fc, js, req_csv = (str(tmp_path / n) for n in ("h.csv", "f.csv", "s.json", "r.csv"))
    Path(hist).write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "forecast",
            "predict",
            "--history",
            hist,
            "--start",
            "2025-09-22",
            "--days",
            "7",
            "--interval",
            "30",
            "--out",
            fc,
        ],
    )
    assert r.exit_code == 0, r.output
    out = Path(fc).read_text(encoding="utf-8").splitlines()
    assert out[0] == "interval_start,forecast"
    assert out[1:3] == ["2025-09-22 09:00,12.0", "2025-09-22 09:30,12.0"]
    # Mon–Fri 09:00–12:00, Saturday closed, and Sunday 28 Sep 2025 is a 调休 workday: open
    assert len(out) == 1 + 6 * 6
    assert out[-1] == "2025-09-28 11:30,12.0"
    b = runner.invoke(app, ["forecast", "backtest", "--history", hist, "--folds", "1", "--json", js])
    assert b.exit_code == 0, b.output
    report = json.loads(Path(js).read_text(encoding="utf-8"))
    assert [f["fold"] for f in report["folds"]] == ["2025-09-13"]
    assert (report["pooled"]["wape"], report["pooled"]["baselines"]) == (0.0, {"snaive": 0.0, "avg4": 0.0})
    assert report["pooled"]["coverage80"] == 1.0 and report["chosen"] == "seasonal"
    q = runner.invoke(
        app,
        [
            "staffing",
            "requirement",
            "--forecast",
            fc,
            "--aht-s",
            "180",
            "--target-sl",
            "0.8",
            "--target-s",
            "20",
            "--out",
            req_csv,
        ],
    )
    assert q.exit_code == 0, q.output
    req = Path(req_csv).read_text(encoding="utf-8").splitlines()
    assert req[0] == "interval_start,forecast,required,service_level"
    assert req[1].startswith("2025-09-22 09:00,12,3,")  # 12 calls × 180 s / 1800 s = 1.2 Erlangs → 3 agents
    bad = runner.invoke(app, ["forecast", "backtest", "--history", hist, "--folds", "0"])
    assert isinstance(bad.exception, KefuError) and bad.exception.details["argument"] == "test-start"


def test_cli_bad_history_exits_2_with_rows(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("interval_start,count\n2025-09-01 09:00,abc\n", encoding="utf-8")
    # the one out-of-process run: the real ``kefu`` entry point prints both languages and exits 2
    cmd = [
        "forecast",
        "predict",
        "--history",
        "h.csv",
        "--start",
        "2025-09-22",
        "--days",
        "7",
        "--out",
        "f.csv",
    ]
    r = subprocess.run(
        [sys.executable, "-m", "kefu", *cmd], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert r.returncode == 2
    assert "IMPORT_BAD_ROW" in r.stderr and "第2行" in r.stderr and "row 2" in r.stderr
    assert "数量须为非负数: 'abc'" in r.stderr and "count must be a non-negative" in r.stderr
    assert not (tmp_path / "f.csv").exists()
