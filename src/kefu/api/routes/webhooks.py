"""Webhook ingestion: chat platforms push buyer messages and closes, signed with HMAC-SHA256.

The signature is the authentication (no bearer token): ``X-Kefu-Signature:
sha256=<hex of HMAC-SHA256(KEFU_WEBHOOK_SECRET, raw body)>``. It is checked on
the raw bytes before any parsing, with a constant-time compare, so a forged or
altered body never reaches the service. Without a configured secret every
webhook is refused. Payloads are channel-neutral; ``source`` becomes the
conversation's channel. A payload with an ``id`` (inside the signed body) is
applied once: a replayed or retried delivery is acknowledged as a duplicate
and changes nothing (:mod:`kefu.service.deliveries`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
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
MAX_BODY = 256 * 1024


def signature(secret: str, body: bytes) -> str:
    """The header value a sender must put in ``X-Kefu-Signature``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> None:
    if not secret:
        raise KefuError(ErrorCode.BAD_SIGNATURE, "未配置 webhook 密钥, 拒绝接收", "no webhook secret configured")
    if not header or not hmac.compare_digest(signature(secret, body), header.strip()):
        raise KefuError(ErrorCode.BAD_SIGNATURE, "签名错误", "bad signature")


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
    if len(body) > MAX_BODY:
        raise KefuError(ErrorCode.BAD_REQUEST, "请求过大", "body too large", {"limit": MAX_BODY})
    verify(get_settings().webhook_secret, body, request.headers.get("x-kefu-signature"))
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KefuError(ErrorCode.BAD_REQUEST, "JSON 格式错误", "malformed JSON") from exc
    if not isinstance(payload, dict):
        raise KefuError(ErrorCode.BAD_REQUEST, "应为 JSON 对象", "a JSON object is required")
    return await run_in_threadpool(apply_once, session, source, payload)


def apply_once(session: Any, source: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Apply the event unless its signed ``id`` was applied before (replay or retry: acknowledged, ignored)."""
    if payload.get("id") is None:
        return dispatch(session, source, payload)
    delivery = _text(payload, "id", 128)
    if not deliveries.first_delivery(session, source, delivery):
        return {"duplicate": True, "id": delivery}
    return dispatch(session, source, payload)


def dispatch(session: Any, source: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Apply one platform event: ``message`` (opens a conversation when needed), ``close``, ``agent.status``."""
    kind = payload.get("type")
    ts = parse_aware(_text(payload, "ts", 64)) if payload.get("ts") is not None else None
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
