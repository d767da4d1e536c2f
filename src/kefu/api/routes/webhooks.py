"""Webhook ingestion: chat platforms push buyer messages and closes, signed with HMAC-SHA256.

The signature is the authentication (no bearer token). A sender puts two headers
on each ``POST /api/v1/webhooks/{source}`` (the format for integrators is in
docs/security.md)::

    X-Kefu-Timestamp: <Unix time in seconds>
    X-Kefu-Signature: sha256=<hex HMAC-SHA256(KEFU_WEBHOOK_SECRET, "<timestamp>.<source>." + raw body)>

Why the source and the time are signed: with the body alone, one captured
request verified at every source and forever. Now it verifies only at its own
source and only within :data:`WINDOW_S` of its timestamp; within the window,
the event ``id`` (required, inside the signed body) is applied once per source
(:mod:`kefu.service.deliveries`), so a replay or a retry is acknowledged as a
duplicate and changes nothing. Everything is checked on the raw bytes before any
parsing, with a constant-time compare; without a configured secret every webhook
is refused. Payloads are channel-neutral; ``source`` becomes the conversation's
channel. The body's size is bounded before it is read (:mod:`kefu.api.limits`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from starlette.concurrency import run_in_threadpool

from kefu.api.routes.live import DbSession
from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.domain.timeutil import parse_aware
from kefu.service import deliveries, live

router = APIRouter(tags=["webhooks"])
Source = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[a-z0-9_-]+$")]
WINDOW_S = 300  # a signed request is accepted for 5 minutes after its timestamp
SKEW_S = 60  # and up to a minute before it: the sender's clock may run a little ahead


def signature(secret: str, source: str, timestamp: str, body: bytes) -> str:
    """The ``X-Kefu-Signature`` value for ``body`` sent to ``source`` at ``timestamp`` (Unix seconds, as sent)."""
    signed = f"{timestamp}.{source}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _refused(why: str) -> KefuError:
    return KefuError(ErrorCode.BAD_SIGNATURE, "签名错误或已过期", "bad or expired signature", {"reason": why})


def verify(secret: str, source: str, body: bytes, timestamp: str | None, header: str | None,
           now: float | None = None) -> None:
    if not secret:
        raise KefuError(ErrorCode.BAD_SIGNATURE, "未配置 webhook 密钥, 拒绝接收", "no webhook secret configured")
    if not header or not timestamp:
        raise _refused("X-Kefu-Timestamp and X-Kefu-Signature are required")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise _refused("X-Kefu-Timestamp must be Unix seconds")
    age = (time.time() if now is None else now) - int(timestamp)
    if not -SKEW_S <= age <= WINDOW_S:
        raise _refused(f"timestamp outside the {WINDOW_S} s window")
    given = header.strip()
    if not given.isascii() or not hmac.compare_digest(signature(secret, source, timestamp, body), given):
        raise _refused("signature does not match")


def _text(payload: dict[str, Any], key: str, limit: int, *, required: bool = True) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str) or "\x00" in value or len(value) > limit or (required and not value.strip()):
        raise bad_argument(key, f"应为不超过 {limit} 字符的文本", f"must be text of at most {limit} characters")
    return value


def _int(payload: dict[str, Any], key: str) -> int:
    value = payload.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**63:
        raise bad_argument(key, "应为正整数", "must be a positive integer")
    return value


@router.post("/webhooks/{source}", status_code=status.HTTP_202_ACCEPTED)
async def receive(source: Source, request: Request, session: DbSession) -> dict[str, Any]:
    body = await request.body()
    verify(get_settings().webhook_secret, source, body, request.headers.get("x-kefu-timestamp"),
           request.headers.get("x-kefu-signature"))
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KefuError(ErrorCode.BAD_REQUEST, "JSON 格式错误", "malformed JSON") from exc
    if not isinstance(payload, dict):
        raise KefuError(ErrorCode.BAD_REQUEST, "应为 JSON 对象", "a JSON object is required")
    return await run_in_threadpool(apply_once, session, source, payload)


def apply_once(session: Any, source: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Apply the event unless its signed ``id`` was applied before (replay or retry: acknowledged, ignored)."""
    delivery = _text(payload, "id", 128)  # required: without an id a replay cannot be told from a new event
    if not deliveries.first_delivery(session, source, delivery):
        return {"duplicate": True, "id": delivery}
    return dispatch(session, source, payload)


def dispatch(session: Any, source: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Apply one platform event: ``message`` (opens a conversation when needed), ``close``, ``agent.status``."""
    kind = payload.get("type")
    ts = parse_aware(_text(payload, "ts", 64), name="ts") if payload.get("ts") is not None else None
    if kind == "message":
        shop, buyer = _text(payload, "shop", 64), _text(payload, "buyer", 128)
        direction = _text(payload, "direction", 3, required=False) or "in"
        text = _text(payload, "text", 10_000, required=False)
        conv_id = live.find_open_conversation(session, shop, buyer)
        if conv_id is None:
            if direction != "in":
                raise bad_argument("direction", "没有进行中的会话", "no open conversation for an outgoing message")
            group = _text(payload, "group", 64) if payload.get("group") is not None else None
            opened = live.open_conversation(session, shop, buyer, group, ts, text=text, channel=source)
            return {"conversation": opened["id"], "agent": opened["agent"], "status": opened["status"]}
        live.post_message(session, conv_id, direction, text, ts)
        return {"conversation": conv_id, **{k: v for k, v in live.get_conversation(session, conv_id).items()
                                          if k in ("agent", "status")}}
    if kind == "close":
        closed = live.close_conversation(session, _int(payload, "conversation"), ts)
        return {"conversation": closed["id"], "agent": closed["agent"], "status": closed["status"]}
    if kind == "agent.status":
        return live.set_agent_status(session, _text(payload, "agent", 64), _text(payload, "status", 16), ts)
    raise bad_argument("type", f"未知事件类型: {kind}", f"unknown event type: {kind}",
                       allowed=["message", "close", "agent.status"])
