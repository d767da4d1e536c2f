"""Roster API: plan a roster, re-check a hand-edited one, read the stored one. Thin: calls service.roster."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from kefu.api.deps import MANAGER_ROLES, DbSession, require_roles
from kefu.api.schemas import Day
from kefu.plan.roster.types import Rules
from kefu.service import roster as svc

router = APIRouter(prefix="/roster", tags=["roster"], dependencies=[require_roles(*MANAGER_ROLES)])


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rest_days_per_month: int = Field(default=4, ge=0, le=31)
    max_consecutive: int = Field(default=6, ge=1, le=62)
    min_rest_hours: float = Field(default=10.0, ge=0, le=48)


class ProblemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: Day
    days: int = Field(ge=1, le=62)
    rules: RulesIn = Field(default_factory=RulesIn)
    agents: list[dict[str, Any]] = Field(min_length=1, max_length=500,
                                         description="agent, skills[], night_ok, min_hours?, max_hours?, leave[]?, min_days?, max_days?")
    shifts: list[dict[str, Any]] = Field(min_length=1, max_length=50,
                                         description="code, start HH:MM, end HH:MM, night, breaks?")
    requirement: list[dict[str, Any]] = Field(default_factory=list, max_length=200000,
                                              description="interval_start, skill, agents (30 min)")
    preferences: list[dict[str, Any]] = Field(default_factory=list, max_length=20000)

    def problem(self) -> Any:
        r = self.rules
        return svc.problem_from_rows(self.start, self.days, Rules(r.rest_days_per_month, r.max_consecutive,
                                     r.min_rest_hours), self.agents, self.shifts, self.requirement,
                                     self.preferences or None)


class PlanIn(ProblemIn):
    time_limit: float = Field(default=20.0, gt=0, le=300)
    shop: str | None = Field(default=None, max_length=64, description="store the roster for this shop")


class CheckIn(ProblemIn):
    roster: list[dict[str, Any]] = Field(description="agent, date, shift, skill rows")


@router.post("/plan")
def plan(body: PlanIn, session: DbSession) -> dict[str, Any]:
    """Build a roster; 422 ROSTER_INFEASIBLE lists the conflicting rules per agent."""
    problem = body.problem()
    result = svc.plan(problem, body.time_limit)
    if body.shop:
        svc.save_roster(session, body.shop, problem.start, result.roster)
    return {**svc.result_summary(problem, result), "roster": svc.roster_rows(problem, result.roster)}


@router.post("/check")
def check(body: CheckIn) -> dict[str, Any]:
    """Hard-rule violations of a hand-edited roster (empty list = all rules hold)."""
    problem = body.problem()
    roster = svc.roster_from_rows(problem, body.roster)
    return {"violations": [v.as_dict() for v in svc.check_roster(problem, roster)]}


@router.get("")
def stored(session: DbSession, start: Annotated[Day, Query()],
           shop: str = Query(min_length=1, max_length=64), days: int = Query(default=31, ge=1, le=62)) -> dict[str, Any]:
    """The stored roster of a shop for a period, one row per agent and day."""
    roster = svc.load_roster(session, shop, start, days)
    rows = [{"agent": a, "date": date.fromordinal(start.toordinal() + d).isoformat(),
             "shift": "" if c is None else c.shift, "skill": "" if c is None else c.skill}
            for a, line in sorted(roster.items()) for d, c in enumerate(line)]
    return {"shop": shop, "start": start.isoformat(), "days": days, "roster": rows}
