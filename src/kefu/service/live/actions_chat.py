"""A chat's four integration calls (open, read, message, close) and the transaction rule they run under.

An integration makes these calls per chat at up to hundreds a second. They are
written once here: the FastAPI routes (:mod:`kefu.api.routes.live`) and the
framework-free door for bearer-token callers (:mod:`kefu.api.integration`,
ADR 0002) both call them, so both behave identically.

Transaction rule: one transaction per call, committed *before* the answer is
sent (a client is never told 201 for a conversation whose commit then fails),
then what follows it (a drain, the once-a-second sweep) in a transaction of its
own. On PostgreSQL, opening a chat an agent can take and closing one are single
statements (:mod:`kefu.service.live.store`), run on the worker's autocommit
connection with no BEGIN/COMMIT round trips; everything else takes the general path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import parse_aware, utc_now
from kefu.live.model import Decision, Request
from kefu.live.router import route
from kefu.service import access
from kefu.service.live import actions, store, store_routing
from kefu.service.live.schemas import ConversationIn, ConversationOut, MessageIn, MessageOut, OpenedOut
from kefu.service.org import actions as org
from kefu.store.autocommit import autocommit_connection
from kefu.store.db import session_factory

_RETRYABLE = {"40P01", "40001", "55P03"}  # deadlock, serialization failure, lock not available
_TOKEN_TTL_S = 5.0
_token_cache: dict[tuple[int, str], tuple[float, str]] = {}
_last_sweep = [0.0]
_SWEEP = "kefu.sweep_after_commit"  # Session.info key
log = logging.getLogger("kefu.api")


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
def _own_connection(engine: Engine) -> Iterator[store.Pg]:
    """The worker's held autocommit connection, for the one-statement writes of :mod:`kefu.service.live.store`."""
    with _retryable_as_conflict(), autocommit_connection(engine) as pg:
        yield pg


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One transaction per call, committed before the answer, then the sweep it asked for (:func:`after_write`)."""
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
                actions.drain_agent(session, drain, utc_now())
            maybe_sweep(session)
    except Exception:
        log.exception("after a committed write: the drain/sweep failed; the answer stands, the sweep retries")


@contextmanager
def single_statements(engine: Engine) -> Iterator[Session]:
    """A session whose statements each commit on their own (reads, and one-statement writes only)."""
    with _retryable_as_conflict(), _autocommit_factory(engine)() as session:
        yield session


def remembered_token(engine: Engine, header: str) -> str | None:
    """The token name behind this ``Authorization`` header if checked within the last 5 s (no query)."""
    hit = _token_cache.get((id(engine), header))
    return hit[1] if hit is not None and time.monotonic() - hit[0] < _TOKEN_TTL_S else None


def checked_token(engine: Engine, header: str, session: Session) -> str:
    """The token name behind ``Authorization: Bearer …``, remembered for 5 s per worker.

    Integrations call hundreds of times a second; a revoked token stops working
    within 5 s on every worker, which saves one query on every call.
    """
    name = remembered_token(engine, header)
    if name is not None:
        return name
    name = org.check_token(session, header[7:].strip()).name
    if len(_token_cache) > 1000:
        _token_cache.clear()
    _token_cache[(id(engine), header)] = (time.monotonic(), name)
    return name


def sweep_due() -> bool:
    return time.monotonic() - _last_sweep[0] >= 1.0


def maybe_sweep(session: Session) -> None:
    """At most once a second per worker, route what waits beside free capacity (see ADR 0002)."""
    if sweep_due():
        _last_sweep[0] = time.monotonic()
        actions.sweep(session, reassign=False)


def _ts(text: str | None) -> datetime | None:
    return None if text is None else parse_aware(text, name="ts")


@dataclass(frozen=True)
class Routed:
    """An open already read and routed whose one-statement claim found nobody: the general path reuses it."""

    inputs: store_routing.OpenInputs
    decision: Decision


def open_call(session: Session, caller: access.Viewer, body: ConversationIn,
              routed: Routed | None = None) -> OpenedOut:
    """Open once: a retried request id, or a buyer with an open conversation, gets that conversation."""
    access.require_shop(session, caller, body.shop)  # an agent opens chats only in the shop it serves
    result = actions.open_conversation(session, body.shop, body.buyer, body.group, text=body.text,
                                       request_id=body.request_id, reuse_open=True,
                                       routed=None if routed is None else (routed.inputs, routed.decision))
    sweep_after_commit(session)
    return OpenedOut(id=result["id"], agent=result["agent"], status=result["status"])


def read_call(session: Session, caller: access.Viewer, conversation_id: int) -> ConversationOut:
    access.own_conversation(session, caller, conversation_id)
    return ConversationOut(**actions.get_conversation(session, conversation_id))


def message_call(session: Session, caller: access.Viewer, conversation_id: int, body: MessageIn) -> MessageOut:
    if caller.role == "agent":  # an agent writes only as itself, only replies, only in its own chats
        access.own_conversation(session, caller, conversation_id)
        if body.direction != "out" or body.agent not in (None, caller.agent_id):
            raise KefuError(ErrorCode.FORBIDDEN, "客服只能以自己的身份回复", "agents may only reply as themselves")
    agent = body.agent or (caller.agent_id if body.direction == "out" else None)
    return actions.post_message(session, conversation_id, body.direction, body.text, _ts(body.ts), agent)


def close_call(session: Session, caller: access.Viewer, conversation_id: int) -> ConversationOut:
    access.own_conversation(session, caller, conversation_id)
    result = actions.close_conversation(session, conversation_id)
    sweep_after_commit(session)
    return ConversationOut(**result)


# --- the integration door's versions: the one-statement write without a transaction when it applies -----


def try_open(pg: store.Pg, shop: str, buyer: str, group: str, now: datetime, *, request_id: str | None = None,
             reuse_open: bool = False) -> store.Written | Routed | None:
    """A chat whose group is known: one read, one write (or the earlier answer).

    ``Routed`` when nobody could be claimed in one statement (bot, queue, all
    locked): the general path goes on from the same reads and routing.
    """
    if not shop.strip() or not buyer.strip():
        return None
    inputs = store_routing.open_inputs_pg(pg, shop, buyer, now, request_id)
    if (earlier := store_routing.answered_before(inputs, buyer, reuse_open=reuse_open)) is not None:
        return store.Written(earlier, None)
    decision = route(Request(0, shop, buyer, group, now), inputs.agents, inputs.contact, inputs.policy, now,
                     use_bot=True)
    written = store.claim_open(pg, decision, shop=shop, buyer=buyer, group=group, channel="web", now=now,
                               buyer_waits=inputs.buyer_waits, request_id=request_id)
    return written if written is not None else Routed(inputs, decision)


def open_hot(engine: Engine, caller: access.Viewer, body: ConversationIn) -> OpenedOut:
    routed = None
    if body.group is not None and not body.text:
        with _own_connection(engine) as pg:
            fast = try_open(pg, body.shop, body.buyer, body.group, utc_now(), request_id=body.request_id,
                            reuse_open=True)
        if isinstance(fast, store.Written):
            after_write(engine, fast.drain)
            return OpenedOut(**fast.result)
        routed = fast
    with transaction(engine) as session:  # queue, bot, group from the order state, first message…
        return open_call(session, caller, body, routed)


def read_hot(engine: Engine, caller: access.Viewer, conversation_id: int) -> ConversationOut:
    with single_statements(engine) as session:
        return read_call(session, caller, conversation_id)


def message_hot(engine: Engine, caller: access.Viewer, conversation_id: int, body: MessageIn) -> MessageOut:
    with transaction(engine) as session:
        return message_call(session, caller, conversation_id, body)


def close_hot(engine: Engine, caller: access.Viewer, conversation_id: int) -> ConversationOut:
    if caller.role != "agent":  # an agent's own-conversation check reads first: general path
        with _own_connection(engine) as pg:
            fast = store.try_close(pg, conversation_id, utc_now())
        if fast is not None:
            after_write(engine, fast.drain)
            return ConversationOut(**fast.result)
    with transaction(engine) as session:  # unknown or already closed: the general path words the error
        return close_call(session, caller, conversation_id)
