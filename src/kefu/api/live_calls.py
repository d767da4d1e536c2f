"""The live floor's per-chat integration calls, shared by the FastAPI routes and the hot path.

An integration makes four calls per chat (open, read, message, close) at up to
hundreds a second. They are written once here, as plain functions of
``(session, caller, …)``: :mod:`kefu.api.routes.live` exposes them through
FastAPI (documented, cookie or token auth) and :mod:`kefu.api.hotpath` serves
the same functions to bearer-token callers without the framework (ADR 0002).
The transaction rule, the token cache and the request models live here too,
so both doors behave identically.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import Field
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kefu.api.deps import Caller
from kefu.api.schemas import ApiIn
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import parse_aware
from kefu.service import auth, live
from kefu.store.db import session_factory

_RETRYABLE = {"40P01", "40001", "55P03"}  # deadlock, serialization failure, lock not available
_TOKEN_TTL_S = 5.0
_token_cache: dict[tuple[int, str], tuple[float, Caller]] = {}
_last_sweep = [0.0]


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


@lru_cache(maxsize=8)
def _factory(engine: Engine) -> sessionmaker[Session]:
    """One sessionmaker per engine (a new one per request re-created its event dispatch every time)."""
    return session_factory(engine)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One transaction per call, committed *before* the response is sent.

    A client is never told 201 for a conversation whose commit then fails (a
    lost conversation). A lock timeout or deadlock victim becomes 409 CONFLICT:
    nothing was stored and the client may simply retry.
    """
    with _factory(engine)() as session:
        try:
            with session.begin():
                yield session
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) in _RETRYABLE:
                raise KefuError(ErrorCode.CONFLICT, "并发冲突, 请重试", "concurrent update, please retry") from exc
            raise


def bearer_caller(engine: Engine, header: str, session: Session) -> Caller:
    """The integration behind ``Authorization: Bearer …``, remembered for 5 s per worker.

    Integrations call hundreds of times a second; a revoked token stops working
    within 5 s on every worker, which saves one query on every call.
    """
    key = (id(engine), header)
    now = time.monotonic()
    hit = _token_cache.get(key)
    if hit is not None and now - hit[0] < _TOKEN_TTL_S:
        return hit[1]
    token = auth.check_token(session, header[7:].strip())
    caller = Caller(kind="token", name=token.name, role="integration")
    if len(_token_cache) > 1000:
        _token_cache.clear()
    _token_cache[key] = (now, caller)
    return caller


def own_conversation(session: Session, caller: Caller, conversation_id: int) -> None:
    """Agents may read and act on only the conversations assigned to them."""
    if caller.role == "agent" and live.get_conversation(session, conversation_id)["agent"] != caller.agent_id:
        raise KefuError(ErrorCode.FORBIDDEN, "只能处理分配给自己的会话", "agents may act only on their own conversations")


def maybe_sweep(session: Session) -> None:
    """At most once a second per worker, route what waits beside free capacity (see ADR 0002)."""
    now = time.monotonic()
    if now - _last_sweep[0] >= 1.0:
        _last_sweep[0] = now
        live.sweep(session, reassign=False)


def _ts(text: str | None) -> datetime | None:
    return None if text is None else parse_aware(text)


def open_call(session: Session, caller: Caller, body: ConversationIn) -> dict[str, Any]:
    result = live.open_conversation(session, body.shop, body.buyer, body.group, text=body.text)
    maybe_sweep(session)
    return {"id": result["id"], "agent": result["agent"], "status": result["status"]}


def read_call(session: Session, caller: Caller, conversation_id: int) -> dict[str, Any]:
    own_conversation(session, caller, conversation_id)
    return live.get_conversation(session, conversation_id)


def message_call(session: Session, caller: Caller, conversation_id: int, body: MessageIn) -> dict[str, Any]:
    if caller.role == "agent":  # an agent writes only as itself, only replies, only in its own chats
        own_conversation(session, caller, conversation_id)
        if body.direction != "out" or body.agent not in (None, caller.agent_id):
            raise KefuError(ErrorCode.FORBIDDEN, "客服只能以自己的身份回复", "agents may only reply as themselves")
    agent = body.agent or (caller.agent_id if body.direction == "out" else None)
    return live.post_message(session, conversation_id, body.direction, body.text, _ts(body.ts), agent)


def close_call(session: Session, caller: Caller, conversation_id: int) -> dict[str, Any]:
    own_conversation(session, caller, conversation_id)
    result = live.close_conversation(session, conversation_id)
    maybe_sweep(session)
    return result


