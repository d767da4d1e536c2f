"""The care area's statements: one copy of each, read by the ``actions_*`` modules.

Rows of other areas the care use-cases read (conversations, credited orders, handovers,
messages) are read here, so an action reads as its rule and not as its SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kefu.store.models.care import BotProposal, FaqPair, Survey
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Conversation, Event, Handover, Message


def insert_survey_unless_exists(session: Session, values: dict[str, Any]) -> None:
    """Insert unless the conversation already has a survey (a supervisor's, or a close retried)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(insert(Survey).values(**values).on_conflict_do_nothing())


def faq_rows(session: Session, shop_id: str | None) -> tuple[tuple[str, str, str], ...]:
    """The shared and the shop's FAQ rows, (intent, question, answer) in the order they were added."""
    rows = session.execute(select(FaqPair.intent, FaqPair.question, FaqPair.answer).where(
        FaqPair.shop_id.is_(None) | (FaqPair.shop_id == shop_id)).order_by(FaqPair.id)).all()  # fmt: skip
    return tuple((str(a), str(b), str(c)) for a, b, c in rows)


def handover_rows(session: Session, shop_id: str | None) -> tuple[tuple[str, str], ...]:
    """The shop's approved hand-over wordings, (intent, wording) in the order they were approved: they
    are the intent's negatives in the shop's KB (issue 21, sixth round)."""
    if shop_id is None:
        return ()
    rows = session.execute(select(BotProposal.intent, BotProposal.paraphrases).where(
        BotProposal.shop_id == shop_id, BotProposal.kind == "handover", BotProposal.status == "approved",
    ).order_by(BotProposal.decided_at, BotProposal.id)).all()  # fmt: skip
    return tuple((str(intent), str(q)) for intent, qs in rows for q in qs)


def recent_chat(session: Session, shop_id: str, erased: str, limit: int) -> list[tuple[int, str, str, bool]]:
    """The shop's ``limit`` most recent chat messages but those erased (text ``erased``), oldest first:
    (conversation, direction, text, automatic)."""
    rows = session.execute(
        select(Message.conversation_id, Message.direction, Message.text, Message.auto, Message.bot)
        .where(Message.shop_id == shop_id, Message.conversation_id.is_not(None), Message.text != erased)
        .order_by(Message.ts.desc(), Message.id.desc())
        .limit(limit)
    ).all()
    return [(int(c or 0), str(d), str(t or ""), bool(a) or bool(b)) for c, d, t, a, b in reversed(rows)]


def served_buyers(session: Session, lo: datetime, hi: datetime, shop_id: str | None) -> list[tuple[str, str]]:
    """(agent, buyer) of conversations an agent opened in [lo, hi)."""
    q = select(Conversation.agent_id, Conversation.buyer).where(
        Conversation.agent_id.is_not(None), Conversation.opened_at >= lo, Conversation.opened_at < hi)  # fmt: skip
    if shop_id:
        q = q.where(Conversation.shop_id == shop_id)
    return [(str(a), str(b)) for a, b in session.execute(q)]


def credited_orders(session: Session, lo: datetime, hi: datetime,
                    shop_id: str | None) -> list[tuple[str, str, str, int]]:  # fmt: skip
    """(credited agent, buyer, order, amount) of orders paid in [lo, hi) and credited to an agent."""
    q = select(OrderCredit.credited_agent, Order.buyer, Order.id, Order.amount_fen).join(Order, Order.id == OrderCredit.order_id).where(
        OrderCredit.credited_agent != "", Order.paid_at.is_not(None), Order.paid_at >= lo, Order.paid_at < hi)  # fmt: skip
    if shop_id:
        q = q.where(Order.shop_id == shop_id)
    return [(str(a), str(b), str(o), int(m or 0)) for a, b, o, m in session.execute(q)]


def handovers(session: Session, shop_id: str, lo: datetime, hi: datetime, agent_id: str | None) -> list[Handover]:
    """The shop's live handovers in [lo, hi), those the agent gave or received with ``agent_id``."""
    stmt = select(Handover).where(Handover.shop_id == shop_id, Handover.at >= lo, Handover.at < hi)
    if agent_id is not None:
        stmt = stmt.where((Handover.from_agent == agent_id) | (Handover.to_agent == agent_id))
    return list(session.scalars(stmt.order_by(Handover.at)))


def subject_events(session: Session, subject: str) -> list[Event]:
    """The event rows of one subject (e.g. ``ticket:7``), oldest first (ties by id: the order written)."""
    return list(session.scalars(select(Event).where(Event.subject == subject).order_by(Event.ts, Event.id)))
