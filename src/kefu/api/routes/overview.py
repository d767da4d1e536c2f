"""``GET /overview``: the overview page's figures, scoped by role like the page."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from kefu.api.deps import CurrentCaller, DbSession
from kefu.api.schemas import Day
from kefu.service.credit import overview as svc

router = APIRouter(tags=["overview"])


class OverviewOut(BaseModel):
    day: date
    contacts: int
    conversations: int
    orders: int
    paid_orders: int
    paid_fen: int
    agents_online: int
    agents_total: int
    by_status: dict[str, int]
    queue: int
    longest_wait_s: int
    hourly_contacts: list[int]
    hourly_orders: list[int]


@router.get("/overview", response_model=OverviewOut)
def get_overview(session: DbSession, caller: CurrentCaller, day: Day | None = None) -> OverviewOut:
    """Agents get their own figures, supervisors their team's, admins and integrations everything."""
    team = caller.team or None if caller.role == "supervisor" else None
    agent_id = (caller.agent_id or "-") if caller.role == "agent" else None
    data = svc.overview(session, day or svc.default_day(session), team=team, agent_id=agent_id, trend_days=1)
    return OverviewOut(**{k: getattr(data, k) for k in OverviewOut.model_fields})
