"""Overtime booking and the comp-leave (调休) ledger (spec/live.md, "Presence and worked time").

A supervisor books a day's overtime once — paid at its legal rate, or for a
rest day credited as 调休 minutes — and records leave taken against the
balance. Agents read their own ledger.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from kefu.api.deps import CurrentCaller, DbSession, ManagerCaller
from kefu.service import access
from kefu.service.live import actions_presence
from kefu.service.live.schemas import LeaveIn, LeaveOut, LedgerOut, OvertimeIn, OvertimeOut

router = APIRouter(tags=["live"])
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/agents/{agent_id}/overtime", status_code=201, response_model=OvertimeOut)
def book_overtime(agent_id: AgentId, body: OvertimeIn, session: DbSession, caller: ManagerCaller) -> OvertimeOut:
    return actions_presence.record_overtime(session, agent_id, body.day, comp_leave=body.comp_leave,
                                            actor=caller.name)


@router.get("/agents/{agent_id}/comp-leave", response_model=LedgerOut)
def ledger(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> LedgerOut:
    access.own_agent(caller, agent_id)
    return actions_presence.comp_leave_ledger(session, agent_id)


@router.post("/agents/{agent_id}/comp-leave", status_code=201, response_model=LeaveOut)
def take_leave(agent_id: AgentId, body: LeaveIn, session: DbSession, caller: ManagerCaller) -> LeaveOut:
    balance = actions_presence.take_comp_leave(session, agent_id, body.minutes, body.day, actor=caller.name)
    return LeaveOut(agent=agent_id, day=body.day.isoformat(), minutes=body.minutes, balance=balance)
