"""``GET /overview``: the overview page's figures, scoped by role like the page."""

from __future__ import annotations

from fastapi import APIRouter

from kefu.api.deps import CurrentCaller, DbSession
from kefu.service.credit import actions_overview as svc
from kefu.service.credit.schemas import OverviewOut
from kefu.service.schemas import Day

router = APIRouter(tags=["overview"])


@router.get("/overview", response_model=OverviewOut)
def get_overview(session: DbSession, caller: CurrentCaller, day: Day | None = None) -> OverviewOut:
    """Agents get their own figures, supervisors their team's, admins and integrations everything."""
    return svc.overview_today(session, caller, caller.team, day)
