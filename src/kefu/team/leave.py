"""Leave (请假, seed 001 六): kinds, the dates a request may cover, the days it takes, balances.

Seed 001 says leave is arranged in advance and signed by the supervisor; so a
request for 事假, 年假 or 调休 must reach the supervisor before its first day,
while 病假 may be filed up to a week after the agent fell ill. A leave takes the
days the agent was rostered to work (a rest day inside the range costs
nothing); where the roster has no row yet, calendar workdays count. 调休 is
drawn from the comp-leave ledger in minutes: a day costs the paid minutes of
the shift it replaces, or a standard 8-hour day when no shift is rostered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from kefu.domain.errors import ErrorCode, KefuError, bad_argument


class LeaveKind(StrEnum):
    PERSONAL = "personal"  # 事假 (unpaid)
    SICK = "sick"  # 病假
    ANNUAL = "annual"  # 年假 (paid annual leave)
    COMP = "comp"  # 调休 (drawn on the comp-leave ledger)


LABELS: dict[LeaveKind, tuple[str, str]] = {
    LeaveKind.PERSONAL: ("事假", "personal leave"),
    LeaveKind.SICK: ("病假", "sick leave"),
    LeaveKind.ANNUAL: ("年假", "annual leave"),
    LeaveKind.COMP: ("调休", "comp leave"),
}
_BY_TEXT = {zh: kind for kind, (zh, _) in LABELS.items()} | {kind.value: kind for kind in LeaveKind}


def parse_kind(text: str) -> LeaveKind:
    """事假|病假|年假|调休 (or personal|sick|annual|comp) → LeaveKind."""
    kind = _BY_TEXT.get(text.strip())
    if kind is None:
        raise bad_argument("type", f"假别应为 事假|病假|年假|调休, 收到 '{text}'",
                           f"type must be 事假|病假|年假|调休, got '{text}'", value=text)
    return kind


@dataclass(frozen=True)
class LeavePolicy:
    """A shop's leave settings (``Shop.settings["team"]``)."""

    annual_days: int = 5  # 职工带薪年休假条例: 5 days a year once an employee has worked a year
    max_days: int = 31  # one request covers at most a month
    sick_backdate_days: int = 7  # 病假 may be filed this many days after it began
    day_minutes: int = 480  # 调休 cost of a day without a rostered shift


def check_dates(kind: LeaveKind, first: date, last: date, today: date, policy: LeavePolicy) -> None:
    """Refuse ranges that are reversed, too long, or not arranged in advance."""
    if last < first:
        raise bad_argument("to", "结束日期早于开始日期", "the last day is before the first day")
    if (last - first).days + 1 > policy.max_days:
        raise bad_argument("to", f"一次最多请 {policy.max_days} 天", f"one request covers at most {policy.max_days} days")
    if kind is LeaveKind.SICK:
        if first < today - timedelta(days=policy.sick_backdate_days):
            raise bad_argument("from", f"病假最多补请 {policy.sick_backdate_days} 天前的",
                               f"sick leave may begin at most {policy.sick_backdate_days} days ago")
    elif first <= today:
        raise bad_argument("from", f"{LABELS[kind][0]}须事先申请 (最早明天开始)",
                           f"{LABELS[kind][1]} must be requested in advance (from tomorrow on)")


@dataclass(frozen=True)
class LeaveDay:
    """One day of a leave range as the roster has it."""

    day: date
    shift: str | None  # rostered shift code, "" = rostered rest day, None = no roster row
    minutes: int = 0  # paid minutes of that shift


def taken_days(days: Iterable[LeaveDay], is_workday: Callable[[date], bool]) -> list[LeaveDay]:
    """The days a leave actually takes: rostered work days, and calendar workdays where no row exists."""
    return [d for d in days if d.shift or (d.shift is None and is_workday(d.day))]


def comp_minutes(days: Iterable[LeaveDay], policy: LeavePolicy) -> int:
    """调休 minutes a leave costs: each day's shift minutes, or the standard day without a shift."""
    return sum(d.minutes if d.shift else policy.day_minutes for d in days)


@dataclass(frozen=True)
class Booked:
    """A request of the year as balances see it."""

    kind: LeaveKind
    status: str  # pending | approved (others do not count)
    days: int
    minutes: int = 0


@dataclass(frozen=True)
class Balance:
    kind: LeaveKind
    unit: str  # "day" | "minute"
    entitled: int | None  # None = no cap (病假, 事假)
    used: int
    pending: int
    remaining: int | None


def balances(year: Iterable[Booked], policy: LeavePolicy, comp_ledger: int) -> list[Balance]:
    """Per leave kind: entitlement, used (approved), pending and what is left.

    调休 is counted in minutes: ``comp_ledger`` is the ledger balance (credits
    minus leave already taken); pending 调休 requests are set aside from it.
    """
    rows = list(year)
    out = []
    for kind in LeaveKind:
        minutes = kind is LeaveKind.COMP
        used = sum(r.minutes if minutes else r.days for r in rows if r.kind is kind and r.status == "approved")
        pending = sum(r.minutes if minutes else r.days for r in rows if r.kind is kind and r.status == "pending")
        if minutes:
            out.append(Balance(kind, "minute", comp_ledger, used, pending, comp_ledger - pending))
        elif kind is LeaveKind.ANNUAL:
            out.append(Balance(kind, "day", policy.annual_days, used, pending, policy.annual_days - used - pending))
        else:
            out.append(Balance(kind, "day", None, used, pending, None))
    return out


def check_balance(kind: LeaveKind, days: int, minutes: int, balance: Balance) -> None:
    """Refuse a request its kind's remaining balance cannot cover (no cap: always fine)."""
    need = minutes if balance.unit == "minute" else days
    if balance.remaining is None or need <= balance.remaining:
        return
    zh, en = LABELS[kind]
    unit_zh, unit_en = ("分钟", "min") if balance.unit == "minute" else ("天", "days")
    raise KefuError(ErrorCode.CONFLICT, f"{zh}余额不足: 需要 {need} {unit_zh}, 剩余 {balance.remaining} {unit_zh}",
                    f"{en} balance too low: needs {need} {unit_en}, {balance.remaining} {unit_en} left",
                    {"kind": kind.value, "need": need, "remaining": balance.remaining})
