"""Plan a shop's month in one step: forecast → staff needed per skill → roster → stored.

This is the supervisor's "排下个月" button: the same engines as the CLI
(``kefu forecast shop``, ``kefu staffing requirement``, ``kefu roster plan``),
joined up over the shop's own history, agents and shift templates.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.solve import coverage_ratio
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY
from kefu.service.plan import actions as plan_svc
from kefu.service.plan import roster as roster_svc
from kefu.store.models.live import Conversation


@dataclass(frozen=True)
class MonthPlan:
    """What was planned and stored, in figures a supervisor reads."""

    shop_id: str
    start: date
    days: int
    status: str
    skills: tuple[str, ...]  # skill groups with conversations and agents
    forecast_skills: tuple[str, ...]  # those with enough history to forecast
    required_agent_slots: int  # sum over intervals of agents needed (all skills)
    coverage: float  # share of the requirement covered, 0–1
    entries: int  # roster rows written


def plan_month(
    session: Session,
    shop_id: str,
    first_day: date,
    *,
    time_limit: float = 30.0,
    progress: Callable[[float, float], None] | None = None,
) -> MonthPlan:
    """Forecast each skill group from history before the month, staff it, roster it and store it."""
    days = calendar.monthrange(first_day.year, first_day.month)[1]
    start = first_day.replace(day=1)
    problem = roster_svc.db_problem(session, shop_id, start, days)
    if not problem.agents or not problem.shifts:
        raise KefuError(
            ErrorCode.ROSTER_INFEASIBLE,
            "店铺还没有客服或班次模板, 无法排班",
            "the shop has no agents or shift templates to roster",
            {"shop": shop_id},
        )
    groups = session.scalars(select(Conversation.group).where(Conversation.shop_id == shop_id).distinct())
    skills = sorted(g for g in groups if any(g in a.skills for a in problem.agents))
    requirement: dict[str, list[float]] = {}
    forecast_skills = []
    for skill in skills:
        need = [0.0] * (days * SLOTS_PER_DAY)
        requirement[skill] = need
        if not plan_svc.forecast_shop(session, shop_id, start, days, skill=skill):
            continue  # too little history to forecast this group: it asks for nobody
        forecast_skills.append(skill)
        for point in plan_svc.requirement(session, shop_id, start, days, skill=skill):
            local = point.interval_start
            slot = (local.date() - start).days * SLOTS_PER_DAY + (local.hour * 60 + local.minute) // SLOT
            if 0 <= slot < len(need):
                need[slot] = float(point.required or 0)
    problem.requirement = requirement
    result = roster_svc.plan(problem, time_limit, progress=progress)
    entries = roster_svc.save_roster(session, shop_id, start, result.roster)
    return MonthPlan(
        shop_id=shop_id,
        start=start,
        days=days,
        status=result.status,
        skills=tuple(skills),
        forecast_skills=tuple(forecast_skills),
        required_agent_slots=int(sum(sum(v) for v in requirement.values())),
        coverage=round(coverage_ratio(problem, result.coverage), 4),
        entries=entries,
    )
