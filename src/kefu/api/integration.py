"""The integration hot path: a chat's open, read, message and close calls without the framework.

Why: on 2 cores the framework cost more than the work. Per request FastAPI
scanned ~200 routes, solved dependencies and hopped to a thread pool three
times: ~1.4 ms of CPU, as much as opening a conversation in the database
(ADR 0002, "Hot path"). This ASGI layer sits in front of FastAPI and serves the
four per-chat calls of bearer-token callers on PostgreSQL with the *same*
use-cases (:mod:`kefu.service.live.actions_chat`), the same validation models, the same
rule (committed before the response) and the same error bodies. Opening a
chat that an agent can take and closing one are single statements, run without
an explicit transaction (no BEGIN/COMMIT round trips, :mod:`kefu.service.live.store`);
everything else runs in a transaction as in the framework.

Anything it does not fully recognise — another route or method, a cookie
caller, a body that is not valid JSON for the model, an id out of range, SQLite
— goes to FastAPI unchanged (the buffered body is replayed), so error
responses for malformed input stay exactly the framework's.

The call runs on the event loop, not in a thread: the statements are short
(row locks are taken with SKIP LOCKED or on the caller's own conversation)
and a thread hop costs more CPU than the round trip it would hide. Each
Uvicorn worker therefore runs one hot call at a time; add workers to add
concurrency.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kefu.api.deps import Caller
from kefu.api.errors import integrity_body
from kefu.api.retry import READS
from kefu.domain.errors import KefuError
from kefu.service.live import actions_chat
from kefu.service.live.schemas import ConversationIn, MessageIn
from kefu.store.db import is_disconnect

_MAX_BODY = 64 * 1024  # larger bodies go to FastAPI, which applies its own limits
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    status: int
    model: type[BaseModel] | None
    call: Callable[..., BaseModel]


_ROUTES = (
    _Route("POST", re.compile(r"/api/v1/conversations"), 201, ConversationIn, actions_chat.open_hot),
    _Route("GET", re.compile(r"/api/v1/conversations/(\d{1,19})"), 200, None, actions_chat.read_hot),
    _Route("POST", re.compile(r"/api/v1/conversations/(\d{1,19})/messages"), 201, MessageIn,
           actions_chat.message_hot),
    _Route("POST", re.compile(r"/api/v1/conversations/(\d{1,19})/close"), 200, None, actions_chat.close_hot),
)


def token_caller(name: str) -> Caller:
    return Caller(kind="token", name=name, role="integration")


def remembered_caller(engine: Engine, header: str) -> Caller | None:
    """The integration behind this ``Authorization`` header if checked within the last 5 s (no query)."""
    name = actions_chat.remembered_token(engine, header)
    return None if name is None else token_caller(name)


def bearer_caller(engine: Engine, header: str, session: Session) -> Caller:
    """The integration behind ``Authorization: Bearer …`` (remembered 5 s per worker, :mod:`actions_chat`)."""
    return token_caller(actions_chat.checked_token(engine, header, session))


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope["headers"]}


def match(method: str, path: str) -> tuple[_Route, list[int]] | None:
    """The hot route for this request and its ids, or ``None`` (let FastAPI answer)."""
    for route in _ROUTES:
        if route.method == method and (found := route.pattern.fullmatch(path)) is not None:
            ids = [int(g) for g in found.groups()]
            if all(1 <= i <= _MAX_ID for i in ids):
                return route, ids
            return None
    return None


class LiveHotPath:
    """ASGI layer in front of the app; put there by :func:`kefu.api.app.served` for PostgreSQL engines."""

    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (hit := match(scope["method"], scope["path"])) is None:
            await self.app(scope, receive, send)
            return
        route, ids = hit
        headers = _headers(scope)
        auth = headers.get(b"authorization", b"").decode("latin-1")
        json_body = headers.get(b"content-type", b"application/json").startswith(b"application/json")
        if not auth.lower().startswith("bearer ") or b"cookie" in headers or not json_body:
            await self.app(scope, receive, send)
            return
        body, ended, complete = await _read_body(receive)
        args: list[Any] = list(ids)
        if complete and route.model is not None:
            try:
                args.append(route.model.model_validate_json(body))
            except ValidationError:
                complete = False
        if complete and route.call is actions_chat.open_hot and (key := headers.get(b"idempotency-key")) is not None:
            text = key.decode("latin-1")
            if 1 <= len(text) <= 64:  # else FastAPI words the 422
                args[-1] = args[-1].keyed(text)
            else:
                complete = False
        if not complete:  # let the framework answer (and word the error) exactly as it always does
            await self.app(scope, _replay(body, ended, receive), send)
            return
        status, payload = self._run(route, auth, args)
        await _respond(send, status, payload)

    def _run(self, route: _Route, auth: str, args: list[Any]) -> tuple[int, dict[str, Any]]:
        try:
            return self._call(route, auth, args)
        except DBAPIError as exc:  # a read whose connection died runs once more (kefu.api.retry)
            if route.method not in READS or not is_disconnect(exc):
                raise
            return self._call(route, auth, args)

    def _call(self, route: _Route, auth: str, args: list[Any]) -> tuple[int, dict[str, Any]]:
        try:
            caller = remembered_caller(self.engine, auth)
            if caller is None:  # a session only when the token must be looked up
                with actions_chat.single_statements(self.engine) as session:
                    caller = bearer_caller(self.engine, auth, session)
            result = route.call(self.engine, caller, *args).model_dump(mode="json", by_alias=True)
        except KefuError as exc:
            return exc.http_status, exc.as_dict()
        except (IntegrityError, psycopg.IntegrityError):
            return 409, integrity_body()
        return route.status, result


async def _read_body(receive: Receive) -> tuple[bytes, bool, bool]:
    """The body read so far, whether the stream ended, and whether it ended within the size limit."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"".join(chunks), True, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        ended = not message.get("more_body", False)
        if ended or size > _MAX_BODY:
            return b"".join(chunks), ended, ended and size <= _MAX_BODY


def _replay(body: bytes, ended: bool, receive: Receive) -> Receive:
    """A receive() that first hands back what was already read, then the rest of the stream."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not ended}
        return await receive()

    return replay


async def _respond(send: Send, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})
