"""Forecast benchmark: real bank call centre (4 weeks) and a simulated 2-year shop with holidays and 双11.

Usage: .venv/bin/python bench/forecast.py [--sim-days 731] [--models seasonal,sf_mstl] [--sim-models seasonal]

1. Anonymous Bank, Feb 1999 (``../shared/data/arrivals``): 30-min agent-queue
   arrivals; predict week 3 from weeks 1–2 and week 4 from weeks 1–3 (no
   holiday calendar: it is an Israeli bank). Compared with the same-slot
   average of the available weeks (``avg4``) and the Poisson noise floor.
2. Simulated shop (``kefu.sim.arrivals``: weekday, statutory-holiday and
   618/双11/双12 effects, Poisson counts): 2024–2025, weekly folds through
   2025, each forecasting 7 days from all history before it.
The last line holds the key=value figures (definitions in docs/bench/forecast.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from kefu.domain.calendar import BusinessCalendar
from kefu.io.arrivals import bank_call_times, counts_from_times, grid_from_counts
from kefu.plan.backtest import Score, backtest
from kefu.plan.events import PromotionCalendar
from kefu.plan.forecast import Grid

BANK = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "arrivals"
    / "anonymous_bank_1999_02_calls.txt.gz"
)


def _pick(scores: list[Score], model: str, fold: str) -> Score:
    return next(s for s in scores if s.model == model and s.fold == fold)


def bank(models: tuple[str, ...]) -> dict[str, str]:
    grid = counts_from_times(bank_call_times(BANK), 30)
    folds = [date(1999, 2, 15), date(1999, 2, 22)]
    t0 = time.perf_counter()
    scores = backtest(grid, folds, 7, models=models)
    secs = time.perf_counter() - t0
    out: dict[str, str] = {}
    for week, fold in (("w3", "1999-02-15"), ("w4", "1999-02-22")):
        for model in (*models, "avg4", "snaive"):
            s = _pick(scores, model, fold)
            print(
                f"bank {week} {model:9s} wape_int={s.wape_interval:.4f} wape_day={s.wape_day:.4f} "
                f"floor={s.floor_interval:.4f} vs_avg4={s.vs_avg4:+.3f}",
                file=sys.stderr,
            )
        s, a = _pick(scores, models[0], fold), _pick(scores, "avg4", fold)
        out[f"bank_{week}_wape"] = f"{s.wape_interval:.4f}"
        out[f"bank_{week}_avg4"] = f"{a.wape_interval:.4f}"
        out[f"bank_{week}_gain"] = f"{s.vs_avg4:.3f}"
        out[f"bank_{week}_floor"] = f"{s.floor_interval:.4f}"
        out[f"bank_{week}_wape_day"] = f"{s.wape_day:.4f}"
    out["bank_s"] = f"{secs:.2f}"
    return out


def simulated(days: int, models: tuple[str, ...]) -> dict[str, str]:
    from kefu.sim.arrivals import arrival_counts
    from kefu.sim.config import SimConfig

    start = date(2024, 1, 1)
    frame = arrival_counts(start, days, 30, seed=11, config=SimConfig(daily_contacts=2000.0))
    stamps = [ts.tz_localize(None).to_pydatetime() for ts in frame["interval_start"]]
    grid: Grid = grid_from_counts(zip(stamps, frame["count"].astype(float), strict=True), 30)
    first_fold = start + timedelta(days=366)
    last_fold = start + timedelta(days=days - 7)
    folds = [first_fold + timedelta(days=7 * k) for k in range((last_fold - first_fold).days // 7 + 1)]
    t0 = time.perf_counter()
    scores = backtest(
        grid, folds, 7, models=models, calendar=BusinessCalendar(), promotions=PromotionCalendar()
    )
    secs = time.perf_counter() - t0
    s, a, n = (_pick(scores, m, "all") for m in (models[0], "avg4", "snaive"))
    peak = [f for f in folds if f <= date(2025, 11, 11) < f + timedelta(days=7)][0].isoformat()
    sp, ap = _pick(scores, models[0], peak), _pick(scores, "avg4", peak)
    worst = max(
        (x for x in scores if x.model == models[0] and x.fold != "all"), key=lambda x: x.wape_interval
    )
    print(
        f"sim all seasonal={s.wape_interval:.4f} avg4={a.wape_interval:.4f} snaive={n.wape_interval:.4f} "
        f"floor={s.floor_interval:.4f} d11-week seasonal={sp.wape_interval:.4f} avg4={ap.wape_interval:.4f} "
        f"worst fold {worst.fold} {worst.wape_interval:.4f}",
        file=sys.stderr,
    )
    leaks = sum(1 for x in scores if x.model == models[0] and x.leak_suspected)
    return {
        "sim_folds": str(len(folds)),
        "sim_wape": f"{s.wape_interval:.4f}",
        "sim_avg4": f"{a.wape_interval:.4f}",
        "sim_snaive": f"{n.wape_interval:.4f}",
        "sim_floor": f"{s.floor_interval:.4f}",
        "sim_wape_day": f"{s.wape_day:.4f}",
        "sim_avg4_day": f"{a.wape_day:.4f}",
        "sim_d11_wape": f"{sp.wape_interval:.4f}",
        "sim_d11_avg4": f"{ap.wape_interval:.4f}",
        "sim_leak_folds": str(leaks),
        "sim_s": f"{secs:.1f}",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sim-days", type=int, default=731)
    ap.add_argument("--models", default="seasonal", help="bank data: comma-separated; the first is scored")
    ap.add_argument("--sim-models", default="seasonal", help="simulated year (statsforecast is slow there)")
    args = ap.parse_args()
    models = tuple(m for m in args.models.split(",") if m)
    sim_models = tuple(m for m in args.sim_models.split(",") if m)
    figures: dict[str, str] = {}
    if BANK.exists():
        figures.update(bank(models))
    else:
        print(f"skipping bank data: {BANK} not found", file=sys.stderr)
    if args.sim_days > 0:
        figures.update(simulated(args.sim_days, sim_models))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
