"""Every order layout in tests/io/fixtures: detected from its header, exact values, idempotent, nothing half-stored."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.imports.actions import import_chats, import_orders, set_shop_aliases
from kefu.store.models.commerce import Order, OrderItem
from kefu.store.models.org import Shop

FIX = Path(__file__).parent / "fixtures"
T2017 = FIX / "taobao-2017" / "ExportOrderList201707081200.csv"
T2019 = FIX / "taobao-2019" / "ExportOrderList201909081324.csv"
ITEMS = FIX / "taobao-items" / "ExportOrderDetailList201707081200.csv"


def _row(session: Session, oid: str) -> tuple[object, ...]:
    o = session.get(Order, oid)
    assert o is not None
    return (o.shop_id, o.buyer, o.amount_fen, o.status, o.paid_at, o.refund_fen, o.quantity, o.memo, o.phone,
            o.platform)  # fmt: skip


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_taobao_2017_quoted_cells_trailing_spaces_and_apostrophe_phones(session: Session) -> None:
    report = import_orders(session, T2017)
    assert (report.layout, report.rows, report.inserted, report.rejected) == ("taobao-2017", 3, 3, [])
    assert _row(session, "33000000000000001") == (
        "示例旗舰店", "买家甲", 12850, "交易成功", datetime(2017, 7, 7, 16, 42, 39, tzinfo=UTC), 0, 2, "kf01 跟进",
        "13800001111", "taobao")  # fmt: skip
    assert _row(session, "33000000000000002")[3:5] == ("等待买家付款", None)
    assert _row(session, "33000000000000003")[2:6] == (102400, "买家已付款，等待卖家发货",
                                                       datetime(2017, 7, 8, 2, 1, 5, tzinfo=UTC), 2400)  # fmt: skip


def test_taobao_2019_null_and_quote_null_and_unpaid_orders(session: Session) -> None:
    report = import_orders(session, T2019)
    assert (report.layout, report.inserted, report.rejected) == ("taobao-2019", 3, [])
    assert _row(session, "3300000000000000101")[1:8] == (
        "买家丁", 8800, "交易成功", datetime(2019, 9, 8, 4, 0, 30, tzinfo=UTC), 0, 1, "kf02 已核对地址")
    assert _row(session, "3300000000000000102")[1:8] == ("买家戊", 0, "等待买家付款", None, 0, 1, "")
    assert _row(session, "3300000000000000103")[2:6] == (4500, "交易关闭", datetime(2019, 9, 8, 5, 2, tzinfo=UTC), 4500)


def test_item_rows_attach_to_their_orders_and_need_them(session: Session) -> None:
    with pytest.raises(KefuError) as info:
        import_orders(session, ITEMS)
    assert [(r.row, r.reason_en) for r in info.value.rows] == [
        (2, "no such order (import the order export first)"),
        (3, "no such order (import the order export first)"),
        (4, "no such order (import the order export first)"),
    ]
    import_orders(session, T2017)
    report = import_orders(session, ITEMS)
    assert (report.layout, report.inserted) == ("taobao-items", 3)
    items = session.scalars(select(OrderItem).order_by(OrderItem.order_id, OrderItem.line)).all()
    assert [(i.order_id, i.line, i.title, i.price_fen, i.quantity, i.outer_id, i.props, i.memo, i.sku) for i in items] == [
        ("33000000000000001", "1", "羊毛衫", 6425, 2, "WS-01", "颜色分类：灰色", "", "WS-01"),
        ("33000000000000003", "1", "帽子", 100000, 1, "HAT-9", "", "", "HAT-9"),
        ("33000000000000003", "2", "帽子防尘袋", 2400, 1, "BAG-1", "", "赠品", "BAG-1"),
    ]  # fmt: skip
    again = import_orders(session, ITEMS)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_qianniu_xlsx_without_buyers_is_linked_by_order_numbers_in_chats(session: Session, tmp_path: Path) -> None:
    session.add(Shop(id="s1", name="示例旗舰店"))
    set_shop_aliases(session, "s1", ["旗舰店", "12345678"])
    report = import_orders(session, FIX / "qianniu" / "订单列表.xlsx")
    assert (report.layout, report.inserted, report.linked) == ("qianniu", 3, 0)
    assert report.unlinked == ["3300000000000000201", "3300000000000000202", "3300000000000000203"]
    assert "not counted as silent" in report.notes()[1]
    assert _row(session, "3300000000000000202")[:4] == ("s1", "", 5990, "买家已付款，等待卖家发货")
    log = tmp_path / "log.txt"
    log.write_bytes(("买家甲 --> 旗舰店:小美 2026-11-03 10:00:00\r\n我的订单 3300000000000000201 到哪了\r\n"
                     "旗舰店:小美 2026-11-03 10:00:20\r\n亲, 3300000000000000202 是另一位买家的吗\r\n"
                     "买家乙 --> 旗舰店:小美 2026-11-03 11:00:00\r\n3300000000000000202 是我的\r\n").encode("gbk"))
    chats = import_chats(session, log)
    assert (chats.inserted, chats.linked, chats.unlinked) == (3, 1, ["3300000000000000202", "3300000000000000203"])
    assert [session.get(Order, o).buyer for o in ("3300000000000000201", "3300000000000000202")] == ["买家甲", ""]
    sub = import_orders(session, FIX / "qianniu" / "子订单列表.xlsx")
    assert (sub.layout, sub.inserted) == ("qianniu-items", 2)
    again = import_orders(session, FIX / "qianniu" / "订单列表.xlsx")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert session.get(Order, "3300000000000000201").buyer == "买家甲"  # a re-import keeps the linked buyer


def test_pdd_status_words_dashes_bom_and_thousands(session: Session) -> None:
    report = import_orders(session, FIX / "pdd" / "orders_export.csv", shop="s1")
    assert (report.layout, report.inserted, report.rejected) == ("pdd", 3, [])
    assert _row(session, "261103-000000000001")[:8] == (
        "s1", "", 119900, "交易成功", datetime(2026, 11, 3, 2, 0, 5, tzinfo=UTC), 0, 1, "kf03")
    assert _row(session, "261103-000000000002")[2:5] == (2990, "等待买家付款", None)
    assert _row(session, "261103-000000000003")[3] == "交易关闭"


def test_jd_lines_make_one_order_each_with_its_buyer(session: Session) -> None:
    report = import_orders(session, FIX / "jd" / "jd_orders.csv", shop="s1")
    assert (report.layout, report.rows, report.inserted, report.unlinked) == ("jd", 2, 2, [])
    assert _row(session, "280000000001")[1:8] == (
        "jd_buyer_a", 12800, "交易成功", datetime(2026, 11, 3, 2, 0, 30, tzinfo=UTC), 0, 2, "kf01")
    assert _row(session, "280000000002")[1:4] == ("jd_buyer_b", 19800, "买家已付款，等待卖家发货")
    lines = session.scalars(select(OrderItem).where(OrderItem.order_id == "280000000001").order_by(OrderItem.line))
    assert [(i.line, i.title, i.price_fen, i.sku) for i in lines] == [("1", "保温杯", 9900, "CUP-500"),
                                                                      ("2", "杯套", 2900, "SLV-B")]  # fmt: skip


def test_douyin_tab_prefixed_ids_sum_their_sub_orders(session: Session) -> None:
    report = import_orders(session, FIX / "douyin" / "抖店订单.csv", shop="s1")
    assert (report.layout, report.inserted, report.rejected) == ("douyin", 2, [])
    assert _row(session, "6917000000000000001")[1:8] == (
        "", 113900, "交易成功", datetime(2026, 11, 3, 2, 0, tzinfo=UTC), 0, 3, "kf02")
    assert _row(session, "6917000000000000002")[2:5] == (990, "等待买家付款", None)
    lines = session.scalars(select(OrderItem.line).where(OrderItem.order_id == "6917000000000000001"))
    assert sorted(lines) == ["6917000000000000011", "6917000000000000012"]


def test_platform_forced_and_unknown_layout_names_the_closest(session: Session, tmp_path: Path) -> None:
    with pytest.raises(KefuError) as info:
        import_orders(session, T2017, platform="pdd")
    assert info.value.code == ErrorCode.IMPORT_MISSING_COLUMN
    assert info.value.details["closest"] == "pdd"
    odd = tmp_path / "odd.csv"
    odd.write_text("订单号码,买家会员名,买家实际支付金额,订单状态,订单创建时间\nX1,b,1,交易成功,2026-11-03 10:00:00\n",
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(KefuError) as info:
        import_orders(session, odd)
    exc = info.value
    assert (exc.details["closest"], exc.details["missing"], exc.details["extra"]) == ("taobao-2017", ["订单编号"], ["订单号码"])
    assert "closest is taobao-2017" in exc.message_en and "订单号码" in exc.message
    assert "订单编号" not in exc.details["absent"]  # a missing column is named once, not again among the others
    with pytest.raises(KefuError) as info:
        import_orders(session, T2017, platform="tmall")
    assert info.value.code == ErrorCode.BAD_ARGUMENT


def test_skip_bad_rows_that_stores_nothing_fails(session: Session, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间\nX1,b,-1,交易成功,2026-11-03 10:00:00\n"
                   "X2,b,1,已签收,2026-11-03 10:00:00\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(KefuError) as info:
        import_orders(session, bad, skip_bad_rows=True, shop="s1")
    assert info.value.code == ErrorCode.IMPORT_BAD_ROW
    assert "no row to import (2 rejected)" in info.value.message_en
    assert [(r.row, r.column, r.reason_en) for r in info.value.rows] == [
        (2, "买家实际支付金额", "negative amount"), (3, "订单状态", "unknown order status '已签收'")]
    assert _count(session, Order) == 0


def test_shop_names_map_through_aliases_and_shop_option_wins(session: Session) -> None:
    session.add(Shop(id="tb1", name="淘宝一店"))
    set_shop_aliases(session, "tb1", ["示例旗舰店"])
    import_orders(session, T2017)
    assert session.get(Order, "33000000000000001").shop_id == "tb1"
    import_orders(session, T2019, shop="other")
    assert session.get(Order, "3300000000000000101").shop_id == "other"
