"""Integration API of the live floor (contract in spec/live.md; checked from outside).

Thin: validate the JSON, authorise the caller, call :mod:`kefu.service.live.actions`. The
per-chat calls are :mod:`kefu.service.live.actions_chat`'s (also served by :mod:`kefu.api.integration`).
Every route declares its roles (``require_roles`` over this module's caller
dependency); an agent's own-agent, own-conversation and served-shop checks are
the service's (:mod:`kefu.service.access`).
Field limits mirror the column sizes so bad input is a 422 with a code, never
a database error (500).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status
from sqlalchemy.orm import Session

from kefu.api.deps import ALL_ROLES, MANAGER_ROLES, Caller, get_caller, require_roles
from kefu.api.integration import bearer_caller
from kefu.service import access
from kefu.service.live import actions, actions_chat, actions_handover, actions_presence
from kefu.service.live import actions_reads as reads
from kefu.service.live.schemas import (
    AgentIn,
    AgentOut,
    ConversationIn,
    ConversationOut,
    ConversationPage,
    HandoverEntryOut,
    HandoverIn,
    HandoverOut,
    MessageIn,
    MessageOut,
    MonitorOut,
    OpenedOut,
    QueuedOut,
    StatusIn,
    SweepOut,
    TransferIn,
    WorkspaceOut,
    WorktimeOut,
)
from kefu.service.schemas import Day

router = APIRouter(tags=["live"])


def _tx(request: Request) -> Iterator[Session]:
    """One transaction per request, committed *before* the response is sent (see actions_chat.transaction)."""
    with actions_chat.transaction(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(_tx, scope="function")]


def _caller(request: Request, session: DbSession) -> Caller:
    """The shared check, with bearer tokens remembered for 5 s per worker (kefu.api.integration.bearer_caller)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return bearer_caller(request.app.state.engine, header, session)
    return get_caller(request, session)


CurrentCaller = Annotated[Caller, require_roles(*ALL_ROLES, via=_caller)]
ManagerCaller = Annotated[Caller, require_roles(*MANAGER_ROLES, via=_caller)]

ConvId = Annotated[int, Path(ge=1, le=2**63 - 1)]
AgentId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/agents", status_code=status.HTTP_201_CREATED, response_model=AgentOut)
def create_agent(body: AgentIn, session: DbSession, caller: ManagerCaller) -> AgentOut:
    return AgentOut(**actions.register_agent(session, body.id, body.name, body.skills, body.capacity,
                                             secondary_skills=body.secondary_skills, shop=body.shop,
                                             weight=body.weight))


@router.get("/agents/{agent_id}", response_model=AgentOut)
def read_agent(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> AgentOut:
    """An agent's status and load (an agent reads only its own)."""
    access.own_agent(caller, agent_id)
    return AgentOut(**actions.get_agent(session, agent_id))


@router.post("/agents/{agent_id}/status", response_model=AgentOut)
def change_status(agent_id: AgentId, body: StatusIn, session: DbSession, caller: CurrentCaller) -> AgentOut:
    access.own_agent(caller, agent_id)
    return AgentOut(**actions.set_agent_status(session, agent_id, body.status))


@router.get("/agents/{agent_id}/workspace", response_model=WorkspaceOut)
def workspace(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> WorkspaceOut:
    access.own_agent(caller, agent_id)
    return actions.agent_view(session, agent_id, role=caller.role)


@router.get("/agents/{agent_id}/worktime", response_model=WorktimeOut)
def worktime(agent_id: AgentId, session: DbSession, caller: CurrentCaller,
             day: Annotated[Day, Query()]) -> WorktimeOut:
    access.own_agent(caller, agent_id)
    return actions_presence.worked_time(session, agent_id, day)


@router.post("/conversations", status_code=status.HTTP_201_CREATED, response_model=OpenedOut)
def create_conversation(body: ConversationIn, session: DbSession, caller: CurrentCaller,
                        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=64)] = None,
                        ) -> OpenedOut:
    """Open a chat, once: a retry with the same ``Idempotency-Key`` (or ``request_id``) gets the same conversation."""
    return actions_chat.open_call(session, caller, body.keyed(idempotency_key))


