"""Plan use-cases: forecast from stored conversations, requirement per interval, intraday gap.

Why here and not in the engine: the engines take day × slot grids; this
module turns stored rows (conversations opened, roster entries, shift
templates) into those grids in the shop's zone, and stores forecasts in the
``forecasts`` table (UTC), replacing an earlier run of the same
shop / skill / model / window so a re-run is idempotent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import utc_now
from kefu.io.arrivals import counts_from_times
from kefu.plan.backtest import backtest_auto, recent_starts
from kefu.plan.forecast import Grid, classify, fit_seasonal
from kefu.plan.forecast_auto import predict_auto
from kefu.plan.intraday import reforecast_today, staffing_gap
from kefu.plan.staffing import erlang_c_service_level, required_agents
from kefu.service.imports import actions as imports
from kefu.service.plan import actions_settings as forecast_shop_settings
from kefu.service.plan import store
from kefu.service.plan.schemas import Point, StaffingTarget
from kefu.store.models.org import Shop
from kefu.store.models.plan import Forecast

PHONE_SKILL = "电话"  # the phone channel: arrivals from imported call records (kefu import calls)


def _shop(session: Session, shop_id: str) -> tuple[Shop, ZoneInfo]:
    shop = session.get(Shop, shop_id)  # by primary key: the identity map's, not a statement
    if shop is None:
        raise not_found("店铺/shop", shop_id)
    return shop, ZoneInfo(shop.timezone)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def arrival_history(
    session: Session, shop_id: str, skill: str, first: date, last: date, interval_min: int = 30
) -> Grid | None:
    """Conversations opened per interval between two local days (inclusive); None when there are none."""
    _, tz = _shop(session, shop_id)
    lo, hi = _midnight(first, tz), _midnight(last + timedelta(days=1), tz)
    if skill == PHONE_SKILL:  # the phone channel's arrivals are its imported inbound calls
        opened = imports.inbound_call_times(session, shop_id, lo, hi)
    else:
        opened = store.opened_times(session, shop_id, skill, lo, hi)
    times = [ts.astimezone(tz).replace(tzinfo=None) for ts in opened]
    if not times:
        return None
    return counts_from_times(times, interval_min)


def forecast_shop(
    session: Session,
    shop_id: str,
    start: date,
    days: int = 7,
    *,
    skill: str = "",
    interval_min: int = 30,
    model: str = "auto",
    history_days: int = 400,
) -> list[Point]:
    """Forecast from the conversations before ``start`` with the shop's calendar and store it with its band.

    ``auto`` chooses the model by backtest on the shop's own history (see
    :mod:`kefu.plan.forecast_auto`); the choice, its backtest against the
    baselines and the special days' learned effects are kept for the page.
    """
    _, tz = _shop(session, shop_id)
    grid = arrival_history(
        session, shop_id, skill, start - timedelta(days=history_days), start - timedelta(days=1), interval_min
    )
    if grid is None:
        raise KefuError(
            ErrorCode.FORECAST_NO_HISTORY,
            f"店铺 {shop_id} 在 {start} 之前没有会话记录",
            f"shop {shop_id} has no conversations before {start}",
            {"shop": shop_id, "skill": skill},
        )
    shop_settings = forecast_shop_settings.settings(session, shop_id)
    cal, promos = forecast_shop_settings.calendars_of(shop_settings)
    candidates = None if model == "auto" else (model,)
    auto = predict_auto(grid, start, days, calendar=cal, promotions=promos, candidates=candidates)
    folds, _ = backtest_auto(grid, recent_starts(grid, 4), 7, calendar=cal, promotions=promos)
    fit = fit_seasonal(grid, [classify(d, cal, promos) for d in grid.days], 4)
    effects = {
        code.removeprefix("special:"): round(ratio, 3)
        for (code, offset), ratio in fit.event_ratio.items()
        if code.startswith("special:") and offset == 0
    }
    forecast_shop_settings.save_report(
        session, shop_id, skill, forecast_shop_settings.report_of(start, auto, folds), effects
    )
    lo, hi = _midnight(start, tz), _midnight(start + timedelta(days=days), tz)
    store.delete_forecasts(session, shop_id, skill, model, lo, hi)
    now = utc_now()
    points = _points(auto.point, tz)
    band = {q: _points(auto.quantiles[q], tz) for q in (0.1, 0.9)}
    session.add_all(
        Forecast(
            shop_id=shop_id,
            skill=skill,
            interval_start=p.interval_start,
            interval_minutes=interval_min,
            forecast=p.forecast,
            p10=p10.forecast,
            p90=p90.forecast,
            model=model,
            created_at=now,
        )
        for p, p10, p90 in zip(points, band[0.1], band[0.9], strict=True)
    )
    session.flush()
    return points


def _points(grid: Grid, tz: ZoneInfo) -> list[Point]:
    out: list[Point] = []
    step = timedelta(minutes=grid.interval_min)
    for d_i, day in enumerate(grid.days):
        base = _midnight(day, tz)
        for s_i in np.nonzero(~np.isnan(grid.values[d_i]))[0]:
            out.append(Point(base + step * int(s_i), round(float(grid.values[d_i, s_i]), 3)))
    return out


def stored_forecast(
    session: Session, shop_id: str, start: date, days: int = 7, *, skill: str = "", model: str = "auto"
) -> list[Forecast]:
    _, tz = _shop(session, shop_id)
    return store.forecasts(session, shop_id, skill, model, _midnight(start, tz), _midnight(start + timedelta(days=days), tz))


def requirement(
    session: Session,
    shop_id: str,
    start: date,
    days: int = 7,
    *,
    skill: str = "",
    model: str = "auto",
    target: StaffingTarget | None = None,
    quantile: float = 0.5,
) -> list[Point]:
    """Agents required per stored forecast interval (after shrinkage); stored on the forecast rows.

    ``quantile`` plans to a point of the forecast band: 0.5 the forecast, 0.9
    its P90 (safer, more agents); between the stored P10/P50/P90 the normal
    scores interpolate.
    """
    tgt = target or StaffingTarget()
    rows = stored_forecast(session, shop_id, start, days, skill=skill, model=model)
    if not rows:
        raise KefuError(
            ErrorCode.FORECAST_NO_HISTORY,
            f"{start} 起没有已保存的预测, 请先运行预测",
            f"no stored forecast from {start}; run the forecast first",
            {"shop": shop_id, "skill": skill},
        )
    calls = _at_quantile(rows, quantile)
    secs = np.array([r.interval_minutes * 60.0 for r in rows])
    need = required_agents(
        calls,
        secs,
        tgt.aht_s,
        tgt.target_sl,
        tgt.target_s,
        patience_s=tgt.patience_s,
        max_occupancy=tgt.max_occupancy,
        concurrency=tgt.concurrency,
        shrinkage=tgt.shrinkage,
    )
    _, tz = _shop(session, shop_id)
    for row, n in zip(rows, need, strict=True):
        row.required_agents = float(n)
    session.flush()
    return [
        Point(r.interval_start.astimezone(tz), r.forecast, required=int(n))
        for r, n in zip(rows, need, strict=True)
    ]


def _at_quantile(rows: list[Forecast], q: float) -> np.ndarray:
    from scipy.stats import norm

    if not 0.1 <= q <= 0.9:
        raise bad_argument("quantile", "分位数须在 0.1 与 0.9 之间", "quantile must be between 0.1 and 0.9")
    mid = np.array([r.forecast for r in rows], dtype=np.float64)
    if q == 0.5:
        return mid
    edge = np.array([(r.p90 if q > 0.5 else r.p10) for r in rows], dtype=np.float64)
    edge = np.where(np.isnan(edge), mid, edge)
    share = float(norm.ppf(q) / norm.ppf(0.9 if q > 0.5 else 0.1))
    return np.asarray(np.maximum(mid + share * (edge - mid), 0.0))


def scheduled_agents(
    session: Session, shop_id: str, day: date, *, skill: str = "", interval_min: int = 30
) -> np.ndarray:
    """Agents on the floor per slot of a local day from roster entries, shift templates and breaks.

    An agent counts in a slot when the shift covers the whole slot and no break overlaps it.
    Night shifts (end ≤ start) of the previous day spill into this day.
    """
    templates = {t.code: t for t in store.shift_templates(session, shop_id)}
    slots = 1440 // interval_min
    out = np.zeros(slots, dtype=np.int64)
    for entry in store.working_entries(session, shop_id, [day - timedelta(days=1), day], skill):
        tpl = templates.get(entry.shift_code)
        if tpl is None:
            continue
        shift = _span(tpl.start, tpl.end)
        offset = -1440 if entry.day < day else 0
        on = np.zeros(slots, dtype=bool)
        for s in range(slots):
            a, b = s * interval_min - offset, (s + 1) * interval_min - offset
            on[s] = shift[0] <= a and b <= shift[1]
        for br in entry.breaks or []:
            b0, b1 = _span(str(br.get("start", "00:00")), str(br.get("end", "00:00")))
            if b0 < shift[0]:
                b0, b1 = b0 + 1440, b1 + 1440
            for s in range(slots):
                a, b = s * interval_min - offset, (s + 1) * interval_min - offset
                if a < b1 and b0 < b:
                    on[s] = False
        out += on
    return out


def _span(start: str, end: str) -> tuple[int, int]:
    """Minutes from the shift day's midnight; an end at or before the start is the next day."""
    try:
        h0, m0 = (int(x) for x in start.split(":"))
        h1, m1 = (int(x) for x in end.split(":"))
    except ValueError as exc:
        raise bad_argument(
            "shift", f"班次时间格式应为 HH:MM: {start}-{end}", f"shift times must be HH:MM: {start}-{end}"
        ) from exc
    a, b = h0 * 60 + m0, h1 * 60 + m1
    return a, b if b > a else b + 1440


