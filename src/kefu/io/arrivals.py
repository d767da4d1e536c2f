"""Arrival counts in and forecasts out: ``interval_start,count`` CSV, and call-by-call logs.

Why strict: a forecast built on a half-read file is worse than none, so a bad
row rejects the whole file with every bad cell listed (row, column, reason in
Chinese and English). Times are shop wall-clock; an ISO offset, if present,
is converted to the shop zone. CSV may be UTF-8 (with or without BOM) or GBK.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kefu.domain.errors import ErrorCode, KefuError, RowError, bad_argument, bad_rows
from kefu.domain.timeutil import SHOP_TZ
from kefu.plan.forecast import Grid

HISTORY_COLUMNS = ("interval_start", "count")


def decode(raw: bytes, name: str) -> str:
    for enc in ("utf-8-sig", "gbk"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise KefuError(
        ErrorCode.IMPORT_BAD_ENCODING,
        f"文件 {name} 不是 UTF-8 或 GBK 编码",
        f"file {name} is neither UTF-8 nor GBK",
    )


def _wall_clock(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("/", "-"))
    if value.tzinfo is not None:
        value = value.astimezone(SHOP_TZ).replace(tzinfo=None)
    return value


CONTACT_COLUMNS = ("contact_time", "timestamp", "arrival_time", "created_at")
FORECAST_INTERVALS = (15, 30, 60)


def parse_history(text: str, name: str, interval_min: int) -> Grid:
    """Read ``interval_start,count`` rows of any granularity that divides ``interval_min`` into a grid.

    No padding: a cell without rows stays NaN (see :func:`read_history` for the forecast's view).
    """
    return parse_rows(text, name, interval_min)[0]


def parse_rows(text: str, name: str, interval_min: int) -> tuple[Grid, int, str, int]:
    """(grid, native step in minutes, ``counts`` | ``contacts``, explicit zero rows)."""
    if interval_min not in FORECAST_INTERVALS:
        raise bad_argument("interval", "间隔须为 15、30 或 60 分钟", "interval must be 15, 30 or 60 minutes")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    contact_col = next((c for c in CONTACT_COLUMNS if c in header), None)
    if contact_col is not None and "count" not in header:
        return _parse_contacts(reader, name, contact_col, interval_min)
    missing = [c for c in HISTORY_COLUMNS if c not in header]
    if missing:
        raise KefuError(
            ErrorCode.IMPORT_MISSING_COLUMN,
            f"文件 {name} 缺少列: {', '.join(missing)}",
            f"file {name} is missing columns: {', '.join(missing)}",
            {"file": name, "missing": missing},
        )
    errors: list[RowError] = []
    parsed: dict[datetime, float] = {}
    for rownum, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        ts_text, count_text = row.get("interval_start", ""), row.get("count", "")
        ts = _row_time(ts_text, rownum, "interval_start", name, errors)
        if ts is not None and (ts.second or ts.microsecond):
            errors.append(
                RowError(
                    rownum,
                    "interval_start",
                    "时段起点须为整分钟",
                    "an interval must start on a whole minute",
                    name,
                )
            )
            ts = None
        try:
            count = float(count_text)
            if not np.isfinite(count) or count < 0:
                raise ValueError(count_text)
        except ValueError:
            errors.append(
                RowError(
                    rownum,
                    "count",
                    f"数量须为非负数: '{count_text}'",
                    f"count must be a non-negative number: '{count_text}'",
                    name,
                )
            )
            continue
        if ts is None:
            continue
        if ts in parsed:
            errors.append(
                RowError(
                    rownum, "interval_start", f"重复的时段 {ts_text}", f"duplicate interval {ts_text}", name
                )
            )
            continue
        parsed[ts] = count
    if errors:
        raise bad_rows(name, errors)
    _need_rows(parsed, name)
    step = _check_granularity(sorted(parsed), interval_min, name)
    zeros = sum(1 for v in parsed.values() if v == 0)
    return grid_from_counts(parsed.items(), interval_min), step, "counts", zeros


def _row_time(text: str, rownum: int, column: str, name: str, errors: list[RowError]) -> datetime | None:
    try:
        return _wall_clock(text)
    except ValueError:
        errors.append(RowError(rownum, column, f"无法识别的时间 '{text}'", f"unreadable time '{text}'", name))
        return None


def _parse_contacts(
    reader: csv.DictReader[str], name: str, column: str, interval_min: int
) -> tuple[Grid, int, str, int]:
    """One row per contact (its arrival time): counted into the interval."""
    errors: list[RowError] = []
    times: list[datetime] = []
    for rownum, row in enumerate(reader, start=2):
        text = (row.get(column) or "").strip()
        ts = _row_time(text, rownum, column, name, errors)
        if ts is not None:
            times.append(ts)
    if errors:
        raise bad_rows(name, errors)
    floor = _floor_counts(times, interval_min)
    _need_rows(floor, name)
    return grid_from_counts(floor.items(), interval_min), 0, "contacts", 0


def _floor_counts(times: list[datetime], interval_min: int) -> dict[datetime, float]:
    """Contacts per interval start (times floored to the interval)."""
    floor: dict[datetime, float] = {}
    for ts in times:
        minute = (ts.hour * 60 + ts.minute) // interval_min * interval_min
        key = ts.replace(hour=minute // 60, minute=minute % 60, second=0, microsecond=0)
        floor[key] = floor.get(key, 0.0) + 1.0
    return floor


def _need_rows(parsed: dict[datetime, float], name: str) -> None:
    if not parsed:
        raise KefuError(
            ErrorCode.FORECAST_NO_HISTORY,
            f"文件 {name} 没有数据行",
            f"file {name} has no data rows",
            {"file": name},
        )


def _check_granularity(stamps: list[datetime], interval_min: int, name: str) -> int:
    """The rows' own step (gcd of the gaps between rows of one day); it must divide ``interval_min``.

    Why refuse coarser rows: hourly history for a 30-min forecast would look
    like every :30 slot is closed. Rows at steps that do not divide the
    interval (20-minute rows into 30) cannot be summed without guessing.
    A file with never two rows on one day tells no step: 0.
    """
    step = 0
    for a, b in zip(stamps, stamps[1:], strict=False):
        if a.date() == b.date():
            step = math.gcd(step, int((b - a).total_seconds() // 60))
    if step == 0:
        return 0
    if step > interval_min and step % interval_min == 0:
        raise bad_argument(
            "interval",
            f"文件 {name} 的时段为 {step} 分钟, 比 {interval_min} 分钟粗; 请用 --interval {step}",
            f"file {name} has {step}-minute rows, coarser than {interval_min}; use --interval {step}",
        )
    if interval_min % step:
        raise bad_argument(
            "interval",
            f"文件 {name} 的时段为 {step} 分钟, 不能合并为 {interval_min} 分钟",
            f"file {name} has {step}-minute rows that do not add up to {interval_min}-minute intervals",
        )
    return step


def grid_from_counts(items: Iterable[tuple[datetime, float]], interval_min: int) -> Grid:
    """Sum wall-clock counts into ``interval_min`` slots; days and slots without rows stay NaN."""
    pairs = sorted(items)
    first = pairs[0][0].date()
    n_days = (pairs[-1][0].date() - first).days + 1
    values = np.full((n_days, 1440 // interval_min), np.nan)
    for ts, count in pairs:
        minute = ts.hour * 60 + ts.minute
        d, s = (ts.date() - first).days, minute // interval_min
        values[d, s] = count if np.isnan(values[d, s]) else values[d, s] + count
    return Grid(first, interval_min, values)


def format_grid(grid: Grid, column: str = "forecast", digits: int = 3) -> str:
    """``interval_start,<column>`` rows for every non-NaN cell, in time order."""
    out = io.StringIO()
    out.write(f"interval_start,{column}\n")
    step = timedelta(minutes=grid.interval_min)
    for d_i, day in enumerate(grid.days):
        base = datetime(day.year, day.month, day.day, tzinfo=SHOP_TZ).replace(tzinfo=None)
        for s_i in np.nonzero(~np.isnan(grid.values[d_i]))[0]:
            ts = base + step * int(s_i)
            out.write(f"{ts:%Y-%m-%d %H:%M},{round(float(grid.values[d_i, s_i]), digits)}\n")
    return out.getvalue()


def bank_call_times(path: Path) -> list[datetime]:
    """Agent-queue arrival times from the Technion "Anonymous Bank" call log (see its README).

    An arrival to the agent queue is ``date + vru_exit`` of a call that was
    served (``outcome == AGENT``) or queued (``q_time > 0``); a ``vru_exit``
    earlier than ``vru_entry`` crossed midnight.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="ascii", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        out: list[datetime] = []
        for row in reader:
            if row["outcome"].strip() != "AGENT" and int(row["q_time"]) <= 0:
                continue
            yy, mm, dd = int(row["date"][:2]), int(row["date"][2:4]), int(row["date"][4:6])
            day = date(1900 + yy if yy > 50 else 2000 + yy, mm, dd)
            entry, exit_ = _hms(row["vru_entry"]), _hms(row["vru_exit"])
            ts = datetime(day.year, day.month, day.day, tzinfo=SHOP_TZ).replace(tzinfo=None) + exit_
            out.append(ts + timedelta(days=1) if exit_ < entry else ts)
    return out


def _hms(text: str) -> timedelta:
    h, m, s = (int(p) for p in text.strip().split(":"))
    return timedelta(hours=h, minutes=m, seconds=s)


def counts_from_times(times: list[datetime], interval_min: int, min_share: float = 0.5) -> Grid:
    """Interval counts from event times, with zeros inside the opening hours.

    Opening hours are learned per weekday: a slot is open when it saw at least
    one arrival on ``min_share`` of that weekday's days. Arrivals outside them
    are kept (they are real) but their slots are not padded with zeros.
    """
    return pad_open_hours(
        grid_from_counts(_floor_counts(times, interval_min).items(), interval_min), min_share
    )


def pad_open_hours(grid: Grid, min_share: float = 0.5) -> Grid:
    """Zeros in the open hours of days that have data; days without any row stay NaN.

    Opening hours are learned per weekday: a slot is open when it has a row on
    at least ``min_share`` of that weekday's days with data. Rows outside them
    are kept (they are real) but their slots are not padded with zeros. Why:
    exports leave out zero intervals, and a missing day is a gap (or closure),
    not a day of zeros.
    """
    hit = ~np.isnan(grid.values)
    day_seen: NDArray[np.bool_] = np.asarray(hit.any(axis=1), dtype=bool)
    days = grid.days
    values = grid.values.copy()
    for w in range(7):
        idx = [i for i, d in enumerate(days) if d.weekday() == w and day_seen[i]]
        if not idx:
            continue
        open_slots = hit[idx].mean(axis=0) >= min_share
        for i in idx:
            values[i] = np.where(open_slots & np.isnan(values[i]), 0.0, values[i])
    return Grid(grid.start, grid.interval_min, values)
