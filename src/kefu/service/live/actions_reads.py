"""Reads of the live floor the agent workspace, monitor and buyer chat page show.

(The dashboard's figures are :mod:`kefu.service.credit.actions_overview`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain import privacy
from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.domain.money import yuan
from kefu.domain.timeutil import SHOP_TZ, parse_aware
from kefu.service import access
from kefu.service.live import store
from kefu.service.live.schemas import ConversationPage, ConversationRowOut
from kefu.store.models.commerce import Order
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent

__all__ = ["BuyerOrder", "buyer_orders", "conversation_messages", "list_conversations", "queued_in_groups",
           "team_agent_ids", "yuan"]
STATUSES = ("queued", "assigned", "bot", "closed")


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


def list_conversations(session: Session, viewer: access.Viewer, *, shop: str | None = None, agent: str | None = None,
                       status: str | None = None, since: str | None = None, until: str | None = None,
                       offset: int = 0, limit: int = 50) -> ConversationPage:  # fmt: skip
    """``GET /conversations``: the floor's chats by shop, agent, status and opening time, a page at a time.

    An agent lists only their own (another agent's id is 403), in the shop they serve;
    times without an offset are the shop's (Asia/Shanghai). Newest first, ties by id.
    """
    if status is not None and status not in STATUSES:
        raise bad_argument("status", f"应为 {'/'.join(STATUSES)} 之一", f"must be one of {', '.join(STATUSES)}")
    lo = parse_aware(since, name="since") if since else None
    hi = parse_aware(until, name="until") if until else None
    if lo is not None and hi is not None and hi <= lo:
        raise bad_argument("until", "结束时间须晚于开始时间", "until must be after since")
    if access.is_agent(viewer):
        agent = access.own_agent(viewer, agent)
        served = access.agent_shop(session, viewer)
        if served is not None and shop not in (None, served):
            raise access.forbidden("只能查看所服务店铺的会话", "agents may only list their shop's chats", shop=shop)
        shop = served or shop
    f = store.ConversationFilter(shop=shop, agent=agent, status=status, since=lo, until=hi)
    total, rows = store.conversation_page(session, f, offset, limit)
    return ConversationPage(total=total, offset=offset, limit=limit, conversations=[
        ConversationRowOut(id=c.id, agent=c.agent_id, status=c.status, group=c.group, shop=c.shop_id, buyer=c.buyer,
                           channel=c.channel, opened_at=c.opened_at.astimezone(SHOP_TZ).isoformat(), assigned_at=_iso(c.assigned_at),
                           closed_at=_iso(c.closed_at)) for c in rows])  # fmt: skip


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.astimezone(SHOP_TZ).isoformat()
