"""In / Out models of the credit area: what its actions take and give to the API, dashboard and CLI.

Frames of per-agent and per-day figures travel as records (column → value, NaN as null);
their columns are the contract files' (docs/spec) and grow with the metrics, so the
envelope is typed and each record is an open mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kefu.service.credit.shops import ShopOutcome
from kefu.service.schemas import ApiIn, RuleVersionOut

Record = dict[str, Any]


class CreditFilesIn(BaseModel):
    """``kefu credit run``'s options: the two contract files, the rule and the engine."""

    model_config = ConfigDict(extra="forbid")
    messages: Path
    orders: Path
    out: Path
    rule: str = "order_first"
    window_hours: float = 48
    session_gap_min: float = 10
    engine: str = "columnar"
    master: str = "local[*]"
    parquet: bool = False
    per_shop: bool = False


@dataclass(frozen=True)
class FilesRun:
    """What ``kefu credit run`` did: totals of the whole-file run, or one outcome per shop."""

    out: Path
    orders: int = 0
    credited: int = 0
    silent: int = 0
    agent_days: int = 0
    shops: list[ShopOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ShopOutcome]:
        return [s for s in self.shops if not s.ok]


@dataclass(frozen=True)
class ParquetExport:
    """Where a month's export went and how much it holds."""

    folder: Path
    messages: int
    orders: int
    partitions: list[str]  # "messages/shop=s1/day=2026-11-03", … in order


class CreditRunOut(BaseModel):
    month: str
    orders: int
    credited: int
    silent: int


class LeaderboardOut(BaseModel):
    month: str
    agents: list[Record]  # monthly figures per agent, best sales first
    shop_days: list[Record]  # the shop's daily figures (empty for an agent)


class PerfAgentOut(BaseModel):
    """One leaderboard row of the month: money in fen (the page shows 元), rates in percent."""

    agent: str
    name: str
    sales_fen: int
    credited_orders: int
    receptions: int
    inquiries: int
    conversion_pct: float | None  # 询单→最终付款, None without inquiries
    aov_fen: int | None
    avg_resp_s: float | None
    fast_rate_pct: float | None
    assists: int


class PerfDayOut(BaseModel):
    day: str  # business day in the shop's zone
    paid_fen: int
    silent_fen: int
    silent_share_pct: float | None  # None on a day with no payment


class PerfOrderOut(BaseModel):
    """An order of the drilled-down agent: who placed, paid and got it; chat ends in the shop's zone."""

    order_id: str
    order_agent: str
    payment_agent: str
    credited_agent: str
    sale_fen: int
    paid_day: str  # '' while unpaid
    order_session_end: str | None  # "YYYY-MM-DD HH:MM" shop time
    payment_session_end: str | None


class PerformanceOut(BaseModel):
    """Everything ``/performance`` shows for a month, from one credit run of that month.

    ``scope`` is ``shop`` for a supervisor (the shop's takings) and ``agent`` for an agent
    (their own 落实付款 and credited sales; no silent share, no shop days, their row only).
    """

    month: str
    scope: str  # shop | agent
    paid_fen: int
    credited_fen: int
    silent_fen: int
    silent_share_pct: float | None
    agents: list[PerfAgentOut]  # best sales first, then by agent id
    names: dict[str, str]  # agent id → name, for every agent the page mentions
    days: list[PerfDayOut]  # the shop's days of the month with a payment (empty for an agent)
    agent: str  # the drilled-down agent ('' for none)
    orders: list[PerfOrderOut]  # their orders of the month, by order id


class AgentDaysOut(BaseModel):
    agent: str
    month: str
    days: list[Record]
    provisional: list[Record]  # figures that may still change, with the moment they become final


class AgentOrdersOut(BaseModel):
    agent: str
    month: str
    orders: list[Record]


class OrderCreditOut(BaseModel):
    """Who got one order and why; the evidence columns (sessions, sale, paid day) ride along."""

    model_config = ConfigDict(extra="allow")
    order_id: str
    credited_agent: str | None = None
    order_agent: str | None = None
    payment_agent: str | None = None


