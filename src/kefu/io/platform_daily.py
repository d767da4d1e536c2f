"""赤兔 / 生意参谋 ``客服数据汇总-日数据``: the platform's per-agent daily figures, for reconciliation.

Why a reader of its own: the sheet is the shop's reference — what the platform will
judge the agents by — so ``kefu credit reconcile`` sets our figures beside these. The
columns and the metrics compared are data (``layouts/platform_daily.toml``). The sheet is
small (agents × days), so it is read row by row; Excel (the sheet of that name, else
the first) or CSV. Values keep the precision the platform printed (``95.20%`` → 0.9520
to 4 places), so a difference smaller than that precision is no difference.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from kefu.domain.errors import ErrorCode, KefuError, RowError
from kefu.io.table import EXCEL_SUFFIXES, empty_file, load_workbook, open_table, sheet_rows

DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S")


@dataclass(frozen=True)
class SheetMetric:
    name: str
    columns: tuple[str, ...]
    kind: str  # count | seconds | rate
    places: int
    lower: str
    higher: str


@dataclass(frozen=True)
class SheetLayout:
    sheet: str
    day: tuple[str, ...]
    agent: tuple[str, ...]
    summary_words: frozenset[str]
    metrics: tuple[SheetMetric, ...]
    reasons: dict[str, tuple[str, str]]  # key → (zh, en) templates


@cache
def layout() -> SheetLayout:
    raw: dict[str, Any] = tomllib.loads(files("kefu.io.layouts").joinpath("platform_daily.toml").read_text("utf-8"))
    metrics = tuple(SheetMetric(m["name"], tuple(m["columns"]), m["kind"], m["places"], m["lower"], m["higher"])
                    for m in raw["metric"])  # fmt: skip
    reasons = {k: (v["zh"], v["en"]) for k, v in raw["reason"].items()}
    return SheetLayout(raw["sheet"], tuple(raw["day"]), tuple(raw["agent"]), frozenset(raw["summary_words"]),
                       metrics, reasons)  # fmt: skip


@dataclass(frozen=True)
class Figure:
    value: Decimal
    places: int  # decimals the platform printed (a percentage's two become four)


@dataclass(frozen=True)
class DailyRow:
    row: int
    account: str  # 旺旺 as written: '店铺:客服' or a bare sub-account
    day: date
    figures: dict[str, Figure]  # metric → the platform's figure (absent when the cell is empty)

    @property
    def shop_prefix(self) -> str:
        return self.account.partition(":")[0] if ":" in self.account else ""

    @property
    def sub_account(self) -> str:
        return self.account.rpartition(":")[2]


@dataclass
class DailySheet:
    name: str
    rows: list[DailyRow]
    errors: list[RowError]


def read_daily_sheet(path: Path, first: date, last: date) -> DailySheet:
    """The sheet's rows for days in [first, last]; other days, unreadable cells → bad rows; totals skipped."""
    lay = layout()
    header, rows = _rows(path, lay.sheet)
    col = {name: i for i, name in enumerate(header)}

    def find(aliases: tuple[str, ...]) -> int | None:
        return next((col[a] for a in aliases if a in col), None)

    day_i, agent_i = find(lay.day), find(lay.agent)
    metric_i = {m.name: find(m.columns) for m in lay.metrics}
    missing = [a[0] for a, i in ((lay.day, day_i), (lay.agent, agent_i)) if i is None]
    if missing or all(i is None for i in metric_i.values()):
        missing += [] if any(i is not None for i in metric_i.values()) else [m.columns[0] for m in lay.metrics]
        raise KefuError(ErrorCode.IMPORT_MISSING_COLUMN,
                        f"文件 {path.name} 不是{lay.sheet}表, 缺少列: {', '.join(missing)}",
                        f"file {path.name} is not a {lay.sheet} sheet; missing columns: {', '.join(missing)}",
                        {"file": path.name, "missing": missing})  # fmt: skip
    assert day_i is not None and agent_i is not None
    out = DailySheet(path.name, [], [])
    for number, cells in rows:
        cells = cells + [""] * (len(header) - len(cells))
        day_text, account = cells[day_i].strip(), cells[agent_i].strip()
        if day_text in lay.summary_words or account in lay.summary_words or not (day_text or account):
            continue
        try:
            day = _day(day_text, lay.day[0])
            if not first <= day <= last:
                raise _Bad(lay.day[0], f"日期 {day} 不在 {first}–{last} 内", f"day {day} is outside {first}–{last}")
            if not account:
                raise _Bad(lay.agent[0], "旺旺为空", "empty 旺旺 account")
            figures = {m.name: f for m in lay.metrics
                       if (i := metric_i[m.name]) is not None and (f := _figure(cells[i], m, header[i])) is not None}  # fmt: skip
        except _Bad as bad:
            out.errors.append(RowError(number, bad.column, bad.zh, bad.en, path.name))
            continue
        out.rows.append(DailyRow(number, account, day, figures))
    return out


class _Bad(ValueError):
    def __init__(self, column: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.column, self.zh, self.en = column, zh, en


def _rows(path: Path, sheet: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and numbered data rows (sheet row numbers, header = 1)."""
    if path.suffix.lower() in EXCEL_SUFFIXES:
        wb = load_workbook(path)
        try:
            ws = wb[sheet] if sheet in wb.sheetnames else wb.worksheets[0]
            rows = list(sheet_rows(ws))
        finally:
            wb.close()
        if not rows:
            raise empty_file(path.name)
        return [h.strip() for h in rows[0]], list(enumerate(rows[1:], start=2))
    table = open_table(path)
    data: list[tuple[int, list[str]]] = []
    for batch in table.batches:
        cols = [batch.columns[n].to_pylist() for n in table.header]
        data += [(batch.first_row + k, [str(c) for c in r]) for k, r in enumerate(zip(*cols, strict=True))]
    return table.header, data


def _day(text: str, column: str) -> date:
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar day, no zone
        except ValueError:
            continue
    raise _Bad(column, f"日期无法识别: '{text}'", f"unreadable day: '{text}'")


def _figure(text: str, metric: SheetMetric, column: str) -> Figure | None:
    """'95.20%' or a rate '95.2' → 0.9520 / 0.952; '0.952' stays; '1,234' → 1234; '' or '-' → None."""
    cell = text.strip().replace(",", "")
    if cell in ("", "-", "--", "null"):
        return None
    percent = cell.endswith("%")
    try:
        value = Decimal(cell.rstrip("%").strip())
    except InvalidOperation as exc:
        raise _Bad(column, f"数值无法识别: '{text}'", f"unreadable number: '{text}'") from exc
    if not value.is_finite() or value < 0:
        raise _Bad(column, f"数值无效: '{text}'", f"invalid number: '{text}'")
    places = max(0, -int(value.as_tuple().exponent))
    if percent or (metric.kind == "rate" and value > 1):  # '95.20%', or a percentage written without its sign
        value, places = value / 100, places + 2
    return Figure(value, places)
