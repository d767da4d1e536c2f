"""Presence intervals, conversations, messages and the append-only event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.base import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrement needs INTEGER


class PresenceInterval(Base):
    """One status interval of an agent; ``end`` is null while it lasts."""

    __tablename__ = "presence_intervals"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(64))
    buyer: Mapped[str] = mapped_column(String(128))
    # what a web-chat visitor typed as their name: display only, never an identity (the buyer key of
    # a web visitor is the server-issued ``web-…`` id, see kefu.service.live.actions_webchat)
    buyer_name: Mapped[str] = mapped_column(String(64), default="", server_default="")
    group: Mapped[str] = mapped_column(String(64), default="售前")
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|assigned|closed
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_buyer_msg_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_agent_msg_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    channel: Mapped[str] = mapped_column(String(32), default="web")
    # The client's id for the open that created it (Idempotency-Key): a retried open returns this one.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # (buyer, shop): a new chat looks up the buyer's last agent and open chats in one shop. No index
    # starts with shop_id: with stale statistics the planner scanned it (a shop's every conversation)
    # for that lookup, and each open's read grew with the table. Reports by shop read time ranges.
    __table_args__ = (Index("ix_conversations_queue", "status", "opened_at"),
                      Index("ix_conversations_buyer_shop", "buyer", "shop_id"),
                      Index("ix_conversations_opened_at", "opened_at"),
                      UniqueConstraint("request_id", "shop_id", name="uq_conversations_request"))


class Message(Base):
    __tablename__ = "messages"
    # Imported messages (millions a month) belong to no live conversation: indexing their NULLs cost a big SQLite
    # import 0.6 CPU-s per million messages at its rebuild, and every query of this column names a conversation.
    __table_args__ = (Index("ix_messages_conversation_id", "conversation_id",
                            sqlite_where=text("conversation_id IS NOT NULL"),
                            postgresql_where=text("conversation_id IS NOT NULL")),)  # fmt: skip
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), nullable=True)
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    buyer: Mapped[str] = mapped_column(String(128), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    direction: Mapped[str] = mapped_column(String(3))  # in|out
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")


class Event(Base):
    """Append-only: one row per lifecycle change (assigned, status, task done, credited…)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(48), index=True)
    shop_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(128), default="")  # e.g. "conversation:42"
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(64), default="system")


class WebhookDelivery(Base):
    """Event ids already applied per webhook source: a replayed (or retried) signed body is applied once."""

    __tablename__ = "webhook_deliveries"
    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Handover(Base):
    __tablename__ = "handovers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_agent: Mapped[str] = mapped_column(String(64))
    to_agent: Mapped[str] = mapped_column(String(64))
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"kind": "conversation|task|followup", "id":…}]
    note: Mapped[str] = mapped_column(Text, default="")
