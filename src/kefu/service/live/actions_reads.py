"""Reads of the live floor the agent workspace, monitor and buyer chat page show.

(The dashboard's figures are :mod:`kefu.service.credit.actions_overview`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain import privacy
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.money import yuan
from kefu.store.models.commerce import Order
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent

__all__ = ["BuyerOrder", "buyer_orders", "conversation_messages", "queued_in_groups", "team_agent_ids", "yuan"]


def team_agent_ids(session: Session, team: str) -> list[str]:
    return list(session.scalars(select(Agent.id).where(Agent.team == team).order_by(Agent.id)))


def conversation_messages(session: Session, conversation_id: int, buyer: str | None = None) -> dict[str, object]:
    """A conversation's status and messages, oldest first, for the buyer chat page and workspace.

    With ``buyer`` given, a conversation of another buyer reads as not found: the
    public chat page must never show someone else's chat.
    """
    conv = session.get(Conversation, conversation_id)
    if conv is None or (buyer is not None and conv.buyer != buyer):
        raise KefuError(ErrorCode.CONVERSATION_UNKNOWN, f"会话不存在: {conversation_id}",
                        f"conversation not found: {conversation_id}")
    rows = session.scalars(select(Message).where(Message.conversation_id == conversation_id)
                           .order_by(Message.ts, Message.id))
    return {
        "id": conv.id, "status": conv.status, "agent": conv.agent_id, "buyer": conv.buyer, "shop": conv.shop_id,
        "messages": [{"id": m.id, "direction": m.direction, "text": m.text, "ts": m.ts, "bot": m.bot,
                      "auto": m.auto} for m in rows],
    }


@dataclass(frozen=True)
class BuyerOrder:
    id: str
    status: str
    amount_fen: int
    created_at: datetime
    title: str
    phone: str  # masked unless the role may see it
    address: str  # masked unless the role may see it


def buyer_orders(session: Session, shop: str, buyer: str, role: str, limit: int = 5) -> list[BuyerOrder]:
    """A buyer's latest orders for the agent workspace; phone and address masked unless ``role`` may see them."""
    rows = session.scalars(select(Order).where(Order.shop_id == shop, Order.buyer == buyer)
                           .order_by(Order.created_at.desc(), Order.id).limit(limit))
    return [BuyerOrder(o.id, o.status, o.amount_fen, o.created_at, o.title, privacy.phone_for(role, o.phone),
                       privacy.address_for(role, o.address)) for o in rows]


def queued_in_groups(session: Session, groups: list[str]) -> int:
    """Conversations waiting in any of these skill groups (the agent workspace's 'my queue')."""
    if not groups:
        return 0
    return int(session.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.status == "queued", Conversation.group.in_(groups))) or 0)
