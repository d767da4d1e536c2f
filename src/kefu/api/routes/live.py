"""Integration API of the live floor (contract in spec/live.md; checked from outside).

Thin: validate the JSON, authorise the caller, call :mod:`kefu.service.live`.
Field limits mirror the column sizes so bad input is a 422 with a code, never
a database error (500).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import Field
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kefu.api.deps import MANAGER_ROLES, Caller, ensure_role, get_caller
from kefu.api.schemas import ApiIn
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import parse_aware
from kefu.service import handover, live, presence
from kefu.store.db import session_factory

router = APIRouter(tags=["live"])


@lru_cache(maxsize=8)
def _factory(engine: Engine) -> sessionmaker[Session]:
    """One sessionmaker per engine (a new one per request re-created its event dispatch every time)."""
    return session_factory(engine)


def _tx(request: Request) -> Iterator[Session]:
    """One transaction per request, committed *before* the response is sent.

    The shared ``DbSession`` commits after the response (FastAPI's default
    "request" scope), so a client could be told 201 for a conversation whose
    commit then fails — a lost conversation. Here the commit is part of the call.
    """
    with _factory(request.app.state.engine)() as session:
        try:
            with session.begin():
                yield session
        except DBAPIError as exc:  # lock timeout / deadlock victim: the client may simply retry
            if getattr(exc.orig, "sqlstate", None) in _RETRYABLE:
                raise KefuError(ErrorCode.CONFLICT, "并发冲突, 请重试", "concurrent update, please retry") from exc
            raise


_RETRYABLE = {"40P01", "40001", "55P03"}  # deadlock, serialization failure, lock not available
DbSession = Annotated[Session, Depends(_tx, scope="function")]


_TOKEN_TTL_S = 5.0
_token_cache: dict[tuple[int, str], tuple[float, Caller]] = {}


def _caller(request: Request, session: DbSession) -> Caller:
    """The shared check on the same session, with bearer tokens remembered for 5 s per worker.

    Integrations call at hundreds of requests a second; a revoked token stops
    working within 5 s, which saves one query on every call.
    """
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return get_caller(request, session)
    key = (id(request.app.state.engine), header)
    hit = _token_cache.get(key)
    now = time.monotonic()
    if hit is not None and now - hit[0] < _TOKEN_TTL_S:
        return hit[1]
    caller = get_caller(request, session)
    if len(_token_cache) > 1000:
        _token_cache.clear()
    _token_cache[key] = (now, caller)
    return caller


CurrentCaller = Annotated[Caller, Depends(_caller)]

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


class ConversationIn(ApiIn):
    shop: str = Field(min_length=1, max_length=64)
    buyer: str = Field(min_length=1, max_length=128)
    group: str | None = Field(default=None, min_length=1, max_length=64)
    text: str = Field(default="", max_length=10_000)


class MessageIn(ApiIn):
    direction: str = Field(max_length=3)
    text: str = Field(max_length=10_000)
    ts: str | None = Field(default=None, max_length=64)
    agent: str | None = Field(default=None, max_length=64)


class TransferIn(ApiIn):
    to_agent: str | None = Field(default=None, min_length=1, max_length=64)
    to_group: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


class HandoverIn(ApiIn):
    to: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(default=None, max_length=50)
    note: str = Field(default="", max_length=4000)
    followups: list[dict[str, str]] = Field(default=[], max_length=200)


def _own_agent(caller: Caller, agent_id: str) -> None:
    """Agents may act only for themselves; integrations, supervisors and admins for anyone."""
    if caller.role == "agent" and caller.agent_id != agent_id:
        raise KefuError(ErrorCode.FORBIDDEN, "只能操作自己的状态", "agents may change only their own status")


def _own_conversation(session: Session, caller: Caller, conversation_id: int) -> None:
    """Agents may read and act on only the conversations assigned to them."""
    if caller.role == "agent" and live.get_conversation(session, conversation_id)["agent"] != caller.agent_id:
        raise KefuError(ErrorCode.FORBIDDEN, "只能处理分配给自己的会话", "agents may act only on their own conversations")


def _ts(text: str | None) -> datetime | None:
    return None if text is None else parse_aware(text)


_last_sweep = [0.0]


def _maybe_sweep(session: Session) -> None:
    """At most once a second per worker, route what waits beside free capacity (see ADR 0002)."""
    now = time.monotonic()
    if now - _last_sweep[0] >= 1.0:
        _last_sweep[0] = now
        live.sweep(session, reassign=False)


@router.post("/agents", status_code=status.HTTP_201_CREATED)
def create_agent(body: AgentIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    if caller.role == "agent":
        raise KefuError(ErrorCode.FORBIDDEN, "没有权限", "permission denied", {"role": caller.role})
    return live.register_agent(session, body.id, body.name, body.skills, body.capacity,
                               secondary_skills=body.secondary_skills, shop=body.shop, weight=body.weight)


@router.get("/agents/{agent_id}")
def read_agent(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    return live.get_agent(session, agent_id)


@router.post("/agents/{agent_id}/status")
def change_status(agent_id: AgentId, body: StatusIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    _own_agent(caller, agent_id)
    return live.set_agent_status(session, agent_id, body.status)


@router.get("/agents/{agent_id}/workspace")
def workspace(agent_id: AgentId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    _own_agent(caller, agent_id)
    return live.agent_view(session, agent_id)


@router.get("/agents/{agent_id}/worktime")
def worktime(agent_id: AgentId, session: DbSession, caller: CurrentCaller,
             day: Annotated[date, Query()]) -> dict[str, Any]:
    _own_agent(caller, agent_id)
    return presence.worked_time(session, agent_id, day)


@router.post("/conversations", status_code=status.HTTP_201_CREATED)
def create_conversation(body: ConversationIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    result = live.open_conversation(session, body.shop, body.buyer, body.group, text=body.text)
    _maybe_sweep(session)
    return {"id": result["id"], "agent": result["agent"], "status": result["status"]}


@router.get("/conversations/{conversation_id}")
def read_conversation(conversation_id: ConvId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    _own_conversation(session, caller, conversation_id)
    return live.get_conversation(session, conversation_id)


@router.post("/conversations/{conversation_id}/messages", status_code=status.HTTP_201_CREATED)
def add_message(conversation_id: ConvId, body: MessageIn, session: DbSession,
                caller: CurrentCaller) -> dict[str, Any]:
    if caller.role == "agent":  # an agent writes only as itself, only replies, only in its own chats
        _own_conversation(session, caller, conversation_id)
        if body.direction != "out" or body.agent not in (None, caller.agent_id):
            raise KefuError(ErrorCode.FORBIDDEN, "客服只能以自己的身份回复", "agents may only reply as themselves")
    agent = body.agent or (caller.agent_id if body.direction == "out" else None)
    return live.post_message(session, conversation_id, body.direction, body.text, _ts(body.ts), agent)


@router.post("/conversations/{conversation_id}/close")
def close(conversation_id: ConvId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    _own_conversation(session, caller, conversation_id)
    result = live.close_conversation(session, conversation_id)
    _maybe_sweep(session)
    return result


@router.post("/conversations/{conversation_id}/human")
def to_human(conversation_id: ConvId, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    """The bot hands over (low confidence or the buyer asks for a person): route to an agent or queue."""
    ensure_role(caller, *MANAGER_ROLES)  # floor-wide: not for agents
    return live.bot_handover(session, conversation_id)


@router.post("/conversations/{conversation_id}/transfer")
def transfer(conversation_id: ConvId, body: TransferIn, session: DbSession,
             caller: CurrentCaller) -> dict[str, Any]:
    _own_conversation(session, caller, conversation_id)
    return live.transfer_conversation(session, conversation_id, to_agent=body.to_agent, to_group=body.to_group,
                                      note=body.note, actor=caller.name)


@router.post("/agents/{agent_id}/handover")
def hand_over(agent_id: AgentId, body: HandoverIn, session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    """交接班: open chats, tasks and follow-ups go to the next shift; the agent goes offline."""
    _own_agent(caller, agent_id)
    return handover.hand_over(session, agent_id, body.to, note=body.note, followups=body.followups,
                              actor=caller.name)


@router.get("/live/handovers")
def handovers(session: DbSession, caller: CurrentCaller,
              agent: Annotated[str | None, Query(max_length=64)] = None) -> list[dict[str, Any]]:
    if caller.role == "agent":  # an agent reads the handovers it gave or received
        agent = caller.agent_id
    return handover.handover_log(session, agent_id=agent)


@router.get("/live/queue")
def queue(session: DbSession, caller: CurrentCaller) -> list[dict[str, Any]]:
    ensure_role(caller, *MANAGER_ROLES)  # floor-wide: not for agents
    return live.queue_snapshot(session)


@router.get("/live/monitor")
def monitor(session: DbSession, caller: CurrentCaller) -> dict[str, Any]:
    ensure_role(caller, *MANAGER_ROLES)  # floor-wide: not for agents
    return live.monitor_snapshot(session)


@router.post("/live/sweep")
def run_sweep(session: DbSession, caller: CurrentCaller) -> dict[str, int]:
    """Overflow, missed drains and auto-reassign now (also run by `kefu live sweep`)."""
    ensure_role(caller, *MANAGER_ROLES)  # floor-wide: not for agents
    return live.sweep(session)
