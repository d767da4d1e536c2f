"""Sessions and question–answer rounds with one sort over integer-coded columns.

Why not the window-function SQL (``kefu.credit.sql.COLUMNAR_STEPS``) on one machine:
that needs three sorts of every message (session breaks, session numbers, rounds)
and dominates the run time at 20 M messages. Here every message becomes one int64
``(buyer, agent, time, kind)`` key; after a single sort sessions are runs between
breaks and rounds follow from neighbours — one compiled linear pass (numba; a dozen
numpy passes with their temporaries cost ~4× more).

The pass runs over blocks of about a million rows cut at (buyer, agent) boundaries, on
two threads (:mod:`kefu.credit.blocks` says why). The SQL steps stay the reference and
the Spark path; tests check both agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.credit.blocks import in_blocks, run
from kefu.credit.ingest import Encoded, local_parts
from kefu.credit.rules import CreditRules

NO_TIME = np.iinfo(np.int64).max
BLOCK = 1 << 20  # rows per block of sessions (cut at pair boundaries)


def _bits(n: int) -> int:
    return max(int(n).bit_length(), 1)


@dataclass(frozen=True)
class _Sorted:
    """Messages sorted by (pair, time, kind), pair = buyer key · agents + agent key.

    Packed: ``key`` holds ``pair << (t_bits + 2) | (t − t0) / unit << 2 | kind`` and is
    decoded block by block. Wide (keys over 63 bits): ``key`` is the pair, with ``t``
    and ``kind`` alongside.
    """

    key: np.ndarray
    t: np.ndarray | None = None
    kind: np.ndarray | None = None
    t_bits: int = 0
    unit: int = 1
    t0: int = 0

    def pair_start(self, i: int) -> int:
        """First row of the pair that row ``i`` belongs to (blocks never split a pair)."""
        if self.t is not None:
            return int(np.searchsorted(self.key, self.key[i]))
        shift = self.t_bits + 2
        return int(np.searchsorted(self.key, (int(self.key[i]) >> shift) << shift))

    def rows(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pair, t, kind) of rows lo..hi-1."""
        if self.t is not None and self.kind is not None:
            return self.key[lo:hi], self.t[lo:hi], self.kind[lo:hi]
        k = self.key[lo:hi]
        t = k >> 2
        t &= (1 << self.t_bits) - 1
        if self.unit != 1:
            t *= self.unit
        t += self.t0
        return k >> (self.t_bits + 2), t, k & 3


