"""Overtime booking and the comp-leave (调休) ledger (spec/live.md, "Presence and worked time").

A supervisor books a day's overtime once — paid at its legal rate, or for a
rest day credited as 调休 minutes — and records leave taken against the
balance. Agents read their own ledger.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field

from kefu.api.deps import CurrentCaller, DbSession, ManagerCaller
from kefu.api.schemas import ApiIn, Day
from kefu.service import access, presence
from kefu.service.credit.schemas import CompLeaveLedgerOut, LeaveTakenOut, OvertimeOut

router = APIRouter(tags=["live"])
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


class OvertimeIn(ApiIn):
    day: Day
    comp_leave: bool = False  # rest-day overtime only: credit 调休 minutes instead of pay


class LeaveIn(ApiIn):
    day: Day
    minutes: int = Field(ge=1, le=31 * 24 * 60)


@router.post("/agents/{agent_id}/overtime", status_code=201, response_model=OvertimeOut)
def book_overtime(agent_id: AgentId, body: OvertimeIn, session: DbSession, caller: ManagerCaller) -> dict[str, Any]:
    return presence.record_overtime(session, agent_id, body.day, comp_leave=body.comp_leave, actor=caller.name)


@router.get("/agents/{agent_id}/comp-leave", response_model=CompLeaveLedgerOut)
def ledger(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    access.own_agent(caller, agent_id)
    return presence.comp_leave_ledger(session, agent_id)


@router.post("/agents/{agent_id}/comp-leave", status_code=201, response_model=LeaveTakenOut)
def take_leave(agent_id: AgentId, body: LeaveIn, session: DbSession, caller: ManagerCaller) -> dict[str, Any]:
    balance = presence.take_comp_leave(session, agent_id, body.minutes, body.day, actor=caller.name)
    return {"agent": agent_id, "day": body.day.isoformat(), "minutes": body.minutes, "balance": balance}
