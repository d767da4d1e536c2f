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
(:mod:`kefu.service.live.actions_platform`), so a replay or a retry is acknowledged as a
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
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from starlette.concurrency import run_in_threadpool

from kefu.api.routes.live import DbSession
from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.live import actions_platform
from kefu.service.live.actions_platform import PlatformOut
from kefu.service.live.schemas import AgentOut, DuplicateOut, WebhookOut

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


@router.post("/webhooks/{source}", status_code=status.HTTP_202_ACCEPTED,
             response_model=WebhookOut | DuplicateOut | AgentOut)
async def receive(source: Source, request: Request, session: DbSession) -> PlatformOut:
    body = await request.body()
    verify(get_settings().webhook_secret, source, body, request.headers.get("x-kefu-timestamp"),
           request.headers.get("x-kefu-signature"))
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KefuError(ErrorCode.BAD_REQUEST, "JSON 格式错误", "malformed JSON") from exc
    if not isinstance(payload, dict):
        raise KefuError(ErrorCode.BAD_REQUEST, "应为 JSON 对象", "a JSON object is required")
    return await run_in_threadpool(actions_platform.apply_once, session, source, payload)
