"""Staffing and forecast views for the API, dashboard and CLI: typed answers built once.

``POST /plan/erlang`` and ``kefu staffing erlang`` answer the same figures through
:func:`erlang`; ``kefu staffing requirement`` turns a forecast file into head-count
per interval through :func:`requirement_file`.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.plan.staffing import erlang_a, erlang_c, erlang_c_service_level, required_agents
from kefu.service.plan import actions as plan
from kefu.service.plan.schemas import (
    ErlangOut,
    ForecastOut,
    IntradayOut,
    Point,
    PointOut,
    RequirementOut,
    StaffingTarget,
    StoredForecastOut,
    StoredPointOut,
)


def _num(value: float) -> float | None:
    return round(value, 7) if math.isfinite(value) else None


def erlang(calls: float, interval_s: float, aht_s: float, agents: int, target_s: float, *,
           patience_s: float | None = None, concurrency: int = 1) -> ErlangOut:  # fmt: skip
    """Queue figures for one interval: Erlang C, or Erlang A when a patience is given."""
    if patience_s is None:
        res = erlang_c(calls, interval_s, aht_s, agents, target_s, concurrency=concurrency)
    else:
        res = erlang_a(calls, interval_s, aht_s, agents, target_s, patience_s, concurrency=concurrency)
    figures = {"p_wait": _num(float(res.p_wait)), "service_level": _num(float(res.service_level)),
               "asa_s": _num(float(res.asa_s)), "occupancy": _num(float(res.occupancy))}  # fmt: skip
    if patience_s is not None:  # set only for Erlang A: dumped with exclude_unset, C answers four figures
        figures["p_abandon"] = _num(float(res.p_abandon))
    return ErlangOut(**figures)


def _point(p: Point) -> PointOut:
    return PointOut(interval_start=p.interval_start.isoformat(), forecast=p.forecast, actual=p.actual,
                    required=p.required, scheduled=p.scheduled, service_level=p.service_level)  # fmt: skip


def forecast(session: Session, shop: str, start: date, days: int, *, skill: str = "", interval_min: int = 30,
             model: str = "auto") -> ForecastOut:  # fmt: skip
    """Forecast from the shop's stored conversations and store it (replaces the same window)."""
    points = plan.forecast_shop(session, shop, start, days, skill=skill, interval_min=interval_min, model=model)
    return ForecastOut(shop=shop, skill=skill, model=model, points=[_point(p) for p in points])


def stored_forecast(session: Session, shop: str, start: date, days: int, *, skill: str = "",
                    model: str = "auto") -> StoredForecastOut:  # fmt: skip
    """The stored forecast (with required agents when computed)."""
    rows = plan.stored_forecast(session, shop, start, days, skill=skill, model=model)
    return StoredForecastOut(shop=shop, skill=skill, model=model, points=[
        StoredPointOut(interval_start=r.interval_start.isoformat(), forecast=r.forecast, p10=r.p10, p90=r.p90,
                       required=None if r.required_agents is None else int(r.required_agents))
        for r in rows])  # fmt: skip


def requirement(session: Session, shop: str, start: date, days: int, *, skill: str = "", model: str = "auto",
                target: StaffingTarget | None = None, quantile: float = 0.5) -> RequirementOut:  # fmt: skip
    """Agents required per interval of the stored forecast (Erlang C, or A with patience)."""
    points = plan.requirement(session, shop, start, days, skill=skill, model=model, target=target, quantile=quantile)
    return RequirementOut(shop=shop, skill=skill, points=[_point(p) for p in points])


def intraday(session: Session, shop: str, day: date, now: datetime, *, skill: str = "",
             target: StaffingTarget | None = None) -> IntradayOut:  # fmt: skip
    """Rest-of-day re-forecast, required vs scheduled per interval, overtime offers and break windows."""
    view = plan.intraday(session, shop, day, now, skill=skill, target=target)
    points: list[Point] = view["points"]  # type: ignore[assignment]
    return IntradayOut.model_validate({**view, "points": [_point(p) for p in points]})


def requirement_file(forecast_csv: Path, out: Path, interval: int, target: StaffingTarget) -> Path:
    """``kefu staffing requirement``: a forecast CSV → interval_start,forecast,required,service_level."""
    from kefu.io.arrivals import decode, parse_history

    if not forecast_csv.exists():
        raise bad_argument("forecast", f"找不到文件 {forecast_csv}", f"file not found: {forecast_csv}")
    text = decode(forecast_csv.read_bytes(), forecast_csv.name).replace(
        "interval_start,forecast", "interval_start,count", 1
    )
    grid = parse_history(text, forecast_csv.name, interval)
    cells = np.argwhere(~np.isnan(grid.values))
    calls = grid.values[~np.isnan(grid.values)]
    need = required_agents(calls, interval * 60, target.aht_s, target.target_sl, target.target_s,
                           patience_s=target.patience_s, max_occupancy=target.max_occupancy,
                           concurrency=target.concurrency, shrinkage=target.shrinkage)  # fmt: skip
    on_floor = np.floor(need * (1.0 - target.shrinkage) + 1e-9)
    sl = erlang_c_service_level(calls, interval * 60, target.aht_s, on_floor, target.target_s,
                                concurrency=target.concurrency, patience_s=target.patience_s)  # fmt: skip
    lines = ["interval_start,forecast,required,service_level"]
    for (d, s), c, n, level in zip(cells, calls, need, sl, strict=True):
        minute = int(s) * interval
        lines.append(f"{grid.days[int(d)].isoformat()} {minute // 60:02d}:{minute % 60:02d},{c:g},{int(n)},{level:.4f}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out
