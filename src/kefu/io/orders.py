"""Any platform's order export (Taobao/Tmall, Qianniu, Pinduoduo, JD POP, Douyin) → order and item columns.

The layout comes from the header (``kefu.io.layouts``); each batch of the file is
cleaned and validated column by column (``kefu.io.columns``), and every bad cell
becomes a RowError (row, column, reason in Chinese and English) so the caller can
refuse the file or, with --skip-bad-rows, keep the good rows. Layouts with one row
per order stream batch by batch; layouts with one row per item (JD, Douyin, the
宝贝报表 and Qianniu's 子订单 sheet) are gathered first, because one order's rows may
fall into different batches and its amount is their sum (or the first row's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from kefu.domain.errors import RowError
from kefu.domain.timeutil import SHOP_TZ
from kefu.io import columns as col
from kefu.io.layouts import Layout, detect
from kefu.io.table import Batch, open_table

FLAGS = {"红旗": "red", "黄旗": "yellow", "绿旗": "green", "蓝旗": "blue", "紫旗": "purple", "灰旗": "grey"}
ORDER_OUT = ("row", "order_id", "shop", "buyer", "created_at", "paid_at", "amount_fen", "status", "refund_fen",
             "title", "quantity", "memo", "flag", "phone", "address")  # fmt: skip
ITEM_TEXT = ("title", "outer_id", "props", "package", "memo", "status", "sku")
PAID_STATUSES = ("买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "交易成功")


@dataclass
class OrderBatch:
    """Valid rows of one slice: ``orders`` (one row per order) and/or ``items`` (one per line)."""

    orders: pa.Table | None = None
    items: pa.Table | None = None


@dataclass
class OrderFile:
    """A file being read: its layout, its batches (read once), and the bad cells found so far."""

    name: str
    layout: Layout
    batches: Iterator[OrderBatch]
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # data rows read (good and bad)
    fields: dict[str, str] = field(default_factory=dict)  # field → the file's column
    share: Callable[[], float] = lambda: 0.0  # the part of the file read so far (0 when unknown)

    @property
    def has_buyer(self) -> bool:
        return "buyer" in self.fields


class _Errors:
    """Bad cells of a batch, kept in (row, check) order so a file's report reads top to bottom."""

    def __init__(self, layout: Layout, file: str) -> None:
        self.layout, self.file = layout, file
        self.found: list[tuple[int, int, RowError]] = []
        self.bad_rows: set[int] = set()

    def add(self, check: int, fld: str, rows: list[int], reason: tuple[str, str] | None = None,
            values: list[str | None] | None = None, first: int = 0) -> None:  # fmt: skip
        for k, r in enumerate(rows):
            if reason is not None:
                zh, en = reason
            else:
                shown = (values[k] if values else None) or ""
                zh, en = _UNREADABLE[fld][0].format(shown), _UNREADABLE[fld][1].format(shown)
            self.found.append((first + r, check, RowError(first + r, self.layout.label(fld), zh, en, self.file)))
            self.bad_rows.add(r)

    def sorted(self) -> list[RowError]:
        return [e for _, _, e in sorted(self.found, key=lambda t: (t[0], t[1]))]


_UNREADABLE = {
    "created": ("无法识别的时间 '{}'", "unreadable time '{}'"),
    "paid": ("无法识别的时间 '{}'", "unreadable time '{}'"),
    "amount": ("金额无法识别 '{}'", "unreadable amount '{}'"),
    "refund": ("退款金额无法识别 '{}'", "unreadable refund '{}'"),
    "price": ("价格无法识别 '{}'", "unreadable price '{}'"),
    "quantity": ("数量不是整数 '{}'", "quantity is not a whole number '{}'"),
    "status": ("未知的订单状态 '{}'", "unknown order status '{}'"),
}


def read_orders(path: Path, platform: str = "auto", shop: str = "", tz: ZoneInfo = SHOP_TZ) -> OrderFile:
    """Open an export, detect its layout (or the forced platform's) and prepare its batches."""
    table = open_table(Path(path))
    layout = detect(table.header, table.name, platform)
    out = OrderFile(table.name, layout, iter(()), list(table.bad_rows), fields=layout.resolve(table.header),
                    share=table.share)  # fmt: skip
    out.batches = _batches(out, table.batches, layout, shop, tz)
    return out


def _cell(batch: Batch, layout: Layout, found: dict[str, str], fld: str) -> pa.Array:
    name = found.get(fld)
    if name is None:
        return pa.nulls(batch.rows, pa.string())
    return col.text(batch.columns[name], layout.placeholders)


