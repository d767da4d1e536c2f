"""Overtime booking and the comp-leave (调休) ledger (spec/live.md, "Presence and worked time").

A supervisor books a day's overtime once — paid at its legal rate, or for a
rest day credited as 调休 minutes — and records leave taken against the
balance. Agents read their own ledger.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from kefu.api.deps import MANAGER_ROLES, CurrentCaller, DbSession, ensure_role
from kefu.api.schemas import ApiIn, Day
from kefu.domain.errors import ErrorCode, KefuError
from kefu.service import presence

router = APIRouter(tags=["live"])
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


class OvertimeIn(ApiIn):
    day: Day
    comp_leave: bool = False  # rest-day overtime only: credit 调休 minutes instead of pay


class LeaveIn(ApiIn):
    day: Day
    minutes: int = Field(ge=1, le=31 * 24 * 60)


@router.post("/agents/{agent_id}/overtime", status_code=201)
def book_overtime(agent_id: AgentId, body: OvertimeIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    ensure_role(caller, *MANAGER_ROLES)
    return presence.record_overtime(session, agent_id, body.day, comp_leave=body.comp_leave, actor=caller.name)


@router.get("/agents/{agent_id}/comp-leave")
def ledger(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    if caller.role == "agent" and caller.agent_id != agent_id:
        raise KefuError(ErrorCode.FORBIDDEN, "只能查看自己的调休", "agents may read only their own comp leave")
    return presence.comp_leave_ledger(session, agent_id)


@router.post("/agents/{agent_id}/comp-leave", status_code=201)
def take_leave(agent_id: AgentId, body: LeaveIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    ensure_role(caller, *MANAGER_ROLES)
    balance = presence.take_comp_leave(session, agent_id, body.minutes, body.day, actor=caller.name)
    return {"agent": agent_id, "day": body.day.isoformat(), "minutes": body.minutes, "balance": balance}
