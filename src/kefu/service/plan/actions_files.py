"""Forecast use-cases on files: predict with the model chosen by backtest, and the backtest report.

Why a service: the CLI (and any caller) gets one function per use-case that
reads the history in whatever granularity it comes, picks the calendar,
runs the engine and returns typed results with the assumptions made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from kefu.domain.errors import bad_argument
from kefu.io.arrivals import format_grid
from kefu.io.history import HistoryProfile, load_history
from kefu.plan.backtest import AutoFold, backtest_auto, recent_starts
from kefu.plan.events import DEFAULT_PROMOTIONS, NO_EVENTS, PromotionCalendar
from kefu.plan.forecast import FITTED, Grid, predict
from kefu.plan.forecast_auto import AutoForecast, CandidateScore, predict_auto
from kefu.plan.regions import DayCalendar, calendar_for

DEFAULT_CALENDAR = "CN"


@dataclass(frozen=True)
class Calendars:
    holidays: DayCalendar | None
    promotions: PromotionCalendar
    verify: bool  # the default calendar: dropped where the data show it is not the series' own
    code: str


def calendars(code: str | None, events: str = "default") -> Calendars:
    """The holiday and promotion calendars asked for; ``None`` = CN, checked against the data."""
    if events not in ("default", "none"):
        raise bad_argument("events", "须为 default 或 none", "must be default or none")
    text = code or DEFAULT_CALENDAR
    cal = calendar_for(text)
    cn = text.strip().upper() == "CN"
    promos = PromotionCalendar(DEFAULT_PROMOTIONS) if events == "default" and cn else NO_EVENTS
    return Calendars(cal, promos, code is None, text)


@dataclass(frozen=True)
class FilePrediction:
    """The forecast written, the quantile it holds and what was chosen and assumed."""

    rows: int
    quantile: float
    model: str
    members: tuple[str, ...]
    table: list[CandidateScore]
    calendar_used: bool
    notes: list[tuple[str, str]]


def _quantile(q: float) -> float:
    if not 0.0 < q < 1.0:
        raise bad_argument("quantile", "分位数须在 0 与 1 之间", "quantile must be between 0 and 1")
    return round(q, 4)


def predict_file(
    history: Path,
    start: date,
    days: int,
    out: Path,
    *,
    interval_min: int = 30,
    quantile: float = 0.5,
    calendar: str | None = None,
    events: str = "default",
    model: str = "auto",
    weeks: int = 4,
) -> FilePrediction:
    """Forecast ``days`` days from ``start`` at a quantile (0.5 = the point forecast) into ``out``."""
    q = _quantile(quantile)
    cals = calendars(calendar, events)
    hist = load_history(history, interval_min)
    if model in FITTED:
        grid = predict(
            hist.grid,
            start,
            days,
            model=model,
            calendar=cals.holidays,
            promotions=cals.promotions,
            weeks=weeks,
        )
        out.write_text(format_grid(grid), encoding="utf-8")
        return FilePrediction(
            _rows(grid), 0.5, model, (model,), [], cals.holidays is not None, hist.profile.notes()
        )
    auto = _auto(hist.grid, start, days, cals, model, weeks, q)
    grid = auto.point if q == 0.5 else auto.quantiles[q]
    out.write_text(format_grid(grid), encoding="utf-8")
    return FilePrediction(
        _rows(grid), q, auto.chosen, auto.members, auto.table, auto.calendar_used, _notes(hist.profile, auto)
    )


def _auto(
    grid: Grid, start: date, days: int, cals: Calendars, model: str, weeks: int, q: float
) -> AutoForecast:
    return predict_auto(
        grid,
        start,
        days,
        calendar=cals.holidays,
        promotions=cals.promotions,
        weeks=weeks,
        verify_calendar=cals.verify,
        quantiles=tuple(sorted({0.1, 0.5, 0.9, q})),
        candidates=None if model == "auto" else (model,),
    )


def _rows(grid: Grid) -> int:
    return int((~np.isnan(grid.values)).sum())


def _notes(profile: HistoryProfile, auto: AutoForecast) -> list[tuple[str, str]]:
    out = profile.notes()
    if not auto.calendar_used:
        out.append(
            (
                "未使用节假日日历 (历史中的节假日无明显影响或未指定)",
                "no holiday calendar used (none given, or its holidays show no effect in the history)",
            )
        )
    if auto.unusual_days:
        shown = ", ".join(d.isoformat() for d in auto.unusual_days[:10])
        out.append((f"异常日不参与学习: {shown}", f"unusual days left out of learning: {shown}"))
    return out


@dataclass(frozen=True)
class BacktestReport:
    folds: list[AutoFold]
    pooled: AutoFold
    selection: list[CandidateScore]  # the candidates' scores behind the latest forecast's choice
    chosen: str
    notes: list[tuple[str, str]]


def backtest_file(
    history: Path,
    *,
    folds: int = 4,
    test_starts: list[date] | None = None,
    days: int = 7,
    interval_min: int = 30,
    calendar: str | None = None,
    events: str = "default",
) -> BacktestReport:
    """Rolling origins over the history's last ``folds`` windows (or the given starts), each chosen on its past."""
    cals = calendars(calendar, events)
    hist = load_history(history, interval_min)
    grid = hist.grid
    starts = list(test_starts or [])
    if folds > 0 and not starts:
        starts = recent_starts(grid, folds, days)  # a short history has fewer folds
    if not starts:
        raise bad_argument("test-start", "请给出 --test-start 或 --folds", "give --test-start or --folds")
    fold_rows, pooled = backtest_auto(
        grid, starts, days, calendar=cals.holidays, promotions=cals.promotions, verify_calendar=cals.verify
    )
    nxt = grid.start + timedelta(days=grid.values.shape[0])
    latest = _auto(grid, nxt, days, cals, "auto", 4, 0.5)
    return BacktestReport(fold_rows, pooled, latest.table, latest.chosen, _notes(hist.profile, latest))


def calls_to_counts(calls: Path, interval: int, out: Path) -> Path:
    """``kefu forecast calls-to-counts``: a call-by-call log (Anonymous Bank format) → interval counts CSV."""
    from kefu.io.arrivals import bank_call_times, counts_from_times

    if not calls.exists():
        raise bad_argument("calls", f"找不到文件 {calls}", f"file not found: {calls}")
    grid = counts_from_times(bank_call_times(calls), interval)
    out.write_text(format_grid(grid, "count", 0).replace(".0\n", "\n"), encoding="utf-8")
    return out
