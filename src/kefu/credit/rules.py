"""Every rule setting of the credit engine, with the defaults shops use today (赤兔 / 快麦).

A shop overrides any of them (``Shop.settings["credit"]``); the engine only ever sees
one frozen ``CreditRules`` so a run is reproducible from its settings alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from kefu.domain.errors import bad_argument

Rule = Literal["order_first", "by_order", "by_payment"]
RULES: tuple[str, ...] = ("order_first", "by_order", "by_payment")


@dataclass(frozen=True)
class CreditRules:
    """Settings of attribution and metrics. Times in seconds, money in fen."""

    rule: Rule = "order_first"  # seed 003: sale to 落实下单 agent, else 落实付款 agent
    credit_window_s: int = 48 * 3600  # a serving session counts if it ended ≤ 48 h before the event
    session_gap_s: int = 600  # a silence of ≥ 10 min ends a session
    aftersale_days: int = 21  # buyer whose last paid order is this recent is 售后, not 询单
    refunds_reduce_sales: bool = True
    excluded_agents: frozenset[str] = field(default_factory=frozenset)  # internal / listed accounts
    exclude_monologue: bool = True  # agent talked, buyer wrote nothing: not a reception
    timezone: str = "Asia/Shanghai"
    day_cut_hour: int = 0  # business day starts at this local hour
    slow_reply_s: int = 120  # 慢响应: a reply gap above this …
    slow_reply_times: int = 3  # … at least this many times in a day
    fast_reply_s: int = 180  # Taobao 3-minute response rate
    fast_rate_from_hour: int = 8  # rounds counted for the 3-minute rate from 08:00 …
    fast_rate_to_hour: int = 24  # … to 24:00 local time

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise bad_argument(
                "rule", f"归属规则必须是 {'/'.join(RULES)}", f"rule must be one of {', '.join(RULES)}"
            )
        for name in ("credit_window_s", "session_gap_s", "slow_reply_s", "fast_reply_s"):
            if getattr(self, name) <= 0:
                raise bad_argument(name, "必须大于 0", "must be positive", value=getattr(self, name))
        if self.aftersale_days < 0:
            raise bad_argument("aftersale_days", "不能为负", "must not be negative")
        if not 0 <= self.day_cut_hour < 24:
            raise bad_argument("day_cut_hour", "必须在 0–23 之间", "must be 0–23")
        if not 0 <= self.fast_rate_from_hour < self.fast_rate_to_hour <= 24:
            raise bad_argument("fast_rate_hours", "时段无效", "bad hour range")
        try:
            ZoneInfo(self.timezone)
        except Exception as exc:  # ZoneInfoNotFoundError or ValueError
            raise bad_argument(
                "timezone", f"未知时区 {self.timezone}", f"unknown time zone {self.timezone}"
            ) from exc

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def read_span(self, start: datetime, end: datetime) -> tuple[datetime, datetime, datetime]:
        """What crediting [start, end) must read: messages from, orders from, both until.

        Messages a window plus a session gap (and a day) earlier, orders the 售后 period earlier,
        both four days past the end (late payments, sessions running over the cut).
        """
        m_lo = start - timedelta(seconds=self.credit_window_s + self.session_gap_s) - timedelta(days=1)
        o_lo = start - timedelta(days=self.aftersale_days + 1)
        return m_lo, o_lo, end + timedelta(days=4)

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None, base: CreditRules | None = None) -> CreditRules:
        """Per-shop overrides (JSON from ``Shop.settings['credit']``) on top of ``base``; unknown keys rejected.

        ``"profile": "jd"`` takes the platform's assessment rules (:mod:`kefu.credit.profiles`) first.
        """
        rules = base or cls()
        if not settings:
            return rules
        settings = dict(settings)
        if "profile" in settings:  # the platform's assessment rules first; the shop's own settings win
            from kefu.credit.profiles import profile

            settings = {**profile(str(settings.pop("profile"))).values, **settings}
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise bad_argument("credit", f"未知的规则设置 {unknown}", f"unknown credit settings {unknown}")
        values = dict(settings)
        if "excluded_agents" in values:
            values["excluded_agents"] = frozenset(str(a) for a in values["excluded_agents"])
        return replace(rules, **values)
