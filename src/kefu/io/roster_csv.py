"""CSV in and out for ``kefu roster plan``: agents, shift templates, requirement, preferences.

Files may be UTF-8 (with or without BOM) or GBK. A file with any bad cell is
rejected whole with every bad row listed (``bad_rows``), so a manager fixes the
spreadsheet once instead of once per error. Requirement times without an
offset are shop wall-clock time (Asia/Shanghai).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from kefu.domain.codes import is_code
from kefu.domain.errors import ErrorCode, KefuError, RowError, bad_rows
from kefu.domain.timeutil import SHOP_TZ, local_midnight
from kefu.io import cells, csvfile
from kefu.io.csvfile import BadCell
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Agent, BreakRule, Preference, Roster, Shift

T = TypeVar("T")
TRUE = {"1", "true", "yes", "y", "是", "t"}
FALSE = {"0", "false", "no", "n", "否", "f", ""}


def _rows(path: Path, required: tuple[str, ...], parse: Callable[[dict[str, str]], T]) -> list[T]:
    text, _ = csvfile.read_text(path)
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise KefuError(ErrorCode.IMPORT_MISSING_COLUMN, f"文件 {path.name} 缺少列: {', '.join(missing)}",
                        f"file {path.name} is missing columns: {', '.join(missing)}",
                        {"file": path.name, "missing": missing})
    out: list[T] = []
    errors: list[RowError] = []
    for i, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): cells.unquote((v or "").strip()) for k, v in raw.items() if k is not None}
        try:
            out.append(parse(row))
        except BadCell as exc:
            errors.append(RowError(i, exc.column, exc.zh, exc.en, path.name))
    if errors:
        raise bad_rows(path.name, errors)
    return out


def _bool(row: dict[str, str], col: str) -> bool:
    v = row.get(col, "").lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise BadCell(col, f"应为 1/0 或 是/否, 实际 '{v}'", f"expected 1/0 or yes/no, got '{v}'")


def _clock(value: str, col: str) -> int:
    try:
        hh, mm = value.split(":")
        h, m = int(hh), int(mm)
    except ValueError:
        raise BadCell(col, f"时间应为 HH:MM, 实际 '{value}'", f"time must be HH:MM, got '{value}'") from None
    if not (0 <= h <= 24 and 0 <= m < 60) or h * 60 + m > 1440:
        raise BadCell(col, f"时间超出范围 '{value}'", f"time out of range '{value}'")
    return h * 60 + m


def _day(value: str, col: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadCell(col, f"日期应为 YYYY-MM-DD, 实际 '{value}'", f"date must be YYYY-MM-DD, got '{value}'") from None


def _hours(row: dict[str, str], col: str) -> float | None:
    v = row.get(col, "")
    if v == "":
        return None
    try:
        h = float(v)
    except ValueError:
        raise BadCell(col, f"应为小时数, 实际 '{v}'", f"expected hours, got '{v}'") from None
    if h < 0:
        raise BadCell(col, "不能为负数", "must not be negative")
    return h


def _days(row: dict[str, str], col: str) -> int | None:
    """A contract's working days in the period: empty = no bound."""
    v = row.get(col, "")
    if v == "":
        return None
    if not v.isdigit():
        raise BadCell(col, f"应为天数 (非负整数), 实际 '{v}'", f"expected a number of days (whole, ≥ 0), got '{v}'")
    return int(v)


def _code(value: str, column: str) -> None:
    """Agent ids, skills and shift codes become element ids and cells: letters, digits, ``_ . - :`` only."""
    if not is_code(value):
        raise BadCell(column, f"'{value[:40]}' 只能包含文字、数字和 _ . - : (不能有空格或引号)",
                      f"'{value[:40]}' may hold only letters, digits and _ . - : (no spaces or quotes)")


def read_agents(path: Path) -> list[Agent]:
    """agent,skills,night_ok[,min_hours,max_hours,leave,min_days,max_days]; skills and leave dates joined by ``|``.

    ``min_days``/``max_days`` are working days in the period (empty = no
    bound); files without these columns read as before.
    """
    seen: set[str] = set()

    def parse(row: dict[str, str]) -> Agent:
        aid = row["agent"]
        if not aid:
            raise BadCell("agent", "客服不能为空", "agent is empty")
        _code(aid, "agent")
        if aid in seen:
            raise BadCell("agent", f"客服 {aid} 重复", f"duplicate agent {aid}")
        seen.add(aid)
        skills = tuple(s.strip() for s in row["skills"].split("|") if s.strip())
        if not skills:
            raise BadCell("skills", "至少一个技能", "at least one skill is required")
        for skill in skills:
            _code(skill, "skills")
        leave: set[date] = set()
        for item in (x.strip() for x in row.get("leave", "").split("|") if x.strip()):
            first, _, last = item.partition("..")
            a, b = _day(first, "leave"), _day(last or first, "leave")
            if b < a:
                raise BadCell("leave", f"假期结束早于开始 '{item}'", f"leave ends before it starts '{item}'")
            leave.update(a + timedelta(days=i) for i in range((b - a).days + 1))
        min_days, max_days = _days(row, "min_days"), _days(row, "max_days")
        if min_days is not None and max_days is not None and max_days < min_days:
            raise BadCell("max_days", f"最多天数 {max_days} 小于最少天数 {min_days}",
                          f"max_days {max_days} is below min_days {min_days}")
        min_hours, max_hours = _hours(row, "min_hours"), _hours(row, "max_hours")
        if min_hours is not None and max_hours is not None and max_hours < min_hours:
            raise BadCell("max_hours", f"最多工时 {max_hours:g} 小于最少工时 {min_hours:g}",
                          f"max_hours {max_hours:g} is below min_hours {min_hours:g}")
        return Agent(aid, skills, _bool(row, "night_ok"), min_hours or 0.0, max_hours, frozenset(leave),
                     min_days, max_days)

    agents = _rows(path, ("agent", "skills", "night_ok"), parse)
    if not agents:
        raise KefuError(ErrorCode.IMPORT_BAD_FILE, f"文件 {path.name} 没有客服", f"file {path.name} has no agents",
                        {"file": path.name})
    return agents


