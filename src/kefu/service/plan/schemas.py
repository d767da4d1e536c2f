"""In / Out models of the plan area: forecasts, staffing figures, and planning / checking a roster.

A roster is planned from one of three sources (:class:`RosterFiles` for the CLI, :class:`RosterRowsIn`
for the API, :class:`ShopMonth` for the dashboard) by the one action
:func:`kefu.service.plan.actions_roster.plan_roster`, which answers :class:`RosterPlanOut`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kefu.plan.forecast import MODELS
from kefu.service.schemas import RuleVersionOut

MODEL_HELP = " | ".join(MODELS) + " | a candidate name"


@dataclass(frozen=True)
class StaffingTarget:
    """How a shop staffs one skill: handle time, target, patience, chat concurrency, shrinkage."""

    aht_s: float = 180.0
    target_sl: float = 0.8
    target_s: float = 20.0
    patience_s: float | None = None
    concurrency: int = 1
    shrinkage: float = 0.0
    max_occupancy: float | None = None


@dataclass(frozen=True)
class Point:
    """One interval of a plan view (times aware, shop zone)."""

    interval_start: datetime
    forecast: float | None
    actual: float | None = None
    required: int | None = None
    scheduled: int | None = None
    service_level: float | None = None
    p10: float | None = None
    p90: float | None = None


class ErlangIn(BaseModel):
    """One interval's queue: arrivals, handle time, agents; a patience switches Erlang C to Erlang A."""

    model_config = ConfigDict(extra="forbid")
    calls: float = Field(ge=0, le=1e7)
    interval_s: float = Field(default=1800.0, gt=0, le=86400)
    aht_s: float = Field(default=180.0, gt=0, le=86400)
    agents: int = Field(ge=0, le=100000)
    target_s: float = Field(default=20.0, ge=0, le=86400)
    patience_s: float | None = Field(default=None, gt=0, le=86400)
    concurrency: int = Field(default=1, ge=1, le=50)
    target_sl: float = Field(default=0.8, gt=0, lt=1, description="accepted, not used by the figures")
    shrinkage: float = Field(default=0.0, ge=0, lt=1, description="accepted, not used by the figures")
    max_occupancy: float | None = Field(default=None, gt=0, le=1, description="accepted, not used by the figures")


class ErlangOut(BaseModel):
    """Queue figures, rounded to 7 places; null where the queue is unstable (infinite wait)."""

    p_wait: float | None
    service_level: float | None
    asa_s: float | None
    occupancy: float | None
    p_abandon: float | None = None  # Erlang A only


class PointOut(BaseModel):
    interval_start: str
    forecast: float | None
    actual: float | None = None
    required: int | None = None
    scheduled: int | None = None
    service_level: float | None = None


class ForecastOut(BaseModel):
    shop: str
    skill: str
    model: str
    points: list[PointOut]


class StoredPointOut(BaseModel):
    interval_start: str
    forecast: float
    p10: float | None
    p90: float | None
    required: int | None


class StoredForecastOut(BaseModel):
    shop: str
    skill: str
    model: str
    points: list[StoredPointOut]


class RequirementOut(BaseModel):
    shop: str
    skill: str
    points: list[PointOut]


class OfferOut(BaseModel):
    kind: str
    start: str
    end: str
    agents: int


class IntradayOut(BaseModel):
    multiplier: float
    now_slot: int
    reforecast: list[float | None]
    points: list[PointOut]
    offers: list[OfferOut]


class RosterRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rest_days_per_month: int = Field(default=4, ge=0, le=31)
    max_consecutive: int = Field(default=6, ge=1, le=62)
    min_rest_hours: float = Field(default=10.0, ge=0, le=48)


class RosterRulesOut(RuleVersionOut):
    """The shop's roster rules now and the version they come from (0 = the defaults)."""

    shop_id: str
    rest_days_per_month: int
    max_consecutive: int
    min_rest_hours: float


@dataclass(frozen=True)
class RosterFiles:
    """The CLI's input files (``kefu roster plan``); checked before any solving."""

    agents: Path
    shifts: Path
    requirement: Path
    start: date
    days: int
    rules: RosterRulesIn
    preferences: Path | None = None


@dataclass(frozen=True)
class RosterRowsIn:
    """The API's JSON rows, through the same checks as the CSV files (errors name row and column)."""

    start: date
    days: int
    rules: RosterRulesIn
    agents: list[dict[str, Any]]
    shifts: list[dict[str, Any]]
    requirement: list[dict[str, Any]]
    preferences: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class ShopMonth:
    """The dashboard's "排下个月": the shop's agents and shifts, the requirement forecast from its history.

    A roster already stored for the month is re-planned with as few changes as possible; the days
    before ``today`` (the shop's date; None = now) are kept exactly.
    """

    shop: str
    first_day: date
    today: date | None = None


@dataclass(frozen=True)
class RosterOutputs:
    """Files the CLI asks for besides the roster CSV; ``volume`` adds the predicted service level to the report."""

    out: Path
    xlsx: Path | None = None
    ics_dir: Path | None = None
    report: Path | None = None
    volume: Path | None = None
    aht_s: float = 180.0
    target_s: float = 20.0
    concurrency: int = 1


class BreakOut(BaseModel):
    kind: str
    start: str
    end: str


class RosterRowOut(BaseModel):
    agent: str
    date: str
    shift: str
    skill: str
    breaks: list[BreakOut] = Field(default_factory=list)


class ChangeOut(BaseModel):
    """One cell a re-plan changed: the stored shift before and the new one ("" = rest day)."""

    agent: str
    date: str  # YYYY-MM-DD
    before: str
    after: str


class MonthPlanOut(BaseModel):
    """What the month plan forecast (skill groups, those with history, agent-slots asked for) and what a re-plan changed."""

    skills: list[str]
    forecast_skills: list[str]
    required_agent_slots: int
    kept_days: int = 0  # days from the month's start kept exactly as stored (already worked)
    changed: list[ChangeOut] = Field(default_factory=list)  # cells changed against the roster stored before


class RosterPlanOut(BaseModel):
    """A planned roster: solver status, coverage of the requirement, per-agent totals, the rows, rows stored."""

    status: str
    seconds: float
    objective: float | None
    coverage_ratio: float
    totals: list[dict[str, Any]]
    notes: list[str]
    start: date
    days: int
    roster: list[RosterRowOut]
    entries: int = 0  # roster rows stored (0 when not stored)
    bound: float | None = None  # no roster under these rules covers more (the LP bound), 0–1; None: not proven in time
    gap: float | None = None  # 1 - coverage / bound: how far the roster is from the best possible; None with the bound
    violations: int = 0  # hard-rule violations of the planned roster (0 unless a bug)
    month: MonthPlanOut | None = None


class ViolationOut(BaseModel):
    agent: str
    day: str | None
    rule: str
    message: str
    message_en: str


class RosterCheckOut(BaseModel):
    violations: list[ViolationOut]  # empty: every hard rule holds


class StoredRosterRowOut(BaseModel):
    agent: str
    date: str
    shift: str
    skill: str


class StoredRosterOut(BaseModel):
    shop: str
    start: str
    days: int
    roster: list[StoredRosterRowOut]


class RosterGridOut(BaseModel):
    """The dashboard's month grid: one row per agent (``d1``…``dN`` shift codes), totals and violations."""

    days: int
    rows: list[dict[str, str]]
    totals: list[dict[str, Any]]
    violations: list[ViolationOut]
    agents: list[str]
    shifts: list[str]