def _sorted_messages(enc: Encoded) -> _Sorted:
    """Sort by buyer, agent, time, kind; kind 0 in, 1 auto reply, 2 human reply."""
    m = enc.messages
    bk, ak, t = (m.column(c).to_numpy() for c in ("bk", "ak", "t"))
    io, human = m.column("io").to_numpy(), m.column("human").to_numpy()
    n_agents = max(len(enc.agents), 1)
    n = len(t)
    if n == 0:
        return _Sorted(np.zeros(0, np.int64), t, np.zeros(0, np.int64))
    t0 = int(t.min())
    unit = 1000 if all(in_blocks(lambda lo, hi: not (t[lo:hi] % 1000).any(), n)) else 1
    t_bits = _bits((int(t.max()) - t0) // unit)
    if _bits((int(bk.max()) + 1) * n_agents) + t_bits + 2 > 63:
        pair = bk.astype(np.int64) * n_agents + ak
        kind = io.astype(np.int64) + human
        order = np.lexsort((kind, t, pair))  # keys too wide to pack: slower, same answer
        return _Sorted(pair[order], t[order], kind[order])
    key = np.empty(n, np.int64)

    def pack(lo: int, hi: int) -> None:
        k = key[lo:hi]
        np.multiply(bk[lo:hi], n_agents, out=k, dtype=np.int64)
        k += ak[lo:hi]
        k <<= t_bits
        rel = t[lo:hi] - t0
        if unit != 1:
            rel //= unit
        k |= rel
        k <<= 2
        k += io[lo:hi]
        k += human[lo:hi]

    in_blocks(pack, n)
    _sort(key)
    return _Sorted(key, t_bits=t_bits, unit=unit, t0=t0)


def _sort(key: np.ndarray) -> None:
    """Sort in place; a merge sort when the rows already come mostly in key order.

    Chat exports are usually written conversation by conversation (buyer, then time):
    the key is then a few thousand sorted runs, which timsort (``kind="stable"``) merges
    in linear time (20 M rows: ~0.03 s instead of ~2 s). Time-ordered files take the
    usual introsort; counting descents costs one pass.
    """
    descents = np.count_nonzero(key[1:] < key[:-1]) if len(key) > 1 else 0
    if descents * 32 < len(key):
        key.sort(kind="stable")
    else:
        _sort_halves(key)


def _sort_halves(key: np.ndarray) -> None:
    """Introsort of each half on its own thread, then one linear timsort merge of the two runs."""
    half = len(key) // 2
    run([key[:half].sort, key[half:].sort])
    key.sort(kind="stable")


def _unit(*cols: np.ndarray) -> int:
    """1000 when every time is a whole second (the usual export): 10 fewer key bits."""
    return 1000 if all(bool((c % 1000 == 0).all()) for c in cols) else 1


def concurrency(s: pa.Table, n_agents: int) -> pa.Table:
    """Table ``cc`` (ak, d, c): conversations an agent had open at each received session's start.

    Sessions overlap when one starts at or before another's end (boundaries inclusive),
    so at equal times starts sort before ends. Every agent's +1/−1 sum to zero, hence one
    global running sum over (agent, time, kind) is each agent's own count.
    """
    recv = s.filter(pc.greater(s.column("n_in"), 0))
    ak = recv.column("ak").to_numpy()
    st = recv.column("st").to_numpy()
    en = recv.column("en").to_numpy()
    sd = recv.column("sd").to_numpy()
    if len(ak) == 0:
        return pa.table(
            {"ak": pa.array([], pa.int64()), "d": pa.array([], pa.int32()), "c": pa.array([], pa.int64())}
        )
    t0 = int(st.min())
    unit = _unit(st, en)
    t_bits = _bits((int(en.max()) - t0) // unit)
    idx_bits = _bits(len(ak))
    row = np.arange(len(ak), dtype=np.int64)
    if _bits(n_agents) + t_bits + 1 + idx_bits <= 63:
        start_key = (((ak << t_bits) | ((st - t0) // unit)) << 1) << idx_bits
        end_key = ((((ak << t_bits) | ((en - t0) // unit)) << 1) | 1) << idx_bits
        key = np.concatenate([start_key | row, end_key | row])
        _sort_halves(key)
        is_start = ((key >> idx_bits) & 1) == 0
        rows = key & ((1 << idx_bits) - 1)
    else:  # too wide to pack: slower, same answer
        kind = np.r_[np.zeros(len(ak), np.int64), np.ones(len(ak), np.int64)]
        order = np.lexsort((kind, np.concatenate([st, en]), np.concatenate([ak, ak])))
        is_start = kind[order] == 0
        rows = np.concatenate([row, row])[order]
    count = np.cumsum(np.where(is_start, 1, -1))
    starts = rows[is_start]
    return pa.table({"ak": ak[starts], "d": sd[starts], "c": count[is_start]})


def agent_buyer_days(s: pa.Table, rules: CreditRules) -> pa.Table:
    """Table ``sab`` (ak, sd, bk, rcv, rcp, n_in, n_human) from ``s`` without a hash aggregate.

    ``s`` comes in (buyer, agent, start) order and a session's day never decreases with its
    start, so each (agent, day, buyer) group is one run of consecutive sessions.
    """
    bk, ak, sd = (s.column(c).to_numpy() for c in ("bk", "ak", "sd"))
    n_in, n_human = s.column("n_in").to_numpy(), s.column("n_human").to_numpy()
    served = s.column("served").to_numpy() == 1
    rcv = n_in > 0
    rcp = served & rcv if rules.exclude_monologue else served
    new = np.ones(len(bk), bool)
    new[1:] = (bk[1:] != bk[:-1]) | (ak[1:] != ak[:-1]) | (sd[1:] != sd[:-1])
    starts = np.flatnonzero(new)

    def total(v: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.add.reduceat(v, starts, dtype=np.int64) if len(v) else np.zeros(0, np.int64)
        return out

    return pa.table(
        {
            "ak": ak[starts],
            "sd": sd[starts],
            "bk": bk[starts],
            "rcv": (total(rcv) > 0).astype(np.int32),
            "rcp": (total(rcp) > 0).astype(np.int32),
            "n_in": total(n_in),
            "n_human": total(n_human),
        }
    )


@numba.njit(nogil=True, cache=True)
def _pass(
    pair: np.ndarray, t: np.ndarray, kind: np.ndarray, gap_ms: int, s_out: np.ndarray, r_out: np.ndarray
) -> tuple[int, int]:  # pragma: no cover - compiled
    """One pass over sorted messages → (sessions, rounds) written to ``s_out`` / ``r_out`` rows.

    s_out columns: pair, start, end, buyer messages, human replies, first buyer message time.
    r_out columns: session (block-local), start time, pair, response ms, answered (0/1).
    A round opens at a buyer message that opens the session or follows a reply (auto replies
    ignored); the next non-auto reply in the same session answers it.
    """
    ns = -1
    nr = 0
    pending = -1  # round waiting for its answer
    last = -1  # kind of the session's last non-auto message (-1: none yet)
    for i in range(len(t)):
        ti, ki = t[i], kind[i]
        if i == 0 or pair[i] != pair[i - 1] or ti - t[i - 1] >= gap_ms:
            ns += 1
            s_out[ns, 0], s_out[ns, 1], s_out[ns, 3], s_out[ns, 4], s_out[ns, 5] = pair[i], ti, 0, 0, NO_TIME
            pending, last = -1, -1
        s_out[ns, 2] = ti
        if ki == 0:
            if s_out[ns, 3] == 0:
                s_out[ns, 5] = ti
            s_out[ns, 3] += 1
            if last != 0:
                r_out[nr, 0], r_out[nr, 1], r_out[nr, 2], r_out[nr, 3], r_out[nr, 4] = ns, ti, pair[i], 0, 0
                pending = nr
                nr += 1
            last = 0
        elif ki == 2:
            s_out[ns, 4] += 1
            if last == 0 and pending >= 0:
                r_out[pending, 3] = ti - r_out[pending, 1]
                r_out[pending, 4] = 1
                pending = -1
            last = 2
    return ns + 1, nr


def _block(pair: np.ndarray, t: np.ndarray, kind: np.ndarray, gap_ms: int) -> dict[str, np.ndarray]:
    """Sessions and rounds of one block of sorted messages (session numbers local to the block)."""
    s_out = np.empty((len(t), 6), np.int64)
    r_out = np.empty((len(t), 5), np.int64)
    ns, nr = _pass(pair, t, kind, gap_ms, s_out, r_out)
    s, r = s_out[:ns], r_out[:nr]
    return {
        "pair": s[:, 0],
        "st": s[:, 1],
        "en": s[:, 2],
        "n_in": s[:, 3],
        "n_human": s[:, 4],
        "fin": s[:, 5],
        "r_sn": r[:, 0],
        "r_t": r[:, 1],
        "r_pair": r[:, 2],
        "resp": r[:, 3],
        "r_ok": r[:, 4] == 1,
    }


def _block_of(srt: _Sorted, lo: int, hi: int, gap_ms: int) -> dict[str, np.ndarray]:
    return _block(*srt.rows(lo, hi), gap_ms)


def _cat(parts: Sequence[dict[str, np.ndarray]], name: str) -> np.ndarray:
    return np.concatenate([p[name] for p in parts])


def sessions_and_rounds(enc: Encoded, rules: CreditRules) -> tuple[pa.Table, pa.Table]:
    """Tables ``s`` and ``r`` with exactly the columns the SQL steps of the same names produce."""
    n_agents = max(len(enc.agents), 1)
    srt = _sorted_messages(enc)
    n = len(srt.key)
    cuts = sorted({0, n, *(srt.pair_start(i) for i in range(BLOCK, n, BLOCK))})
    gap_ms = rules.session_gap_s * 1000
    blocks = list(zip(cuts[:-1], cuts[1:], strict=True))
    parts = run([partial(_block_of, srt, lo, hi, gap_ms) for lo, hi in blocks])
    if not parts:
        parts = [_block(*srt.rows(0, 0), gap_ms)]
    # block-local session numbers → global ones
    offsets = np.cumsum([0, *(len(p["st"]) for p in parts[:-1])])
    r_sn = np.concatenate([p["r_sn"].astype(np.int64) + off for p, off in zip(parts, offsets, strict=True)])
    st, fin, n_human, s_pair = (
        _cat(parts, "st"),
        _cat(parts, "fin"),
        _cat(parts, "n_human"),
        _cat(parts, "pair"),
    )
    sd, _ = local_parts(st, rules)
    s = pa.table(
        {
            "bk": s_pair // n_agents,
            "ak": s_pair % n_agents,
            "sn": np.arange(len(st), dtype=np.int64),
            "st": st,
            "en": _cat(parts, "en"),
            "sd": sd,
            "served": (n_human > 0).astype(np.int8),  # a non-auto reply
            "n_in": _cat(parts, "n_in"),
            "n_human": n_human,
            "fin": pa.array(fin, mask=fin == NO_TIME),
        }
    )
    r_t, r_pair = _cat(parts, "r_t"), _cat(parts, "r_pair")
    first = np.ones(len(r_sn), bool)
    first[1:] = r_sn[1:] != r_sn[:-1]
    r_d, r_h = local_parts(r_t, rules)
    r = pa.table(
        {
            "bk": r_pair // n_agents,
            "ak": r_pair % n_agents,
            "sn": r_sn,
            "t": r_t,
            "d": r_d,
            "h": r_h,
            "resp": pa.array(_cat(parts, "resp"), mask=~_cat(parts, "r_ok")),
            "first_round": first.astype(np.int8),
        }
    )
    return s, r
