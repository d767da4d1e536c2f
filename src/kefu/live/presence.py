"""Worked time and overtime of one agent on one day, from status intervals (pure).

Presence is kept as intervals, never snapshots, so every figure here is a sum
of overlaps: scheduled, online, away, break, offline-in-shift, late start,
early leave, adherence and conformance. Chats handled outside the schedule —
after shift end (the night shift extends while buyers are still chatting) or
while offline — are overtime, classed by the China labour-law day kind:
workday extension 150%, rest day 200% (or 调休 comp leave), statutory holiday 300%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kefu.domain.calendar import BusinessCalendar, DayKind
from kefu.live.shifts import ShiftWindow

Span = tuple[datetime, datetime]
RATES = {DayKind.WORKDAY: Decimal("1.5"), DayKind.REST: Decimal("2.0"), DayKind.STATUTORY: Decimal("3.0")}


@dataclass(frozen=True)
class Interval:
    status: str  # online|away|break|offline
    start: datetime
    end: datetime | None  # None while it lasts


@dataclass(frozen=True)
class WorkPolicy:
    """Shop settings: what counts as work and how overtime is rounded."""

    count_away: bool = True  # 挂起 still chats, so it counts by default
    paid_break_minutes: int = 15  # a short break up to this long counts; a scheduled meal break does not
    rounding_minutes: int = 15  # overtime is rounded down to this unit


@dataclass(frozen=True)
class WorkedDay:
    day: date
    day_kind: str
    scheduled_minutes: int
    online_minutes: int
    away_minutes: int
    break_minutes: int
    offline_in_shift_minutes: int
    late_start_minutes: int
    early_leave_minutes: int
    worked_minutes: int
    adherence: Decimal | None
    conformance: Decimal | None
    overtime_minutes: int
    overtime_kind: str
    overtime_rate: Decimal
    statutory_minutes: int  # all work on a 法定节假日 (paid 300% under the standard hours system)
    absent: bool

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["day"] = self.day.isoformat()
        for key in ("adherence", "conformance", "overtime_rate"):
            out[key] = None if out[key] is None else str(out[key])
        return out


def _clip(span: Span, frame: Span) -> Span | None:
    start, end = max(span[0], frame[0]), min(span[1], frame[1])
    return (start, end) if start < end else None


def _union(spans: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif start < end:
            merged.append((start, end))
    return merged


def _seconds(spans: Sequence[Span]) -> float:
    return sum((b - a).total_seconds() for a, b in _union(spans))


def _intersect(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    out = []
    for x in _union(a):
        for y in _union(b):
            if (c := _clip(x, y)) is not None:
                out.append(c)
    return out


def _minus(a: Sequence[Span], b: Sequence[Span]) -> list[Span]:
    """Parts of ``a`` outside ``b``."""
    result: list[Span] = []
    for start, end in _union(a):
        cursor = start
        for b0, b1 in _union(b):
            if b1 <= cursor or b0 >= end:
                continue
            if b0 > cursor:
                result.append((cursor, b0))
            cursor = max(cursor, b1)
        if cursor < end:
            result.append((cursor, end))
    return result


def _minutes(seconds: float) -> int:
    return int(seconds // 60)


def worked_day(
    day: date,
    frame: Span,
    intervals: Sequence[Interval],
    shifts: Sequence[ShiftWindow],
    activity: Sequence[Span],
    calendar: BusinessCalendar,
    now: datetime,
    policy: WorkPolicy | None = None,
) -> WorkedDay:
    """Figures for ``day`` inside ``frame`` (the day, stretched to cover its night shift).

    ``activity`` holds the spans during which the agent had an open conversation;
    those count as work even while the agent's status says offline.
    """
    policy = policy or WorkPolicy()
    frame = (frame[0], min(frame[1], now))
    by_status: dict[str, list[Span]] = {"online": [], "away": [], "break": [], "offline": []}
    for iv in intervals:
        if (c := _clip((iv.start, iv.end or now), frame)) is not None:
            by_status.setdefault(iv.status, []).append(c)
    shift_spans = [(s.start, s.end) for s in shifts]
    meal = [(b0, b1) for s in shifts for b0, b1, kind in s.breaks if kind == "meal"]
    scheduled = _seconds(shift_spans) - _seconds(_intersect(meal, shift_spans))
    working = by_status["online"] + (by_status["away"] if policy.count_away else [])
    paid_breaks = [(b0, min(b1, b0 + timedelta(minutes=policy.paid_break_minutes))) for b0, b1 in _minus(by_status["break"], meal)]
    clipped_activity = [c for span in activity if (c := _clip(span, frame)) is not None]
    worked_spans = _union(working + paid_breaks + clipped_activity)
    present = _union(by_status["online"] + by_status["away"] + by_status["break"])
    in_shift_present = _intersect(present, _clip_all(shift_spans, frame))
    shift_so_far = _clip_all(shift_spans, frame)

    late = early = 0
    absent = bool(shifts) and not in_shift_present and bool(shift_so_far)
    for shift in shifts:
        mine = _intersect(present, [(shift.start, shift.end)])
        if not mine or now <= shift.start:
            continue
        late += _minutes(max(0.0, (mine[0][0] - shift.start).total_seconds()))
        still_on = any(iv.end is None for iv in intervals if iv.status != "offline")
        if now >= shift.end and not still_on:
            early += _minutes(max(0.0, (shift.end - mine[-1][1]).total_seconds()))

    on_plan = _intersect(_minus(shift_so_far, meal), working) + _intersect(
        _intersect(shift_so_far, meal), by_status["break"] + by_status["offline"])
    span_s = _seconds(shift_so_far)
    outside = _minus(worked_spans, shift_spans)
    overtime = _minutes(_seconds(outside))
    unit = max(policy.rounding_minutes, 1)
    overtime -= overtime % unit
    info = calendar.info(day)
    # A day without a shift is the agent's rest day even on a calendar workday (排班休息).
    kind = info.kind if info.kind is not DayKind.WORKDAY or shifts else DayKind.REST
    worked = _minutes(_seconds(worked_spans))
    return WorkedDay(
        day=day,
        day_kind=str(info.kind),
        scheduled_minutes=_minutes(scheduled),
        online_minutes=_minutes(_seconds(by_status["online"])),
        away_minutes=_minutes(_seconds(by_status["away"])),
        break_minutes=_minutes(_seconds(by_status["break"])),
        offline_in_shift_minutes=_minutes(span_s - _seconds(in_shift_present)),
        late_start_minutes=late,
        early_leave_minutes=early,
        worked_minutes=worked,
        adherence=None if span_s == 0 else _ratio(_seconds(on_plan), span_s),
        conformance=None if scheduled == 0 else _ratio(_seconds(_intersect(worked_spans, shift_spans)) +
                                                       _seconds(outside), scheduled),
        overtime_minutes=overtime,
        overtime_kind=str(kind),
        overtime_rate=RATES[kind],
        statutory_minutes=worked if info.kind is DayKind.STATUTORY else 0,
        absent=absent,
    )


def _clip_all(spans: Sequence[Span], frame: Span) -> list[Span]:
    return [c for s in spans if (c := _clip(s, frame)) is not None]


def _ratio(part: float, whole: float) -> Decimal:
    return (Decimal(str(part)) / Decimal(str(whole))).quantize(Decimal("0.0001"))
