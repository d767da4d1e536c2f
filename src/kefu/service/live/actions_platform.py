"""What chat platforms push (webhooks): a buyer's message, a close, an agent's status — each applied once.

The API verifies the signature (:mod:`kefu.api.routes.webhooks`); the rules are
here: an event's signed ``id`` is applied once per source
(:mod:`kefu.service.live.deliveries`), and a message goes to the buyer's open
conversation, else opens one on the source's channel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import parse_aware
from kefu.service.live import actions, deliveries
from kefu.service.live.schemas import AgentOut, DuplicateOut, WebhookOut

PlatformOut = WebhookOut | DuplicateOut | AgentOut


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


def apply_once(session: Session, source: str, payload: dict[str, Any]) -> PlatformOut:
    """Apply the event unless its signed ``id`` was applied before (replay or retry: acknowledged, ignored)."""
    delivery = _text(payload, "id", 128)  # required: without an id a replay cannot be told from a new event
    if not deliveries.first_delivery(session, source, delivery):
        return DuplicateOut(duplicate=True, id=delivery)
    return dispatch(session, source, payload)


def dispatch(session: Session, source: str, payload: dict[str, Any]) -> PlatformOut:
    """Apply one platform event: ``message`` (opens a conversation when needed), ``close``, ``agent.status``."""
    kind = payload.get("type")
    ts = parse_aware(_text(payload, "ts", 64), name="ts") if payload.get("ts") is not None else None
    if kind == "message":
        return _message(session, source, payload, ts)
    if kind == "close":
        closed = actions.close_conversation(session, _int(payload, "conversation"), ts)
        return WebhookOut(conversation=closed["id"], agent=closed["agent"], status=closed["status"])
    if kind == "agent.status":
        return AgentOut(**actions.set_agent_status(session, _text(payload, "agent", 64),
                                                   _text(payload, "status", 16), ts))
    raise bad_argument("type", f"未知事件类型: {kind}", f"unknown event type: {kind}",
                       allowed=["message", "close", "agent.status"])


def _message(session: Session, source: str, payload: dict[str, Any], ts: datetime | None) -> WebhookOut:
    """Append to the buyer's open conversation, else open one (only a buyer's message opens)."""
    shop, buyer = _text(payload, "shop", 64), _text(payload, "buyer", 128)
    direction = _text(payload, "direction", 3, required=False) or "in"
    text = _text(payload, "text", 10_000, required=False)
    conv_id = actions.find_open_conversation(session, shop, buyer)
    if conv_id is None:
        if direction != "in":
            raise bad_argument("direction", "没有进行中的会话", "no open conversation for an outgoing message")
        group = _text(payload, "group", 64) if payload.get("group") is not None else None
        opened = actions.open_conversation(session, shop, buyer, group, ts, text=text, channel=source)
        return WebhookOut(conversation=opened["id"], agent=opened["agent"], status=opened["status"])
    actions.post_message(session, conv_id, direction, text, ts)
    now = actions.get_conversation(session, conv_id)
    return WebhookOut(conversation=conv_id, agent=now["agent"], status=now["status"])
