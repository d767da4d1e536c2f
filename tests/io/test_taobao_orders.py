"""Taobao order export import: GBK/UTF-8, columns by name, exact fen, bad files refused whole, idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.io.columns import fen, text
from kefu.service.imports.actions import import_orders
from kefu.store.models.commerce import Order

HEADER = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,宝贝标题,宝贝总数量,订单备注,退款金额,店铺名称\n"
GOOD = HEADER + (
    '="3300000000000000001",买家甲,128.50,交易成功,2026-11-03 10:00:00,2026-11-03 10:05:00,羊毛衫,2,kf01 跟进,0,旗舰店\n'
    "3300000000000000002,买家乙,0.00,等待买家付款,2026-11-03 11:00:00,,围巾,1,,,旗舰店\n"
    '3300000000000000003,买家丙,"1,024.00","买家已付款，等待卖家发货",2026/11/04 09:30:00,2026/11/04 09:31:00,帽子,1,,24.00,旗舰店\n'
)


def _file(tmp: Path, text: str, encoding: str = "gbk", name: str = "orders.csv") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_import_exact_values(session: Session, tmp_path: Path, encoding: str) -> None:
    report = import_orders(session, _file(tmp_path, GOOD, encoding))
    assert (report.rows, report.inserted, report.updated, report.unchanged) == (3, 3, 0, 0)
    o1 = session.get(Order, "3300000000000000001")
    assert o1 is not None
    assert (o1.buyer, o1.amount_fen, o1.status, o1.quantity, o1.memo, o1.shop_id) == (
        "买家甲",
        12850,
        "交易成功",
        2,
        "kf01 跟进",
        "旗舰店",
    )
    assert o1.created_at == datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    assert o1.paid_at == datetime(2026, 11, 3, 2, 5, tzinfo=UTC)
    o2 = session.get(Order, "3300000000000000002")
    assert o2 is not None and o2.paid_at is None and o2.refund_fen == 0
    o3 = session.get(Order, "3300000000000000003")
    assert o3 is not None and (o3.amount_fen, o3.refund_fen, o3.status) == (
        102400,
        2400,
        "买家已付款，等待卖家发货",
    )


def test_reimport_changes_nothing_and_updates_changed_rows(session: Session, tmp_path: Path) -> None:
    path = _file(tmp_path, GOOD)
    import_orders(session, path)
    again = import_orders(session, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    changed = _file(
        tmp_path,
        GOOD.replace("等待买家付款,2026-11-03 11:00:00,,", "交易关闭,2026-11-03 11:00:00,,"),
        name="o2.csv",
    )
    third = import_orders(session, changed)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 2)
    assert session.scalar(select(func.count()).select_from(Order)) == 3


def test_columns_matched_by_name_in_any_order(session: Session, tmp_path: Path) -> None:
    text = (
        "订单状态,订单编号,订单创建时间,买家会员名,买家实际支付金额\n交易成功,X1,2026-11-03 10:00:00,买家,5\n"
    )
    report = import_orders(session, _file(tmp_path, text), shop="s1")
    assert report.inserted == 1
    order = session.get(Order, "X1")
    assert order is not None and (order.amount_fen, order.shop_id) == (500, "s1")


def _refused(session: Session, path: Path) -> KefuError:
    with pytest.raises(KefuError) as info:
        import_orders(session, path)
    assert session.scalar(select(func.count()).select_from(Order)) == 0
    return info.value


def test_missing_order_id_column(session: Session, tmp_path: Path) -> None:
    exc = _refused(session, _file(tmp_path, GOOD.replace("订单编号", "编号")))
    assert exc.code == ErrorCode.IMPORT_MISSING_COLUMN
    assert exc.details["missing"] == ["订单编号"]
    assert "订单编号" in exc.message and "missing columns" in exc.message_en


def test_utf16_with_bom_reads_and_other_bytes_are_a_wrong_encoding(session: Session, tmp_path: Path) -> None:
    assert import_orders(session, _file(tmp_path, GOOD, encoding="utf-16")).inserted == 3
    path = tmp_path / "bad.csv"
    path.write_bytes(GOOD.encode("gbk")[:40] + b"\xff\xfe\xff,\x80\n")
    session.rollback()
    exc = _refused(session, path)
    assert exc.code == ErrorCode.IMPORT_BAD_ENCODING


def test_bad_rows_are_all_reported_and_nothing_stored(session: Session, tmp_path: Path) -> None:
    bad = (
        GOOD.replace("2026-11-03 10:05:00", "2026-11-03 09:59:00")
        .replace(",0.00,", ",-1.00,")
        .replace("交易成功", "已签收")
    )
    exc = _refused(session, _file(tmp_path, bad))
    assert exc.code == ErrorCode.IMPORT_BAD_ROW
    got = [(r.row, r.column, r.reason_en) for r in exc.rows]
    assert got == [
        (2, "订单付款时间", "paid before created"),
        (2, "订单状态", "unknown order status '已签收'"),
        (3, "买家实际支付金额", "negative amount"),
    ]
    assert exc.rows[0].reason_zh == "付款时间早于创建时间"


def test_skip_bad_rows_keeps_the_good_ones(session: Session, tmp_path: Path) -> None:
    bad = GOOD.replace(",0.00,", ",-1.00,")
    report = import_orders(session, _file(tmp_path, bad), skip_bad_rows=True)
    assert (report.inserted, len(report.rejected)) == (2, 1)
    assert session.get(Order, "3300000000000000002") is None


def test_duplicate_order_ids_in_one_file(session: Session, tmp_path: Path) -> None:
    text = GOOD + "3300000000000000001,买家甲,1,交易成功,2026-11-03 10:00:00,,x,1,,,旗舰店\n"
    exc = _refused(session, _file(tmp_path, text))
    assert [(r.row, r.reason_en) for r in exc.rows] == [(5, "order id repeats row 2")]


def test_yuan_to_fen() -> None:
    values, bad = fen(text(pa.array(["12.3", "¥1,234.56", "0", "1.234", "abc", "1,024.00元", "-1", ""])))
    assert values.to_pylist() == [1230, 123456, 0, None, None, 102400, -100, None]
    assert bad.to_pylist() == [False, False, False, True, True, False, False, False]
