"""A small, fast, deterministic generator of chat and order data in the contract formats.

Why here: the credit tests and ``bench/credit.py`` need realistic data of any size
before (and independently of) the full shop simulator ``kefu.sim``. It is vectorised
(numpy + Arrow, no Python loop per row) so 20 M messages take seconds, and it plants
the cases attribution must get right: sessions split by long silences, auto-reply-only
chats, orders placed silently and paid after a chat, fully silent orders, refunds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

MONTH_START = 1_793_462_400  # 2026-11-01 00:00:00+08:00 as UTC epoch seconds
MONTH_S = 30 * 86400


def _strings(prefix: str, codes: np.ndarray, width: int) -> pa.Array:
    """Codes → dictionary-encoded strings like ``b00042`` (cheap even for 20 M rows)."""
    uniq = np.unique(codes)
    dictionary = pa.array([f"{prefix}{int(c):0{width}d}" for c in uniq])
    return pa.DictionaryArray.from_arrays(pa.array(np.searchsorted(uniq, codes).astype(np.int32)), dictionary)


def generate(orders: int, messages: int, seed: int = 1, shops: int = 1) -> tuple[pa.Table, pa.Table]:
    """Messages and orders as Arrow tables with the contract columns (ts as timestamp[s, UTC])."""
    rng = np.random.default_rng(seed)
    n_agents = int(np.clip(messages // 200_000, 5, 200))
    n_conv = max(1, messages // 8)
    n_buyers = max(10, int(max(orders * 1.2, n_conv * 0.6)))
    # conversations: buyer, agent, start (daytime-weighted), message count
    conv_buyer = rng.integers(0, n_buyers, n_conv)
    conv_agent = rng.integers(0, n_agents, n_conv)
    day = rng.integers(0, 30, n_conv)
    hour_w = np.array(
        [1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 10, 9, 9, 10, 10, 10, 9, 9, 10, 12, 12, 8, 4], float
    )
    hour = rng.choice(24, n_conv, p=hour_w / hour_w.sum())
    conv_start = MONTH_START + day * 86400 + hour * 3600 + rng.integers(0, 3600, n_conv)
    counts = rng.integers(1, 16, n_conv)
    counts = np.maximum(1, np.round(counts * (messages / counts.sum()))).astype(np.int64)
    diff = messages - int(counts.sum())
    counts[: abs(diff)] += np.sign(diff)  # make the total exact
    counts = np.maximum(counts, 0)
    while counts.sum() != messages:  # rare: a count clipped at zero
        counts[rng.integers(0, n_conv)] += 1 if counts.sum() < messages else 0
    conv_of = np.repeat(np.arange(n_conv), counts)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    pos = np.arange(messages) - np.repeat(first, counts)
    gaps = rng.exponential(45.0, messages).astype(np.int64) + 1
    gaps[rng.random(messages) < 0.04] += 700  # some silences ≥ 10 min split the conversation
    gaps[pos == 0] = 0
    cum = np.cumsum(gaps)
    ts = conv_start[conv_of] + cum - np.repeat(cum[first], counts)
    out = (pos % 2 == 1) ^ (rng.random(messages) < 0.2)
    out[pos == 0] = rng.random(int((pos == 0).sum())) < 0.05  # a few agent-first chats
    auto_conv = rng.random(n_conv) < 0.08  # conversations answered only by the auto-reply
    auto = out & ((pos == 1) | auto_conv[conv_of]) & (rng.random(messages) < 0.9)
    shop_codes = conv_buyer[conv_of] % shops
    msgs = pa.table(
        {
            "shop": _strings("shop", shop_codes, 1),
            "buyer": _strings("b", conv_buyer[conv_of], 7),
            "agent": _strings("a", conv_agent[conv_of], 3),
            "ts": pa.array(ts, pa.timestamp("s", tz="UTC")),
            "direction": pa.DictionaryArray.from_arrays(
                pa.array(out.astype(np.int8)), pa.array(["in", "out"])
            ),
            "auto": pa.array(auto.astype(np.int8)),
        }
    )
    # orders: most follow a chat (before, during or after it), the rest are silent buyers
    chatted = rng.random(orders) < 0.7
    pick = rng.integers(0, n_conv, orders)
    o_buyer = np.where(chatted, conv_buyer[pick], rng.integers(0, n_buyers, orders))
    offset = rng.integers(-3600, 60 * 3600, orders)
    created = np.where(chatted, conv_start[pick] + offset, MONTH_START + rng.integers(0, MONTH_S, orders))
    paid_mask = rng.random(orders) < 0.85
    delay = rng.exponential(900.0, orders).astype(np.int64) + 1
    late = rng.random(orders) < 0.1
    delay[late] += rng.integers(3600, 4 * 86400, int(late.sum()))
    amount = rng.integers(800, 60_000, orders)
    refunded = paid_mask & (rng.random(orders) < 0.05)
    refund = np.where(refunded, amount // rng.integers(1, 4, orders), 0)
    status = np.where(paid_mask, np.where(refunded, "交易关闭", "交易成功"), "等待买家付款")
    paid_at = pa.array(np.where(paid_mask, created + delay, 0), pa.timestamp("s", tz="UTC"), mask=~paid_mask)
    order_tab = pa.table(
        {
            "order_id": pa.array([f"T{seed:02d}{i:09d}" for i in range(orders)])
            if orders
            else pa.array([], pa.string()),
            "shop": _strings("shop", o_buyer % shops, 1),
            "buyer": _strings("b", o_buyer, 7),
            "created_at": pa.array(created, pa.timestamp("s", tz="UTC")),
            "paid_at": paid_at,
            "amount_fen": pa.array(amount),
            "status": pa.array(status),
            "refund_fen": pa.array(refund),
        }
    )
    return msgs, order_tab


def _iso(col: pa.ChunkedArray) -> pa.Array:
    """Timestamps → ``2026-11-01T10:00:00+08:00`` (shop time with offset, as exports have)."""
    local = pc.strftime(
        pc.add(pc.cast(col, pa.int64()), 8 * 3600).cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%S"
    )
    return pc.binary_join_element_wise(local, pa.scalar("+08:00"), "")


def write_csv(msgs: pa.Table, orders: pa.Table, out_dir: Path) -> tuple[Path, Path]:
    """Write messages.csv / orders.csv in the contract formats (UTF-8, ISO-8601 with offset)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    m = msgs.set_column(3, "ts", _iso(msgs.column("ts")))
    m = m.set_column(4, "direction", pc.cast(m.column("direction"), pa.string()))
    paid = orders.column("paid_at")
    paid_txt = pc.if_else(pc.is_null(paid), pa.scalar(""), _iso(pc.fill_null(paid, 0)))
    o = orders.set_column(3, "created_at", _iso(orders.column("created_at"))).set_column(
        4, "paid_at", paid_txt
    )
    opts = pacsv.WriteOptions(quoting_style="none")
    mp, op = out_dir / "messages.csv", out_dir / "orders.csv"
    pacsv.write_csv(m.cast(pa.schema([(f.name, pa.string()) for f in m.schema])), mp, opts)
    pacsv.write_csv(o.cast(pa.schema([(f.name, pa.string()) for f in o.schema])), op, opts)
    return mp, op
