"""Contract columns → integer-coded columnar tables the SQL runs on.

Why: the SQL is fast only when it never partitions or joins on strings. Here every
(shop, buyer) pair becomes one integer key ``bk``, every agent an integer ``ak`` whose
order is the agents' string order (so "lowest agent id" tie-breaks stay meaningful),
times become integer milliseconds (UTC ``t`` for comparisons, plus the business
day ``d`` and local hour ``h`` in the shop's zone). Arrow's hash kernels do the
coding in C++ without a Python object per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.credit.blocks import in_blocks, run
from kefu.credit.rules import CreditRules
from kefu.domain.errors import ErrorCode, KefuError

MSG_COLUMNS = ("shop", "buyer", "agent", "ts", "direction", "auto")
ORDER_COLUMNS = ("order_id", "shop", "buyer", "created_at", "paid_at", "amount_fen", "status", "refund_fen")
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
QUARTER_MS = 900_000


@dataclass(frozen=True)
class Encoded:
    """Integer-coded inputs plus the dictionaries to decode results.

    ``bk`` is one key per (shop, buyer); ``pairs[bk] = shop_code * len(buyers) + buyer_code`` decodes it.
    """

    messages: pa.Table  # bk, ak, t, d, h, io (0 in / 1 out), human (1 = out and not auto)
    orders: pa.Table  # ok, bk, tc, tp, dc, dp, amount, refund, qty
    agents: list[str]  # ak → agent id
    order_ids: pa.Array  # ok → order id
    shops: pa.Array  # pairs[bk] // len(buyers) → shop
    buyers: pa.Array  # pairs[bk] % len(buyers) → buyer
    pairs: np.ndarray  # dense bk → shop_code * len(buyers) + buyer_code
    base_ms: int  # subtracted from times before packing (keeps packed keys in 63 bits)


def _missing(table: pa.Table, needed: tuple[str, ...], what: str) -> None:
    absent = [c for c in needed if c not in table.column_names]
    if absent:
        raise KefuError(
            ErrorCode.IMPORT_MISSING_COLUMN,
            f"{what} 缺少列: {', '.join(absent)}",
            f"{what} is missing columns: {', '.join(absent)}",
            {"missing": absent},
        )


def _as_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(col.type):
        col = col.cast(pa.string())
    elif not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
        col = pc.cast(col, pa.string())
    return pc.fill_null(col, "")


def _identity(arr: pa.Array) -> tuple[int, int, int]:
    """Chunks of one CSV column often share a dictionary object: map it once."""
    data = arr.buffers()[-1]
    return (data.address if data is not None else 0, arr.offset, len(arr))


def _codes(*cols: pa.ChunkedArray) -> tuple[list[np.ndarray], pa.Array]:
    """One dictionary over several string columns → int codes per column and the dictionary.

    Dictionary-encoded chunks (what the CSV reader gives) are mapped chunk-dictionary by
    chunk-dictionary, so only the distinct values of each chunk are hashed, not every row.
    """
    pieces: dict[tuple[int, int, int], pa.Array] = {}
    for col in cols:
        for chunk in col.chunks:
            arr = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            pieces.setdefault(_identity(arr), arr)
    keys = list(pieces)
    values = [p if pa.types.is_string(p.type) else p.cast(pa.string()) for p in pieces.values()]
    # one hash pass over every distinct piece: a unified dictionary and each piece's codes in it
    encoded = pc.dictionary_encode(pa.chunked_array(values, type=pa.string()))
    dictionary = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], pa.string())
    null_code = len(dictionary)
    flat = [np.nan_to_num(c.indices.to_numpy(zero_copy_only=False), nan=null_code) for c in encoded.chunks]
    all_codes = np.concatenate(flat).astype(np.int32) if flat else np.zeros(0, np.int32)
    bounds = np.cumsum([0, *(len(v) for v in values)])
    mappings: dict[tuple[int, int, int], np.ndarray | None] = {}
    for i, k in enumerate(keys):
        mapping = all_codes[bounds[i] : bounds[i + 1]]
        # None: the piece's codes are already the unified ones (the first piece; the whole
        # column when a reader gives one dictionary per column)
        same = np.array_equal(mapping, np.arange(len(mapping), dtype=mapping.dtype))
        mappings[k] = None if same else mapping
    out, tasks = [], []
    for col in cols:
        codes = np.empty(len(col), np.int32)  # filled chunk by chunk: no concatenate, no astype copy
        pos = 0
        for chunk in col.chunks:
            tasks.append(partial(_fill, codes[pos : pos + len(chunk)], chunk, mappings, null_code))
            pos += len(chunk)
        out.append(codes)
    run(tasks)
    if any(col.null_count for col in cols) or any(v.null_count for v in values):  # null keys: code them as ""
        dictionary = pa.concat_arrays([dictionary, pa.array([""])])
    return out, dictionary


def _fill(
    out: np.ndarray, chunk: pa.Array, mappings: dict[tuple[int, int, int], np.ndarray | None], null_code: int
) -> None:
    """One chunk's codes into its slice of the column's code array."""
    if not pa.types.is_dictionary(chunk.type):
        mapping = mappings[_identity(chunk)]
        out[:] = np.arange(len(out)) if mapping is None else mapping
        return
    mapping = mappings[_identity(chunk.dictionary)]
    indices = pc.fill_null(chunk.indices, 0) if chunk.null_count else chunk.indices
    if mapping is None:
        out[:] = indices.to_numpy(zero_copy_only=False)
    else:  # mode="clip": indices are valid, and "raise" would buffer ``out``
        np.take(mapping, indices.to_numpy(zero_copy_only=False), out=out, mode="clip")
    if chunk.null_count:
        out[chunk.is_null().to_numpy(zero_copy_only=False)] = null_code


def _ms(col: pa.ChunkedArray, what: str) -> np.ndarray:
    """Aware timestamps → int64 UTC milliseconds; naive ones are refused (they would shift by 8 h)."""
    if not pa.types.is_timestamp(col.type) or col.type.tz is None:
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE,
            f"{what} 必须是带时区的时间",
            f"{what} must be time-zone aware timestamps",
            {"column": what, "type": str(col.type)},
        )
    # safe=False truncates sub-millisecond parts (live chat timestamps carry microseconds)
    out = np.empty(len(col), np.int64)
    bounds = np.cumsum([0, *(len(c) for c in col.chunks)])

    def one(i: int) -> None:
        ms = pc.cast(pc.cast(col.chunk(i), pa.timestamp("ms", tz="UTC"), safe=False), pa.int64())
        out[bounds[i] : bounds[i + 1]] = ms.to_numpy(zero_copy_only=False)

    run([partial(one, i) for i in range(col.num_chunks)])
    return out


def local_parts(ms: np.ndarray, rules: CreditRules) -> tuple[np.ndarray, np.ndarray]:
    """Business day number (days since 1970-01-01 local, shifted by the cut hour) and local hour.

    Zone offsets change at most on quarter hours, so the offset is looked up per 15-minute
    bucket (a few thousand per month) instead of converting every timestamp. When every
    offset is itself whole quarters (all zones today), day and hour are constant within a
    bucket too: they are looked up per bucket, one division per timestamp instead of three.
    """
    if len(ms) == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int8)
    bucket = ms // QUARTER_MS
    lo = int(bucket.min())
    span = np.arange(lo, int(bucket.max()) + 1, dtype=np.int64) * QUARTER_MS
    local = pc.local_timestamp(pa.array(span, pa.timestamp("ms", tz=rules.timezone)))
    offset = pc.cast(local, pa.int64()).to_numpy(zero_copy_only=False) - span
    bucket -= lo
    if not (offset % QUARTER_MS).any():
        start = span + offset
        days = ((start - rules.day_cut_hour * HOUR_MS) // DAY_MS).astype(np.int32)
        hours = ((start // HOUR_MS) % 24).astype(np.int8)
        return days[bucket], hours[bucket]
    loc = ms + offset[bucket]
    day = (loc - rules.day_cut_hour * HOUR_MS) // DAY_MS
    return day.astype(np.int32), ((loc // HOUR_MS) % 24).astype(np.int8)


def _dense_pairs(
    m_shop: np.ndarray, m_buyer: np.ndarray, o_shop: np.ndarray, o_buyer: np.ndarray, n_b: int, space: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shop, buyer) codes → dense keys ``bk`` and ``pairs[bk] = shop * n_b + buyer``.

    Usually every buyer id belongs to one shop: then the buyer code itself is the key,
    checked with one scatter and one gather over a buyers-sized map (cache-resident),
    instead of pair numbers per row. Otherwise, when shops × buyers is small (at most a
    few times the row count) a presence map over the pair numbers and a running count
    give the dense keys without hashing; else Arrow's hash kernel does it in one linear
    pass (no sort, no map the size of shops × buyers).
    """
    shop_of = np.zeros(n_b, np.int32)
    shop_of[m_buyer] = m_shop
    shop_of[o_buyer] = o_shop
    if np.array_equal(shop_of[m_buyer], m_shop) and np.array_equal(shop_of[o_buyer], o_shop):
        pairs = shop_of.astype(np.int64) * n_b
        pairs += np.arange(n_b, dtype=np.int64)
        return m_buyer, o_buyer, pairs
    m_pair = m_shop.astype(np.int64) * n_b + m_buyer
    o_pair = o_shop.astype(np.int64) * n_b + o_buyer
    n = len(m_pair) + len(o_pair)
    if 0 < space <= max(4 * n, 1 << 20):
        seen = np.zeros(space, bool)
        seen[m_pair] = True
        seen[o_pair] = True
        rank = np.cumsum(seen, dtype=np.int64)
        rank -= 1
        return rank[m_pair], rank[o_pair], np.flatnonzero(seen).astype(np.int64)
    enc = pc.dictionary_encode(pa.chunked_array([pa.array(m_pair), pa.array(o_pair)], type=pa.int64()))
    codes = [c.indices.to_numpy(zero_copy_only=False).astype(np.int64) for c in enc.chunks]
    flat = np.concatenate(codes) if codes else np.zeros(0, np.int64)
    pairs = (
        enc.chunk(0).dictionary.to_numpy(zero_copy_only=False) if enc.num_chunks else np.zeros(0, np.int64)
    )
    return flat[: len(m_pair)], flat[len(m_pair) :], pairs.astype(np.int64)


