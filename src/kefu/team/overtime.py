"""Overtime (加班) planned in advance (seed 002): its legal terms and limits.

劳动法 第41/44条: overtime is paid at 150 % of the hourly wage on a workday, 200 %
on a rest day (or compensated by 调休 instead) and 300 % on a statutory holiday
(法定节假日 itself); a workday may be extended by at most 3 hours and a month
holds at most 36 hours of overtime. The day's kind comes from the business
calendar the caller passes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from kefu.domain.calendar import DayKind
from kefu.domain.errors import ErrorCode, KefuError, bad_argument

RATES = {DayKind.WORKDAY: Decimal("1.5"), DayKind.REST: Decimal("2"), DayKind.STATUTORY: Decimal("3")}
WORKDAY_MAX_MINUTES = 3 * 60  # 劳动法 第41条: at most 3 h a day
MONTH_MAX_MINUTES = 36 * 60  # and at most 36 h a month
DAY_MAX_MINUTES = 12 * 60  # a rest or holiday day worked whole, never more


class Compensation(StrEnum):
    PAY = "pay"  # paid at the day's rate
    COMP_LEAVE = "comp_leave"  # 调休 minutes on the ledger (rest days only)


@dataclass(frozen=True)
class Terms:
    kind: DayKind
    rate: Decimal
    compensation: Compensation


def terms(day: date, kind: DayKind, compensation: Compensation, minutes: int, month_minutes: int,
          today: date) -> Terms:  # fmt: skip
    """The terms of ``minutes`` of overtime on ``day``; refuses what the law or "in advance" forbids.

    ``month_minutes`` is the overtime already approved or pending in that month.
    """
    if day < today:
        raise bad_argument("day", "加班须提前安排, 不能补申请过去的日期", "overtime is arranged in advance, not for a past day")
    if minutes < 1:
        raise bad_argument("minutes", "应为正数", "must be positive", value=minutes)
    if kind is DayKind.WORKDAY and minutes > WORKDAY_MAX_MINUTES:
        raise _limit("工作日延长工作时间每天不得超过 3 小时", "a workday may be extended by at most 3 hours", minutes)
    if minutes > DAY_MAX_MINUTES:
        raise _limit("每天加班不得超过 12 小时", "at most 12 hours of overtime a day", minutes)
    if month_minutes + minutes > MONTH_MAX_MINUTES:
        raise _limit(f"每月加班不得超过 36 小时 (本月已有 {month_minutes / 60:g} 小时)",
                     f"at most 36 hours of overtime a month ({month_minutes / 60:g} h already)", minutes)
    if compensation is Compensation.COMP_LEAVE and kind is not DayKind.REST:
        raise bad_argument("compensation", "只有休息日加班可以调休, 工作日和法定节假日加班须支付加班费",
                           "only rest-day overtime may become comp leave; workday and holiday overtime is paid")
    return Terms(kind, RATES[kind], compensation)


def _limit(zh: str, en: str, minutes: int) -> KefuError:
    return KefuError(ErrorCode.CONFLICT, f"超出加班上限 (劳动法第41条): {zh}", f"over the overtime limit (Labour Law art. 41): {en}",
                     {"minutes": minutes})
