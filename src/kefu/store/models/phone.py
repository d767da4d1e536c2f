"""Phone channel: call detail records imported from the call centre's export."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.base import Base, UTCDateTime
from kefu.store.models.live import BigId


class CallRecord(Base):
    """One call; the same call imported twice (shop, caller, callee, start) is one row."""

    __tablename__ = "call_records"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(String(64), index=True)
    caller: Mapped[str] = mapped_column(String(32))  # personal data: masked in UI
    callee: Mapped[str] = mapped_column(String(32), default="")
    direction: Mapped[str] = mapped_column(String(3))  # in|out
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    talk_s: Mapped[int] = mapped_column(Integer, default=0)
    agent_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    recording: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (UniqueConstraint("shop_id", "caller", "callee", "started_at"),)

