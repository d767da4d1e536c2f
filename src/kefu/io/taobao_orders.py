"""Taobao/Tmall order export (订单报表 CSV, usually GBK) → validated order rows.

Columns are matched by name because their order changes between export versions;
amounts are yuan text turned into integer fen exactly; times are shop wall-clock.
Every problem is a RowError (row, column, reason in Chinese and English) so the
caller can refuse the whole file or, with --skip-bad-rows, keep the good rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kefu.domain.errors import RowError
from kefu.io.csvfile import match_columns, parse_time, read_table, yuan_to_fen

STATUSES = ("等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "交易成功", "交易关闭")
_STATUS_ALIASES = {s.replace("，", ","): s for s in STATUSES}
FLAGS = {"红旗": "red", "黄旗": "yellow", "绿旗": "green", "蓝旗": "blue", "紫旗": "purple", "灰旗": "grey"}

COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("订单编号", "订单号", "order_id"),
    "buyer": ("买家会员名", "买家昵称", "buyer"),
    "amount": ("买家实际支付金额", "实付金额", "amount"),
    "status": ("订单状态", "status"),
    "created": ("订单创建时间", "创建时间", "created_at"),
    "paid": ("订单付款时间", "付款时间", "paid_at"),
    "title": ("宝贝标题", "宝贝标题 ", "title"),
    "quantity": ("宝贝总数量", "宝贝数量", "quantity"),
    "memo": ("订单备注", "卖家备注", "商家备注", "memo"),
    "flag": ("旗帜", "备注旗帜", "插旗", "flag"),
    "refund": ("退款金额", "refund"),
    "shop": ("店铺名称", "店铺", "shop"),
    "phone": ("联系手机", "收货人手机", "phone"),
    "address": ("收货地址", "address"),
}
REQUIRED = ("order_id", "buyer", "amount", "status", "created")


@dataclass(frozen=True)
class OrderRow:
    row: int
    order_id: str
    shop: str
    buyer: str
    created_at: datetime
    paid_at: datetime | None
    amount_fen: int
    status: str
    refund_fen: int
    title: str
    quantity: int
    memo: str
    flag: str
    phone: str
    address: str


def parse(path: Path, shop: str = "") -> tuple[list[OrderRow], list[RowError]]:
    """Every good row and every bad cell of one export file."""
    header, rows = read_table(path)
    col = match_columns(header, COLUMNS, REQUIRED, path.name)
    out: list[OrderRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}

    def cell(values: list[str], field: str) -> str:
        i = col.get(field)
        return values[i] if i is not None and i < len(values) else ""

    for n, values in enumerate(rows, start=2):
        errs: list[RowError] = []

        def bad(field: str, zh: str, en: str, n: int = n, errs: list[RowError] = errs) -> None:
            errs.append(RowError(n, COLUMNS[field][0], zh, en, path.name))

        order_id = cell(values, "order_id")
        if not order_id:
            bad("order_id", "订单编号为空", "empty order id")
        elif order_id in seen:
            bad("order_id", f"订单编号与第{seen[order_id]}行重复", f"order id repeats row {seen[order_id]}")
        buyer = cell(values, "buyer")
        if not buyer:
            bad("buyer", "买家会员名为空", "empty buyer")
        created = parse_time(cell(values, "created"))
        if created is None:
            bad(
                "created",
                f"无法识别的时间 '{cell(values, 'created')}'",
                f"unreadable time '{cell(values, 'created')}'",
            )
        paid_text = cell(values, "paid")
        paid = parse_time(paid_text) if paid_text else None
        if paid_text and paid is None:
            bad("paid", f"无法识别的时间 '{paid_text}'", f"unreadable time '{paid_text}'")
        if created is not None and paid is not None and paid < created:
            bad("paid", "付款时间早于创建时间", "paid before created")
        amount = yuan_to_fen(cell(values, "amount"))
        if amount is None:
            bad(
                "amount",
                f"金额无法识别 '{cell(values, 'amount')}'",
                f"unreadable amount '{cell(values, 'amount')}'",
            )
        elif amount < 0:
            bad("amount", "金额为负数", "negative amount")
        refund_text = cell(values, "refund")
        refund = yuan_to_fen(refund_text) if refund_text else 0
        if refund is None:
            bad("refund", f"退款金额无法识别 '{refund_text}'", f"unreadable refund '{refund_text}'")
        elif refund < 0:
            bad("refund", "退款金额为负数", "negative refund")
        status = _STATUS_ALIASES.get(cell(values, "status").replace("，", ","), "")
        if not status:
            bad(
                "status",
                f"未知的订单状态 '{cell(values, 'status')}'",
                f"unknown order status '{cell(values, 'status')}'",
            )
        qty_text = cell(values, "quantity") or "1"
        if not qty_text.isdigit():
            bad("quantity", f"数量不是整数 '{qty_text}'", f"quantity is not a whole number '{qty_text}'")
        shop_name = cell(values, "shop") or shop
        if not shop_name:
            bad(
                "shop",
                "缺少店铺 (文件无店铺列时请用 --shop 指定)",
                "no shop (use --shop when the file has no shop column)",
            )
        if errs:
            errors.extend(errs)
            continue
        assert created is not None and amount is not None and refund is not None
        seen[order_id] = n
        out.append(
            OrderRow(
                row=n, order_id=order_id, shop=shop_name, buyer=buyer, created_at=created, paid_at=paid,
                amount_fen=amount, status=status, refund_fen=refund, title=cell(values, "title"),
                quantity=int(qty_text), memo=cell(values, "memo"),
                flag=FLAGS.get(cell(values, "flag"), cell(values, "flag")),
                phone=cell(values, "phone"), address=cell(values, "address"),
            )
        )  # fmt: skip
    return out, errors
