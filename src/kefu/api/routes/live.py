"""Integration API of the live floor (contract in spec/live.md; checked from outside).

Thin: validate the JSON, authorise the caller, call :mod:`kefu.service.live`. The
per-chat calls are in :mod:`kefu.api.live_calls` (also served by the hot path).
Every route declares its roles (``require_roles`` over this module's caller
dependency); an agent's own-agent, own-conversation and served-shop checks are
the service's (:mod:`kefu.service.access`).
Field limits mirror the column sizes so bad input is a 422 with a code, never
a database error (500).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status
from pydantic import Field
from sqlalchemy.orm import Session

from kefu.api.deps import ALL_ROLES, MANAGER_ROLES, Caller, get_caller, require_roles
from kefu.api.live_calls import (
    ConversationIn,
    MessageIn,
    bearer_caller,
    close_call,
    keyed,
    message_call,
    open_call,
    read_call,
    transaction,
)
from kefu.api.schemas import ApiIn, Day
from kefu.service import access, handover, live, presence

router = APIRouter(tags=["live"])


def _tx(request: Request) -> Iterator[Session]:
    """One transaction per request, committed *before* the response is sent (see live_calls.transaction)."""
    with transaction(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(_tx, scope="function")]


def _caller(request: Request, session: DbSession) -> Caller:
    """The shared check, with bearer tokens remembered for 5 s per worker (live_calls.bearer_caller)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return bearer_caller(request.app.state.engine, header, session)
    return get_caller(request, session)


CurrentCaller = Annotated[Caller, require_roles(*ALL_ROLES, via=_caller)]
ManagerCaller = Annotated[Caller, require_roles(*MANAGER_ROLES, via=_caller)]

ConvId = Annotated[int, Path(ge=1, le=2**63 - 1)]
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


class AgentIn(ApiIn):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=100)
    skills: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(min_length=1, max_length=20)
    capacity: int = Field(ge=1, le=200)
    secondary_skills: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(default=[], max_length=20)
    shop: str | None = Field(default=None, max_length=64)
    weight: int = Field(default=1, ge=1, le=100)


class StatusIn(ApiIn):
    status: str = Field(max_length=16)


class TransferIn(ApiIn):
    to_agent: str | None = Field(default=None, min_length=1, max_length=64)
    to_group: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


class HandoverIn(ApiIn):
    to: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(default=None, max_length=50)
    note: str = Field(default="", max_length=4000)
    followups: list[dict[str, str]] = Field(default=[], max_length=200)


@router.post("/agents", status_code=status.HTTP_201_CREATED)
def create_agent(body: AgentIn, session: DbSession, caller: ManagerCaller) -> dict[str, Any]:
    return live.register_agent(session, body.id, body.name, body.skills, body.capacity,
                               secondary_skills=body.secondary_skills, shop=body.shop, weight=body.weight)


@router.get("/agents/{agent_id}")
def read_agent(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    """An agent's status and load (an agent reads only its own)."""
    access.own_agent(caller, agent_id)
    return live.get_agent(session, agent_id)


@router.post("/agents/{agent_id}/status")
def change_status(agent_id: AgentId, body: StatusIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    access.own_agent(caller, agent_id)
    return live.set_agent_status(session, agent_id, body.status)


@router.get("/agents/{agent_id}/workspace")
def workspace(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    access.own_agent(caller, agent_id)
    return live.agent_view(session, agent_id, role=caller.role)


@router.get("/agents/{agent_id}/worktime")
def worktime(agent_id: AgentId, session: DbSession, caller: CurrentCaller,
             day: Annotated[Day, Query()]) -> dict[str, Any]:
    access.own_agent(caller, agent_id)
    return presence.worked_time(session, agent_id, day)


@router.post("/conversations", status_code=status.HTTP_201_CREATED)
def create_conversation(body: ConversationIn, session: DbSession, caller: CurrentCaller,
                        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=64)] = None,
                        ) -> dict[str, Any]:
    """Open a chat, once: a retry with the same ``Idempotency-Key`` (or ``request_id``) gets the same conversation."""
    return open_call(session, caller, keyed(body, idempotency_key))


@router.get("/conversations/{conversation_id}")
def read_conversation(conversation_id: ConvId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return read_call(session, caller, conversation_id)


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
def add_message(conversation_id: ConvId, body: MessageIn, session: DbSession,
                caller: CurrentCaller) -> dict[str, Any]:
    return message_call(session, caller, conversation_id, body)


@router.post("/conversations/{conversation_id}/close")
def close(conversation_id: ConvId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return close_call(session, caller, conversation_id)


@router.post("/conversations/{conversation_id}/human")
def to_human(conversation_id: ConvId, session: DbSession, caller: ManagerCaller) -> dict[str, Any]:
    """The bot hands over (low confidence or the buyer asks for a person): route to an agent or queue."""
    return live.bot_handover(session, conversation_id)


@router.post("/conversations/{conversation_id}/transfer")
def transfer(conversation_id: ConvId, body: TransferIn, session: DbSession,
             caller: CurrentCaller) -> dict[str, Any]:
    access.own_conversation(session, caller, conversation_id)
    return live.transfer_conversation(session, conversation_id, to_agent=body.to_agent, to_group=body.to_group,
                                      note=body.note, actor=caller.name)


@router.post("/agents/{agent_id}/handover")
def hand_over(agent_id: AgentId, body: HandoverIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    """交接班: open chats, tasks and follow-ups go to the next shift; the agent goes offline."""
    access.own_agent(caller, agent_id)
    return handover.hand_over(session, agent_id, body.to, note=body.note, followups=body.followups,
                              actor=caller.name)


@router.get("/live/handovers")
def handovers(session: DbSession, caller: CurrentCaller,
              agent: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:
    return handover.handover_log(session, agent_id=access.own_agent(caller, agent), role=caller.role)


@router.get("/live/queue")
def queue(session: DbSession, caller: ManagerCaller) -> list[dict[str, Any]]:
    return live.queue_snapshot(session)


@router.get("/live/monitor")
def monitor(session: DbSession, caller: ManagerCaller) -> dict[str, Any]:
    return live.monitor_snapshot(session)


@router.post("/live/sweep")
def run_sweep(session: DbSession, caller: ManagerCaller) -> dict[str, int]:
    """Overflow, missed drains and auto-reassign now (also run by `kefu live sweep`)."""
    return live.sweep(session)
