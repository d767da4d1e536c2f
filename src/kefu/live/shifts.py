"""Shift windows in real time: a roster day plus HH:MM start/end (end <= start = next day).

Routing needs "has this agent's shift ended" (no new conversations after it)
and worked time needs the scheduled window; both read it from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import SHOP_TZ


@dataclass(frozen=True)
class ShiftWindow:
    day: date  # the roster day the shift belongs to (a night shift may end the next day)
    start: datetime
    end: datetime
    breaks: tuple[tuple[datetime, datetime, str], ...] = ()  # (start, end, kind) kind: meal|rest

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


def _hhmm(text: str) -> time:
    try:
        hour, minute = text.strip().split(":")
        return time(int(hour) % 24, int(minute))
    except ValueError as exc:
        raise bad_argument("shift", f"时间应为 HH:MM: '{text}'", f"time must be HH:MM: '{text}'") from exc


def window(day: date, start: str, end: str, breaks: Iterable[dict[str, str]] = (), tz: ZoneInfo = SHOP_TZ) -> ShiftWindow:
    """The real start and end of a shift; ``24:00`` and an end before the start roll to the next day."""
    begin = datetime.combine(day, _hhmm(start), tzinfo=tz)
    finish = datetime.combine(day, _hhmm(end), tzinfo=tz)
    if finish <= begin:
        finish += timedelta(days=1)
    parts: list[tuple[datetime, datetime, str]] = []
    for item in breaks:
        b0 = datetime.combine(day, _hhmm(item["start"]), tzinfo=tz)
        if b0 < begin:
            b0 += timedelta(days=1)
        b1 = datetime.combine(b0.date(), _hhmm(item["end"]), tzinfo=tz)
        if b1 <= b0:
            b1 += timedelta(days=1)
        parts.append((b0, b1, str(item.get("kind", "rest"))))
    return ShiftWindow(day, begin, finish, tuple(sorted(parts)))


def shift_end_for(now: datetime, windows: Iterable[ShiftWindow]) -> datetime | None:
    """End of the shift that limits new work at ``now``.

    The shift running now, else a shift of today that has already ended (then
    the agent gets no new conversations), else None: no shift yet, so an agent
    who is online is "manually online" and routable.
    """
    ended: datetime | None = None
    for w in windows:
        if w.start <= now < w.end:
            return w.end
        if w.end <= now and w.end.astimezone(SHOP_TZ).date() == now.astimezone(SHOP_TZ).date() and (ended is None or w.end > ended):
            ended = w.end
    return ended
