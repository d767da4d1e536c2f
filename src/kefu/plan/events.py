"""Promotion calendar: 618, 双11, 双12, 年货节 and a shop's own events.

Why a separate module: contact volume around a promotion follows a lead-up /
peak / after pattern (pre-sale questions, the peak day itself, then returns
and 售后 for a week or more) that the weekly seasonality cannot learn. The
forecast needs to know, for any day, which event window it belongs to and
at which offset from the peak, so it can learn a multiplier per offset from
past occurrences of the same event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays as pyholidays


@dataclass(frozen=True)
class Promotion:
    """A recurring event: its peak day each year and how far its effect reaches."""

    code: str  # stable key, e.g. "d11"
    name: str  # 双11
    month: int
    day: int
    lead_days: int  # days before the peak with raised volume (pre-sale)
    after_days: int  # days after the peak (售后, returns)
    # lunar events (年货节): the peak is this many days from Spring Festival; month/day are ignored
    spring_offset: int | None = None

    def peak(self, year: int) -> date:
        if self.spring_offset is not None:
            return spring_festival(year) + timedelta(days=self.spring_offset)
        return date(year, self.month, self.day)


@lru_cache(maxsize=64)
def spring_festival(year: int) -> date:
    """春节 (Chinese New Year's day) of a Gregorian year."""
    cn = pyholidays.country_holidays("CN", years=year, language="en_US")
    return min(d for d, name in cn.items() if "Spring Festival" in name)


@dataclass(frozen=True)
class OneOffEvent:
    """A shop's own event (店庆, 直播专场) on given dates."""

    code: str
    name: str
    peak: date
    lead_days: int = 3
    after_days: int = 3


# Windows follow the Tmall/JD calendars: 618 pre-sale starts ~late May/1 June,
# 双11 pre-sale ~20–24 Oct, 双12 is short; after-sale traffic lasts ~a week.
# 年货节 runs in the weeks before 春节 and ends when couriers stop (~10 days before).
DEFAULT_PROMOTIONS: tuple[Promotion, ...] = (
    Promotion("618", "618", 6, 18, 10, 5),
    Promotion("d11", "双11", 11, 11, 14, 10),
    Promotion("d12", "双12", 12, 12, 5, 5),
    Promotion("nianhuo", "年货节", 1, 1, 10, 5, spring_offset=-20),
)


@dataclass(frozen=True)
class EventDay:
    """Where a day sits inside an event window: ``offset`` 0 is the peak day."""

    code: str
    offset: int
    year: int


@dataclass
class PromotionCalendar:
    """Maps days to event windows. Overlaps go to the event whose peak is nearer."""

    promotions: tuple[Promotion, ...] = DEFAULT_PROMOTIONS
    one_off: tuple[OneOffEvent, ...] = ()

    def event_day(self, day: date) -> EventDay | None:
        best: EventDay | None = None
        for promo in self.promotions:
            for year in (day.year - 1, day.year, day.year + 1):
                try:
                    peak = promo.peak(year)
                except ValueError:
                    continue
                offset = (day - peak).days
                if -promo.lead_days <= offset <= promo.after_days and (
                    best is None or abs(offset) < abs(best.offset)
                ):
                    best = EventDay(promo.code, offset, year)
        for ev in self.one_off:
            offset = (day - ev.peak).days
            if -ev.lead_days <= offset <= ev.after_days and (best is None or abs(offset) < abs(best.offset)):
                best = EventDay(ev.code, offset, ev.peak.year)
        return best

    def window(self, code: str) -> tuple[int, int]:
        """(lead_days, after_days) of an event code."""
        for promo in self.promotions:
            if promo.code == code:
                return promo.lead_days, promo.after_days
        for ev in self.one_off:
            if ev.code == code:
                return ev.lead_days, ev.after_days
        raise KeyError(code)

    def days_in(self, start: date, days: int) -> dict[date, EventDay]:
        out: dict[date, EventDay] = {}
        for i in range(days):
            d = start + timedelta(days=i)
            ev = self.event_day(d)
            if ev is not None:
                out[d] = ev
        return out


NO_EVENTS = PromotionCalendar(promotions=(), one_off=())
