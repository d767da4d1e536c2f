"""The contract command ``kefu credit run``: exact files out; bad files → both languages, exit 2, nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.domain.errors import ErrorCode, KefuError

M_HEAD = "shop,buyer,agent,ts,direction,auto\n"
O_HEAD = "order_id,shop,buyer,created_at,paid_at,amount_fen,status,refund_fen\n"
MESSAGES = M_HEAD + (
    "s1,b1,A,2026-11-03T10:00:00+08:00,in,0\n"
    "s1,b1,A,2026-11-03T10:01:00+08:00,out,0\n"
    "s1,b2,B,2026-11-03T11:00:00+08:00,in,0\n"
    "s1,b2,B,2026-11-03T11:00:02+08:00,out,1\n"
    "s1,b3,B,2026-11-03T12:00:00+08:00,in,0\n"
    "s1,b3,B,2026-11-03T12:00:30+08:00,out,0\n"
)
ORDERS = O_HEAD + (
    "o1,s1,b1,2026-11-03T10:30:00+08:00,2026-11-03T10:31:00+08:00,5000,交易成功,0\n"
    "o2,s1,b2,2026-11-03T11:10:00+08:00,2026-11-03T11:20:00+08:00,3000,交易成功,0\n"
    "o3,s1,b3,2026-11-03T09:00:00+08:00,2026-11-03T12:10:00+08:00,2000,交易关闭,2000\n"
    "o4,s1,b1,2026-11-05T10:01:00+08:00,,800,等待买家付款,0\n"
    "o5,s1,b1,2026-11-05T10:01:01+08:00,,800,等待买家付款,0\n"
)


def _write(
    tmp: Path, messages: str = MESSAGES, orders: str = ORDERS, encoding: str = "utf-8"
) -> tuple[Path, Path]:
    m, o = tmp / "M.csv", tmp / "O.csv"
    m.write_text(messages, encoding="utf-8")
    o.write_bytes(orders.encode(encoding))
    return m, o


def _run(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


def test_contract_outputs(tmp_path: Path) -> None:
    m, o = _write(tmp_path)
    code, out, exc = _run(
        "credit", "run", "--messages", str(m), "--orders", str(o), "--out", str(tmp_path / "out")
    )
    assert code == 0, (out, exc)
    rows = list(csv.reader((tmp_path / "out" / "order_credit.csv").open(encoding="utf-8")))
    assert rows == [
        ["order_id", "order_agent", "payment_agent", "credited_agent", "silent"],
        ["o1", "A", "A", "A", "0"],
        ["o2", "", "", "", "1"],  # B only auto-replied
        ["o3", "", "B", "B", "0"],  # ordered silently, paid after B's chat
        ["o4", "A", "", "", "0"],  # 48 h exactly after A's reply, unpaid
        ["o5", "", "", "", "1"],  # 48 h + 1 s
    ]
    day = {
        (r["agent"], r["day"]): r
        for r in csv.DictReader((tmp_path / "out" / "agent_day.csv").open(encoding="utf-8"))
    }
    assert set(day) == {("A", "2026-11-03"), ("A", "2026-11-05"), ("B", "2026-11-03")}
    a, b = day["A", "2026-11-03"], day["B", "2026-11-03"]
    assert (a["receptions"], a["sales_fen"], a["credited_orders"]) == ("1", "5000", "1")
    assert (day["A", "2026-11-05"]["placed_orders"], day["A", "2026-11-05"]["receptions"]) == ("1", "0")
    # B: two buyers wrote, one got a human reply; o3 paid via B but fully refunded
    assert (b["received"], b["receptions"], b["credited_orders"], b["sales_fen"]) == ("2", "1", "1", "0")


@pytest.mark.parametrize(("rule", "o3"), [("by_order", ""), ("by_payment", "B")])
def test_rule_option(tmp_path: Path, rule: str, o3: str) -> None:
    m, o = _write(tmp_path)
    code, out, _ = _run("credit", "run", "--messages", str(m), "--orders", str(o), "--out", str(tmp_path / "x"),
                        "--rule", rule, "--window-hours", "1", "--session-gap-min", "5")  # fmt: skip
    assert code == 0, out
    rows = {
        r["order_id"]: r for r in csv.DictReader((tmp_path / "x" / "order_credit.csv").open(encoding="utf-8"))
    }
    assert rows["o3"]["credited_agent"] == o3
    assert rows["o4"]["order_agent"] == ""  # 48 h is outside a 1-hour window


def _error(tmp: Path, orders: str, encoding: str = "utf-8") -> KefuError:
    m, o = _write(tmp, orders=orders, encoding=encoding)
    code, _, exc = _run("credit", "run", "--messages", str(m), "--orders", str(o), "--out", str(tmp / "out"))
    assert isinstance(exc, KefuError)
    assert not (tmp / "out").exists()
    return exc


def test_missing_column(tmp_path: Path) -> None:
    exc = _error(tmp_path, ORDERS.replace("paid_at,", "paid,"))
    assert exc.code == ErrorCode.IMPORT_MISSING_COLUMN
    assert exc.details["missing"] == ["paid_at"]


def test_wrong_encoding(tmp_path: Path) -> None:
    exc = _error(tmp_path, ORDERS, encoding="gbk")
    assert exc.code == ErrorCode.IMPORT_BAD_ENCODING


def test_paid_before_created_and_negative_amount(tmp_path: Path) -> None:
    bad = ORDERS.replace("2026-11-03T10:31:00+08:00,5000", "2026-11-03T10:29:00+08:00,5000").replace(
        ",3000,", ",-3000,"
    )
    exc = _error(tmp_path, bad)
    assert exc.code == ErrorCode.IMPORT_BAD_ROW
    assert [(r.row, r.column, r.reason_en) for r in exc.rows] == [
        (2, "paid_at", "paid before created"),
        (3, "amount_fen", "negative amount"),
    ]
    assert exc.rows[0].reason_zh == "付款时间早于创建时间"


def test_unreadable_time(tmp_path: Path) -> None:
    exc = _error(tmp_path, ORDERS.replace("2026-11-03T11:10:00+08:00", "2026-11-03 11:10:00"))
    assert [(r.row, r.column) for r in exc.rows] == [(3, "created_at")]
    assert "offset" in exc.rows[0].reason_en


def test_exit_code_two_through_main(tmp_path: Path) -> None:
    import subprocess
    import sys

    m, o = _write(tmp_path, orders=ORDERS.replace(",3000,", ",-3000,"))
    proc = subprocess.run(
        [sys.executable, "-c", "from kefu.cli import main; main()", "credit", "run", "--messages", str(m),
         "--orders", str(o), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "金额为负数" in proc.stderr and "negative amount" in proc.stderr
