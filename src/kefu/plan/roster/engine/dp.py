"""The compiled forward DP behind ``lines.best_line``: one agent's cheapest whole-horizon line.

The kernel alone, in numba (``nogil``: pricing threads run it at once, and
``cache``: ``make install`` compiles it once, ``lines.warm``). Its inputs
are the arrays ``lines.compile_rules`` lays out from an agent's rules — the
choices allowed per day, successions, runs, counters packed as mixed-radix
digits of the state, transition costs per class of yesterday's kind — and
the day costs; ``lines`` documents the automaton and checks answers.
"""

from __future__ import annotations

import numba
import numpy as np
import numpy.typing as npt

INF = 1e18

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@numba.njit(nogil=True, cache=True)
def dp(
    cost: FloatArray,
    trans: FloatArray,
    kind: IntArray,
    klass: IntArray,
    group: IntArray,
    forbid: BoolArray,
    allowed: BoolArray,
    off_ok: BoolArray,
    max_run: int,
    min_run: int,
    min_off: int,
    relaxed: bool,
    memory: bool,
    inc: IntArray,
    window: IntArray,
    cont: BoolArray,
    ends: BoolArray,
    lo: IntArray,
    hi: IntArray,
    radix: IntArray,
    resets: int,
    line: IntArray,
) -> float:
    """Forward DP; fills ``line`` with the best choice per day and returns its cost (INF when none).

    The state's kind is the class of yesterday's kind (``klass``, ``forbid[class, kind]``,
    ``trans[day, gap, class, kind]``); a state's counter values are decoded once, not per choice;
    of each ``group`` of alike choices only the day's cheapest allowed one is tried.
    """
    h, n_c = allowed.shape
    n_k = forbid.shape[0]
    off = n_k
    run_dim = max(max_run, min_off, 1)
    n_p = n_k + 1 if memory else 1
    n_g = trans.shape[1]
    n_t = inc.shape[0]
    n_cnt = radix[n_t]
    n_states = (n_k + 1) * run_dim * n_p * n_cnt
    cur = np.full(n_states, INF)
    back = np.full((h, n_states), -1, dtype=np.int64)
    remap = np.full((max(resets, 1), n_states), -1, dtype=np.int64)
    reset_of_day = np.full(h, -1, dtype=np.int64)
    # before day 0 the agent has been off long enough and worked no kind
    cur[((off * run_dim + run_dim - 1) * n_p + (n_p - 1)) * n_cnt] = 0.0
    n_resets = 0
    digit = np.zeros(max(n_t, 1), dtype=np.int64)
    n_grp = 0
    for c in range(n_c):
        n_grp = max(n_grp, group[c] + 1)
    pick = np.full(max(n_grp, 1), -1, dtype=np.int64)  # per group: the day's cheapest allowed choice
    for d in range(h):
        pick[:] = -1
        for c in range(n_c):
            if allowed[d, c] and (pick[group[c]] < 0 or cost[d, c] < cost[d, pick[group[c]]]):
                pick[group[c]] = c
        nxt = np.full(n_states, INF)
        for idx in range(n_states):
            v = cur[idx]
            if v >= INF:
                continue
            c_idx = idx % n_cnt
            for q in range(n_t):
                digit[q] = (c_idx // radix[q]) % (radix[q + 1] // radix[q])
            rest = idx // n_cnt
            prev = rest % n_p
            rest //= n_p
            r = rest % run_dim + 1
            last = rest // run_dim
            # a day off
            if off_ok[d]:
                if last == off:
                    nr = min(r + 1, run_dim)
                    ok = True
                else:
                    nr = 1
                    ok = bool(r >= min_run or (relaxed and d - r == 0))  # a work run ending here (one touching day 0 is exempt)
                oc = c_idx
                for q in range(n_t):
                    if ok and window[q, d] >= 0 and inc[q, n_c] > 0:
                        if digit[q] + inc[q, n_c] > hi[q, d]:
                            ok = False
                        oc += inc[q, n_c] * radix[q]
                if ok:
                    j = ((off * run_dim + nr - 1) * n_p + prev) * n_cnt + oc
                    nv = v + cost[d, n_c]
                    if nv < nxt[j]:
                        nxt[j] = nv
                        back[d, j] = idx * (n_c + 1) + n_c
            # a work choice
            if last == off:
                if r < run_dim and r < min_off and not (relaxed and d - r == 0):
                    continue  # the off run ending here is too short
                nr = 1
            else:
                if r >= max_run:
                    continue
                nr = r + 1
            for g in range(n_grp):
                c = pick[g]
                if c < 0:
                    continue
                k = kind[c]
                if last != off and forbid[last, k]:
                    continue
                nc = c_idx
                ok = True
                for q in range(n_t):
                    if window[q, d] < 0 or inc[q, c] == 0:
                        continue
                    if cont[q, d] and last != off:
                        continue  # the group was counted yesterday
                    if digit[q] + inc[q, c] > hi[q, d]:
                        ok = False
                        break
                    nc += inc[q, c] * radix[q]
                if not ok:
                    continue
                nv = v + cost[d, c]
                if last != off:
                    nv += trans[d, 1, last, k]
                elif memory and prev != n_k:
                    nv += trans[d, min(r + 1, n_g - 1), prev, k]
                else:
                    nv += trans[d, n_g - 1, n_k, k]
                kc = klass[c]
                np_ = kc if memory else 0
                j = ((kc * run_dim + nr - 1) * n_p + np_) * n_cnt + nc
                if nv < nxt[j]:
                    nxt[j] = nv
                    back[d, j] = idx * (n_c + 1) + c
        # windows ending today: their minimum is checked, and the counter restarts for the next window
        checking = False
        for q in range(n_t):
            if ends[q, d]:
                checking = True
        if checking:
            resetting = d < h - 1
            merged = np.full(n_states, INF) if resetting else nxt
            for idx in range(n_states):
                v = nxt[idx]
                if v >= INF:
                    continue
                c_idx = idx % n_cnt
                j = idx
                keep = True
                for q in range(n_t):
                    if not ends[q, d]:
                        continue
                    val = (c_idx // radix[q]) % (radix[q + 1] // radix[q])
                    if val < lo[q, d]:
                        keep = False
                        break
                    j -= val * radix[q]
                if not keep:
                    if not resetting:
                        nxt[idx] = INF
                    continue
                if resetting and v < merged[j]:
                    merged[j] = v
                    remap[n_resets, j] = idx
            if resetting:
                reset_of_day[d] = n_resets
                n_resets += 1
                nxt = merged
        cur = nxt
    best, arg = INF, -1
    for idx in range(n_states):
        if cur[idx] < best:
            best, arg = cur[idx], idx
    if arg < 0:
        return INF
    for d in range(h - 1, -1, -1):
        if reset_of_day[d] >= 0:
            arg = remap[reset_of_day[d], arg]
        b = back[d, arg]
        line[d] = b % (n_c + 1)
        arg = b // (n_c + 1)
    return best
