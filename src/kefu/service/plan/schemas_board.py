"""Out models of the roster page's month board, and the In models of its contract and fairness controls.

The board is one read (:func:`kefu.service.plan.actions_board.board`): what a 客服主管 checks
before signing a month — every day with its weekday and 法定节假日/调休 mark, each agent's
line, the head-count per shift and skill against the forecast's requirement, each agent's
totals against their contract, the hard-rule violations and the last plan's coverage, LP
bound, gap and changed cells.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from kefu.service.plan.schemas import ChangeOut, ViolationOut
from kefu.service.schemas import RuleVersionOut


class DayMarkOut(BaseModel):
    """One day of the month as the calendar sees it."""

    date: str  # YYYY-MM-DD
    day: int
    weekday: str  # 一 … 日
    kind: str  # workday | rest | statutory (法定节假日)
    name: str = ""  # the holiday's name
    makeup: bool = False  # 调休上班: a weekend day that is a workday


class ShiftLegendOut(BaseModel):
    code: str
    start: str  # HH:MM, shop zone
    end: str
    late: bool  # an evening or night shift (counted in the nights total)


class BoardRowOut(BaseModel):
    """One agent's month: a shift code per day ("" = rest), and the days to mark."""

    agent: str
    name: str
    cells: list[str]
    changed: list[int] = Field(default_factory=list)  # 1-based days the last plan changed
    leave: list[int] = Field(default_factory=list)  # 1-based days of approved leave


class HeadcountOut(BaseModel):
    """Agents on one shift for one skill each day, against the forecast's need (None: no stored requirement)."""

    shift: str
    skill: str
    planned: list[int]
    required: list[int | None]


class SkillCoverageOut(BaseModel):
    """Share of the requirement covered each day and over the month (breaks deducted); None: nothing required."""

    skill: str
    days: list[float | None]
    month: float | None


class ContractOut(BaseModel):
    """An agent's contract per calendar month: working days and paid hours (None: no bound)."""

    agent: str
    min_days: int | None = None
    max_days: int | None = None
    min_hours: int | None = None
    max_hours: int | None = None
    full_time: bool = True  # no days set: the month's days less the shop's rest days


class BoardTotalsOut(BaseModel):
    """An agent's month as the page's totals table shows it, with what their contract owes."""

    agent: str
    workdays: int
    hours: float
    nights: int  # 晚班 and night shifts
    weekend_days: int
    holidays: int  # 法定节假日 worked
    rest_days: int
    overtime_hours: float  # beyond the statutory 174 h a month
    owed_days: str  # "27" or "16–20"
    owed_hours: str  # "" when the contract sets no hours
    off_contract: bool  # the line misses what the contract owes


class PlanSummaryOut(BaseModel):
    """The month's last plan (按预测自动排班 / ``kefu roster plan-month``) and the hand edits since."""

    at: str  # shop zone, YYYY-MM-DD HH:MM
    by: str
    coverage: float
    bound: float | None  # None: the plan proved no bound in its time
    gap: float | None
    violations: int
    seconds: float
    changed: list[ChangeOut]
    replan: bool  # a roster was stored before: ``changed`` lists what this plan changed
    edits_since: int


class RosterBoardOut(BaseModel):
    shop: str
    month: str  # YYYY-MM
    days: int
    marks: list[DayMarkOut]
    shifts: list[ShiftLegendOut]
    rows: list[BoardRowOut]
    headcount: list[HeadcountOut]
    coverage: list[SkillCoverageOut]
    covered: float | None  # share of the whole month's requirement covered by the stored roster (None: none stored)
    totals: list[BoardTotalsOut]
    violations: list[ViolationOut]
    plan: PlanSummaryOut | None
    provisional_years: list[int]  # holidays not yet in the official calendar


class ContractIn(BaseModel):
    """A supervisor's contract edit; every value per calendar month, empty = no bound."""

    model_config = ConfigDict(extra="forbid")
    min_days: int | None = Field(default=None, ge=0, le=31)
    max_days: int | None = Field(default=None, ge=0, le=31)
    min_hours: int | None = Field(default=None, ge=0, le=744)
    max_hours: int | None = Field(default=None, ge=0, le=744)


ROTATIONS = ("weekly", "blocks", "free")  # 一周白班一周晚班 | 整周同班 | 不限


class FairnessIn(BaseModel):
    """Spreads the supervisor tolerates among agents on the same contract (None: hours one shift, others unbalanced)."""

    model_config = ConfigDict(extra="forbid")
    hours: float | None = Field(default=None, ge=0, le=200)
    nights: int | None = Field(default=2, ge=0, le=31)
    weekends: int | None = Field(default=4, ge=0, le=31)
    holidays: int | None = Field(default=2, ge=0, le=31)
    rotation: str = Field(default="weekly", pattern="^(weekly|blocks|free)$")


class FairnessOut(FairnessIn, RuleVersionOut):
    """The shop's fairness tolerances and rotation now, and the version they come from (0 = the defaults)."""

    shop_id: str
