"""Order attribution on the columnar path: the SQL steps ``att`` + ``oc0`` as one compiled pass.

Why: the SQL form (ADR 0005, item 2) unions ~3 M served sessions with 2 M order events
and sorts them all for one running-maximum window — about 1.5 CPU-seconds at 20 M
messages. Here the served sessions are sorted by (buyer, start) (``s`` comes in buyer-major
order, so a stable sort merges short runs) and carry a per-buyer prefix maximum of the
packed key ``(end − base)·PACK + (PACK − 1 − agent)``; each creation or payment then takes
the prefix maximum at the last session starting at or before it (a binary search in its
buyer's sessions). Same rule, same answer: tests check it against the SQL. The kernels are
plain loops: numba compiles a sort or ``np.searchsorted`` of its own for ~1 s more.
"""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.credit.sql import PACK


@numba.njit(nogil=True, cache=True)
def _prefix_max(bounds: np.ndarray, pk: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Running maximum of pk within each buyer segment ``bounds[b]:bounds[b + 1]``."""
    best = np.empty_like(pk)
    for b in range(len(bounds) - 1):
        run = -1
        for i in range(bounds[b], bounds[b + 1]):
            run = max(run, pk[i])
            best[i] = run
    return best


@numba.njit(nogil=True, cache=True)
def _lookup(
    bounds: np.ndarray,
    st: np.ndarray,
    best: np.ndarray,
    bk: np.ndarray,
    t: np.ndarray,
    valid: np.ndarray,
    floor: int,
) -> np.ndarray:  # pragma: no cover - compiled
    """Packed key of the session credited for each event, or -1 (none in the window).

    The last session of the event's buyer starting at or before t (a binary search): every
    session starting at or before t precedes it in the order, so its prefix maximum is the
    SQL window's running maximum.
    """
    out = np.full(len(t), -1, np.int64)
    for i in range(len(t)):
        if not valid[i]:
            continue
        lo, hi = bounds[bk[i]], bounds[bk[i] + 1]
        while lo < hi:  # first start after t
            mid = (lo + hi) // 2
            if st[mid] <= t[i]:
                lo = mid + 1
            else:
                hi = mid
        j = lo - 1
        if j >= bounds[bk[i]] and best[j] >= (t[i] - floor) * PACK:
            out[i] = best[j]
    return out


def _by_buyer_start(bk: np.ndarray, st: np.ndarray) -> np.ndarray:
    """Order of sessions by (buyer, start): one packed stable sort (the rows come in buyer order,
    so it merges short runs), or a lexsort when the packed key would pass 63 bits."""
    if len(st) == 0:
        return np.zeros(0, np.int64)
    lo = int(st.min())
    t_bits = max((int(st.max()) - lo).bit_length(), 1)
    if max(int(bk[-1]).bit_length(), 1) + t_bits > 63:
        return np.lexsort((st, bk))
    key = bk << t_bits
    key |= st - lo
    return np.argsort(key, kind="stable")


def attribute(s: pa.Table, o: pa.Table, n_buyers: int, base_ms: int, window_ms: int) -> pa.Table:
    """Table ``oc0``: the orders ``o`` plus opk, ppk (packed keys) and oa, pa (agent keys), null where nobody."""
    served = s.filter(pc.equal(s.column("served"), 1))
    s_bk = served.column("bk").to_numpy()
    st = served.column("st").to_numpy()
    pk = (served.column("en").to_numpy() - base_ms) * PACK + (PACK - 1 - served.column("ak").to_numpy())
    bounds = np.searchsorted(s_bk, np.arange(n_buyers + 1, dtype=s_bk.dtype)).astype(np.int64)
    order = _by_buyer_start(s_bk, st)
    st_sorted = st[order]
    best = _prefix_max(bounds, pk[order])
    o_bk = o.column("bk").to_numpy()
    tp = o.column("tp")
    paid = pc.is_valid(tp).to_numpy(zero_copy_only=False)
    floor = window_ms + base_ms
    cols = {name: o.column(name) for name in o.column_names}
    for prefix, agent, t, valid in (
        ("opk", "oa", o.column("tc").to_numpy(), np.ones(len(o_bk), bool)),
        ("ppk", "pa", pc.fill_null(tp, 0).to_numpy(zero_copy_only=False), paid),
    ):
        key = _lookup(bounds, st_sorted, best, o_bk, t, valid, floor)
        none = key < 0
        cols[prefix] = pa.array(key, pa.int64(), mask=none)
        cols[agent] = pa.array(PACK - 1 - key % PACK, pa.int64(), mask=none)
    names = [*o.column_names, "opk", "ppk", "oa", "pa"]  # the SQL step's column order
    return pa.table({name: cols[name] for name in names})
