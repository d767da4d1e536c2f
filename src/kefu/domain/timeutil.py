"""Aware time helpers: store UTC, compute in the shop's zone, cut business days.

Naive datetimes are a bug everywhere in kefu (ruff DTZ enforces it); these
helpers are the only place that turns user text into aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.errors import bad_argument

SHOP_TZ = ZoneInfo("Asia/Shanghai")


def utc_now() -> datetime:
    return datetime.now(UTC)


def parse_aware(text: str, *, default_tz: ZoneInfo = SHOP_TZ) -> datetime:
    """Parse ISO-8601; a value without offset is read as shop wall-clock time."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise bad_argument("time", f"无法识别的时间 '{text}'", f"unreadable time '{text}'") from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz)
    return value


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise bad_argument("date", f"日期格式应为 YYYY-MM-DD: '{text}'", f"date must be YYYY-MM-DD: '{text}'") from exc


def business_day(ts: datetime, *, tz: ZoneInfo = SHOP_TZ, cut_hour: int = 0) -> date:
    """The business day a moment belongs to: local date, shifted back before ``cut_hour``."""
    local = ts.astimezone(tz) - timedelta(hours=cut_hour)
    return local.date()


def local_midnight(day: date, *, tz: ZoneInfo = SHOP_TZ) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def daterange(start: date, days: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(days)]