def encode(messages: pa.Table, orders: pa.Table, rules: CreditRules, local: bool = True) -> Encoded:
    """Validate the contract columns and code them; raises KefuError on unusable input.

    ``local=False`` leaves the message day/hour at 0 (the columnar path derives them
    only for session and round starts).
    """
    _missing(messages, MSG_COLUMNS, "messages")
    _missing(orders, ORDER_COLUMNS, "orders")
    if rules.excluded_agents:
        keep = pc.invert(
            pc.is_in(_as_strings(messages.column("agent")), pa.array(sorted(rules.excluded_agents)))
        )
        messages = messages.filter(keep)
    (m_shop, o_shop), shops = _codes(messages.column("shop"), orders.column("shop"))
    (m_buyer, o_buyer), buyers = _codes(messages.column("buyer"), orders.column("buyer"))
    n_b = max(len(buyers), 1)
    m_pair, o_pair, pairs = _dense_pairs(m_shop, m_buyer, o_shop, o_buyer, n_b, len(shops) * n_b)
    (a_codes,), agent_dict = _codes(messages.column("agent"))
    names = agent_dict.to_pylist()
    order = sorted(range(len(names)), key=lambda i: names[i])
    rank = np.empty(len(names), np.int32)
    rank[order] = np.arange(len(names))
    if len(names):
        in_blocks(lambda lo, hi: np.take(rank, a_codes[lo:hi], out=a_codes[lo:hi]), len(a_codes))
    ak = a_codes
    agents = [names[i] for i in order]

    # direction through its (tiny) dictionary: no per-row string comparison
    (d_codes,), d_dict = _codes(messages.column("direction"))
    d_names = d_dict.to_pylist()
    bad_codes = [i for i, v in enumerate(d_names) if v not in ("in", "out")]
    if bad_codes:
        first = int(np.argmax(np.isin(d_codes, bad_codes)))
        raise KefuError(
            ErrorCode.IMPORT_BAD_ROW,
            f"messages 第{first + 2}行 direction 必须是 in 或 out",
            f"messages row {first + 2}: direction must be in or out",
        )
    out_code = d_names.index("out") if "out" in d_names else -1
    auto = pc.fill_null(pc.cast(messages.column("auto"), pa.int8()), 0).to_numpy(zero_copy_only=False)
    io = np.empty(len(d_codes), np.int8)
    human = np.empty(len(d_codes), np.int8)

    def kinds(lo: int, hi: int) -> None:
        np.equal(d_codes[lo:hi], out_code, out=io[lo:hi].view(bool))
        np.logical_and(io[lo:hi], auto[lo:hi] == 0, out=human[lo:hi].view(bool))

    in_blocks(kinds, len(d_codes))
    t = _ms(messages.column("ts"), "ts")
    tc = _ms(orders.column("created_at"), "created_at")
    paid = orders.column("paid_at")
    paid_mask = pc.is_null(paid).to_numpy(zero_copy_only=False)
    tp = _ms(pc.fill_null(paid, pa.scalar(0, paid.type)) if paid.null_count else paid, "paid_at")
    # unpaid rows (masked below) take their creation time, not 1970: local_parts' per-bucket
    # zone table then spans the data's month instead of 56 years (2 M buckets)
    tp[paid_mask] = tc[paid_mask]
    base = int(min(t.min() if len(t) else 0, tc.min() if len(tc) else 0))
    if local:
        d, h = local_parts(t, rules)
    else:
        d, h = np.zeros(len(t), np.int32), np.zeros(len(t), np.int8)
    dc, _ = local_parts(tc, rules)
    dp, _ = local_parts(tp, rules)
    qty = (
        pc.fill_null(pc.cast(orders.column("quantity"), pa.int64()), 1)
        if "quantity" in orders.column_names
        else pa.array(np.ones(orders.num_rows, np.int64))
    )
    m_tab = pa.table(
        {"bk": m_pair, "ak": ak, "t": t, "d": d, "h": h, "io": io, "human": human}
    )
    o_tab = pa.table(
        {
            "ok": np.arange(orders.num_rows, dtype=np.int64),
            "bk": o_pair.astype(np.int64),
            "tc": tc,
            "tp": pa.array(tp, mask=paid_mask),
            "dc": dc,
            "dp": pa.array(dp, mask=paid_mask),
            "amount": pc.cast(orders.column("amount_fen"), pa.int64()),
            "refund": pc.fill_null(pc.cast(orders.column("refund_fen"), pa.int64()), 0),
            "qty": qty,
        }
    )
    return Encoded(
        m_tab,
        o_tab,
        agents,
        _as_strings(orders.column("order_id")).combine_chunks(),
        shops,
        buyers,
        pairs,
        base,
    )
