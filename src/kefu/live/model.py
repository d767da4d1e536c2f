"""Plain data the live-floor engines work on: agents, conversations, routing policy.

The engines never see the database. The service layer loads these values, asks
the engine what to do, and then applies the answer with atomic SQL so that the
engine's choice is only advice under concurrency while the invariants (capacity,
single assignment) are enforced by the database itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from kefu.domain.errors import bad_argument


class Status(StrEnum):
    """Agent presence; ``away`` is 挂起: keeps chatting, gets only its recent buyers."""

    ONLINE = "online"
    AWAY = "away"
    BREAK = "break"
    OFFLINE = "offline"


class Reason(StrEnum):
    """Why the cascade chose an agent (or did not); written into the assignment event."""

    BOT = "bot"
    STICKY = "sticky"
    DEDICATED = "dedicated"
    GROUP = "group"
    OVERFLOW = "overflow"
    QUEUED = "queued"
    TRANSFER = "transfer"
    DRAIN = "drain"


class Strategy(StrEnum):
    LEAST_LOAD = "least_load"  # load ÷ capacity, tie: longest idle
    WEIGHTED = "weighted"  # load ÷ weight, tie: longest idle


class BotMode(StrEnum):
    HUMAN_FIRST = "human_first"  # the bot answers only when no human can (queue)
    BOT_FIRST = "bot_first"  # the bot answers; hands over on low confidence or request
    MIXED = "mixed"  # a share of new conversations go to the bot first


DEFAULT_MIXED_SHARE = 50  # mixed mode with no share set: half the new conversations start with the bot

PRESALES = "售前"
AFTERSALES = "售后"


@dataclass
class AgentState:
    """An agent as the router sees it. ``load`` counts open assigned conversations."""

    id: str
    skills: tuple[str, ...] = ()
    secondary_skills: tuple[str, ...] = ()
    capacity: int = 5
    load: int = 0
    status: Status = Status.OFFLINE
    last_assigned_at: datetime | None = None
    weight: int = 1
    shop: str | None = None  # None = serves every shop
    shift_end: datetime | None = None  # end of today's rostered shift, None = not rostered

    def serves(self, shop: str) -> bool:
        return self.shop is None or self.shop == shop

    def past_shift_end(self, now: datetime) -> bool:
        """From shift end an agent gets no new conversations (open ones continue: overtime)."""
        return self.shift_end is not None and now >= self.shift_end

    def has_room(self) -> bool:
        return self.load < self.capacity


@dataclass(frozen=True)
class Contact:
    """The last agent who served a buyer and when (the moment of the latest service)."""

    agent_id: str
    at: datetime


@dataclass(frozen=True)
class Request:
    """A new (or queued) conversation looking for an agent."""

    conversation_id: int
    shop: str
    buyer: str
    group: str
    opened_at: datetime  # for a queued conversation: when it started waiting


@dataclass(frozen=True)
class Candidate:
    agent_id: str
    reason: Reason


@dataclass(frozen=True)
class Decision:
    """Ranked agents to try in order; empty means queue (or bot when ``bot`` is set)."""

    candidates: tuple[Candidate, ...] = ()
    bot: bool = False

    @property
    def agent_id(self) -> str | None:
        return self.candidates[0].agent_id if self.candidates else None

    @property
    def reason(self) -> Reason:
        if self.bot:
            return Reason.BOT
        return self.candidates[0].reason if self.candidates else Reason.QUEUED


@dataclass(frozen=True)
class Policy:
    """Routing settings of a shop (``Shop.settings["live"]``); defaults follow spec/live.md."""

    sticky_hours: float = 72.0
    away_sticky_hours: float = 24.0
    strategy: Strategy = Strategy.LEAST_LOAD
    overflow_after: float | None = 60.0  # seconds waiting before secondary skills may take it
    bot_mode: BotMode = BotMode.HUMAN_FIRST
    bot_share_percent: int = 0  # for MIXED: share of new conversations the bot takes first
    reassign_after: float | None = None  # seconds without an agent reply; None = off
    dedicated: Mapping[str, str] = field(default_factory=dict)  # buyer -> agent (专属客服)
    keyword_rules: tuple[tuple[str, str], ...] = ()  # (keyword in first message, group)

    @classmethod
    def from_shop_settings(cls, settings: Mapping[str, Any] | None) -> Policy:
        """A shop's routing from its whole settings: ``settings["live"]``, with the bot's mode and
        share from ``settings["care"]`` where set there (the bot page and ``PUT /care/settings``
        save them there, so the mode a supervisor picks is the mode the buyer chat runs in)."""
        settings = settings if isinstance(settings, Mapping) else {}
        live, care = settings.get("live"), settings.get("care")
        raw = dict(live) if isinstance(live, Mapping) else {}
        if isinstance(care, Mapping):
            raw.update({k: care[k] for k in ("bot_mode", "bot_share_percent") if care.get(k) is not None})
        return cls.from_settings(raw)

    @classmethod
    def from_settings(cls, raw: Mapping[str, Any] | None) -> Policy:
        """Read and check a settings dict; unknown values are a BAD_ARGUMENT, not a crash."""
        raw = dict(raw or {})
        try:
            strategy = Strategy(raw.get("strategy", Strategy.LEAST_LOAD))
            bot_mode = BotMode(raw.get("bot_mode", BotMode.HUMAN_FIRST))
        except ValueError as exc:
            raise bad_argument("live", f"分流设置无效: {exc}", f"invalid routing setting: {exc}") from exc
        share = int(raw.get("bot_share_percent", DEFAULT_MIXED_SHARE if bot_mode is BotMode.MIXED else 0))
        if not 0 <= share <= 100:
            raise bad_argument("bot_share_percent", "应在 0–100 之间", "must be within 0–100")
        overflow = raw.get("overflow_after", 60.0)
        reassign = raw.get("reassign_after")
        rules = tuple((str(k), str(g)) for k, g in raw.get("keyword_rules", []))
        return cls(
            sticky_hours=float(raw.get("sticky_hours", 72.0)),
            away_sticky_hours=float(raw.get("away_sticky_hours", 24.0)),
            strategy=strategy,
            overflow_after=None if overflow is None else float(overflow),
            bot_mode=bot_mode,
            bot_share_percent=share,
            reassign_after=None if reassign is None else float(reassign),
            dedicated={str(k): str(v) for k, v in dict(raw.get("dedicated", {})).items()},
            keyword_rules=rules,
        )


# Order states (Taobao wording) that make a buyer an after-sales contact.
AFTERSALES_ORDER_STATES = frozenset(
    {"买家已付款", "等待卖家发货", "卖家已发货", "等待买家确认收货", "交易成功", "退款中", "售后中",
     "paid", "shipped", "refunding", "completed"}
)


def group_for(order_state: str | None, first_text: str = "", rules: tuple[tuple[str, str], ...] = ()) -> str:
    """售前 / 售后 by the buyer's latest order state; keyword rules (a setting) win first."""
    for keyword, group in rules:
        if keyword and keyword in first_text:
            return group
    if order_state is None:
        return PRESALES
    return AFTERSALES if order_state in AFTERSALES_ORDER_STATES else PRESALES
