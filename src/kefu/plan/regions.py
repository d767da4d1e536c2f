"""Holiday calendars by region for the forecast: CN (法定节假日 + 调休) or any python-holidays country.

Why: a series must only get holiday effects from its own calendar. A shop in
China uses :class:`~kefu.domain.calendar.BusinessCalendar` (statutory days,
in-lieu rest days and 调休 make-up workdays); a shop elsewhere — or a test
series such as Victorian electricity demand — uses its country's (and
optionally state's) public holidays, ``AU-VIC`` style. ``none`` switches
holiday effects off. Both kinds answer ``info(day) -> DayInfo``, which is all
:func:`kefu.plan.forecast.classify` needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

import holidays as pyholidays

from kefu.domain.calendar import BusinessCalendar, DayInfo, DayKind
from kefu.domain.errors import bad_argument


class DayCalendar(Protocol):
    def info(self, day: date) -> DayInfo: ...


@dataclass(frozen=True)
class RegionCalendar:
    """Public holidays of one country (and subdivision) from python-holidays; no make-up workdays."""

    country: str
    subdiv: str | None = None

    def info(self, day: date) -> DayInfo:
        name = _region_days(self.country, self.subdiv, day.year).get(day)
        if name:
            return DayInfo(day, DayKind.STATUTORY, name)
        return DayInfo(day, DayKind.REST if day.weekday() >= 5 else DayKind.WORKDAY)


@lru_cache(maxsize=256)
def _region_days(country: str, subdiv: str | None, year: int) -> dict[date, str]:
    return dict(pyholidays.country_holidays(country, subdiv=subdiv, years=year, language="en_US"))


def calendar_for(code: str) -> DayCalendar | None:
    """``CN`` (default for shops), ``none``, or a country code with an optional ``-SUBDIV`` (``AU-VIC``)."""
    text = (code or "").strip()
    if text.lower() == "none":
        return None
    if text.upper() == "CN":
        return BusinessCalendar()
    country, _, subdiv = text.upper().partition("-")
    supported = pyholidays.list_supported_countries()
    if country not in supported or (subdiv and subdiv not in supported[country]):
        raise bad_argument(
            "calendar",
            f"未知的节假日日历 '{text}', 可用 CN、none 或国家代码 (如 AU-VIC、US)",
            f"unknown holiday calendar '{text}'; use CN, none or a country code (e.g. AU-VIC, US)",
        )
    return RegionCalendar(country, subdiv or None)


def normalise_code(code: str) -> str:
    """The canonical spelling of a calendar code (``au-vic`` → ``AU-VIC``, ``None`` → ``none``)."""
    calendar_for(code)
    text = code.strip()
    return "none" if text.lower() == "none" else text.upper()
