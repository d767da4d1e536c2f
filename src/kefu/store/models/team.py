"""Team self-service: shift swaps and open shifts, overtime requests, product briefings,
onboarding, conduct (fines and rewards ladder), the activity fund, goals, promotion-track levels.

Leave requests live in :mod:`kefu.store.models.plan` (``leave_requests``) next to the
roster they change. Decimal figures are stored as their exact text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.base import Base, UTCDateTime


class ShiftSwap(Base):
    """Agent ``requester`` and ``peer`` exchange their cells of ``day`` (peer accepts, supervisor approves)."""

    __tablename__ = "shift_swaps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    requester: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    peer: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="requested")  # requested|accepted|approved|…
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    findings: Mapped[list[Any]] = mapped_column(JSON, default=list)  # rule violations found at acceptance
    cells: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {agent: shift code before the swap}


class OpenShift(Base):
    """A shift nobody works yet (e.g. freed by leave) that an eligible agent may pick up."""

    __tablename__ = "open_shifts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    shift_code: Mapped[str] = mapped_column(String(32))
    skill: Mapped[str] = mapped_column(String(64), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(64), default="")  # e.g. "leave:12"
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|taken|cancelled
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    taken_by: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OvertimeRequest(Base):
    """Overtime arranged in advance: requested by the agent or ordered by the supervisor."""

    __tablename__ = "overtime_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    origin: Mapped[str] = mapped_column(String(16))  # requested|ordered
    compensation: Mapped[str] = mapped_column(String(16))  # pay|comp_leave
    day_kind: Mapped[str] = mapped_column(String(16))  # workday|rest|statutory
    rate: Mapped[str] = mapped_column(String(8))  # 1.5 | 2 | 3
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|approved|rejected|cancelled|booked
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    booked_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Briefing(Base):
    """A product briefing: attributes agents must know before ``launch_on``, FAQ rows for the bot, a quiz."""

    __tablename__ = "briefings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"name","value"}]
    faq: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"question","answer"}]
    quiz: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"question","options","answer"}]
    launch_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BriefingAck(Base):
    __tablename__ = "briefing_acks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    briefing_id: Mapped[int] = mapped_column(ForeignKey("briefings.id"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    right: Mapped[int] = mapped_column(Integer, default=0)  # of the last attempt
    total: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # first pass
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    __table_args__ = (UniqueConstraint("briefing_id", "agent_id"),)


class Onboarding(Base):
    """A new hire's mentor (一人带一个), checklist and probation."""

    __tablename__ = "onboardings"
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    mentor_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    started_on: Mapped[date] = mapped_column(Date)
    probation_end: Mapped[date] = mapped_column(Date)
    checklist: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"item","done_on","by"}]
    status: Mapped[str] = mapped_column(String(16), default="probation")  # probation|regular
    regular_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")


class ConductEntry(Base):
    """A violation on the fines ladder or a reward, linked to its evidence and its pay ledger row."""

    __tablename__ = "conduct_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # violation|listing_error|suggestion
    rule: Mapped[str] = mapped_column(String(200))  # what was broken / found / suggested
    outcome: Mapped[str] = mapped_column(String(24))  # fine|dismissal_warning|reward
    step: Mapped[int] = mapped_column(Integer, default=0)  # n-th violation in the window (0 for rewards)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # signed as in the pay ledger
    evidence: Mapped[str] = mapped_column(String(200))
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FundSpend(Base):
    """Money spent from the team activity fund (the fines), for the published statement."""

    __tablename__ = "fund_spends"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgentGoal(Base):
    """A six-month goal: a KPI figure at 120–130 % of the team norm, plus the development direction."""

    __tablename__ = "agent_goals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    metric: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(100))
    lower_is_better: Mapped[bool] = mapped_column(Boolean, default=False)
    norm: Mapped[str] = mapped_column(String(32))
    factor: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(String(32))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    direction: Mapped[str] = mapped_column(String(500), default="")  # 发展方向
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AgentLevel(Base):
    """A step on the promotion track (初级 → 中级 → 高级 → 组长): the level from ``since`` on, and who decided."""

    __tablename__ = "agent_levels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    since: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
