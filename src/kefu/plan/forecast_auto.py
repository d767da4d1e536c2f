"""Model chosen by backtest: rolling-origin selection per series among simple candidates and ensembles.

Why: no single method wins on every contact series (see
:mod:`kefu.plan.forecast_candidates`), and the method tuned on one data set
lost to the same-slot average on a longer real one. So each forecast first
backtests every candidate on the series' own recent past — origins 1, 2, …
``folds`` weeks before the forecast start, each predicting the following
week from the history before it only — and keeps the lowest pooled WAPE,
where averages of the best two or three candidates compete too (simple
ensembles are often the strongest). The forecast window itself is never
seen. Histories too short for a fold fall back to the ``seasonal`` model.

Calendar days (holidays, 调休, promotions) are taken out of what the
candidates learn from, and on such target days every candidate follows the
``seasonal`` model's calendar-aware day, scaled to the candidate's level.
Days far off their weekday's norm (outages, unknown holidays) are left out of
the learning too.

Intervals: the chosen method's backtest residuals, scaled as
``z = (actual − forecast) ÷ √(forecast + φ·forecast²)`` (Poisson noise plus a
level error, φ fitted by moments), give the quantiles of ``z``; a quantile q
of the forecast is ``forecast + z_q·√(…)``, never below 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from kefu.domain.errors import bad_argument
from kefu.plan.events import NO_EVENTS, PromotionCalendar
from kefu.plan.forecast import (
    DayClass,
    Grid,
    check_request,
    classify,
    fit_seasonal,
    open_mask,
    seasonal_values,
)
from kefu.plan.forecast_candidates import Candidate, Series, registry
from kefu.plan.regions import DayCalendar

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

ENSEMBLES = (2, 3)
_UNUSUAL = 0.5  # a day whose total is below half (or above twice) its weekday's norm is not learned from
_DEFAULT_PHI = 0.01  # level-error share when there is no backtest to calibrate on


@dataclass(frozen=True)
class CandidateScore:
    name: str
    wape: float  # pooled over the selection folds
    members: tuple[str, ...] = ()


@dataclass
class AutoForecast:
    """Point forecast and quantiles (NaN = closed), what was chosen and why."""

    point: Grid
    quantiles: dict[float, Grid]
    chosen: str
    members: tuple[str, ...]
    table: list[CandidateScore]
    folds: list[date]
    phi: float
    z: dict[float, float]
    unusual_days: list[date] = field(default_factory=list)
    calendar_used: bool = True


def series_of(history: Grid, classes: list[DayClass]) -> tuple[Series, list[int]]:
    """Candidate input, and the indices of history days left out as unusual."""
    seen = ~np.isnan(history.values)
    counts = np.where(seen, history.values, 0.0)
    day_seen = seen.any(axis=1)
    ordinary = np.array([c.ordinary for c in classes], dtype=bool)
    usable = day_seen & ordinary
    weekday = np.array([c.weekday for c in classes], dtype=np.int64)
    totals = counts.sum(axis=1)
    unusual: list[int] = []
    for i in np.nonzero(usable)[0]:
        peers = [j for j in range(i - 28, i + 29, 7) if j != i and 0 <= j < len(totals) and usable[j]]
        if len(peers) < 2:
            continue
        norm = float(np.median(totals[peers]))
        if norm > 0 and not (_UNUSUAL * norm <= totals[i] <= norm / _UNUSUAL):
            unusual.append(int(i))
    usable[unusual] = False
    return Series(counts, usable, weekday), unusual


def calendar_is_own(history: Grid, calendar: DayCalendar | None, promotions: PromotionCalendar) -> bool:
    """Whether the history's holidays under ``calendar`` stand out from its ordinary days.

    Why: the default calendar (CN) may not be the series' own. Where the
    history holds holidays of the calendar, their median |log(total ÷ norm)|
    must exceed twice that of ordinary days (plus 5%); a closed holiday on a
    normally open weekday counts as a large effect. No holiday in the history:
    nothing to judge, the calendar is kept.
    """
    if calendar is None:
        return False
    classes = [classify(d, calendar, promotions) for d in history.days]
    counts = np.where(np.isnan(history.values), 0.0, history.values)
    totals = counts.sum(axis=1)
    ordinary = np.array([c.ordinary for c in classes]) & ~np.isnan(history.values).all(axis=1)
    hol, usual = [], []
    for i, c in enumerate(classes):
        peers = [j for j in range(i - 28, i + 29, 7) if j != i and 0 <= j < len(totals) and ordinary[j]]
        norm = float(np.median(totals[peers])) if len(peers) >= 2 else 0.0
        if norm <= 0:
            continue
        dev = abs(float(np.log(max(totals[i], 0.01 * norm) / norm)))
        if c.holiday:
            hol.append(dev)
        elif ordinary[i]:
            usual.append(dev)
    if not hol or not usual:
        return True
    return float(np.median(hol)) > 2.0 * float(np.median(usual)) + 0.05


def _calendar_fill(values: FloatArray, seasonal: FloatArray, target_classes: list[DayClass]) -> FloatArray:
    """Calendar days follow the seasonal model, scaled by the candidate's level on ordinary days."""
    special = np.array([not c.ordinary for c in target_classes], dtype=bool)
    if not special.any():
        return values
    base = seasonal[~special].sum()
    scale = values[~special].sum() / base if (~special).any() and base > 0 else 1.0
    out = values.copy()
    out[special] = seasonal[special] * scale
    return out