def _batches(out: OrderFile, batches: Iterator[Batch], layout: Layout, shop: str,
             tz: ZoneInfo) -> Iterator[OrderBatch]:  # fmt: skip
    header_found = out.fields
    seen: dict[str, int] = {}
    gathered: list[pa.Table] = []
    for batch in batches:
        out.rows += batch.rows
        errs = _Errors(layout, out.name)
        parsed = (_items if layout.kind == "items" else _orders)(batch, layout, header_found, shop, tz, errs)
        if "line_id" in header_found:
            _repeats(parsed.column("line_id").to_pylist(), batch.first_row, seen, errs, "line_id")
        elif layout.kind == "orders" and layout.line_per == "order":
            _repeats(parsed.column("order_id").to_pylist(), batch.first_row, seen, errs, "order_id")
        out.errors.extend(errs.sorted())
        bad = pa.array(sorted(errs.bad_rows), pa.int64())
        good = parsed.filter(pc.invert(pc.is_in(pa.array(range(batch.rows), pa.int64()), value_set=bad)))
        if layout.kind == "orders" and layout.line_per == "order":
            yield OrderBatch(orders=good.select(list(ORDER_OUT)))
        else:
            gathered.append(good)
    if gathered:
        yield _gathered(pa.concat_tables(gathered), layout)


def _repeats(keys: list[str | None], first: int, seen: dict[str, int], errs: _Errors, fld: str) -> None:
    """A repeated order id (or sub-order id) is a bad row naming the row it repeats."""
    what_zh, what_en = ("订单编号", "order id") if fld == "order_id" else ("子订单编号", "sub-order id")
    for k, key in enumerate(keys):
        if key is None or k in errs.bad_rows:
            continue
        if key in seen:
            errs.add(0, fld, [k], (f"{what_zh}与第{seen[key]}行重复", f"{what_en} repeats row {seen[key]}"),
                     first=first)  # fmt: skip
        else:
            seen[key] = first + k


def _order_id(cells: pa.Array, errs: _Errors, first: int) -> pa.Array:
    """订单编号 without Taobao's apostrophe; an empty one is a bad row."""
    order_id = col.strip_apostrophe(cells)
    errs.add(0, "order_id", col.rows_where(pc.is_null(order_id)), ("订单编号为空", "empty order id"), first=first)
    return order_id


def _orders(batch: Batch, layout: Layout, found: dict[str, str], shop: str, tz: ZoneInfo,
            errs: _Errors) -> pa.Table:  # fmt: skip
    def get(fld: str) -> pa.Array:
        return _cell(batch, layout, found, fld)

    first = batch.first_row
    order_id = _order_id(get("order_id"), errs, first)
    buyer = get("buyer")
    if "buyer" in layout.required:
        errs.add(1, "buyer", col.rows_where(pc.is_null(buyer)), ("买家会员名为空", "empty buyer"), first=first)
    created_text, paid_text = get("created"), get("paid")
    created, bad = col.times(created_text, tz)
    bad = pc.or_(bad, pc.is_null(created_text))
    errs.add(2, "created", col.rows_where(bad), values=_at(created_text, bad), first=first)
    paid, bad = col.times(paid_text, tz)
    errs.add(3, "paid", col.rows_where(bad), values=_at(paid_text, bad), first=first)
    status = _status(get("status"), layout, errs, 6, first)
    if "paid" not in found and layout.paid_implied_by_status:  # Douyin's order list has no payment time
        paid = pc.if_else(pc.is_in(status, pa.array(PAID_STATUSES)), created, paid)
    early = pc.less(paid, created)
    errs.add(3, "paid", col.rows_where(early), ("付款时间早于创建时间", "paid before created"), first=first)
    money = col.fen if layout.money == "yuan" else col.signed_fen
    amount_text = get("amount")
    amount, bad = money(amount_text)
    missing = pc.and_(pc.is_null(amount_text), pc.is_valid(paid))
    errs.add(4, "amount", col.rows_where(pc.or_(bad, missing)), values=_at(amount_text, pc.or_(bad, missing)),
             first=first)  # fmt: skip
    errs.add(4, "amount", col.rows_where(pc.less(amount, 0)), ("金额为负数", "negative amount"), first=first)
    refund_text = get("refund")
    refund, bad = money(refund_text)
    errs.add(5, "refund", col.rows_where(bad), values=_at(refund_text, bad), first=first)
    errs.add(5, "refund", col.rows_where(pc.less(refund, 0)), ("退款金额为负数", "negative refund"), first=first)
    quantity, bad = col.whole(get("quantity"))
    errs.add(7, "quantity", col.rows_where(bad), values=_at(get("quantity"), bad), first=first)
    shop_raw = pc.coalesce(get("shop"), get("shop_ref")) if not shop else pa.array([shop] * batch.rows, pa.string())
    errs.add(8, "shop", col.rows_where(pc.is_null(shop_raw)),
             ("缺少店铺 (文件无店铺列时请用 --shop 指定)", "no shop (use --shop when the file has no shop column)"),
             first=first)  # fmt: skip
    price, bad = col.fen(get("price"))
    errs.add(9, "price", col.rows_where(bad), values=_at(get("price"), bad), first=first)
    flag = get("flag")
    extra = {name: col.filled(get(name)) for name in ("outer_id", "props", "package", "sku")}
    return pa.table({
        "row": pa.array(range(first, first + batch.rows), pa.int64()),
        "order_id": order_id, "line_id": col.strip_apostrophe(get("line_id")), "shop": shop_raw,
        "buyer": col.filled(buyer), "created_at": created, "paid_at": paid,
        "amount_fen": pc.fill_null(amount, 0), "status": status, "refund_fen": pc.fill_null(refund, 0),
        "title": col.filled(get("title")), "quantity": pc.fill_null(quantity, 1), "price_fen": price,
        "memo": col.filled(get("memo")),
        "flag": col.filled(pc.coalesce(_map(flag, FLAGS), flag)),
        "phone": col.filled(col.strip_apostrophe(get("phone"))), "address": col.filled(get("address")), **extra,
    })  # fmt: skip


