"""The monthly KPI workbook managers open in Excel: agents, daily, orders with evidence, pay, claims, charts.

Why openpyxl charts: the report must read well without kefu running — a bar chart of
sales per agent and the silent share over the month are native Excel charts.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from kefu.credit import metrics as mx
from kefu.io.cells import xlsx_append


def _value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NaT:
        return None
    if isinstance(v, Decimal):
        return float(v)  # Excel has no decimal type; ratios only, money stays integer fen
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def _sheet(ws: Worksheet, frame: pd.DataFrame, labels: dict[str, str] | None = None) -> None:
    labels = labels or {}
    xlsx_append(ws, [f"{labels[c]} ({c})" if c in labels else str(c) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        xlsx_append(ws, [_value(v) for v in row])  # buyer and agent names are text, never formulas
    ws.freeze_panes = "A2"


def write_kpi_report(
    path: Path,
    month: str,
    agents: pd.DataFrame,
    daily: pd.DataFrame,
    orders: pd.DataFrame,
    pay_lines: pd.DataFrame,
    claims: pd.DataFrame,
    shop_day: pd.DataFrame,
    provisional: pd.DataFrame,
) -> Path:
    labels = {m.name: m.zh for m in mx.CATALOGUE}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "agents"
    _sheet(ws, agents, labels | {"score": "绩效得分", "grade": "等级", "pay_fen": "应发(分)"})
    _sheet(wb.create_sheet("daily"), daily, labels)
    _sheet(wb.create_sheet("orders"), orders)
    _sheet(wb.create_sheet("pay"), pay_lines)
    _sheet(wb.create_sheet("claims"), claims)
    _sheet(wb.create_sheet("shop_day"), shop_day)
    _sheet(wb.create_sheet("provisional"), provisional)
    charts = wb.create_sheet("charts")
    charts["A1"] = f"{month} 绩效图表 / KPI charts"
    _charts(charts, wb["agents"], wb["shop_day"], agents, shop_day)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _col(frame: pd.DataFrame, name: str) -> int:
    return list(frame.columns).index(name) + 1


def _charts(
    ws: Worksheet, agents_ws: Worksheet, shop_ws: Worksheet, agents: pd.DataFrame, shop_day: pd.DataFrame
) -> None:
    n = len(agents)
    if n and "sales_fen" in agents.columns:
        bar = BarChart()
        bar.title = "销售额(分) / credited sales per agent"
        col = _col(agents, "sales_fen")
        bar.add_data(Reference(agents_ws, min_col=col, min_row=1, max_row=n + 1), titles_from_data=True)
        bar.set_categories(Reference(agents_ws, min_col=1, min_row=2, max_row=n + 1))
        bar.width, bar.height = 24, 10
        ws.add_chart(bar, "A3")
    if n and "score" in agents.columns:
        sc = BarChart()
        sc.title = "绩效得分 / KPI score"
        col = _col(agents, "score")
        sc.add_data(Reference(agents_ws, min_col=col, min_row=1, max_row=n + 1), titles_from_data=True)
        sc.set_categories(Reference(agents_ws, min_col=1, min_row=2, max_row=n + 1))
        sc.width, sc.height = 24, 10
        ws.add_chart(sc, "A25")
    m = len(shop_day)
    if m and "silent_share" in shop_day.columns:
        line = LineChart()
        line.title = "静默销售占比 / silent share of sales"
        col = _col(shop_day, "silent_share")
        line.add_data(Reference(shop_ws, min_col=col, min_row=1, max_row=m + 1), titles_from_data=True)
        line.set_categories(Reference(shop_ws, min_col=_col(shop_day, "day"), min_row=2, max_row=m + 1))
        line.width, line.height = 24, 10
        ws.add_chart(line, "A47")


def rows(items: Iterable[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=columns)
