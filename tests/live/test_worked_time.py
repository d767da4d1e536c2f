"""Worked time from status intervals: schedule figures, adherence, conformance and overtime categories."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from kefu.domain.calendar import BusinessCalendar
from kefu.domain.timeutil import SHOP_TZ
from kefu.live.presence import Interval, WorkPolicy, worked_day
from kefu.live.shifts import shift_end_for, window

CAL = BusinessCalendar()


def at(day: date, hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=SHOP_TZ)


def frame(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=SHOP_TZ)
    return start, start + timedelta(days=1)


def test_day_shift_figures() -> None:
    d = date(2026, 11, 11)  # a Wednesday, workday
    shift = window(d, "09:00", "16:30", [{"kind": "meal", "start": "12:00", "end": "12:30"}])
    intervals = [Interval("online", at(d, "09:10"), at(d, "12:00")), Interval("break", at(d, "12:00"), at(d, "12:35")),
                 Interval("online", at(d, "12:35"), at(d, "16:00")), Interval("offline", at(d, "16:00"), None)]
    chat_after_logout = [(at(d, "15:50"), at(d, "16:50"))]
    got = worked_day(d, frame(d), intervals, [shift], chat_after_logout, CAL, at(d, "23:59"))
    assert (got.scheduled_minutes, got.online_minutes, got.break_minutes, got.away_minutes) == (420, 375, 35, 0)
    assert (got.offline_in_shift_minutes, got.late_start_minutes, got.early_leave_minutes) == (40, 10, 30)
    assert got.worked_minutes == 430  # online + 5 paid minutes of break after the meal + the late chat
    assert (got.overtime_minutes, got.overtime_kind, got.overtime_rate) == (15, "workday", Decimal("1.5"))
    assert got.adherence == Decimal("0.9000")  # 375 online as planned + 30 on the meal break, of 450
    assert got.conformance == Decimal("1.0238")  # 430 / 420
    assert not got.absent


def test_night_shift_extends_while_buyers_chat() -> None:
    d = date(2026, 11, 11)
    shift = window(d, "16:00", "22:30")
    intervals = [Interval("online", at(d, "15:58"), at(d, "23:20")), Interval("offline", at(d, "23:20"), None)]
    got = worked_day(d, frame(d), intervals, [shift], [(at(d, "22:00"), at(d, "23:20"))], CAL, at(d, "23:59"))
    assert (got.late_start_minutes, got.early_leave_minutes) == (0, 0)
    assert got.overtime_minutes == 45  # 22:30–23:20 is 52 minutes, rounded down to the 15-minute unit
    assert shift_end_for(at(d, "22:29"), [shift]) == at(d, "22:30")
    assert shift_end_for(at(d, "22:31"), [shift]) == at(d, "22:30")  # ended: no new chats
    assert shift_end_for(at(d, "10:00"), [shift]) is None  # not started: manually online counts


def test_overtime_categories() -> None:
    holiday = date(2026, 10, 1)  # 国庆节, statutory
    block_rest = date(2026, 10, 5)  # inside the holiday block, but a rest day
    ordinary = date(2026, 11, 11)  # workday, but the agent has no shift: their rest day
    for d, kind, rate in ((holiday, "statutory", "3.0"), (block_rest, "rest", "2.0"), (ordinary, "rest", "2.0")):
        got = worked_day(d, frame(d), [Interval("online", at(d, "10:00"), at(d, "12:07"))], [], [], CAL,
                         at(d, "23:00"))
        assert (got.overtime_minutes, got.overtime_kind, got.overtime_rate) == (120, kind, Decimal(rate)), d
        assert got.scheduled_minutes == 0 and got.adherence is None and got.conformance is None
    assert worked_day(holiday, frame(holiday), [Interval("online", at(holiday, "10:00"), at(holiday, "11:00"))],
                      [], [], CAL, at(holiday, "23:00")).statutory_minutes == 60


def test_policy_away_and_absence() -> None:
    d = date(2026, 11, 11)
    shift = window(d, "09:00", "10:00")
    away = [Interval("away", at(d, "09:00"), at(d, "10:00"))]
    counted = worked_day(d, frame(d), away, [shift], [], CAL, at(d, "12:00"))
    not_counted = worked_day(d, frame(d), away, [shift], [], CAL, at(d, "12:00"), WorkPolicy(count_away=False))
    assert (counted.worked_minutes, not_counted.worked_minutes) == (60, 0)
    absent = worked_day(d, frame(d), [], [shift], [], CAL, at(d, "12:00"))
    assert absent.absent and absent.offline_in_shift_minutes == 60 and absent.conformance == Decimal("0.0000")
    future = worked_day(d, frame(d), [], [shift], [], CAL, at(d, "08:00"))
    assert not future.absent and future.offline_in_shift_minutes == 0
