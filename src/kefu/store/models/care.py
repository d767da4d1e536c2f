"""Tickets, surveys, reply templates, logbooks, the fines/rewards ledger, FAQ pairs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.base import Base, UTCDateTime


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    buyer: Mapped[str] = mapped_column(String(128))
    order_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    category: Mapped[str] = mapped_column(String(32))  # 物流, 质量, 错发 …
    severity: Mapped[str] = mapped_column(String(16), default="normal")  # low|normal|high|critical
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|escalated|resolved|closed
    department: Mapped[str] = mapped_column(String(32), default="")  # logistics|tech|marketing
    owner: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    root_cause: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    callback_outcome: Mapped[str] = mapped_column(String(32), default="")
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Survey(Base):
    """A satisfaction survey; answers feed pay, so only the buyer answers (through a signed link).

    One per conversation and one per ticket (unique; NULLs do not collide).
    """

    __tablename__ = "surveys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1 很不满意 … 5 非常满意
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="system")  # system (on close) | a supervisor


class ReplyTemplate(Base):
    __tablename__ = "reply_templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)  # SOP step list
    usage_count: Mapped[int] = mapped_column(Integer, default=0)


class FaqPair(Base):
    __tablename__ = "faq_pairs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    intent: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)


class LogbookEntry(Base):
    __tablename__ = "logbook_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    book: Mapped[str] = mapped_column(String(16))  # issues|handover|stats
    day: Mapped[date] = mapped_column(Date, index=True)
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="problem")  # problem|idea|note
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LedgerEntry(Base):
    """Fines (negative) and rewards (positive) in integer fen, feeding pay."""

    __tablename__ = "ledger_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # fine|reward|comp_leave_minutes
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(String(200), default="")  # e.g. "order:123", "conversation:9"
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BotShopFacts(Base):
    """What the supervisor states about the shop; the FAQ bot's answers are filled with it (issue 21)."""

    __tablename__ = "bot_shop_facts"
    shop_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ship_within_hours: Mapped[int] = mapped_column(Integer, default=48)
    same_day_cutoff: Mapped[str] = mapped_column(String(5), default="16:00")
    couriers: Mapped[str] = mapped_column(String(100), default="中通和圆通")
    upgrade_courier: Mapped[str] = mapped_column(String(50), default="顺丰")
    free_shipping_over_yuan: Mapped[int] = mapped_column(Integer, default=59)
    shipping_fee_yuan: Mapped[int] = mapped_column(Integer, default=8)
    remote_regions: Mapped[str] = mapped_column(String(200), default="新疆、西藏、青海、内蒙古")
    remote_extra_yuan: Mapped[int] = mapped_column(Integer, default=15)
    invoice_types: Mapped[str] = mapped_column(String(100), default="电子普通发票")
    special_invoice: Mapped[bool] = mapped_column(Boolean, default=False)
    return_address: Mapped[str] = mapped_column(String(300), default="")
    return_days: Mapped[int] = mapped_column(Integer, default=7)
    price_protect_days: Mapped[int] = mapped_column(Integer, default=15)
    service_hours: Mapped[str] = mapped_column(String(50), default="9:00-22:30")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BotProposal(Base):
    """A FAQ entry mined from the shop's chats, waiting for (or decided by) the supervisor; or (kind
    ``handover``) wordings the bot answers that agents answered by hand, to become the intent's negatives."""

    __tablename__ = "bot_proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    intent: Mapped[str] = mapped_column(String(64))  # an existing intent (paraphrases) or a new id
    new_intent: Mapped[bool] = mapped_column(Boolean, default=False)
    kind: Mapped[str] = mapped_column(String(16), default="faq")  # faq|handover
    question: Mapped[str] = mapped_column(Text)  # the cluster's most typical wording
    answer: Mapped[str] = mapped_column(Text, default="")  # agents' most common reply (new intents)
    paraphrases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    members: Mapped[list[Any]] = mapped_column(JSON, default=list)  # every mined wording in the cluster
    status: Mapped[str] = mapped_column(String(16), default="proposed")  # proposed|approved|rejected
    answered_after: Mapped[int | None] = mapped_column(Integer, nullable=True)  # members answered once approved
    pool_before: Mapped[str] = mapped_column(String(16), default="")  # answer rate on all mined questions
    pool_after: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
