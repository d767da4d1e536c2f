"""Aware time helpers: store UTC, compute in the shop's zone, cut business days.

Naive datetimes are a bug everywhere in kefu (ruff DTZ enforces it); these
helpers are the only place that turns user text into aware datetimes.
"""

from __future__ import annotations

import time as _time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import SupportsInt
from zoneinfo import ZoneInfo

from kefu.domain.errors import bad_argument

SHOP_TZ = ZoneInfo("Asia/Shanghai")
# Every day kefu reads from a user lies in this range. Why a bound at all: dates such as
# 9999-12-31 or 0001-01-01 parse, but the arithmetic after them (start + 42 days, a shift into
# the shop's zone) overflows. The range holds every real record (backtests read 1999 data).
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2100, 12, 31)


_clock: tuple[datetime, float] | None = None  # (start instant, monotonic reading at that instant)


def utc_now() -> datetime:
    """Now in UTC: the system clock, or the clock started by :func:`start_clock_at`.

    Every "now" in kefu comes from here, so a test that depends on the time of day
    (the demo cut at now, routing by shift ends, due timers) gives the whole process a
    fixed start instead of monkeypatching datetime: ``KEFU_CLOCK_START`` (settings).
    """
    if _clock is None:
        return datetime.now(UTC)
    start, at = _clock
    return start + timedelta(seconds=_time.monotonic() - at)


def start_clock_at(start: datetime | None) -> None:
    """From now on :func:`utc_now` begins at ``start`` and runs at the real pace (timers still fire);
    None goes back to the system clock. Starting again at the same instant keeps the running clock
    (time never goes back when a second app is created). Never in production (settings refuse it)."""
    global _clock
    if start is not None and start.tzinfo is None:
        raise ValueError("clock start must be an aware datetime")
    if start is None:
        _clock = None
    elif _clock is None or _clock[0] != start:
        _clock = (start.astimezone(UTC), _time.monotonic())


@contextmanager
def clock_from(start: datetime) -> Iterator[None]:
    """A block run with the clock started at ``start``, the previous clock afterwards (tests whose
    outcome depends on what "now" is: overdue tasks, overtime already worked)."""
    global _clock
    before = _clock
    _clock = None
    start_clock_at(start)
    try:
        yield
    finally:
        _clock = before


def day_in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def bounded_day(day: date, name: str = "date") -> date:
    """``day`` unchanged, or a BAD_ARGUMENT naming ``name`` when it lies outside FIRST_DAY–LAST_DAY."""
    if not day_in_range(day):
        raise bad_argument(name, f"日期超出范围 {FIRST_DAY}–{LAST_DAY}: {day}",
                           f"date out of range {FIRST_DAY}–{LAST_DAY}: {day}")
    return day


def month_bounds(month: str) -> tuple[date, date]:
    """``"2026-11"`` → (its first day, the first day of the next month); a bad or unbounded month is BAD_ARGUMENT."""
    try:
        first = date.fromisoformat(f"{month.strip()}-01")
    except ValueError as exc:
        raise bad_argument(
            "month", f"月份格式应为 YYYY-MM: '{month}'", f"month must be YYYY-MM: '{month}'"
        ) from exc
    bounded_day(first, "month")  # 9999-12 parses, but its next month does not exist
    return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_span(month: str, tz: ZoneInfo = SHOP_TZ) -> tuple[datetime, datetime]:
    """:func:`month_bounds` as aware local midnights in ``tz``: [first, next first)."""
    first, nxt = month_bounds(month)
    return datetime.combine(first, time.min, tz), datetime.combine(nxt, time.min, tz)


def from_epoch(epoch: int | SupportsInt) -> datetime:
    """Seconds since the epoch (numpy integers too) as an aware UTC datetime."""
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def parse_aware(text: str, *, default_tz: ZoneInfo = SHOP_TZ, name: str = "time") -> datetime:
    """Parse ISO-8601 within FIRST_DAY–LAST_DAY; a value without offset is read as shop wall-clock time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise bad_argument(name, f"无法识别的时间 '{text}'", f"unreadable time '{text}'") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    bounded_day(value.date(), name)
    return value


def parse_day(text: str, name: str = "date") -> date:
    """Parse YYYY-MM-DD within FIRST_DAY–LAST_DAY."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise bad_argument(name, f"日期格式应为 YYYY-MM-DD: '{text}'", f"date must be YYYY-MM-DD: '{text}'") from exc
    return bounded_day(day, name)


def business_day(ts: datetime, *, tz: ZoneInfo = SHOP_TZ, cut_hour: int = 0) -> date:
    """The business day a moment belongs to: local date, shifted back before ``cut_hour``."""
    local = ts.astimezone(tz) - timedelta(hours=cut_hour)
    return local.date()


def local_midnight(day: date, *, tz: ZoneInfo = SHOP_TZ) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)

