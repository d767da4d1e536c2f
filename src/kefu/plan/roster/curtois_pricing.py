"""Exact best line for one Curtois employee under given day costs: a compiled dynamic programme.

Column generation (``curtois_colgen``) asks, dozens of times per employee, for
the line of least cost where a cell's cost is its request penalty minus the
cover's dual price. A one-employee CP-SAT model answers in 20–60 ms; this
forward DP over (last shift, run length, worked units, worked weekends, tight
per-shift counts) answers in a few milliseconds, which is what makes the
root LP converge within seconds on instances 5–12.

Every rule of ``curtois.line_violations`` is a state transition: forbidden
successions from the last shift, run bounds from the run length (runs touching
either horizon end are exempt from the minimum rules, the "relaxed at the
ends" reading), worked minutes in units of the shift lengths' gcd, a weekend
counted when its Saturday is worked or its Sunday is worked after a Saturday
off. Per-shift caps are tracked only while the state stays small; a looser
cap is checked on the answer and the caller falls back to CP-SAT when it is
broken, so the answer is always exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from kefu.plan.roster.curtois import REST, Instance

STATE_BUDGET = 60_000  # states per day; caps that would exceed it are checked afterwards instead
INF = 1e18


@dataclass(frozen=True)
class LineShape:
    """The per-employee constants of the DP (everything except the day costs)."""

    units: npt.NDArray[np.int64]  # shift length / gcd, per shift type
    forbid: npt.NDArray[np.bool_]  # [a, b]: b may not follow a
    allowed: npt.NDArray[np.bool_]  # [day, shift]: cap > 0 and not a day off
    min_units: int
    max_units: int
    max_run: int
    min_run: int
    min_off: int
    max_weekends: int
    tracked: npt.NDArray[np.int64]  # shift types whose cap is a DP dimension
    tracked_caps: npt.NDArray[np.int64]
    checked: tuple[tuple[int, int], ...]  # (shift, cap) verified on the answer
    states: int


def line_shape(inst: Instance, e: int) -> LineShape:
    """The DP constants of employee ``e``; caps become dimensions tightest first while they fit."""
    h, n_s, st = inst.horizon, len(inst.shifts), inst.staff[e]
    g = 0
    for sh in inst.shifts:
        g = math.gcd(g, sh.minutes)
    units = np.array([sh.minutes // g for sh in inst.shifts], dtype=np.int64)
    forbid = np.zeros((n_s, n_s), dtype=np.bool_)
    for a, nxt in enumerate(inst.forbidden_pairs()):
        forbid[a, nxt] = True
    off = inst.days_off.get(e, set())
    allowed = np.zeros((h, n_s), dtype=np.bool_)
    for s in range(n_s):
        if inst.cap(e, s) > 0:
            allowed[[d for d in range(h) if d not in off], s] = True
    min_units, max_units = -(-st.min_minutes // g), st.max_minutes // g
    most_days = min(h, max_units // int(units.min()))
    run = max(st.max_consecutive, st.min_days_off, 1)
    weekends = min(st.max_weekends, h // 7)
    base = (n_s + 1) * run * (max_units + 1) * (weekends + 1)
    binding = sorted(
        (inst.cap(e, s), s) for s in range(n_s) if 0 < inst.cap(e, s) < min(most_days, int(allowed[:, s].sum()))
    )
    tracked, caps, checked = [], [], []
    size = base
    for cap, s in binding:
        if size * (cap + 1) <= STATE_BUDGET:
            size *= cap + 1
            tracked.append(s)
            caps.append(cap)
        else:
            checked.append((s, cap))
    return LineShape(
        units, forbid, allowed, min_units, max_units, st.max_consecutive, st.min_consecutive, st.min_days_off,
        weekends, np.array(tracked, dtype=np.int64), np.array(caps, dtype=np.int64), tuple(checked), size,
    )


def best_line(shape: LineShape, cost: npt.NDArray[np.float64]) -> tuple[list[int], float] | None:
    """The least-cost feasible line for ``cost[day, choice]`` (choice ``n_shifts`` = day off), or None.

    None also when the answer breaks a cap the DP did not track: the caller
    then asks the exact CP-SAT line model instead.
    """
    line = np.full(cost.shape[0], -2, dtype=np.int64)
    value = _dp(
        cost, shape.units, shape.forbid, shape.allowed, shape.min_units, shape.max_units, shape.max_run,
        shape.min_run, shape.min_off, shape.max_weekends, shape.tracked, shape.tracked_caps, line,
    )
    if value >= INF / 2:
        return None
    out = [REST if c == len(shape.units) else int(c) for c in line]
    for s, cap in shape.checked:
        if sum(1 for c in out if c == s) > cap:
            return None
    return out, float(value)


@numba.njit(nogil=True, cache=True)
def _dp(
    cost: npt.NDArray[np.float64],
    units: npt.NDArray[np.int64],
    forbid: npt.NDArray[np.bool_],
    allowed: npt.NDArray[np.bool_],
    min_units: int,
    max_units: int,
    max_run: int,
    min_run: int,
    min_off: int,
    max_weekends: int,
    tracked: npt.NDArray[np.int64],
    tracked_caps: npt.NDArray[np.int64],
    line: npt.NDArray[np.int64],
) -> float:
    """Forward DP; fills ``line`` with the best choice per day and returns its cost (INF when none)."""
    h, n_s = allowed.shape
    off = n_s
    run_dim = max(max_run, min_off, 1)
    n_u, n_w = max_units + 1, max_weekends + 1
    n_t = tracked.shape[0]
    track_of = np.full(n_s, -1, dtype=np.int64)
    radix = np.ones(n_t + 1, dtype=np.int64)
    for k in range(n_t):
        track_of[tracked[k]] = k
        radix[k + 1] = radix[k] * (tracked_caps[k] + 1)
    n_c = radix[n_t]
    n_states = (n_s + 1) * run_dim * n_u * n_w * n_c
    cur = np.full(n_states, INF)
    back = np.full((h, n_states), -1, dtype=np.int64)
    # before day 0 the employee has been off long enough: (off, full run, nothing worked)
    start = (((off * run_dim + run_dim - 1) * n_u) * n_w) * n_c
    cur[start] = 0.0
    for d in range(h):
        nxt = np.full(n_states, INF)
        weekend_day = d % 7
        for idx in range(n_states):
            v = cur[idx]
            if v >= INF:
                continue
            c_idx = idx % n_c
            rest = idx // n_c
            wk = rest % n_w
            rest //= n_w
            u = rest % n_u
            rest //= n_u
            r = rest % run_dim + 1
            last = rest // run_dim
            # a day off
            if last == off:
                nr = min(r + 1, run_dim)
                ok = True
            else:
                nr = 1
                ok = bool(r >= min_run or d - r == 0)  # a work run that ends here (one touching day 0 is exempt)
            if ok:
                j = (((off * run_dim + nr - 1) * n_u + u) * n_w + wk) * n_c + c_idx
                nv = v + cost[d, off]
                if nv < nxt[j]:
                    nxt[j] = nv
                    back[d, j] = idx * (n_s + 1) + off
            # a shift
            if last == off:
                if r < run_dim and r < min_off and d - r != 0:
                    continue  # the off run ending here is too short
                nr = 1
            else:
                if r >= max_run:
                    continue
                nr = r + 1
            nwk = wk
            if weekend_day == 5 or (weekend_day == 6 and last == off):
                nwk = wk + 1
                if nwk > max_weekends:
                    continue
            for s in range(n_s):
                if not allowed[d, s] or (last != off and forbid[last, s]):
                    continue
                nu = u + units[s]
                if nu > max_units:
                    continue
                nc = c_idx
                k = track_of[s]
                if k >= 0:
                    cnt = (c_idx // radix[k]) % (tracked_caps[k] + 1)
                    if cnt >= tracked_caps[k]:
                        continue
                    nc = c_idx + radix[k]
                j = (((s * run_dim + nr - 1) * n_u + nu) * n_w + nwk) * n_c + nc
                nv = v + cost[d, s]
                if nv < nxt[j]:
                    nxt[j] = nv
                    back[d, j] = idx * (n_s + 1) + s
        cur = nxt
    best, arg = INF, -1
    for idx in range(n_states):
        u = (idx // (n_c * n_w)) % n_u
        if u >= min_units and cur[idx] < best:
            best, arg = cur[idx], idx
    if arg < 0:
        return INF
    for d in range(h - 1, -1, -1):
        b = back[d, arg]
        line[d] = b % (n_s + 1)
        arg = b // (n_s + 1)
    return best


def warm() -> None:
    """Compile the DP into numba's on-disk cache (``make install``), so no solve pays the ~1 s compile."""
    from kefu.plan.roster.curtois import parse_instance

    cover = "\n".join(f"{d},D,1,100,1" for d in range(7))
    inst = parse_instance(f"SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\nA,D=3,2400,0,5,1,1,1\n\n"
                          f"SECTION_COVER\n{cover}\n", "warm")
    best_line(line_shape(inst, 0), np.zeros((7, 2)))