@dataclass
class _Context:
    history: Grid
    classes: list[DayClass]
    calendar: DayCalendar | None
    promotions: PromotionCalendar
    weeks: int


def _forecasts(
    ctx: _Context, cut: int, days: int, names: list[str], cands: dict[str, Candidate]
) -> dict[str, FloatArray]:
    """Every named candidate's forecast of ``days`` days from history day ``cut``, masked to open hours."""
    train = Grid(ctx.history.start, ctx.history.interval_min, ctx.history.values[:cut])
    classes = ctx.classes[:cut]
    start = ctx.history.start + timedelta(days=cut)
    target_classes = [classify(start + timedelta(days=i), ctx.calendar, ctx.promotions) for i in range(days)]
    fit = fit_seasonal(train, classes, ctx.weeks)
    mask = open_mask(fit, target_classes, train.slots)
    seasonal = seasonal_values(fit, target_classes, train.slots)
    series, _ = series_of(train, classes)
    targets = list(range(cut, cut + days))
    out: dict[str, FloatArray] = {}
    for name in names:
        raw = (
            seasonal
            if name == "seasonal"
            else _calendar_fill(cands[name](series, targets), seasonal, target_classes)
        )
        out[name] = np.where(mask, np.maximum(raw, 0.0), np.nan)
    return out


def _wape(fc: FloatArray, actual: FloatArray) -> tuple[float, float]:
    seen = ~np.isnan(actual)
    f = np.where(seen & ~np.isnan(fc), fc, 0.0)
    return float(np.abs(f - np.where(seen, actual, 0.0))[seen].sum()), float(actual[seen].sum())


def predict_auto(
    history: Grid,
    start: date,
    days: int,
    *,
    calendar: DayCalendar | None = None,
    promotions: PromotionCalendar = NO_EVENTS,
    weeks: int = 4,
    folds: int = 8,
    verify_calendar: bool = False,
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9),
    statsforecast: bool = False,
    candidates: tuple[str, ...] | None = None,
) -> AutoForecast:
    """Backtest the candidates on the history before ``start``, forecast with the winner, add quantiles."""
    check_request(history, start, days, weeks)
    if verify_calendar and not calendar_is_own(history, calendar, promotions):
        # the default calendar (and its promotions) is not this series' own
        calendar, promotions = None, NO_EVENTS
    n = history.values.shape[0]
    gap = (start - history.start).days - n  # days between the history's end and the forecast start
    full = Grid(
        history.start,
        history.interval_min,
        np.vstack([history.values, np.full((gap, history.slots), np.nan)]),
    )
    classes = [classify(d, calendar, promotions) for d in full.days]
    ctx = _Context(full, classes, calendar, promotions, weeks)
    cands = registry(statsforecast)
    names = [c for c in ("seasonal", *cands) if candidates is None or c in candidates]
    unknown = sorted(set(candidates or ()) - set(names))
    if unknown or not names:
        known = ", ".join(("auto", "seasonal", *cands))
        raise bad_argument(
            "model", f"未知模型 {unknown}, 可选 {known}", f"unknown model {unknown}; one of {known}"
        )
    horizon = min(days, 7)
    origins = [n - 7 * j for j in range(1, folds + 1) if n - 7 * j >= 7]
    fold_fc: list[dict[str, FloatArray]] = []
    fold_actual: list[FloatArray] = []
    for cut in origins:
        fold_fc.append(_forecasts(ctx, cut, horizon, names, cands))
        fold_actual.append(history.values[cut : cut + horizon])
    table = _score(names, fold_fc, fold_actual)
    fallback = CandidateScore(names[0] if len(names) == 1 else "seasonal", float("nan"))
    chosen = min(table, key=lambda s: (s.wape, len(s.members))) if table else fallback
    members = chosen.members or (chosen.name,)
    final = _forecasts(ctx, n + gap, days, list(members), cands)
    point = np.mean([final[m] for m in members], axis=0)
    residual_fc = [np.mean([f[m] for m in members], axis=0) for f in fold_fc]
    counts = bool(np.all(np.mod(history.values[~np.isnan(history.values)], 1.0) == 0))
    phi, z = _calibrate(residual_fc, fold_actual, counts, quantiles)
    spread = np.sqrt((point if counts else 0.0) + phi * point**2)
    qs = {q: Grid(start, history.interval_min, _band(point, z[q] * spread, q, counts)) for q in quantiles}
    _, unusual = series_of(history, classes[:n])
    return AutoForecast(
        Grid(start, history.interval_min, point),
        qs,
        chosen.name,
        tuple(members),
        sorted(table, key=lambda s: s.wape),
        [history.start + timedelta(days=c) for c in origins],
        phi,
        z,
        [history.start + timedelta(days=i) for i in unusual],
        calendar is not None,
    )


