"""The promotion calendar: fixed-date and lunar events, windows, overlaps and one-off shop events."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.plan.events import EventDay, OneOffEvent, Promotion, PromotionCalendar, spring_festival


def test_default_windows() -> None:
    cal = PromotionCalendar()
    assert cal.event_day(date(2025, 11, 11)) == EventDay("d11", 0, 2025)
    assert cal.event_day(date(2025, 10, 28)) == EventDay("d11", -14, 2025)
    assert cal.event_day(date(2025, 10, 27)) is None
    assert cal.event_day(date(2025, 11, 21)) == EventDay("d11", 10, 2025)
    assert cal.event_day(date(2025, 6, 8)) == EventDay("618", -10, 2025)
    assert cal.event_day(date(2025, 12, 17)) == EventDay("d12", 5, 2025)
    assert cal.window("d11") == (14, 10)
    with pytest.raises(KeyError):
        cal.window("nope")


def test_nianhuo_follows_spring_festival() -> None:
    assert spring_festival(2025) == date(2025, 1, 29)
    assert spring_festival(2026) == date(2026, 2, 17)
    cal = PromotionCalendar()
    assert cal.event_day(date(2025, 1, 9)) == EventDay("nianhuo", 0, 2025)  # 29 Jan − 20 days
    assert cal.event_day(date(2026, 1, 28)) == EventDay("nianhuo", 0, 2026)
    assert cal.event_day(date(2026, 1, 9)) is None


def test_overlap_goes_to_the_nearer_peak_and_one_off_events() -> None:
    cal = PromotionCalendar(
        promotions=(Promotion("a", "A", 3, 1, 5, 5), Promotion("b", "B", 3, 8, 5, 5)),
        one_off=(OneOffEvent("anniv", "店庆", date(2025, 3, 20), 2, 1),),
    )
    assert cal.event_day(date(2025, 3, 4)) == EventDay("a", 3, 2025)
    assert cal.event_day(date(2025, 3, 5)) == EventDay("b", -3, 2025)
    assert cal.event_day(date(2025, 3, 18)) == EventDay("anniv", -2, 2025)
    assert cal.window("anniv") == (2, 1)
    assert sorted(cal.days_in(date(2025, 3, 17), 6)) == [
        date(2025, 3, 18),
        date(2025, 3, 19),
        date(2025, 3, 20),
        date(2025, 3, 21),
    ]
