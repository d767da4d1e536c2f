"""Forecast benchmark: the model chosen by backtest against the simple baselines, series by series.

Usage: .venv/bin/python bench/forecast.py [--series bank,elec,syn,sim] [--sim-days 731] [--statsforecast]

Every series is scored week-ahead at 30 minutes over rolling origins (each
forecast uses only the history before its origin, and chooses its model on
that history alone): WAPE of ours, of the same-slot average of the last 4
weeks (``avg4``) and of seasonal naive (``snaive``), the ratio to the better
baseline (goal ≤ 0.95), the Poisson noise floor (counts only) and the share
of actual intervals inside the P10–P90 band (goal 75–85%). ``intraday=a->b``: on the
rest of each test day once 40% of its forecast volume is due, the WAPE of the day-ahead
forecast (a) and of the intraday re-forecast from that day's actuals so far (b).

1. Anonymous Bank, Feb 1999 (``../shared/data/arrivals``, call by call, no
   holiday calendar): 8 daily origins 15–22 Feb (the file has 4 weeks).
2. Victorian electricity demand 2014 (30 min, calendar AU-VIC): weekly origins
   from 3 March (8 weeks of history) to the last whole week.
3. Synthetic Poisson series (``bench/synthetic_series.py``: trend, level shift,
   shape drift, closed days, US/GB/DE/CN/AU holidays): weekly origins from week 8.
4. The simulated CN shop (``kefu.sim``: 调休, 618/双11): weekly origins through its second year.
One line per series on stderr; the last line holds the key=value figures.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

from kefu.io.arrivals import bank_call_times, counts_from_times, grid_from_counts
from kefu.plan.backtest import backtest_auto
from kefu.plan.events import NO_EVENTS, PromotionCalendar
from kefu.plan.forecast import Grid
from kefu.plan.regions import calendar_for

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_series import RECIPES, make

ARRIVALS = Path(__file__).resolve().parents[2] / "shared" / "data" / "arrivals"
BANK = ARRIVALS / "anonymous_bank_1999_02_calls.txt.gz"
ELEC = ARRIVALS / "victoria_electricity_2014_30min.csv.gz"
STATSFORECAST = [False]  # --statsforecast: also the AutoETS / AutoTheta / AutoARIMA daily-level candidates


def weekly(grid: Grid, first: date) -> list[date]:
    end = grid.start + timedelta(days=grid.values.shape[0] - 7)
    return [first + timedelta(days=7 * k) for k in range((end - first).days // 7 + 1)]


def score(
    name: str, grid: Grid, origins: list[date], calendar: str, promotions: PromotionCalendar = NO_EVENTS
) -> dict[str, str]:
    t0 = time.perf_counter()
    folds, pooled = backtest_auto(
        grid, origins, 7, calendar=calendar_for(calendar), promotions=promotions, statsforecast=STATSFORECAST[0]
    )
    secs = time.perf_counter() - t0
    chosen = Counter(f.chosen for f in folds).most_common(2)
    print(
        f"{name:15s} folds={len(folds):2d} ours={pooled.wape:.4f} snaive={pooled.baselines['snaive']:.4f} "
        f"avg4={pooled.baselines['avg4']:.4f} ratio={pooled.ratio:.3f} floor={pooled.floor:.4f} "
        f"cover80={pooled.coverage80:.3f} intraday={pooled.intraday[0]:.4f}->{pooled.intraday[1]:.4f} "
        f"worst_fold_ratio={max(f.ratio for f in folds):.3f} "
        f"chosen={','.join(f'{c}x{k}' for c, k in chosen)} secs={secs:.1f}",
        file=sys.stderr,
        flush=True,
    )
    return {
        f"{name}_ratio": f"{pooled.ratio:.3f}",
        f"{name}_wape": f"{pooled.wape:.4f}",
        f"{name}_cover80": f"{pooled.coverage80:.3f}",
        f"{name}_intraday": f"{pooled.intraday[1]:.4f}",
    }


def bank() -> dict[str, str]:
    grid = counts_from_times(bank_call_times(BANK), 30)
    return score("bank", grid, [date(1999, 2, 15) + timedelta(days=i) for i in range(8)], "none")


def electricity() -> dict[str, str]:
    with gzip.open(ELEC, "rt", encoding="utf-8") as fh:
        rows = [(datetime.fromisoformat(r["interval_start"]), float(r["count"])) for r in csv.DictReader(fh)]
    grid = grid_from_counts(rows, 30)
    return score("elec", grid, weekly(grid, date(2014, 3, 3)), "AU-VIC")


def synthetic() -> dict[str, str]:
    out: dict[str, str] = {}
    for recipe in RECIPES:
        grid = make(recipe)
        out.update(score(recipe.name, grid, weekly(grid, recipe.start + timedelta(days=56)), recipe.calendar))
    return out


def simulated(days: int) -> dict[str, str]:
    from kefu.sim.arrivals import arrival_counts
    from kefu.sim.config import SimConfig

    start = date(2024, 1, 1)
    frame = arrival_counts(start, days, 30, seed=11, config=SimConfig(daily_contacts=2000.0))
    stamps = [ts.tz_localize(None).to_pydatetime() for ts in frame["interval_start"]]
    grid = grid_from_counts(zip(stamps, frame["count"].astype(float), strict=True), 30)
    return score("sim_cn", grid, weekly(grid, start + timedelta(days=366)), "CN", PromotionCalendar())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--series", default="bank,elec,syn,sim")
    ap.add_argument("--sim-days", type=int, default=731)
    ap.add_argument("--statsforecast", action="store_true", help="add the statsforecast candidates (slower)")
    args = ap.parse_args()
    STATSFORECAST[0] = args.statsforecast
    wanted = set(args.series.split(","))
    figures: dict[str, str] = {}
    for key, path, run in (("bank", BANK, bank), ("elec", ELEC, electricity)):
        if key in wanted:
            if path.exists():
                figures.update(run())
            else:
                print(f"skipping {key}: {path} not found", file=sys.stderr)
    if "syn" in wanted:
        figures.update(synthetic())
    if "sim" in wanted and args.sim_days > 0:
        figures.update(simulated(args.sim_days))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
