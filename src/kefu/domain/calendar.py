"""The business calendar: Chinese statutory holidays, 调休 workdays, rest days.

Sources, in order: the admin's own table (``overrides``), the official
schedule in ``chinese-calendar`` (which knows years up to its release and
raises beyond), then python-``holidays`` for the statutory days of later years.
A year known only from ``holidays`` is flagged ``provisional`` so that the UI
can warn until the admin enters the State Council announcement. Never raises
for a future year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

import chinese_calendar
import holidays as pyholidays


class DayKind(StrEnum):
    WORKDAY = "workday"  # ordinary Monday–Friday, or a 调休 make-up workday
    REST = "rest"  # weekend or in-lieu day of a holiday block (200% overtime)
    STATUTORY = "statutory"  # 法定节假日 itself (300% overtime)


@dataclass(frozen=True)
class DayInfo:
    day: date
    kind: DayKind
    name: str = ""  # holiday name when there is one
    makeup_workday: bool = False  # 调休上班: a weekend day that is a workday
    provisional: bool = False  # year not in the official schedule

    @property
    def is_workday(self) -> bool:
        return self.kind is DayKind.WORKDAY


# Days per holiday that are statutory (法定) under the 2025 State Council rules;
# the other days of a holiday block are rest days.
_STATUTORY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
}


@dataclass
class BusinessCalendar:
    """Answers "what kind of day is this" for planning, overtime and duty rules."""

    overrides: dict[date, DayInfo] = field(default_factory=dict)

    def info(self, day: date) -> DayInfo:
        if day in self.overrides:
            return self.overrides[day]
        official = _official(day)
        if official is not None:
            return official
        return _statutory_fallback(day)

    def kind(self, day: date) -> DayKind:
        return self.info(day).kind

    def is_workday(self, day: date) -> bool:
        return self.info(day).is_workday

    def provisional_years(self, days: list[date]) -> list[int]:
        """Years among ``days`` that rely on the fallback and need the admin's table."""
        return sorted({d.year for d in days if self.info(d).provisional})


@lru_cache(maxsize=4096)
def _official(day: date) -> DayInfo | None:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        workday = chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None
    if workday:
        return DayInfo(day, DayKind.WORKDAY, makeup_workday=day.weekday() >= 5)
    if on_holiday and name is not None:
        label = _STATUTORY_NAMES.get(str(name), str(name))
        if _is_statutory_day(day, str(name)):
            return DayInfo(day, DayKind.STATUTORY, label)
        return DayInfo(day, DayKind.REST, label)
    return DayInfo(day, DayKind.REST)


def _is_statutory_day(day: date, name: str) -> bool:
    """Whether a day inside a holiday block is one of the statutory days.

    python-holidays names the statutory days plainly and marks the rest of a
    block as "(observed)" or "Day off (substituted …)"; only the plain ones
    earn the 300% overtime rate.
    """
    return day in _cn_statutory(day.year)


@lru_cache(maxsize=64)
def _cn_holidays(year: int) -> dict[date, str]:
    return dict(pyholidays.country_holidays("CN", years=year, language="en_US"))


def _is_block_rest(name: str) -> bool:
    return "observed" in name or name.startswith("Day off")


@lru_cache(maxsize=64)
def _cn_statutory(year: int) -> dict[date, str]:
    return {d: n for d, n in _cn_holidays(year).items() if not _is_block_rest(n)}


def _statutory_fallback(day: date) -> DayInfo:
    name = _cn_holidays(day.year).get(day)
    if name and not _is_block_rest(name):
        return DayInfo(day, DayKind.STATUTORY, name, provisional=True)
    if name:
        return DayInfo(day, DayKind.REST, name, provisional=True)
    if day.weekday() >= 5:
        return DayInfo(day, DayKind.REST, provisional=True)
    return DayInfo(day, DayKind.WORKDAY, provisional=True)
