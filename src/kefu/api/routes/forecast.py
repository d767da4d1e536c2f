"""Plan API: forecast, requirement, Erlang figures, intraday. Thin: validate, authorise, call the plan actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from kefu.api.deps import ALL_ROLES, MANAGER_ROLES, DbSession, require_roles
from kefu.domain.timeutil import parse_aware, utc_now
from kefu.service.plan import actions_settings as forecast_shop
from kefu.service.plan import actions_staffing as staffing
from kefu.service.plan.schemas import (
    MODEL_HELP,
    ErlangIn,
    ErlangOut,
    ForecastOut,
    IntradayOut,
    RequirementOut,
    StaffingTarget,
    StoredForecastOut,
)
from kefu.service.schemas import Day

router = APIRouter(prefix="/plan", tags=["plan"])
MANAGERS = require_roles(*MANAGER_ROLES)


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aht_s: float = Field(default=180.0, gt=0, le=86400)
    target_sl: float = Field(default=0.8, gt=0, lt=1)
    target_s: float = Field(default=20.0, ge=0, le=86400)
    patience_s: float | None = Field(default=None, gt=0, le=86400)
    concurrency: int = Field(default=1, ge=1, le=50)
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    max_occupancy: float | None = Field(default=None, gt=0, le=1)

    def target(self) -> StaffingTarget:
        return StaffingTarget(**self.model_dump())


class ForecastIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shop: str = Field(min_length=1, max_length=64)
    skill: str = Field(default="", max_length=64)
    start: Day
    days: int = Field(default=7, ge=1, le=42)
    interval: int = Field(default=30, description="15, 30 or 60 minutes")
    model: str = Field(default="auto", description=MODEL_HELP)


class RequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shop: str = Field(min_length=1, max_length=64)
    skill: str = Field(default="", max_length=64)
    start: Day
    days: int = Field(default=7, ge=1, le=42)
    model: str = "auto"
    quantile: float = Field(default=0.5, ge=0.1, le=0.9, description="plan to this point of the P10–P90 band")
    target: TargetIn = Field(default_factory=TargetIn)


@router.post("/forecast", dependencies=[MANAGERS], response_model=ForecastOut)
def make_forecast(body: ForecastIn, session: DbSession) -> ForecastOut:
    """Forecast from the shop's stored conversations and store it (replaces the same window)."""
    return staffing.forecast(session, body.shop, body.start, body.days, skill=body.skill,
                             interval_min=body.interval, model=body.model)  # fmt: skip


@router.get("/forecast", dependencies=[MANAGERS], response_model=StoredForecastOut)
def get_forecast(
    session: DbSession,
    start: Annotated[Day, Query()],  # Annotated: a `= Query()` default drops the type's bound
    shop: str = Query(max_length=64),
    days: int = Query(7, ge=1, le=42),
    skill: str = Query("", max_length=64),
    model: str = Query("auto", max_length=32),
) -> StoredForecastOut:
    """The stored forecast (with required agents when computed)."""
    return staffing.stored_forecast(session, shop, start, days, skill=skill, model=model)


@router.post("/requirement", dependencies=[MANAGERS], response_model=RequirementOut)
def make_requirement(body: RequirementIn, session: DbSession) -> RequirementOut:
    """Agents required per interval of the stored forecast (Erlang C, or A with patience)."""
    return staffing.requirement(session, body.shop, body.start, body.days, skill=body.skill, model=body.model,
                                target=body.target.target(), quantile=body.quantile)  # fmt: skip


@router.post("/erlang", dependencies=[require_roles(*ALL_ROLES)], response_model=ErlangOut,
             response_model_exclude_unset=True)
def erlang(body: ErlangIn) -> ErlangOut:
    """Queue figures for one interval; same JSON as ``kefu staffing erlang --json``."""
    return staffing.erlang(body.calls, body.interval_s, body.aht_s, body.agents, body.target_s,
                           patience_s=body.patience_s, concurrency=body.concurrency)


@router.get("/intraday", dependencies=[MANAGERS], response_model=IntradayOut)
def get_intraday(
    session: DbSession,
    day: Annotated[Day, Query()],
    shop: str = Query(max_length=64),
    now: str | None = Query(None, max_length=40),
    skill: str = Query("", max_length=64),
    aht_s: float = Query(180.0, gt=0, le=86400),
    target_sl: float = Query(0.8, gt=0, lt=1),
    target_s: float = Query(20.0, ge=0, le=86400),
    patience_s: float | None = Query(None, gt=0, le=86400),
    concurrency: int = Query(1, ge=1, le=50),
) -> IntradayOut:
    """Rest-of-day re-forecast, required vs scheduled per interval, overtime offers and break windows."""
    moment: datetime = parse_aware(now, name="now") if now else utc_now()
    target = StaffingTarget(aht_s=aht_s, target_sl=target_sl, target_s=target_s, patience_s=patience_s,
                            concurrency=concurrency)  # fmt: skip
    return staffing.intraday(session, shop, day, moment, skill=skill, target=target)


class CalendarIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    calendar: str = Field(min_length=2, max_length=16, description="CN | none | AU | AU-VIC | US | …")


class SpecialDayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: Day
    name: str = Field(min_length=1, max_length=64)
    kind: str = Field(default="promotion", description=" | ".join(forecast_shop.KINDS))


@router.get("/forecast-settings/{shop}", dependencies=[MANAGERS], response_model=forecast_shop.ForecastSettings)
def get_forecast_settings(shop: str, session: DbSession) -> forecast_shop.ForecastSettings:
    """The shop's holiday calendar, special days (with learned effects) and the last model choice."""
    return forecast_shop.settings(session, shop)


@router.put("/forecast-settings/{shop}/calendar", dependencies=[MANAGERS], response_model=forecast_shop.ForecastSettings)
def put_calendar(shop: str, body: CalendarIn, session: DbSession) -> forecast_shop.ForecastSettings:
    return forecast_shop.set_calendar(session, shop, body.calendar)


@router.put("/forecast-settings/{shop}/special-days", dependencies=[MANAGERS], response_model=forecast_shop.ForecastSettings)
def put_special_day(shop: str, body: SpecialDayIn, session: DbSession) -> forecast_shop.ForecastSettings:
    return forecast_shop.set_special_day(session, shop, body.day, body.name, body.kind)


@router.delete("/forecast-settings/{shop}/special-days/{day}", dependencies=[MANAGERS], response_model=forecast_shop.ForecastSettings)
def delete_special_day(shop: str, day: Day, session: DbSession) -> forecast_shop.ForecastSettings:
    return forecast_shop.remove_special_day(session, shop, day)