class ChatLineOut(BaseModel):
    """One message of the chat behind an order: who said it, when (shop time), before which event."""

    at: str  # "YYYY-MM-DD HH:MM:SS" in the shop's zone
    who: str  # buyer | agent | auto (auto-reply) | bot
    name: str  # the buyer's nickname, or the agent's display name
    agent: str  # agent id of an agent's line ('' for the buyer)
    text: str
    before: str  # order (before 下单) | payment (between 下单 and 付款)


class CreditStepOut(BaseModel):
    """落实下单 or 落实付款: the agent the engine found for the event and the session that earned it."""

    event: str  # order | payment
    at: str | None  # when the order was placed / paid, shop time (None: not paid)
    agent: str  # '' = nobody (no serving session within the credit window)
    name: str
    session_end: str | None  # the earning session's end, shop time
    reason: str  # 中文
    reason_en: str


class OrderChatOut(BaseModel):
    """An order, the credit decision the month's run made for it and the chat that earned it.

    Every decision field is the credit engine's output for ``month`` (its evidence), not recomputed
    here; times are in the shop's zone, money in fen (the page shows 元), agents with display names.
    """

    order_id: str
    month: str
    shop: str
    buyer: str
    timezone: str
    amount_fen: int
    refund_fen: int
    sale_fen: int  # what the credited agent's sales count (0 for a silent order)
    status: str
    decision: str  # 落实下单 | 落实付款 | 静默
    decision_en: str
    credited_agent: str
    credited_name: str
    rule: str  # order_first | by_order | by_payment
    steps: list[CreditStepOut]  # order, then payment
    assists: dict[str, str]  # 协助: agent id → name (other agents who served the buyer inside the window)
    window_h: float  # the credit window the run used
    messages: list[ChatLineOut]  # oldest first
    truncated: bool  # more messages than shown (the latest are shown)


class PayLineOut(BaseModel):
    kind: str
    label: str
    amount_fen: int
    evidence: list[str]


class PayslipOut(BaseModel):
    agent: str
    total_fen: int
    excluded_from_kpi: bool
    notes: list[str]
    lines: list[PayLineOut]


class GradeOut(BaseModel):
    agent: str
    name: str  # the agent's display name
    score: str  # Decimal as text: no float on the way
    grade: str
    excluded: bool


class PayOut(BaseModel):
    month: str
    scheme: str
    version: int
    payslips: list[PayslipOut]
    grades: list[GradeOut]
    elapsed_days: int  # days of the month gone by (= month_days once it is over): summed targets prorated
    month_days: int


class ClaimOut(BaseModel):
    order_id: str
    memo: str
    claimed_agent: str
    credited_agent: str
    order_agent: str
    payment_agent: str
    amount_fen: int
    agrees: bool


class ClaimsOut(BaseModel):
    month: str
    mismatches: list[ClaimOut]


class ClaimConventionIn(ApiIn):
    """How the shop writes a claim in 订单备注: a prefix before the agent's id or name ('' = no claims)."""

    prefix: str = Field("", max_length=32)
    flag: str = Field("", max_length=16)  # only memos with this flag colour ('' = any)


class ClaimConventionOut(BaseModel):
    shop: str
    prefix: str
    flag: str


class OverviewOut(BaseModel):
    """``GET /overview``: the day's counts and the live figures as of now."""

    day: date
    contacts: int
    conversations: int
    orders: int
    paid_orders: int
    paid_fen: int
    agents_online: int
    agents_total: int
    by_status: dict[str, int]
    queue: int
    longest_wait_s: int
    hourly_contacts: list[int]
    hourly_orders: list[int]


class KpiSchemeIn(ApiIn):
    """A whole scheme document (items, grades, pay, valid_from), as in ``kefu/credit/schemes/*.yaml``."""

    doc: dict[str, Any]


class KpiSchemeOut(RuleVersionOut):
    """The scheme's newest document (saved or shipped; version 0 = shipped), its saved versions, the metrics."""

    name: str
    doc: dict[str, Any]
    versions: list[RuleVersionOut]
    metrics: list[str]


class GradingSuggestionOut(BaseModel):
    """Grade thresholds that fit the month's own scores, for the supervisor to accept or not."""

    month: str
    scheme: str
    graded: int  # agents graded (probation excluded)
    shares: list[list[str]]  # [grade, share] the cut follows (the scheme's forced distribution, else seed 004)
    thresholds: list[list[str]]  # [score, grade], highest first; the last is 0
    counts: dict[str, int]  # agents per grade under the suggestion
