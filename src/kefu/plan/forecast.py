"""Contact-volume forecast per interval: the fast default model and the dispatcher.

Why this model: shops trust "the same half hour of the last few weeks", so
the default keeps that structure but estimates it with less noise. A day's
forecast is ``level × shape``:

* ``level`` — the mean daily total of the last ``weeks`` ordinary days of the
  same weekday (ordinary = open, not a holiday, 调休 day or promotion day);
* ``shape`` — that weekday's intraday proportions, pooled over the same days,
  shrunk toward the shape of all weekdays with the same opening hours and
  lightly smoothed across neighbouring slots. A per-slot average of 4 weeks
  carries the Poisson noise of 4 samples; the pooled shape carries far less.

Calendar effects replace the weekday where they apply: statutory holidays
(ratio to the weekday level and shape learned per holiday name from past
holidays, else "like a Sunday"), 调休 make-up workdays (an average workday)
and promotion windows (a multiplier per offset from the peak and, on big
days, the intraday shape, learned from past occurrences; see ``events``).

Data model: a :class:`Grid` is days × slots of counts in shop wall-clock time,
NaN where there is no data. A day without any row is closed (or missing); a
slot without a row on an open day is closed for that slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from kefu.domain.calendar import DayKind
from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.plan.events import NO_EVENTS, PromotionCalendar
from kefu.plan.regions import DayCalendar

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

FITTED = ("seasonal", "snaive", "avg4", "sf_mstl", "sf_theta")  # fitted here; the rest via forecast_auto
MODELS = ("auto", *FITTED)
_SHRINK_DAYS = 4.0  # prior weight (in days) of the pooled shape against a weekday's own shape
_BIG_EVENT = 0.25
_LEVEL_SHRINK = 2.0  # prior weight (in weeks) of the peer weekdays' mean level factor  # event days whose volume differs by more than this use their own intraday shape


@dataclass(frozen=True)
class Grid:
    """Counts per day × slot in shop wall-clock time; NaN = no data (closed or missing)."""

    start: date
    interval_min: int
    values: FloatArray

    @property
    def slots(self) -> int:
        return 1440 // self.interval_min

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.values.shape[0])]

    def day_index(self, day: date) -> int:
        return (day - self.start).days


@dataclass(frozen=True)
class DayClass:
    """How the forecast treats a day: its weekday, or a holiday / 调休 / event override."""

    weekday: int
    holiday: str = ""  # "<name>:<statutory|rest>" ("" = none)
    makeup: bool = False
    event: str = ""  # promotion code
    offset: int = 0  # days from the event's peak

    @property
    def ordinary(self) -> bool:
        return not (self.holiday or self.makeup or self.event)


def classify(day: date, calendar: DayCalendar | None, promotions: PromotionCalendar) -> DayClass:
    ev = promotions.event_day(day)
    if ev is not None:
        return DayClass(day.weekday(), event=ev.code, offset=ev.offset)
    if calendar is None:
        return DayClass(day.weekday())
    info = calendar.info(day)
    if info.kind is DayKind.WORKDAY and info.makeup_workday:
        return DayClass(day.weekday(), makeup=True)
    if info.kind is not DayKind.WORKDAY and info.name:
        # statutory days and the in-lieu rest days of a block behave differently
        return DayClass(day.weekday(), holiday=f"{info.name}:{info.kind.value}")
    return DayClass(day.weekday())


@dataclass
class _Fit:
    """What the seasonal model learned from history (per weekday, holiday name, event offset)."""

    open_day: dict[int, bool]
    open_slots: dict[int, BoolArray]
    level: dict[int, float]
    shape: dict[int, FloatArray]
    holiday_ratio: dict[str, float]
    holiday_shape: dict[str, FloatArray]
    holiday_open: dict[str, bool]
    event_ratio: dict[tuple[str, int], float]
    event_shape: dict[tuple[str, int], FloatArray]


def predict(
    history: Grid,
    start: date,
    days: int,
    *,
    model: str = "seasonal",
    calendar: DayCalendar | None = None,
    promotions: PromotionCalendar = NO_EVENTS,
    weeks: int = 4,
) -> Grid:
    """Forecast ``days`` days from ``start`` (NaN = closed). History must end before ``start``.

    ``auto`` (and any single candidate name) goes through the backtest
    selection of :mod:`kefu.plan.forecast_auto`; the others are fitted here.
    """
    check_request(history, start, days, weeks)
    from kefu.plan.forecast_candidates import registry

    if model not in MODELS and model not in registry(True):
        names = ", ".join((*MODELS, *registry(True)))
        raise bad_argument("model", f"未知模型, 可选 {names}", f"unknown model; one of {names}")
    if model not in FITTED:
        from kefu.plan.forecast_auto import predict_auto

        only = None if model == "auto" else (model,)
        return predict_auto(
            history, start, days, calendar=calendar, promotions=promotions, weeks=weeks, candidates=only
        ).point
    classes = [classify(d, calendar, promotions) for d in history.days]
    target_days = [start + timedelta(days=i) for i in range(days)]
    target_classes = [classify(d, calendar, promotions) for d in target_days]
    fit = fit_seasonal(history, classes, weeks)
    mask = open_mask(fit, target_classes, history.slots)
    if model == "seasonal":
        values = seasonal_values(fit, target_classes, history.slots)
    else:
        from kefu.plan import forecast_alt

        values = forecast_alt.run(model, history, classes, target_days, weeks)
    out = np.where(mask, np.maximum(values, 0.0), np.nan)
    return Grid(start, history.interval_min, out)


def check_request(history: Grid, start: date, days: int, weeks: int) -> None:
    """Refuse a window the model cannot serve: bad days / weeks, empty history, start inside history."""
    if days < 1 or days > 366:
        raise bad_argument("days", "天数须在 1–366 之间", "days must be 1–366")
    if weeks < 1:
        raise bad_argument("weeks", "至少 1 周", "at least 1 week")
    seen = ~np.isnan(history.values)
    if not seen.any():
        raise KefuError(ErrorCode.FORECAST_NO_HISTORY, "历史数据为空", "history is empty")
    last = history.start + timedelta(days=int(np.nonzero(seen.any(axis=1))[0].max()))
    if last >= start:
        raise bad_argument(
            "start",
            f"预测起始日须晚于历史最后一天 {last}",
            f"start must be after the last history day {last}",
        )


def _filled(history: Grid) -> tuple[FloatArray, BoolArray]:
    seen = ~np.isnan(history.values)
    return np.where(seen, history.values, 0.0), np.asarray(seen.any(axis=1), dtype=bool)


def _majority(rows: BoolArray) -> BoolArray:
    return np.asarray(rows.mean(axis=0) >= 0.5) if rows.shape[0] else np.zeros(rows.shape[1], dtype=bool)


def _alike(a: BoolArray, b: BoolArray) -> bool:
    """Weekdays with (nearly) the same opening hours share shape and level information."""
    union = int((a | b).sum())
    return union > 0 and int((a & b).sum()) / union >= 0.9


def _smooth(shape: FloatArray, open_slots: BoolArray) -> FloatArray:
    """[1, 2, 1] smoothing inside open hours only, renormalised to sum 1."""
    s = np.where(open_slots, shape, 0.0)
    w = open_slots.astype(np.float64)
    pad_s, pad_w = np.pad(s, 1), np.pad(w, 1)
    num = pad_s[:-2] + 2 * pad_s[1:-1] + pad_s[2:]
    den = pad_w[:-2] + 2 * pad_w[1:-1] + pad_w[2:]
    out = np.where(open_slots & (den > 0), num / np.maximum(den, 1e-12), 0.0)
    total = out.sum()
    return out / total if total > 0 else out


def _trailing_levels(totals: FloatArray, usable: BoolArray, weeks: int) -> FloatArray:
    """For each day, mean total of the last ``weeks`` usable days of its weekday before it (NaN if none)."""
    out = np.full(len(totals), np.nan)
    for i in range(len(totals)):
        prior = [j for j in range(i - 7, -1, -7) if usable[j]][:weeks]
        if prior:
            out[i] = float(np.mean(totals[prior]))
    return out


def _pooled_levels(
    level: dict[int, float],
    totals: FloatArray,
    classes: list[DayClass],
    usable: BoolArray,
    weeks: int,
    peers: dict[int, list[int]],
) -> dict[int, float]:
    """Weekday factors (shrunk toward weekdays with the same hours) × the level of the last 7 days.

    Why: one weekday's total over 2–4 weeks is noisy (±10% day to day in real
    data) while the last week tells the current level (trend, season) best.
    """
    n = len(totals)
    recent = [i for i in range(max(0, n - 7), n) if usable[i] and classes[i].weekday in level]
    if not recent:
        return level
    mean_all = np.mean([level[w] for w in level])
    factor = {w: level[w] / mean_all for w in level}
    n_w = min(weeks, max(1, len(totals) // 7))
    factor = {
        w: (n_w * f + _LEVEL_SHRINK * float(np.mean([factor[v] for v in peers[w]]))) / (n_w + _LEVEL_SHRINK)
        for w, f in factor.items()
    }
    expected = sum(factor[classes[i].weekday] for i in recent)
    if expected <= 0:
        return level
    daily = totals[recent].sum() / expected
    return {w: factor[w] * daily for w in level}


def fit_seasonal(history: Grid, classes: list[DayClass], weeks: int) -> _Fit:
    counts, day_seen = _filled(history)
    seen = ~np.isnan(history.values)
    totals = counts.sum(axis=1)
    n_days, n_slots = counts.shape
    ordinary = np.array([c.ordinary for c in classes])
    open_day: dict[int, bool] = {}
    open_slots: dict[int, BoolArray] = {}
    level: dict[int, float] = {}
    raw_shape: dict[int, FloatArray] = {}
    n_used: dict[int, int] = {}
    regular = np.array([not (c.holiday or c.makeup) for c in classes])  # promotion days are open days
    for w in range(7):
        # opening hours follow the recent weeks, so a shop that changed its hours is not outvoted
        cand = [i for i in range(n_days) if classes[i].weekday == w and regular[i]][-max(2 * weeks, 8) :]
        if not cand:
            continue
        open_day[w] = bool(day_seen[cand].mean() >= 0.5)
        if not open_day[w]:
            continue
        open_slots[w] = _majority(seen[[i for i in cand if day_seen[i]]])
        # level and shape from ordinary days; a history that is all promotion falls back to those days
        idx = [i for i in range(n_days) if classes[i].weekday == w and ordinary[i] and day_seen[i]]
        if not idx:  # keep the peak and its neighbours out: their rush would become the norm
            idx = [i for i in cand if day_seen[i] and abs(classes[i].offset) >= 3] or [
                i for i in cand if day_seen[i]
            ]
        used = idx[::-1][:weeks]
        level[w] = float(totals[used].mean())
        summed = counts[used].sum(axis=0)
        raw_shape[w] = (
            summed / summed.sum() if summed.sum() > 0 else open_slots[w] / max(open_slots[w].sum(), 1)
        )
        n_used[w] = len(used)
    peers = {w: [v for v in level if _alike(open_slots[v], open_slots[w])] for w in level}
    level = _pooled_levels(level, totals, classes, ordinary & day_seen, weeks, peers)
    shape: dict[int, FloatArray] = {}
    for w, own in raw_shape.items():
        alike = [v for v in raw_shape if _alike(open_slots[v], open_slots[w])]
        pooled = np.mean([raw_shape[v] for v in alike], axis=0)
        mixed = (n_used[w] * own + _SHRINK_DAYS * pooled) / (n_used[w] + _SHRINK_DAYS)
        shape[w] = _smooth(mixed, open_slots[w])
    base = _trailing_levels(totals, ordinary & day_seen, weeks)
    hol_r: dict[str, list[float]] = {}
    hol_s: dict[str, list[FloatArray]] = {}
    hol_o: dict[str, list[bool]] = {}
    ev_r: dict[tuple[str, int], list[float]] = {}
    ev_s: dict[tuple[str, int], list[FloatArray]] = {}
    for i, c in enumerate(classes):
        ratio = totals[i] / base[i] if day_seen[i] and base[i] > 0 else np.nan
        if c.holiday:
            for key in (c.holiday, "*"):
                hol_o.setdefault(key, []).append(bool(day_seen[i]))
                if not np.isnan(ratio):
                    hol_r.setdefault(key, []).append(float(ratio))
                    hol_s.setdefault(key, []).append(counts[i] / totals[i])
        elif c.event and not np.isnan(ratio):
            ev_r.setdefault((c.event, c.offset), []).append(float(ratio))
            ev_s.setdefault((c.event, c.offset), []).append(counts[i] / totals[i])
    return _Fit(
        open_day,
        open_slots,
        level,
        shape,
        {k: float(np.mean(v)) for k, v in hol_r.items()},
        {k: np.mean(v, axis=0) for k, v in hol_s.items()},
        {k: bool(np.mean(v) >= 0.5) for k, v in hol_o.items()},
        {k: float(np.mean(v)) for k, v in ev_r.items()},
        {k: np.mean(v, axis=0) for k, v in ev_s.items()},
    )


def _workday_level(fit: _Fit) -> float | None:
    vals = [fit.level[w] for w in range(5) if w in fit.level]
    return float(np.mean(vals)) if vals else None


def _workday_shape(fit: _Fit) -> FloatArray | None:
    vals = [fit.shape[w] for w in range(5) if w in fit.shape]
    return np.asarray(np.mean(vals, axis=0), dtype=np.float64) if vals else None


def open_mask(fit: _Fit, classes: list[DayClass], n_slots: int) -> BoolArray:
    """Which target slots are open: the weekday's hours, with holiday / 调休 rules (see module doc)."""
    out = np.zeros((len(classes), n_slots), dtype=bool)
    workday_slots = [fit.open_slots[w] for w in range(5) if fit.open_slots.get(w) is not None]
    for i, c in enumerate(classes):
        w = c.weekday
        if c.holiday:
            key = c.holiday if c.holiday in fit.holiday_open else "*"
            is_open = fit.holiday_open[key] if key in fit.holiday_open else fit.open_day.get(6, False)
            slots = fit.open_slots.get(w) if fit.open_day.get(w) else fit.open_slots.get(6)
            if not is_open or slots is None:
                continue
            out[i] = slots
        elif c.makeup:
            if workday_slots:
                out[i] = _majority(np.array(workday_slots))
        elif fit.open_day.get(w):
            out[i] = fit.open_slots[w]
    return out


def seasonal_values(fit: _Fit, classes: list[DayClass], n_slots: int) -> FloatArray:
    out = np.zeros((len(classes), n_slots))
    wd_level = _workday_level(fit)
    wd_shape = _workday_shape(fit)
    for i, c in enumerate(classes):
        w = c.weekday
        lvl = fit.level.get(w)
        shp = fit.shape.get(w)
        if c.makeup or lvl is None or shp is None:
            lvl = wd_level if wd_level is not None else lvl
            shp = wd_shape if wd_shape is not None else shp
        if lvl is None or shp is None:
            continue
        if c.holiday:
            key = c.holiday if c.holiday in fit.holiday_ratio else "*"
            if key in fit.holiday_ratio:
                lvl *= fit.holiday_ratio[key]
                shp = 0.5 * shp + 0.5 * fit.holiday_shape[key]
            elif 6 in fit.level:
                lvl, shp = fit.level[6], fit.shape[6]
        elif c.event:
            ratio = fit.event_ratio.get((c.event, c.offset))
            if ratio is not None:
                lvl *= ratio
                if abs(ratio - 1.0) > _BIG_EVENT:
                    shp = fit.event_shape[(c.event, c.offset)]
        out[i] = lvl * shp
    return out