def intraday(
    session: Session,
    shop_id: str,
    day: date,
    now: datetime,
    *,
    skill: str = "",
    model: str = "auto",
    interval_min: int = 30,
    target: StaffingTarget | None = None,
) -> dict[str, object]:
    """Rest-of-day re-forecast from today's actuals, required vs scheduled, and offers."""
    tgt = target or StaffingTarget()
    _, tz = _shop(session, shop_id)
    slots = 1440 // interval_min
    base = _midnight(day, tz)
    fc = np.full(slots, np.nan)
    band: dict[int, tuple[float | None, float | None]] = {}
    for row in stored_forecast(session, shop_id, day, 1, skill=skill, model=model):
        slot = int((row.interval_start - base).total_seconds() // (interval_min * 60))
        fc[slot] = row.forecast
        band[slot] = (row.p10, row.p90)
    actual = np.full(slots, np.nan)
    got = arrival_history(session, shop_id, skill, day, day, interval_min)
    if got is not None and got.start == day:
        actual = np.where(np.isnan(got.values[0]), 0.0, got.values[0])
    now_slot = int(min(max((now - base).total_seconds(), 0.0), 86400.0) // (interval_min * 60))
    re = reforecast_today(fc, actual, now_slot)
    sched = scheduled_agents(session, shop_id, day, skill=skill, interval_min=interval_min)
    gap = staffing_gap(
        re.values,
        sched,
        interval_s=interval_min * 60,
        aht_s=tgt.aht_s,
        target_sl=tgt.target_sl,
        target_s=tgt.target_s,
        patience_s=tgt.patience_s,
        concurrency=tgt.concurrency,
        max_occupancy=tgt.max_occupancy,
        from_slot=now_slot,
    )
    sl = erlang_c_service_level(
        np.nan_to_num(re.values),
        interval_min * 60,
        tgt.aht_s,
        sched,
        tgt.target_s,
        concurrency=tgt.concurrency,
        patience_s=tgt.patience_s,
    )
    step = timedelta(minutes=interval_min)
    points = [
        Point(
            base + step * s,
            None if np.isnan(fc[s]) else float(fc[s]),
            None if s >= now_slot else float(actual[s]) if not np.isnan(actual[s]) else None,
            int(gap.required[s]),
            int(sched[s]),
            round(float(sl[s]), 4),
            *band.get(s, (None, None)),
        )
        for s in range(slots)
    ]
    return {
        "multiplier": re.multiplier,
        "now_slot": now_slot,
        "reforecast": [None if np.isnan(v) else round(float(v), 3) for v in re.values],
        "points": points,
        "offers": [
            {
                "kind": o.kind,
                "start": (base + step * o.first_slot).isoformat(),
                "end": (base + step * (o.last_slot + 1)).isoformat(),
                "agents": o.agents,
            }
            for o in gap.offers
        ],
    }
