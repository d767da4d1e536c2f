"""The monthly pay workbook (工资表) payroll opens in Excel: one payslip row per agent, then every line with its evidence.

Why apart from the KPI workbook: payroll needs the payslips in 元 and nothing else; the KPI
workbook is the supervisor's analysis (metrics, orders, claims, charts). Money arrives as
integer fen and is written as 元 numbers with a two-decimal format, so sums in Excel are exact to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from kefu.io.cells import xlsx_append

KINDS = ("base", "points", "commission", "overtime", "fine", "reward")
SLIP_HEADER = ["客服ID (agent)", "姓名 (name)", "等级 (grade)", "绩效得分 (score)", "底薪 (base)", "积分奖金 (points)",
               "销售提成 (commission)", "加班费 (overtime)", "罚款 (fines)", "奖励 (rewards)", "应发合计 (total)", "备注 (notes)"]  # fmt: skip
LINE_HEADER = ["客服ID (agent)", "姓名 (name)", "项目 (kind)", "说明 (label)", "金额 (元)", "依据 (evidence)"]
MONEY = "#,##0.00"


def _yuan(fen: int) -> float:
    return float(Decimal(int(fen)) / 100)  # Excel has no decimal type; two decimals of 元 are exact in a double


def write_pay_report(path: Path, month: str, scheme: str, slips: Sequence[dict[str, Any]],
                     lines: Sequence[dict[str, Any]]) -> Path:  # fmt: skip
    """``slips``: agent, name, grade, score, notes and one fen amount per kind (summed lines) plus total_fen;
    ``lines``: agent, name, kind, label, amount_fen, evidence (text)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "工资条"
    ws.append([f"{month} 工资表 / payroll · 方案 {scheme}"])
    ws["A1"].font = Font(bold=True, size=13)
    _header(ws, SLIP_HEADER)
    for s in slips:
        money = [_yuan(s.get(k, 0)) for k in KINDS] + [_yuan(s["total_fen"])]
        xlsx_append(ws, [s["agent"], s["name"], s["grade"], s["score"], *money, s["notes"]])
    _money(ws, first_col=5, last_col=11, first_row=3)
    detail = wb.create_sheet("明细")
    _header(detail, LINE_HEADER)
    for x in lines:
        xlsx_append(detail, [x["agent"], x["name"], x["kind"], x["label"], _yuan(x["amount_fen"]), x["evidence"]])
    _money(detail, first_col=5, last_col=5, first_row=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _header(ws: Worksheet, names: list[str]) -> None:
    ws.append(names)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = f"A{ws.max_row + 1}"  # a string: ws.cell() would add an empty row


def _money(ws: Worksheet, first_col: int, last_col: int, first_row: int) -> None:
    for row in ws.iter_rows(min_row=first_row, min_col=first_col, max_col=last_col):
        for cell in row:
            cell.number_format = MONEY
