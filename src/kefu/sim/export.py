"""Benchmark-scale export: messages.csv and orders.csv (and Parquet) for a large outsourcing floor.

Memory stays bounded by generating the month in chunks of buyers (each chunk
gets its share of the requested orders and messages, exactly) and appending
each chunk with pyarrow's CSV and Parquet writers. Strings are built in
pyarrow compute (C++), never per row in Python, so 20 M messages take minutes.

Columns (spec/credit.md inputs):
- messages.csv ``shop,buyer,agent,ts,direction,auto`` — ts ISO-8601 with
  ``+08:00``; direction ``in|out``; auto ``0|1``; agent is the agent account on
  the conversation for both directions.
- orders.csv ``order_id,shop,buyer,created_at,paid_at,amount_fen,status,refund_fen``
  — paid_at empty when unpaid as of the window end; Taobao statuses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kefu.domain.errors import bad_argument
from kefu.sim.arrivals import check_window, local_minute_of_day, minute_rates, window_epochs
from kefu.sim.config import (
    CHAT_NEVER_PAY,
    CHAT_ONLY,
    CHAT_ORDER,
    NEVER_PAY,
    ORDER_CHAT_PAY,
    ORDERING,
    PAYING,
    SILENT,
    STATUSES,
    SimConfig,
)
from kefu.sim.journeys import Block, simulate_block

FORMATS = ("csv", "parquet", "both")
DEFAULT_START = date(2026, 11, 1)  # a month with 双11 in it
ORDERS_PER_CHUNK = 100_000
MESSAGES_PER_CHUNK = 1_500_000
RECEPTIONS_PER_AGENT_SHIFT = 60  # seed 000: around 50 receptions a day per agent
ORDER_ID_BASE = 3_300_000_000_000_000_000  # 19 digits, like Taobao order numbers
ProgressFn = Callable[[int, int], None]  # (messages + orders done, total)

MESSAGE_SCHEMA = pa.schema(
    [("shop", pa.string()), ("buyer", pa.string()), ("agent", pa.string()), ("ts", pa.string()),
     ("direction", pa.string()), ("auto", pa.int8())]
)  # fmt: skip
ORDER_SCHEMA = pa.schema(
    [("order_id", pa.string()), ("shop", pa.string()), ("buyer", pa.string()), ("created_at", pa.string()),
     ("paid_at", pa.string()), ("amount_fen", pa.int64()), ("status", pa.string()), ("refund_fen", pa.int64())]
)  # fmt: skip
_PQ_TS = pa.timestamp("s", tz="Asia/Shanghai")


def validate_export(orders: int, messages: int, fmt: str, start: date, days: int) -> None:
    """Every argument checked before any file is created."""
    for name, value in (("orders", orders), ("messages", messages)):
        if not isinstance(value, int) or value < 0:
            raise bad_argument(
                name, f"数量不能为负数, 收到 {value}", f"count must not be negative, got {value}"
            )
    if fmt not in FORMATS:
        raise bad_argument(
            "format", f"格式应为 csv|parquet|both, 收到 {fmt}", f"format must be csv|parquet|both, got {fmt}"
        )
    check_window(start, days)


def export_benchmark(
    orders: int,
    messages: int,
    out_dir: Path,
    seed: int = 1,
    fmt: str = "both",
    progress: ProgressFn | None = None,
    *,
    start: date = DEFAULT_START,
    days: int = 30,
    shops: int | None = None,
    config: SimConfig | None = None,
) -> tuple[Path, Path]:
    """Write exactly ``orders`` orders and ``messages`` messages; returns (messages, orders) paths.

    The paths are the CSV files, or the Parquet files when ``fmt == "parquet"``.
    Deterministic for a seed (and the same chunking, which depends only on the counts).
    """
    validate_export(orders, messages, fmt, start, days)
    cfg = config or SimConfig()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rates = minute_rates(start, days, cfg)
    start_epoch, _ = window_epochs(start, days)
    n_shops = shops or max(1, min(50, round(orders / 50_000)))
    floor = _Floor.build(rng, n_shops, messages / cfg.mean_messages / days / n_shops)
    n_chunks = max(1, math.ceil(orders / ORDERS_PER_CHUNK), math.ceil(messages / MESSAGES_PER_CHUNK))
    order_parts = _split(orders, n_chunks)
    message_parts = _split(messages, n_chunks)

    writers = _Writers(out_dir, fmt)
    done, total = 0, orders + messages
    buyer_offset = order_offset = 0
    try:
        for n_o, n_m in zip(order_parts, message_parts, strict=True):
            journey, after = _chunk_journeys(rng, cfg, n_o, n_m)
            block = simulate_block(
                rng, cfg, rates, start_epoch, journey, n_messages=n_m, aftersale_share=after
            )
            buyer_shop = floor.shop_of_buyers(rng, len(journey))
            buyers = _names("tb", np.arange(buyer_offset, buyer_offset + len(journey)), 10)
            writers.write(
                _message_table(rng, cfg, block, floor, buyer_shop, buyers),
                _order_table(block, buyer_shop, buyers, order_offset),
            )
            buyer_offset += len(journey)
            order_offset += n_o
            done += n_o + n_m
            if progress is not None:
                progress(done, total)
    finally:
        writers.close()
    return writers.result()


def _split(total: int, parts: int) -> list[int]:
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def _chunk_journeys(
    rng: np.random.Generator, cfg: SimConfig, n_orders: int, n_messages: int
) -> tuple[np.ndarray, float]:
    """Journeys of one chunk: exactly ``n_orders`` ordering buyers plus chat-only buyers.

    Chat-only buyers fill the message budget at ``mean_messages`` per
    conversation. When the budget is too small for the chatting orderers, 售后
    chats go first, then chatting orderers become silent ones.
    """
    shares = np.asarray(cfg.ordering_shares())
    journey = rng.choice(np.asarray(ORDERING), n_orders, p=shares).astype(np.int8)
    desired = round(n_messages / cfg.mean_messages) if n_messages else 0
    if n_messages and desired == 0:
        desired = 1
    desired = min(desired, n_messages)
    chatting = np.flatnonzero(np.isin(journey, (CHAT_ORDER, ORDER_CHAT_PAY, CHAT_NEVER_PAY)))
    after = cfg.aftersale_chat_share
    paying = int(np.isin(journey, PAYING).sum())
    if len(chatting) + after * paying > desired or n_messages < 200:
        after = 0.0
    if len(chatting) > desired:
        silence = rng.choice(chatting, len(chatting) - desired, replace=False)
        journey[silence] = np.where(journey[silence] == CHAT_NEVER_PAY, NEVER_PAY, SILENT)
        chatting = np.flatnonzero(np.isin(journey, (CHAT_ORDER, ORDER_CHAT_PAY, CHAT_NEVER_PAY)))
    # keep a margin so that a random surplus of 售后 chats still leaves ≥ 1 message each
    expected_after = after * paying + 3.0 * math.sqrt(after * paying)
    k = max(0, int(round(desired - len(chatting) - expected_after)))
    if n_messages and k == 0 and len(chatting) == 0:
        k = 1
    full = np.concatenate([journey, np.full(k, CHAT_ONLY, dtype=np.int8)])
    return rng.permutation(full), after


def _names(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _local_iso(epoch: np.ndarray) -> pa.Array:
    """ISO-8601 with the Shanghai offset; -1 becomes null. Shanghai is UTC+8 all year."""
    local = pa.array(epoch + 8 * 3600, type=pa.timestamp("s"), mask=epoch < 0)
    return pc.strftime(local, format="%Y-%m-%dT%H:%M:%S+08:00")


class _Floor:
    """Shops and agent accounts of the outsourcing floor, with skewed per-agent volume."""

    def __init__(self, n_shops: int, pool: int, shop_cdf: np.ndarray, agent_cdf: np.ndarray) -> None:
        self.n_shops, self.pool, self.shop_cdf, self.agent_cdf = n_shops, pool, shop_cdf, agent_cdf
        self.shops = _names("shop", np.arange(1, n_shops + 1), 2)
        per_shop = 4 * pool  # (售前, 售后) × (白班, 晚班)
        shop_idx = np.repeat(np.arange(n_shops), per_shop)
        local_ids = np.tile(np.arange(1, per_shop + 1), n_shops)
        self.agents = pc.binary_join_element_wise(
            self.shops.take(pa.array(shop_idx)), _names("kf", local_ids, 3), ":"
        )

    @classmethod
    def build(cls, rng: np.random.Generator, n_shops: int, convs_per_shop_day: float) -> _Floor:
        pool = max(2, math.ceil(convs_per_shop_day / 2 / RECEPTIONS_PER_AGENT_SHIFT))
        shop_w = rng.gamma(2.0, size=n_shops)
        agent_w = rng.gamma(4.0, size=pool)
        return cls(n_shops, pool, np.cumsum(shop_w) / shop_w.sum(), np.cumsum(agent_w) / agent_w.sum())

    def shop_of_buyers(self, rng: np.random.Generator, n: int) -> np.ndarray:
        idx = np.searchsorted(self.shop_cdf, rng.random(n), side="right")
        return np.asarray(np.minimum(idx, self.n_shops - 1), dtype=np.int64)

    def agent_of_conversations(
        self, rng: np.random.Generator, shop: np.ndarray, aftersale: np.ndarray, start: np.ndarray
    ) -> np.ndarray:
        """Agent index by shop, skill (售后 chats to 售后 agents) and shift of the first message.

        白班 09:00–16:30 and 晚班 16:00–22:30 overlap; the cut is 16:15. Night
        contacts stay with 晚班 (it extends while buyers chat); early-morning
        ones wait for 白班.
        """
        minute = local_minute_of_day(start)
        night = (minute >= 16 * 60 + 15).astype(np.int64)
        k = np.minimum(np.searchsorted(self.agent_cdf, rng.random(len(shop)), side="right"), self.pool - 1)
        return np.asarray(shop * 4 * self.pool + (aftersale.astype(np.int64) * 2 + night) * self.pool + k)


def _message_table(
    rng: np.random.Generator,
    cfg: SimConfig,
    block: Block,
    floor: _Floor,
    buyer_shop: np.ndarray,
    buyers: pa.Array,
) -> pa.Table:
    """Messages of a block; a share of longer chats is transferred (转交) to a second agent halfway."""
    conv_shop = buyer_shop[block.conv_buyer]
    conv_agent = floor.agent_of_conversations(rng, conv_shop, block.conv_aftersale, block.conv_start)
    lengths = np.bincount(block.msg_conv, minlength=len(conv_agent))
    pos = np.arange(len(block.msg_conv)) - (np.cumsum(lengths) - lengths)[block.msg_conv]
    transferred = (lengths >= 4) & (rng.random(len(conv_agent)) < cfg.transfer_share)
    k = conv_agent % floor.pool
    second = np.where(k < floor.pool - 1, conv_agent + 1, conv_agent - k)  # a colleague in the same pool
    after = transferred[block.msg_conv] & (pos >= (lengths // 2)[block.msg_conv])
    msg_agent = np.where(after, second[block.msg_conv], conv_agent[block.msg_conv])
    msg_buyer = block.conv_buyer[block.msg_conv]
    return pa.Table.from_arrays(
        [
            floor.shops.take(pa.array(conv_shop[block.msg_conv])),
            buyers.take(pa.array(msg_buyer)),
            floor.agents.take(pa.array(msg_agent)),
            pa.array(block.msg_ts),
            pc.if_else(pa.array(block.msg_out), "out", "in"),
            pa.array(block.msg_auto.astype(np.int8)),
        ],
        names=MESSAGE_SCHEMA.names,
    )


def _order_table(block: Block, buyer_shop: np.ndarray, buyers: pa.Array, order_offset: int) -> pa.Table:
    n = len(block.order_buyer)
    ids = pa.array(np.arange(order_offset, order_offset + n, dtype=np.int64) + ORDER_ID_BASE).cast(
        pa.string()
    )
    statuses = pa.array(list(STATUSES)).take(pa.array(block.order_status.astype(np.int64)))
    return pa.Table.from_arrays(
        [
            ids,
            _names("shop", buyer_shop[block.order_buyer] + 1, 2),
            buyers.take(pa.array(block.order_buyer)),
            pa.array(block.order_created),
            pa.array(block.order_paid),
            pa.array(block.order_amount),
            statuses,
            pa.array(block.order_refund),
        ],
        names=ORDER_SCHEMA.names,
    )


_TS_COLUMNS = ("ts", "created_at", "paid_at")


def _view(table: pa.Table, schema: pa.Schema, parquet: bool) -> pa.Table:
    """Epoch columns as ISO text (CSV) or as Shanghai timestamps (Parquet); -1 is null."""
    cols = []
    for name in table.column_names:
        col = table[name]
        if name in _TS_COLUMNS:
            epoch = col.to_numpy()
            col = pa.array(epoch, type=_PQ_TS, mask=epoch < 0) if parquet else _local_iso(epoch)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=_parquet_schema(schema) if parquet else schema)


class _Writers:
    """CSV and/or Parquet writers for both files, opened lazily, closed always."""

    def __init__(self, out_dir: Path, fmt: str) -> None:
        self.fmt, self.dir = fmt, out_dir
        self.csv: dict[str, pacsv.CSVWriter] = {}
        self.pq: dict[str, pq.ParquetWriter] = {}
        self.sinks: list[pa.NativeFile] = []
        # pyarrow quotes header names; the documented header is plain, so write it ourselves
        opts = pacsv.WriteOptions(include_header=False, quoting_style="none")
        for name, schema in (("messages", MESSAGE_SCHEMA), ("orders", ORDER_SCHEMA)):
            if fmt in ("csv", "both"):
                sink = pa.OSFile(str(out_dir / f"{name}.csv"), "wb")
                self.sinks.append(sink)
                sink.write((",".join(schema.names) + "\n").encode())
                self.csv[name] = pacsv.CSVWriter(sink, schema, write_options=opts)
            if fmt in ("parquet", "both"):
                self.pq[name] = pq.ParquetWriter(str(out_dir / f"{name}.parquet"), _parquet_schema(schema))

    def write(self, messages: pa.Table, orders: pa.Table) -> None:
        for name, table, schema in (("messages", messages, MESSAGE_SCHEMA), ("orders", orders, ORDER_SCHEMA)):
            if name in self.csv:
                self.csv[name].write_table(_view(table, schema, parquet=False))
            if name in self.pq:
                self.pq[name].write_table(_view(table, schema, parquet=True))

    def close(self) -> None:
        for w in [*self.csv.values(), *self.pq.values()]:
            w.close()
        for sink in self.sinks:
            sink.close()

    def result(self) -> tuple[Path, Path]:
        ext = "parquet" if self.fmt == "parquet" else "csv"
        return self.dir / f"messages.{ext}", self.dir / f"orders.{ext}"


def _parquet_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, _PQ_TS if f.name in _TS_COLUMNS else f.type) for f in schema])
