"""Shared builders for duty tests: a week of November 2026 (Fri 20th, Sat 21st)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from kefu.domain.timeutil import SHOP_TZ
from kefu.duty.engine import OrderFacts
from kefu.duty.roster import RosterView

FRI = date(2026, 11, 20)
SAT = date(2026, 11, 21)
THU = date(2026, 11, 19)


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=SHOP_TZ)


def order(oid: str, created: datetime, *, paid_after: timedelta | None = None, amount: int = 5000) -> OrderFacts:
    paid = None if paid_after is None else created + paid_after
    return OrderFacts(oid, "shop1", f"buyer-{oid}", created, paid, amount)


def week_roster() -> RosterView:
    """a01 白班 every day; b02 and c03 晚班 Thu–Fri; d04 白班 at the weekend only."""
    rows = []
    for day in (THU, FRI):
        rows += [("a01", day, "白班"), ("b02", day, "晚班"), ("c03", day, "晚班"), ("d04", day, "休")]
    for day in (SAT, SAT + timedelta(days=1)):
        rows += [("a01", day, "白班"), ("b02", day, "休"), ("c03", day, ""), ("d04", day, "白班")]
    return RosterView.from_entries(rows)