def _breaks(text: str, start: int) -> tuple[BreakRule, ...]:
    """``meal:30@11:00-13:30|short:15@09:30-10:30`` → rules with windows relative to the shift start."""
    out = []
    for item in (x.strip() for x in text.split("|") if x.strip()):
        try:
            head, window = item.split("@")
            kind, minutes = head.split(":")
            lo, hi = window.split("-")
            mins = int(minutes)
        except ValueError:
            raise BadCell("breaks", f"休息格式应为 类型:分钟@HH:MM-HH:MM, 实际 '{item}'",
                      f"break must be kind:minutes@HH:MM-HH:MM, got '{item}'") from None
        a, b = (_clock(lo, "breaks") - start) % 1440, (_clock(hi, "breaks") - start) % 1440
        if kind not in ("meal", "short") or mins <= 0 or b - a < mins:
            raise BadCell("breaks", f"休息 '{item}' 无效 (类型 meal/short, 窗口须容得下)",
                      f"break '{item}' invalid (kind meal/short, window must fit it)")
        out.append(BreakRule(kind, mins, a, b))
    return tuple(out)


def read_shifts(path: Path) -> list[Shift]:
    """code,start,end,night[,breaks]; end ≤ start means the shift ends the next day."""
    seen: set[str] = set()

    def parse(row: dict[str, str]) -> Shift:
        code = row["code"]
        if not code:
            raise BadCell("code", "班次代码不能为空", "shift code is empty")
        _code(code, "code")
        if code in seen:
            raise BadCell("code", f"班次 {code} 重复", f"duplicate shift {code}")
        seen.add(code)
        start, end = _clock(row["start"], "start"), _clock(row["end"], "end")
        if start >= 1440:
            raise BadCell("start", "开始时间须早于 24:00", "start must be before 24:00")
        if end <= start:
            end += 1440
        shift = Shift(code, start, end, _bool(row, "night"), _breaks(row.get("breaks", ""), start))
        if any(b.window_to > shift.minutes for b in shift.breaks):
            raise BadCell("breaks", "休息窗口超出班次", "break window outside the shift")
        return shift

    shifts = _rows(path, ("code", "start", "end", "night"), parse)
    if not shifts:
        raise KefuError(ErrorCode.IMPORT_BAD_FILE, f"文件 {path.name} 没有班次", f"file {path.name} has no shifts",
                        {"file": path.name})
    return shifts


def read_requirement(path: Path, start: date, days: int, column: str = "agents") -> dict[str, list[float]]:
    """interval_start,skill,agents (30-minute intervals); rows outside the horizon are ignored.

    ``column="calls"`` reads a contact-volume file of the same shape (for the predicted service level).
    """
    origin = local_midnight(start)
    n = days * SLOTS_PER_DAY
    out: dict[str, list[float]] = {}
    seen: set[tuple[str, int]] = set()

    def parse(row: dict[str, str]) -> None:
        try:
            ts = datetime.fromisoformat(row["interval_start"])
        except ValueError:
            raise BadCell("interval_start", f"时间格式无效 '{row['interval_start']}'",
                      f"unreadable time '{row['interval_start']}'") from None
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=SHOP_TZ)
        minutes = (ts - origin).total_seconds() / 60
        if minutes % SLOT:
            raise BadCell("interval_start", "时段须对齐到 30 分钟", "interval must start on a 30-minute boundary")
        skill = row["skill"]
        if not skill:
            raise BadCell("skill", "技能不能为空", "skill is empty")
        _code(skill, "skill")
        try:
            need = float(row[column])
        except ValueError:
            raise BadCell(column, f"应为数字, 实际 '{row[column]}'", f"{column} must be a number, got '{row[column]}'") from None
        if need < 0 or need != need:
            raise BadCell(column, "不能为负", f"{column} must not be negative")
        slot = int(minutes // SLOT)
        if not 0 <= slot < n:
            return
        if (skill, slot) in seen:
            raise BadCell("interval_start", f"时段 {row['interval_start']} 技能 {skill} 重复",
                      f"duplicate interval {row['interval_start']} for skill {skill}")
        seen.add((skill, slot))
        out.setdefault(skill, [0.0] * n)[slot] = need

    _rows(path, ("interval_start", "skill", column), parse)
    return out


def read_preferences(path: Path) -> list[Preference]:
    """agent,date,shift[,weight]; an empty shift means the agent wants the day off."""

    def parse(row: dict[str, str]) -> Preference:
        weight = row.get("weight", "") or "1"
        if not weight.isdigit():
            raise BadCell("weight", f"权重应为正整数, 实际 '{weight}'", f"weight must be a positive integer, got '{weight}'")
        return Preference(row["agent"], _day(row["date"], "date"), row["shift"], int(weight))

    return _rows(path, ("agent", "date", "shift"), parse)


def write_roster(path: Path, roster: Roster, start: date, days: int) -> None:
    """agent,date,shift — one row per agent and day, empty shift on rest days."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agent", "date", "shift"])
        for agent, line in roster.items():
            for d in range(days):
                cell = line[d]
                w.writerow(cells.csv_row([agent, (start + timedelta(days=d)).isoformat(),
                                          "" if cell is None else cell.shift]))
