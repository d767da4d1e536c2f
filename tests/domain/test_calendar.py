"""Business calendar: official schedule, statutory vs rest days, future years."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.domain.calendar import BusinessCalendar, DayInfo, DayKind


@pytest.mark.parametrize(
    ("day", "kind", "makeup"),
    [
        (date(2026, 5, 1), DayKind.STATUTORY, False),  # 劳动节 statutory
        (date(2026, 5, 2), DayKind.STATUTORY, False),
        (date(2026, 5, 4), DayKind.REST, False),  # same block, in-lieu rest day
        (date(2026, 5, 9), DayKind.WORKDAY, True),  # Saturday 调休 make-up workday
        (date(2026, 10, 1), DayKind.STATUTORY, False),
        (date(2026, 10, 7), DayKind.REST, False),
        (date(2026, 11, 21), DayKind.REST, False),  # plain Saturday
        (date(2026, 11, 23), DayKind.WORKDAY, False),  # plain Monday
    ],
)
def test_official_days(day: date, kind: DayKind, makeup: bool) -> None:
    info = BusinessCalendar().info(day)
    assert (info.kind, info.makeup_workday, info.provisional) == (kind, makeup, False)


def test_future_year_never_raises_and_is_provisional() -> None:
    cal = BusinessCalendar()
    assert cal.info(date(2031, 10, 1)).kind is DayKind.STATUTORY
    assert cal.info(date(2031, 10, 1)).provisional is True
    assert cal.kind(date(2031, 10, 8)) is DayKind.WORKDAY  # Wednesday, not a holiday
    assert cal.provisional_years([date(2026, 1, 5), date(2031, 3, 3)]) == [2031]


def test_admin_override_wins() -> None:
    day = date(2031, 10, 11)
    cal = BusinessCalendar({day: DayInfo(day, DayKind.WORKDAY, makeup_workday=True)})
    assert cal.is_workday(day) is True
    assert cal.provisional_years([day]) == []
