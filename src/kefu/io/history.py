"""Arrival history for the forecast, with what was assumed about it told to the user.

Why: a forecast is only as good as the reading of its history. Exports come
at 1–60-minute steps or one row per contact; they leave out zero intervals,
skip closed days and lose days to outages. This module turns any of them
into the forecast's day × slot grid and reports the reading — the rows' own
step, the weekdays that are closed, days without data on open weekdays (gaps
or holidays: never learned from as zeros), explicit zeros and zeros assumed
inside opening hours — so a supervisor can check it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from kefu.domain.errors import ErrorCode, KefuError
from kefu.io.arrivals import decode, pad_open_hours, parse_rows
from kefu.plan.forecast import Grid

WEEKDAYS_ZH = "一二三四五六日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class HistoryProfile:
    source: str  # "counts" (interval rows) | "contacts" (one row per contact)
    native_minutes: int  # the rows' own step; 0 = unknown (per contact, or one row a day)
    interval_minutes: int
    first_day: date
    last_day: date
    days_with_data: int
    closed_weekdays: tuple[int, ...]
    missing_days: tuple[date, ...]  # no rows on a weekday that is normally open
    zero_rows: int  # zero counts written in the file
    filled_zeros: int  # open-hour intervals without a row, taken as 0
    integer_counts: bool  # whole numbers: the Poisson noise floor applies

    def notes(self) -> list[tuple[str, str]]:
        """The assumptions in Chinese and English, one (zh, en) pair per line."""
        step_zh = "逐条进线" if self.source == "contacts" else f"{self.native_minutes or '?'} 分钟"
        step_en = (
            "one row per contact"
            if self.source == "contacts"
            else f"{self.native_minutes or '?'}-minute rows"
        )
        out = [
            (
                f"{self.first_day}–{self.last_day}: {step_zh}, 合并为 {self.interval_minutes} 分钟时段; "
                f"{self.days_with_data} 天有数据",
                f"{self.first_day}–{self.last_day}: {step_en} summed into {self.interval_minutes}-minute "
                f"intervals; {self.days_with_data} days with data",
            )
        ]
        if self.closed_weekdays:
            out.append(
                (
                    "休息的星期: " + "、".join("周" + WEEKDAYS_ZH[w] for w in self.closed_weekdays),
                    "closed weekdays: " + ", ".join(WEEKDAYS_EN[w] for w in self.closed_weekdays),
                )
            )
        if self.missing_days:
            shown = ", ".join(d.isoformat() for d in self.missing_days[:10])
            more = f" (+{len(self.missing_days) - 10})" if len(self.missing_days) > 10 else ""
            out.append(
                (
                    f"营业日无数据 (视为缺失或休息, 不按 0 学习): {shown}{more}",
                    f"open weekdays without data (taken as gaps or closures, not zeros): {shown}{more}",
                )
            )
        out.append(
            (
                f"文件中的 0: {self.zero_rows} 行; 营业时段内无记录按 0 计: {self.filled_zeros} 个时段",
                f"zeros in the file: {self.zero_rows} rows; open intervals without a row taken as 0: "
                f"{self.filled_zeros}",
            )
        )
        if not self.integer_counts:
            out.append(("数值非整数: 不适用泊松噪声下限", "values are not whole numbers: no Poisson floor"))
        return out


@dataclass(frozen=True)
class History:
    grid: Grid
    profile: HistoryProfile


def read_history(text: str, name: str, interval_min: int) -> History:
    """Interval counts or per-contact rows → grid padded inside opening hours, and its profile."""
    raw, step, source, zero_rows = parse_rows(text, name, interval_min)
    grid = pad_open_hours(raw)
    day_seen: NDArray[np.bool_] = np.asarray(~np.isnan(grid.values).all(axis=1), dtype=bool)
    weekdays = np.array([d.weekday() for d in grid.days])
    open_share = {w: float(day_seen[weekdays == w].mean()) for w in range(7) if (weekdays == w).any()}
    closed = tuple(w for w, share in sorted(open_share.items()) if share < 0.5)
    missing = tuple(
        grid.start + timedelta(days=i)
        for i in range(len(day_seen))
        if not day_seen[i] and open_share.get(int(weekdays[i]), 0.0) >= 0.5
    )
    seen = grid.values[~np.isnan(grid.values)]
    profile = HistoryProfile(
        source,
        step,
        interval_min,
        grid.start,
        grid.days[-1],
        int(day_seen.sum()),
        closed,
        missing,
        zero_rows,
        int(np.sum(np.isnan(raw.values) & ~np.isnan(grid.values))),
        bool(np.all(np.mod(seen, 1.0) == 0)),
    )
    return History(grid, profile)


def load_history(path: Path, interval_min: int) -> History:
    if not path.exists():
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE, f"找不到文件 {path}", f"file not found: {path}", {"file": str(path)}
        )
    return read_history(decode(path.read_bytes(), path.name), path.name, interval_min)