def _band(point: FloatArray, offset: FloatArray, q: float, counts: bool) -> FloatArray:
    """``point + offset``, never below 0 and, for counts, never inside the Poisson band alone.

    Why: a calm backtest (or a flat history) must not promise a narrower band
    than the arrivals' own Poisson noise.
    """
    value = point + offset
    if counts and q != 0.5:
        from scipy.stats import norm

        poisson = point + float(norm.ppf(q)) * np.sqrt(np.maximum(point, 0.0))
        value = np.minimum(value, poisson) if q < 0.5 else np.maximum(value, poisson)
    return np.asarray(np.maximum(value, 0.0), dtype=np.float64)


def _score(
    names: list[str], fold_fc: list[dict[str, FloatArray]], fold_actual: list[FloatArray]
) -> list[CandidateScore]:
    if not fold_fc:
        return []
    wape = {}
    for name in names:
        err = tot = 0.0
        for fc, actual in zip(fold_fc, fold_actual, strict=True):
            e, t = _wape(fc[name], actual)
            err, tot = err + e, tot + t
        wape[name] = err / tot if tot > 0 else float("nan")
    table = [CandidateScore(n, round(w, 6)) for n, w in wape.items()]
    ranked = sorted((s for s in table if s.wape == s.wape), key=lambda s: s.wape)
    for k in ENSEMBLES:
        if len(ranked) < k:
            continue
        members = tuple(s.name for s in ranked[:k])
        err = tot = 0.0
        for fc, actual in zip(fold_fc, fold_actual, strict=True):
            e, t = _wape(np.mean([fc[m] for m in members], axis=0), actual)
            err, tot = err + e, tot + t
        table.append(CandidateScore(f"ens{k}", round(err / tot, 6) if tot > 0 else float("nan"), members))
    return table


def _calibrate(
    fcs: list[FloatArray], actuals: list[FloatArray], counts: bool, quantiles: tuple[float, ...]
) -> tuple[float, dict[float, float]]:
    """φ of the variance ``f + φ f²`` by moments, and the empirical quantiles of the scaled residuals."""
    if not fcs:
        from scipy.stats import norm

        return _DEFAULT_PHI, {q: float(norm.ppf(q)) for q in quantiles}
    f = np.concatenate([x.ravel() for x in fcs])
    a = np.concatenate([x.ravel() for x in actuals])
    ok = ~np.isnan(f) & ~np.isnan(a) & (f > 0)
    f, a = f[ok], a[ok]
    poisson = f if counts else 0.0
    phi = max(0.0, float(np.sum((a - f) ** 2 - poisson) / np.sum(f**2))) if len(f) else _DEFAULT_PHI
    z = (a - f) / np.sqrt(np.maximum(poisson + phi * f**2, 1e-12))
    out = {q: float(np.quantile(z, q)) if len(z) else 0.0 for q in quantiles}
    return phi, out
