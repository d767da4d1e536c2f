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

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

import psycopg
from pydantic import Field
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kefu.api.deps import Caller
from kefu.api.schemas import ApiIn
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import parse_aware, utc_now
from kefu.service import access, live, live_fast
from kefu.service.live_pg import Pg
from kefu.service.org import actions as org
from kefu.store.autocommit import autocommit_connection
from kefu.store.db import session_factory

_RETRYABLE = {"40P01", "40001", "55P03"}  # deadlock, serialization failure, lock not available
_TOKEN_TTL_S = 5.0
_token_cache: dict[tuple[int, str], tuple[float, Caller]] = {}
_last_sweep = [0.0]
_SWEEP = "kefu.sweep_after_commit"  # Session.info key
log = logging.getLogger("kefu.api")


class ConversationIn(ApiIn):
    shop: str = Field(min_length=1, max_length=64)
    buyer: str = Field(min_length=1, max_length=128)
    group: str | None = Field(default=None, min_length=1, max_length=64)
    text: str = Field(default="", max_length=10_000)
    request_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   description="the client's id for this open (or the Idempotency-Key header): "
                                               "a retry with the same id gets the same conversation")


def keyed(body: ConversationIn, idempotency_key: str | None) -> ConversationIn:
    """The ``Idempotency-Key`` header as the open's request id, unless the body names one."""
    if idempotency_key is None or body.request_id is not None:
        return body
    return body.model_copy(update={"request_id": idempotency_key})


class MessageIn(ApiIn):
    direction: str = Field(max_length=3)
    text: str = Field(max_length=10_000)
    ts: str | None = Field(default=None, max_length=64)
    agent: str | None = Field(default=None, max_length=64)


@lru_cache(maxsize=8)
def _factory(engine: Engine) -> sessionmaker[Session]:
    """One sessionmaker per engine (a new one per request re-created its event dispatch every time)."""
    return session_factory(engine)


@lru_cache(maxsize=8)
def _autocommit_factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


@contextmanager
def _retryable_as_conflict() -> Iterator[None]:
    """A lock timeout or deadlock victim becomes 409 CONFLICT: nothing was stored, the client may retry."""
    try:
        yield
    except (DBAPIError, psycopg.Error) as exc:
        if getattr(getattr(exc, "orig", exc), "sqlstate", None) in _RETRYABLE:
            raise KefuError(ErrorCode.CONFLICT, "并发冲突, 请重试", "concurrent update, please retry") from exc
        raise


@contextmanager
def _own_connection(engine: Engine) -> Iterator[Pg]:
    """The worker's held autocommit connection, for the one-statement writes of :mod:`kefu.service.live_fast`."""
    with _retryable_as_conflict(), autocommit_connection(engine) as pg:
        yield pg


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One transaction per call, committed *before* the response is sent, then the work that follows it.

    A client is never told 201 for a conversation whose commit then fails (a
    lost conversation). What a call asked for after its commit
    (:func:`sweep_after_commit`) runs once it is committed, by :func:`after_write`.
    """
    with _retryable_as_conflict(), _factory(engine)() as session:
        with session.begin():
            yield session
        sweep = session.info.pop(_SWEEP, False)
    if sweep:
        after_write(engine, None)


def sweep_after_commit(session: Session) -> None:
    """Ask :func:`transaction` for the periodic sweep once this call's writes are committed."""
    session.info[_SWEEP] = True


def after_write(engine: Engine, drain: str | None) -> None:
    """What follows a committed write, in a transaction of its own: the drain for ``drain``, the periodic sweep.

    It never turns the committed success into an error: the client would retry
    a write that took effect (before, an open answered 500 here, and its retry
    assigned the buyer twice). A failure is logged; the sweep, due again within
    a second, does what was missed.
    """
    if drain is None and not sweep_due():
        return
    try:
        with _retryable_as_conflict(), _factory(engine)() as session, session.begin():
            if drain is not None:
                live.drain_agent(session, drain, utc_now())
            maybe_sweep(session)
    except Exception:
        log.exception("after a committed write: the drain/sweep failed; the answer stands, the sweep retries")


@contextmanager
def single_statements(engine: Engine) -> Iterator[Session]:
    """A session whose statements each commit on their own: no BEGIN and COMMIT round trips.

    Only for reads and for the one-statement writes of :mod:`kefu.service.live_fast`,
    each of which is atomic by itself.
    """
    with _retryable_as_conflict(), _autocommit_factory(engine)() as session:
        yield session