@router.get("/conversations", response_model=ConversationPage)
def list_conversations(
    session: DbSession, caller: CurrentCaller,
    shop: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    agent: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    status: Annotated[str | None, Query(pattern="^(queued|assigned|bot|closed)$")] = None,
    since: Annotated[str | None, Query(max_length=40, description="opened at or after (ISO-8601; no offset = shop time)")] = None,
    until: Annotated[str | None, Query(max_length=40, description="opened before")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ConversationPage:  # fmt: skip
    """Conversations by shop, agent, status and opening time, newest first, a page at a time (agents: their own)."""
    return reads.list_conversations(session, caller, shop=shop, agent=agent, status=status, since=since, until=until,
                                    offset=offset, limit=limit)  # fmt: skip


@router.get("/conversations/{conversation_id}", response_model=ConversationOut)
def read_conversation(conversation_id: ConvId, session: DbSession, caller: CurrentCaller) -> ConversationOut:
    return actions_chat.read_call(session, caller, conversation_id)


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_201_CREATED,
             response_model=MessageOut)
def add_message(conversation_id: ConvId, body: MessageIn, session: DbSession, caller: CurrentCaller) -> MessageOut:
    return actions_chat.message_call(session, caller, conversation_id, body)


@router.post("/conversations/{conversation_id}/close", response_model=ConversationOut)
def close(conversation_id: ConvId, session: DbSession, caller: CurrentCaller) -> ConversationOut:
    return actions_chat.close_call(session, caller, conversation_id)


@router.post("/conversations/{conversation_id}/human", response_model=ConversationOut)
def to_human(conversation_id: ConvId, session: DbSession, caller: ManagerCaller) -> ConversationOut:
    """The bot hands over (low confidence or the buyer asks for a person): route to an agent or queue."""
    return actions.bot_handover(session, conversation_id)


@router.post("/conversations/{conversation_id}/transfer", response_model=ConversationOut)
def transfer(conversation_id: ConvId, body: TransferIn, session: DbSession, caller: CurrentCaller) -> ConversationOut:
    access.own_conversation(session, caller, conversation_id)
    return actions.transfer_conversation(session, conversation_id, to_agent=body.to_agent, to_group=body.to_group,
                                         note=body.note, actor=caller.name)


@router.post("/agents/{agent_id}/handover", response_model=HandoverOut)
def hand_over(agent_id: AgentId, body: HandoverIn, session: DbSession, caller: CurrentCaller) -> HandoverOut:
    """交接班: open chats, tasks and follow-ups go to the next shift; the agent goes offline."""
    access.own_agent(caller, agent_id)
    return actions_handover.hand_over(session, agent_id, body.to, note=body.note, followups=body.followups,
                                      actor=caller.name)


@router.get("/live/handovers", response_model=list[HandoverEntryOut])
def handovers(session: DbSession, caller: CurrentCaller,
              agent: Annotated[str | None, Query(max_length=64)] = None) -> list[HandoverEntryOut]:
    return actions_handover.handover_log(session, agent_id=access.own_agent(caller, agent), role=caller.role)


@router.get("/live/queue", response_model=list[QueuedOut])
def queue(session: DbSession, caller: ManagerCaller) -> list[QueuedOut]:
    return actions.queue_snapshot(session)


@router.get("/live/monitor", response_model=MonitorOut)
def monitor(session: DbSession, caller: ManagerCaller) -> MonitorOut:
    return actions.monitor_snapshot(session)


@router.post("/live/sweep", response_model=SweepOut)
def run_sweep(session: DbSession, caller: ManagerCaller) -> SweepOut:
    """Overflow, missed drains and auto-reassign now (also run by `kefu live sweep`)."""
    return actions.sweep(session)
