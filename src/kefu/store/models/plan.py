"""Shift templates, roster entries, leave requests and forecasts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.base import Base, UTCDateTime


class ShiftTemplate(Base):
    __tablename__ = "shift_templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))  # 白班, 晚班 ...
    start: Mapped[str] = mapped_column(String(5))  # HH:MM local
    end: Mapped[str] = mapped_column(String(5))  # HH:MM; end <= start = next day
    night: Mapped[bool] = mapped_column(Boolean, default=False)
    evening: Mapped[bool] = mapped_column(Boolean, default=False)  # the shop's 晚班 for duty rules
    breaks: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"kind","minutes","window":[HH:MM,HH:MM]}]
    color: Mapped[str] = mapped_column(String(16), default="")
    __table_args__ = (UniqueConstraint("shop_id", "code"),)


class RosterEntry(Base):
    __tablename__ = "roster_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    shift_code: Mapped[str] = mapped_column(String(32), default="")  # "" = rest day
    skill: Mapped[str] = mapped_column(String(64), default="")
    breaks: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"kind","start","end"}] local HH:MM
    __table_args__ = (UniqueConstraint("agent_id", "day"),)


class LeaveRequest(Base):
    __tablename__ = "leave_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default="annual")  # annual|sick|comp|personal
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|rejected|cancelled
    note: Mapped[str] = mapped_column(String(500), default="")  # the agent's reason
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    days: Mapped[int] = mapped_column(Integer, default=0)  # days the leave takes (rostered work days)
    minutes: Mapped[int] = mapped_column(Integer, default=0)  # 调休 minutes it draws on the ledger
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    roster_changes: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"day","before","after"}]


class Forecast(Base):
    __tablename__ = "forecasts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id"), index=True)
    skill: Mapped[str] = mapped_column(String(64), default="")
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    forecast: Mapped[float] = mapped_column(Float)
    p10: Mapped[float | None] = mapped_column(Float, nullable=True)  # band of the model chosen by backtest
    p90: Mapped[float | None] = mapped_column(Float, nullable=True)
    required_agents: Mapped[float | None] = mapped_column(Float, nullable=True)
    model: Mapped[str] = mapped_column(String(32), default="seasonal")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("shop_id", "skill", "interval_start", "model"),)