def _items(batch: Batch, layout: Layout, found: dict[str, str], shop: str, tz: ZoneInfo,
           errs: _Errors) -> pa.Table:  # fmt: skip
    def get(fld: str) -> pa.Array:
        return _cell(batch, layout, found, fld)

    first = batch.first_row
    order_id = _order_id(get("order_id"), errs, first)
    price, bad = col.fen(get("price"))
    errs.add(1, "price", col.rows_where(pc.or_(bad, pc.is_null(price))), values=_at(get("price"), bad), first=first)
    quantity, bad = col.whole(get("quantity"))
    errs.add(2, "quantity", col.rows_where(bad), values=_at(get("quantity"), bad), first=first)
    status = get("status")
    if "status" in found:
        status = _status(status, layout, errs, 3, first, optional=True)
    cols: dict[str, pa.Array] = {
        "row": pa.array(range(first, first + batch.rows), pa.int64()), "order_id": order_id,
        "line_id": col.strip_apostrophe(get("line_id")), "price_fen": pc.fill_null(price, 0),
        "quantity": pc.fill_null(quantity, 1),
    }  # fmt: skip
    for name in ITEM_TEXT:
        cols[name] = col.filled(status if name == "status" else get(name))
    return pa.table(cols)


def _at(values: pa.Array, mask: pa.Array) -> list[str | None]:
    return values.filter(pc.fill_null(mask, False)).to_pylist()  # type: ignore[no-any-return]


def _map(values: pa.Array, mapping: dict[str, str]) -> pa.Array:
    keys = pa.array(list(mapping), pa.string())
    return pc.take(pa.array(list(mapping.values()), pa.string()), pc.index_in(values, value_set=keys))


def _status(raw: pa.Array, layout: Layout, errs: _Errors, check: int, first: int,
            optional: bool = False) -> pa.Array:  # fmt: skip
    """Platform status words → ours (the Taobao words); an unknown word is a bad cell."""
    mapped = _map(raw, layout.statuses)
    bad = pc.is_null(mapped) if not optional else pc.and_(pc.is_valid(raw), pc.is_null(mapped))
    errs.add(check, "status", col.rows_where(bad), values=_at(raw, bad), first=first)
    return mapped


def _gathered(table: pa.Table, layout: Layout) -> OrderBatch:
    """Rows of a one-row-per-item file → items with their line numbers, and (for JD/Douyin) orders."""
    table = table.sort_by("row")
    ordinal = _ordinals(table.column("order_id"))
    line = pc.coalesce(table.column("line_id"), pc.cast(ordinal, pa.string()))
    item_cols = {"order_id": table.column("order_id"), "line": line, "title": table.column("title"),
                 "price_fen": pc.fill_null(table.column("price_fen"), 0), "quantity": table.column("quantity")}  # fmt: skip
    for name in ITEM_TEXT[1:]:
        item_cols[name] = table.column(name) if name in table.column_names else pa.array([""] * len(table))
    items = pa.table(item_cols)
    if layout.kind == "items":
        return OrderBatch(items=items.append_column("row", table.column("row")))
    firsts = table.filter(pc.equal(ordinal, 1)).select([c for c in ORDER_OUT if c not in ("amount_fen", "quantity")])
    sums = table.group_by("order_id").aggregate([("amount_fen", "sum"), ("quantity", "sum")])
    orders = firsts.join(sums, "order_id").rename_columns({"amount_fen_sum": "amount_fen", "quantity_sum": "quantity"})
    if not layout.amount_per_line:  # JD repeats the order's amount on each of its lines
        first_amount = table.filter(pc.equal(ordinal, 1)).select(["order_id", "amount_fen"])
        orders = orders.drop_columns(["amount_fen"]).join(first_amount, "order_id")
    return OrderBatch(orders=orders.sort_by("row").select(list(ORDER_OUT)), items=items)


def _ordinals(keys: pa.ChunkedArray | pa.Array) -> pa.Array:
    """1, 2, 3… within each key, in row order (the line number of a 宝贝报表 row within its order)."""
    counts: dict[str, int] = {}
    out = []
    for key in keys.to_pylist():
        counts[key] = counts.get(key, 0) + 1
        out.append(counts[key])
    return pa.array(out, pa.int64())
