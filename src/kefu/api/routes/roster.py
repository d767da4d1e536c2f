"""Roster API: plan a roster or a shop's month, re-check a hand-edited one, read the stored one. Thin: calls the roster actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from kefu.api.deps import MANAGER_ROLES, Caller, DbSession, get_caller, require_roles
from kefu.service.plan import actions_board, actions_month, actions_policy
from kefu.service.plan import actions_roster as svc
from kefu.service.plan.schemas import (
    RosterCheckOut,
    RosterPlanOut,
    RosterRowsIn,
    RosterRulesIn,
    ShopMonth,
    StoredRosterOut,
)
from kefu.service.plan.schemas_board import ContractIn, ContractOut, FairnessIn, FairnessOut, RosterBoardOut
from kefu.service.schemas import Day

router = APIRouter(prefix="/roster", tags=["roster"], dependencies=[require_roles(*MANAGER_ROLES)])
Who = Annotated[Caller, Depends(get_caller)]  # the router's role check above; this only names the caller
ShopQ = Annotated[str, Query(min_length=1, max_length=64)]


class ProblemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Day
    days: int = Field(ge=1, le=62)
    rules: RosterRulesIn = Field(default_factory=RosterRulesIn)
    agents: list[dict[str, Any]] = Field(min_length=1, max_length=500,
                                         description="agent, skills[], night_ok, min_hours?, max_hours?, leave[]?, min_days?, max_days?")
    shifts: list[dict[str, Any]] = Field(min_length=1, max_length=50,
                                         description="code, start HH:MM, end HH:MM, night, breaks?")
    requirement: list[dict[str, Any]] = Field(default_factory=list, max_length=200000,
                                              description="interval_start, skill, agents (30 min)")
    preferences: list[dict[str, Any]] = Field(default_factory=list, max_length=20000)

    def source(self) -> RosterRowsIn:
        return RosterRowsIn(self.start, self.days, self.rules, self.agents, self.shifts, self.requirement,
                            self.preferences or None)


class PlanIn(ProblemIn):
    time_limit: float = Field(default=20.0, gt=0, le=300)
    shop: str | None = Field(default=None, max_length=64, description="store the roster for this shop")


class MonthIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shop: str = Field(min_length=1, max_length=64)
    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    time_limit: float = Field(default=30.0, gt=0, le=300)
    afresh: bool = Field(default=False, description="plan a month not yet begun from scratch instead of re-planning its stored roster")


class CheckIn(ProblemIn):
    roster: list[dict[str, Any]] = Field(description="agent, date, shift, skill rows")


@router.post("/plan", response_model=RosterPlanOut)
def plan(body: PlanIn, session: DbSession) -> RosterPlanOut:
    """Build a roster; 422 ROSTER_INFEASIBLE lists the conflicting rules per agent."""
    return svc.plan_roster(body.source(), time_limit=body.time_limit, session=session, store_for=body.shop)


@router.post("/month", response_model=RosterPlanOut)
def plan_month(body: MonthIn, session: DbSession, caller: Who) -> RosterPlanOut:
    """The page's 排班 button: forecast, staff, roster (a stored month re-planned with minimal change) and store."""
    source = ShopMonth(body.shop, actions_month.month_first(body.month), afresh=body.afresh)
    return svc.plan_roster(source, time_limit=body.time_limit, session=session, by=caller.name)


@router.post("/check", response_model=RosterCheckOut)
def check(body: CheckIn) -> RosterCheckOut:
    """Hard-rule violations of a hand-edited roster (empty list = all rules hold)."""
    return svc.check_rows(body.source(), body.roster)


@router.get("", response_model=StoredRosterOut)
def stored(session: DbSession, start: Annotated[Day, Query()],
           shop: str = Query(min_length=1, max_length=64), days: int = Query(default=31, ge=1, le=62)) -> StoredRosterOut:
    """The stored roster of a shop for a period, one row per agent and day."""
    return svc.stored(session, shop, start, days)


@router.get("/board", response_model=RosterBoardOut)
def board(session: DbSession, caller: Who, shop: ShopQ,
          month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]) -> RosterBoardOut:
    """The roster page's month: day marks, lines, head-count vs requirement, coverage, totals vs contract, last plan."""
    return actions_board.board(session, caller, shop, month)


@router.put("/contracts/{agent_id}", response_model=ContractOut)
def save_contract(agent_id: Annotated[str, Path(min_length=1, max_length=64)], body: ContractIn, session: DbSession,
                  caller: Who, shop: ShopQ) -> ContractOut:  # fmt: skip
    """An agent's days and hours per month (empty = no bound; no days = full time), used by the next plan."""
    return actions_policy.save_contract(session, shop, agent_id, body.model_dump(), by=caller.name)


@router.get("/fairness/{shop_id}", response_model=FairnessOut)
def read_fairness(shop_id: Annotated[str, Path(min_length=1, max_length=64)], session: DbSession) -> FairnessOut:
    return actions_policy.fairness(session, shop_id)


@router.put("/fairness/{shop_id}", response_model=FairnessOut)
def save_fairness(shop_id: Annotated[str, Path(min_length=1, max_length=64)], body: FairnessIn, session: DbSession,
                  caller: Who) -> FairnessOut:  # fmt: skip
    """Fairness tolerances and the 白/晚 rotation, validated whole, stored as the shop's next version."""
    return actions_policy.save_fairness(session, shop_id, body.model_dump(), by=caller.name)
