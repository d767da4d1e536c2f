"""Team self-service over HTTP: leave, shift swaps, who could take a shift, open shifts (issue 22).

Thin: validate, let ``require_roles`` admit the roles, call one
:mod:`kefu.service.team.actions` use-case. Which rows are the caller's (agents
act for themselves, supervisors decide for their team) is checked in the
service, where the pages and the CLI share it. ``agent_id`` may be left out by
an agent: it means the caller's own.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field

from kefu.api.deps import Caller, DbSession, require_roles
from kefu.api.schemas import ApiIn
from kefu.service.team import actions

router = APIRouter(tags=["team"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
AgentRef = Annotated[str | None, Field(default=None, min_length=1, max_length=64)]
Note = Annotated[str, Field(default="", max_length=500)]
EVERYONE = ("admin", "supervisor", "agent")
DECIDERS = ("admin", "supervisor")


def actor(caller: Caller) -> actions.Actor:
    return actions.Actor(caller.name, caller.role, caller.agent_id, caller.team)


def _agent(caller: Caller, agent_id: str | None) -> str:
    return agent_id or caller.agent_id or ""


class LeaveRequestIn(ApiIn):
    agent_id: AgentRef = None
    kind: str = Field(max_length=16, description="事假|病假|年假|调休")
    first_day: date
    last_day: date
    reason: Note = ""


class NoteIn(ApiIn):
    note: Note = ""


class SwapRequestIn(ApiIn):
    agent_id: AgentRef = None
    day: date
    peer_id: str = Field(min_length=1, max_length=64)
    reason: Note = ""


class PickUpIn(ApiIn):
    agent_id: AgentRef = None


class OpenShiftRequestIn(ApiIn):
    shop_id: str = Field(min_length=1, max_length=64)
    day: date
    shift_code: str = Field(min_length=1, max_length=32)
    skill: str = Field(min_length=1, max_length=64)
    note: Note = ""
    source: str = Field(default="", max_length=64)


@router.post("/leave", status_code=201)
def request_leave(body: LeaveRequestIn, session: DbSession, caller: Caller = require_roles(*EVERYONE)) -> actions.LeaveOut:
    return actions.request_leave(session, actor(caller), actions.LeaveIn(
        agent_id=_agent(caller, body.agent_id), kind=body.kind, first_day=body.first_day, last_day=body.last_day,
        reason=body.reason))  # fmt: skip


@router.get("/leave")
def list_leave(session: DbSession, caller: Caller = require_roles(*EVERYONE),
               status: Annotated[str | None, Query(max_length=16)] = None,
               agent: Annotated[str | None, Query(max_length=64)] = None) -> list[actions.LeaveOut]:  # fmt: skip
    return actions.list_leave(session, actor(caller), agent_id=agent, status=status)


@router.post("/leave/{leave_id}/approve")
def approve_leave(leave_id: Id, body: NoteIn, session: DbSession, caller: Caller = require_roles(*DECIDERS)) -> actions.LeaveOut:
    return actions.approve_leave(session, actor(caller), leave_id, body.note)


@router.post("/leave/{leave_id}/reject")
def reject_leave(leave_id: Id, body: NoteIn, session: DbSession, caller: Caller = require_roles(*DECIDERS)) -> actions.LeaveOut:
    return actions.reject_leave(session, actor(caller), leave_id, body.note)


@router.post("/leave/{leave_id}/cancel")
def cancel_leave(leave_id: Id, session: DbSession, caller: Caller = require_roles(*EVERYONE)) -> actions.LeaveOut:
    return actions.cancel_leave(session, actor(caller), leave_id)


@router.get("/agents/{agent_id}/leave-balances")
def leave_balances(agent_id: Annotated[str, Path(min_length=1, max_length=64)], session: DbSession,
                   caller: Caller = require_roles(*EVERYONE)) -> list[actions.BalanceOut]:  # fmt: skip
    return actions.leave_balances(session, actor(caller), agent_id)


@router.post("/swaps", status_code=201)
def request_swap(body: SwapRequestIn, session: DbSession, caller: Caller = require_roles(*EVERYONE)) -> actions.SwapOut:
    return actions.request_swap(session, actor(caller), actions.SwapIn(
        agent_id=_agent(caller, body.agent_id), day=body.day, peer_id=body.peer_id, reason=body.reason))  # fmt: skip


@router.get("/swaps")
def list_swaps(session: DbSession, caller: Caller = require_roles(*EVERYONE),
               status: Annotated[str | None, Query(max_length=16)] = None) -> list[actions.SwapOut]:  # fmt: skip
    return actions.list_swaps(session, actor(caller), status=status)


@router.post("/swaps/{swap_id}/accept")
def accept_swap(swap_id: Id, session: DbSession, caller: Caller = require_roles("agent")) -> actions.SwapOut:
    return actions.accept_swap(session, actor(caller), swap_id)


@router.post("/swaps/{swap_id}/decline")
def decline_swap(swap_id: Id, session: DbSession, caller: Caller = require_roles("agent")) -> actions.SwapOut:
    return actions.decline_swap(session, actor(caller), swap_id)


@router.post("/swaps/{swap_id}/cancel")
def cancel_swap(swap_id: Id, session: DbSession, caller: Caller = require_roles(*EVERYONE)) -> actions.SwapOut:
    return actions.cancel_swap(session, actor(caller), swap_id)


@router.post("/swaps/{swap_id}/approve")
def approve_swap(swap_id: Id, body: NoteIn, session: DbSession, caller: Caller = require_roles(*DECIDERS)) -> actions.SwapOut:
    return actions.approve_swap(session, actor(caller), swap_id, body.note)


@router.post("/swaps/{swap_id}/reject")
def reject_swap(swap_id: Id, body: NoteIn, session: DbSession, caller: Caller = require_roles(*DECIDERS)) -> actions.SwapOut:
    return actions.reject_swap(session, actor(caller), swap_id, body.note)


@router.get("/shifts/candidates")
def shift_candidates(
    session: DbSession,
    shop: Annotated[str, Query(min_length=1, max_length=64)],
    day: date,
    shift: Annotated[str, Query(min_length=1, max_length=32)],
    skill: Annotated[str, Query(min_length=1, max_length=64)],
    exclude: Annotated[str | None, Query(max_length=64)] = None,
    caller: Caller = require_roles(*EVERYONE),
) -> list[actions.FitOut]:
    """Who could work the shift, best first (an agent may ask only about its own shift)."""
    return actions.shift_candidates(session, actor(caller), shop, day, shift, skill, exclude=exclude)


@router.post("/open-shifts", status_code=201)
def open_shift(body: OpenShiftRequestIn, session: DbSession,
               caller: Caller = require_roles(*DECIDERS)) -> actions.OpenShiftOut:  # fmt: skip
    return actions.open_shift(session, actor(caller), actions.OpenShiftIn(**body.model_dump()))


@router.get("/open-shifts")
def list_open_shifts(session: DbSession, caller: Caller = require_roles(*EVERYONE),
                     shop: Annotated[str | None, Query(max_length=64)] = None) -> list[actions.OpenShiftOut]:  # fmt: skip
    return actions.list_open_shifts(session, actor(caller), shop_id=shop)


@router.post("/open-shifts/{open_id}/pick-up")
def pick_up(open_id: Id, body: PickUpIn, session: DbSession, caller: Caller = require_roles(*EVERYONE)) -> actions.OpenShiftOut:
    return actions.pick_up_shift(session, actor(caller), open_id, _agent(caller, body.agent_id))


@router.post("/open-shifts/{open_id}/cancel")
def cancel_open_shift(open_id: Id, session: DbSession, caller: Caller = require_roles(*DECIDERS)) -> actions.OpenShiftOut:
    return actions.cancel_open_shift(session, actor(caller), open_id)
