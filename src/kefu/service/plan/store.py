"""The plan area's queries that are not the forecast's or the roster's own (those live with them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.store.models.live import Conversation


def conversation_groups(session: Session, shop_id: str) -> list[str]:
    """The skill groups the shop's conversations were routed to."""
    return list(session.scalars(select(Conversation.group).where(Conversation.shop_id == shop_id).distinct()))