def remembered_caller(engine: Engine, header: str) -> Caller | None:
    """The integration behind this ``Authorization`` header if checked within the last 5 s (no query)."""
    hit = _token_cache.get((id(engine), header))
    return hit[1] if hit is not None and time.monotonic() - hit[0] < _TOKEN_TTL_S else None


def bearer_caller(engine: Engine, header: str, session: Session) -> Caller:
    """The integration behind ``Authorization: Bearer …``, remembered for 5 s per worker.

    Integrations call hundreds of times a second; a revoked token stops working
    within 5 s on every worker, which saves one query on every call.
    """
    caller = remembered_caller(engine, header)
    if caller is not None:
        return caller
    token = org.check_token(session, header[7:].strip())
    caller = Caller(kind="token", name=token.name, role="integration")
    if len(_token_cache) > 1000:
        _token_cache.clear()
    _token_cache[(id(engine), header)] = (time.monotonic(), caller)
    return caller


def sweep_due() -> bool:
    return time.monotonic() - _last_sweep[0] >= 1.0


def maybe_sweep(session: Session) -> None:
    """At most once a second per worker, route what waits beside free capacity (see ADR 0002)."""
    if sweep_due():
        _last_sweep[0] = time.monotonic()
        live.sweep(session, reassign=False)


def _ts(text: str | None) -> datetime | None:
    return None if text is None else parse_aware(text, name="ts")


def open_call(session: Session, caller: Caller, body: ConversationIn) -> dict[str, Any]:
    """Open once: a retried request id, or a buyer with an open conversation, gets that conversation."""
    access.require_shop(session, caller, body.shop)  # an agent opens chats only in the shop it serves
    result = live.open_conversation(session, body.shop, body.buyer, body.group, text=body.text,
                                    request_id=body.request_id, reuse_open=True)
    sweep_after_commit(session)
    return {"id": result["id"], "agent": result["agent"], "status": result["status"]}


def read_call(session: Session, caller: Caller, conversation_id: int) -> dict[str, Any]:
    access.own_conversation(session, caller, conversation_id)
    return live.get_conversation(session, conversation_id)


def message_call(session: Session, caller: Caller, conversation_id: int, body: MessageIn) -> dict[str, Any]:
    if caller.role == "agent":  # an agent writes only as itself, only replies, only in its own chats
        access.own_conversation(session, caller, conversation_id)
        if body.direction != "out" or body.agent not in (None, caller.agent_id):
            raise KefuError(ErrorCode.FORBIDDEN, "客服只能以自己的身份回复", "agents may only reply as themselves")
    agent = body.agent or (caller.agent_id if body.direction == "out" else None)
    return live.post_message(session, conversation_id, body.direction, body.text, _ts(body.ts), agent)


def close_call(session: Session, caller: Caller, conversation_id: int) -> dict[str, Any]:
    access.own_conversation(session, caller, conversation_id)
    result = live.close_conversation(session, conversation_id)
    sweep_after_commit(session)
    return result


# --- the hot path's versions: the one-statement write without a transaction when it applies -----


def open_hot(engine: Engine, caller: Caller, body: ConversationIn) -> dict[str, Any]:
    if body.group is not None and not body.text:
        with _own_connection(engine) as pg:
            fast = live_fast.try_open(pg, body.shop, body.buyer, body.group, utc_now(), request_id=body.request_id,
                                      reuse_open=True)
        if fast is not None:
            after_write(engine, fast.drain)
            return fast.result
    with transaction(engine) as session:  # queue, bot, group from the order state, first message…
        return open_call(session, caller, body)


def read_hot(engine: Engine, caller: Caller, conversation_id: int) -> dict[str, Any]:
    with single_statements(engine) as session:
        return read_call(session, caller, conversation_id)


def message_hot(engine: Engine, caller: Caller, conversation_id: int, body: MessageIn) -> dict[str, Any]:
    with transaction(engine) as session:
        return message_call(session, caller, conversation_id, body)


def close_hot(engine: Engine, caller: Caller, conversation_id: int) -> dict[str, Any]:
    if caller.role != "agent":  # an agent's own-conversation check reads first: general path
        with _own_connection(engine) as pg:
            fast = live_fast.try_close(pg, conversation_id, utc_now())
        if fast is not None:
            after_write(engine, fast.drain)
            return fast.result
    with transaction(engine) as session:  # unknown or already closed: the general path words the error
        return close_call(session, caller, conversation_id)
