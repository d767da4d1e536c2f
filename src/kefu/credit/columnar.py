"""Sessions and question–answer rounds with one sort over integer-coded columns.

Why not the window-function SQL (``kefu.credit.sql.SESSION_STEPS``) on one machine:
that needs three sorts of every message (session breaks, session numbers, rounds)
and dominates the run time at 20 M messages. Here every message becomes one int64
``(buyer, agent, time, kind)`` key; after a single ``np.sort`` sessions are runs
between breaks and rounds are neighbour comparisons — linear, vectorised passes.
The SQL steps stay the reference and the Spark path; tests check both agree.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.credit.ingest import Encoded, local_parts
from kefu.credit.rules import CreditRules

NO_TIME = np.iinfo(np.int64).max


def _bits(n: int) -> int:
    return max(int(n).bit_length(), 1)


def _sorted_messages(enc: Encoded) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pair, t, kind) sorted by buyer, agent, time, kind; kind 0 in, 1 auto reply, 2 human reply."""
    m = enc.messages
    bk = m.column("bk").to_numpy()
    ak = m.column("ak").to_numpy()
    t = m.column("t").to_numpy()
    kind = m.column("io").to_numpy().astype(np.int64)
    kind += m.column("human").to_numpy()
    if len(t) == 0:
        return np.zeros(0, np.int64), t, kind
    n_agents = max(len(enc.agents), 1)
    pair = bk * n_agents
    pair += ak
    t0 = int(t.min())
    unit = _unit(t)
    t_bits = _bits((int(t.max()) - t0) // unit)
    if _bits(int(pair.max())) + t_bits + 2 <= 63:
        # in place: at 20 M rows every temporary is 160 MB of fresh pages
        key = pair
        key <<= t_bits
        rel = t - t0
        if unit != 1:
            rel //= unit
        key |= rel
        key <<= 2
        key |= kind
        key.sort()
        np.bitwise_and(key, 3, out=kind)
        np.right_shift(key, 2, out=rel)
        rel &= (1 << t_bits) - 1
        if unit != 1:
            rel *= unit
        rel += t0
        key >>= t_bits + 2
        return key, rel, kind
    order = np.lexsort((kind, t, pair))  # keys too wide to pack: slower, same answer
    return pair[order], t[order], kind[order]


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
        key.sort()
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


def sessions_and_rounds(enc: Encoded, rules: CreditRules) -> tuple[pa.Table, pa.Table]:
    """Tables ``s`` and ``r`` with exactly the columns the SQL steps of the same names produce."""
    n_agents = max(len(enc.agents), 1)
    pair, t, kind = _sorted_messages(enc)
    n = len(t)
    new = np.ones(n, bool)
    if n > 1:
        new[1:] = (pair[1:] != pair[:-1]) | (t[1:] - t[:-1] >= rules.session_gap_s * 1000)
    starts = np.flatnonzero(new)
    # session number of every message; int32 halves the memory traffic (sessions ≤ messages)
    sn = np.cumsum(new, dtype=np.int32 if n < 2**31 else np.int64)
    np.subtract(sn, 1, out=sn)
    ends = np.r_[starts[1:] - 1, n - 1] if n else starts
    is_in = kind == 0
    human = kind == 2
    if n:
        n_in = np.add.reduceat(is_in, starts, dtype=np.int64)
        n_human = np.add.reduceat(human, starts, dtype=np.int64)
        served = n_human > 0  # a non-auto reply: one reduceat fewer over every message
        fin = np.minimum.reduceat(np.where(is_in, t, NO_TIME), starts)
    else:
        served = n_in = n_human = fin = np.zeros(0, np.int64)
    sd, _ = local_parts(t[starts], rules)
    s_pair = pair[starts]
    s = pa.table(
        {
            "bk": s_pair // n_agents,
            "ak": s_pair % n_agents,
            "sn": np.arange(len(starts), dtype=np.int64),
            "st": t[starts],
            "en": t[ends],
            "sd": sd,
            "served": served.astype(np.int8),
            "n_in": n_in,
            "n_human": n_human,
            "fin": pa.array(fin, mask=fin == NO_TIME),
        }
    )
    # rounds on the non-auto messages: a buyer message opening the session or following a reply
    keep = np.flatnonzero(kind != 1)
    k_sn, k_kind, k_t = sn[keep], kind[keep], t[keep]
    prev_same = np.zeros(len(keep), bool)
    prev_in = np.zeros(len(keep), bool)
    if len(keep) > 1:
        prev_same[1:] = k_sn[1:] == k_sn[:-1]
        prev_in[1:] = k_kind[:-1] == 0
    start = (k_kind == 0) & ~(prev_same & prev_in)
    answer = (k_kind == 2) & prev_same & prev_in
    ev = np.flatnonzero(start | answer)
    e_start = start[ev]
    nxt_ok = np.zeros(len(ev), bool)
    if len(ev) > 1:
        nxt_ok[:-1] = ~e_start[1:] & (k_sn[ev[1:]] == k_sn[ev[:-1]])
    resp = np.zeros(len(ev), np.int64)
    if len(ev) > 1:
        resp[:-1] = k_t[ev[1:]] - k_t[ev[:-1]]
    rs = ev[e_start]
    r_sn = k_sn[rs]
    first = np.ones(len(rs), bool)
    if len(rs) > 1:
        first[1:] = r_sn[1:] != r_sn[:-1]
    r_t = k_t[rs]
    r_d, r_h = local_parts(r_t, rules)
    r_pair = pair[keep[rs]]
    r_ok = nxt_ok[e_start]
    r = pa.table(
        {
            "bk": r_pair // n_agents,
            "ak": r_pair % n_agents,
            "sn": r_sn.astype(np.int64),
            "t": r_t,
            "d": r_d,
            "h": r_h,
            "resp": pa.array(resp[e_start], mask=~r_ok),
            "first_round": first.astype(np.int8),
        }
    )
    return s, r
