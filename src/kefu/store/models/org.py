"""Shops, agents, skill groups, users and integration tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.store.base import Base, UTCDateTime


class Shop(Base):
    __tablename__ = "shops"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(32), default="taobao")  # taobao|tmall|jd|pdd|douyin|web
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    day_cut_hour: Mapped[int] = mapped_column(Integer, default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per-shop rule overrides


class ShopAlias(Base):
    """Another name a shop goes by in exports: the 店铺名称 of an order file, the 店铺 prefix of ``店铺:客服``."""

    __tablename__ = "shop_aliases"
    alias: Mapped[str] = mapped_column(String(128), primary_key=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id"), index=True)


class SkillGroup(Base):
    __tablename__ = "skill_groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    shop_id: Mapped[str] = mapped_column(ForeignKey("shops.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # 售前, 售后 ...
    __table_args__ = (UniqueConstraint("shop_id", "name"),)


class Agent(Base):
    __tablename__ = "agents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), index=True, nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)  # primary first: ["售前", "售后"]
    secondary_skills: Mapped[list[Any]] = mapped_column(JSON, default=list)  # overflow only
    capacity: Mapped[int] = mapped_column(Integer, default=5)  # 接待上限
    load: Mapped[int] = mapped_column(Integer, default=0)  # open assigned conversations (atomic counter)
    status: Mapped[str] = mapped_column(String(16), default="offline")  # online|away|break|offline
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    contract_minutes_month: Mapped[int] = mapped_column(Integer, default=10400)  # ~ 40 h a week
    # working days a calendar month (part-timers); both None = full time: the month's days less the rest days
    min_days_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_days_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # paid hours a calendar month (None: no bound)
    min_hours_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_hours_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    night_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    probation: Mapped[bool] = mapped_column(Boolean, default=False)
    hired_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    team: Mapped[str] = mapped_column(String(64), default="")
    weight: Mapped[int] = mapped_column(Integer, default=1)  # for weighted routing
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))  # admin|supervisor|agent
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"), nullable=True)
    team: Mapped[str] = mapped_column(String(64), default="")  # a supervisor's team ("" = all)
    shop_id: Mapped[str | None] = mapped_column(ForeignKey("shops.id"), nullable=True)
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # in the signed cookie; logout and a password change bump it, which ends every earlier session
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    # set when the password was printed or generated (demo, first admin, reset by an admin)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class LoginThrottle(Base):
    """Login attempts counted per key (``user:…``, ``addr:…``, ``pair:…``) in a fixed window.

    One row per key, changed only by a single atomic ``UPDATE … SET count = count + 1``
    before the password is checked, so parallel attempts cannot overshoot the limit.
    """

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer, default=0)


class ApiToken(Base):
    """Bearer tokens for integrations; only the SHA-256 of the token is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RuleVersion(Base):
    """One saved version of an editable rule document: follow-up rules, a KPI scheme, roster rules.

    Append-only: an edit adds version n+1 and never rewrites n, so a past month can be read
    with the rules it had and the audit event of each save points at a version that still exists.
    ``scope`` is the shop (follow-up and roster rules) or the scheme's name (KPI).
    """

    __tablename__ = "rule_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # followup | kpi | roster
    scope: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[str] = mapped_column(String(7), default="")  # YYYY-MM (KPI schemes); "" = always
    doc: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    saved_by: Mapped[str] = mapped_column(String(64), default="")
    __table_args__ = (UniqueConstraint("kind", "scope", "version"),)
