"""Erlang C and Erlang A (Palm M/M/n+M) staffing, vectorised over intervals.

Why closed forms instead of a queue simulation: the roster solver asks for the
predicted service level of thousands of (interval, head-count) pairs, so every
function here takes numpy arrays and runs without a Python loop over
intervals. All results are *over all arrivals* of the interval:

* ``p_wait``        P(an arrival finds every server busy) (PASTA).
* ``service_level`` P(an arrival is answered within ``target_s``). Under Erlang A
  a call that abandons is never "answered", whether it hangs up before or
  after ``target_s``; it counts in the denominator. Under Erlang C nobody
  abandons, so the two readings agree.
* ``asa_s``         mean wait over all arrivals (answered + abandoned, zero for
  those not waiting). Under Erlang A this equals P(abandon) × patience.
* ``occupancy``     carried load ÷ servers = A(1 − P(abandon)) ÷ n.
* ``p_abandon``     Erlang A only.

Erlang A algebra (derived from the birth–death chain with rates λ and
min(j,n)μ + (j−n)⁺θ, θ = 1/patience). With x = nμ/θ, y = λ/θ and
G(b, y) = ₁F₁(1; b; y) = Σ_k y^k/(b)_k:

* Σ_{j≥n} π_j / π_n = G(x+1, y) and Σ_{j<n} π_j / π_n = 1/B(n, A) − 1 (Erlang B);
* P(served | wait) = x G(x+2, y) / ((x+1) G(x+1, y));
* P(served within t | wait) = x/((x+1) G(x+1,y)) · [G(x+2,y) − e^{−(x+1)θt + y − z} G(x+2,z)],
  z = y e^{−θt} (the offered wait is a pure-death process ahead of the caller).

These reproduce every row of the reference table
(``../shared/data/reference/erlang_reference_values.csv``) to 1e-7.
Everything is carried in logarithms so overloaded intervals do not overflow.

Chat concurrency ``c``: an agent holds up to ``c`` chats at once, so ``k``
agents are ``k·c`` servers and ``aht_s`` is the handle time of one chat at
that concurrency. Shrinkage ``s`` (breaks, meetings, absence) divides:
scheduled = ⌈raw ÷ (1 − s)⌉.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, gammainc, gammaincc, gammaln, hyp1f1

from kefu.domain.errors import bad_argument

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class ErlangResult:
    """Per-interval queue figures (arrays of one shape); ``p_abandon`` is 0 under Erlang C."""

    p_wait: FloatArray
    service_level: FloatArray
    asa_s: FloatArray
    occupancy: FloatArray
    p_abandon: FloatArray


def _arr(value: ArrayLike, name: str, *, positive: bool = False) -> FloatArray:
    out = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(out)) or np.any(out < 0) or (positive and np.any(out <= 0)):
        need = "> 0" if positive else ">= 0"
        raise bad_argument(name, f"必须是有限数且 {need}", f"must be finite and {need}")
    return out


def _log_inv_b_minus_1(n: IntArray, a: FloatArray) -> FloatArray:
    """log(1/B(n, A) − 1) = log Σ_{j<n} n!/(j! A^{n−j}); requires n ≥ 1, A > 0.

    Wherever the regularised upper gamma Q(n+1, A) is representable (always for
    n ≥ A) a closed form is exact; for deeply overloaded intervals the stable
    recursion R_j = (j/A)(1 + R_{j−1}) runs in log space instead.
    """
    out = np.empty(n.shape, dtype=np.float64)
    q = gammaincc(n.astype(np.float64) + 1.0, a)
    big = (n >= a) | (q > 1e-250)  # the closed form holds wherever Q does not underflow
    if np.any(big):
        nb, ab = n[big].astype(np.float64), a[big]
        log_inv_b = ab + np.log(q[big]) + gammaln(nb + 1.0) - nb * np.log(ab)
        out[big] = log_inv_b + np.log(-np.expm1(-log_inv_b))
    small = ~big
    if np.any(small):
        ns, as_ = n[small], a[small]
        log_r = np.full(ns.shape, -np.inf)
        for j in range(1, int(ns.max()) + 1):
            step = ns >= j
            log_r = np.where(step, np.log(j / as_) + np.logaddexp(0.0, log_r), log_r)
        out[small] = log_r
    return out


def _log_g(b: FloatArray, y: FloatArray) -> FloatArray:
    """log ₁F₁(1; b; y) for b > 1, y ≥ 0 without overflow.

    For y > b − 1 the series is dominated by e^y and equals
    Γ(b) e^y y^{1−b} P(b−1, y) with P ≥ ~½; below that scipy's hyp1f1 is
    accurate and finite.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = b - 1.0
        high = y > x
        ys = np.where(high, y, 1.0)
        via_gamma = gammaln(b) + ys - x * np.log(ys) + np.log(gammainc(x, ys))
        via_series = np.log(hyp1f1(1.0, b, np.where(high, 0.0, y)))
        return np.asarray(np.where(high, via_gamma, via_series), dtype=np.float64)


def erlang_c(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    target_s: ArrayLike,
    *,
    concurrency: int = 1,
) -> ErlangResult:
    """Erlang C (M/M/n, nobody hangs up). Overloaded intervals (n ≤ A) give P(wait) 1, SL 0, ASA ∞."""
    lam_n, a, n, t, aht = _common(calls, interval_s, aht_s, agents, target_s, concurrency)
    pw = np.ones(a.shape)
    sl = np.zeros(a.shape)
    asa = np.full(a.shape, np.inf)
    occ = np.ones(a.shape)
    idle = a == 0
    pw[idle], sl[idle], asa[idle], occ[idle] = 0.0, 1.0, 0.0, 0.0
    stable = (~idle) & (n > a)
    if np.any(stable):
        ns, as_ = n[stable], a[stable]
        log_r = _log_inv_b_minus_1(ns, as_)
        gap = ns - as_
        p = expit(-(np.log(gap / ns) + log_r))
        pw[stable] = p
        sl[stable] = 1.0 - p * np.exp(-gap * t[stable] / aht[stable])
        asa[stable] = p * aht[stable] / gap
        occ[stable] = as_ / ns
    del lam_n
    return ErlangResult(pw, sl, asa, occ, np.zeros(a.shape))


def erlang_a(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    target_s: ArrayLike,
    patience_s: ArrayLike,
    *,
    concurrency: int = 1,
) -> ErlangResult:
    """Erlang A (M/M/n+M): callers hang up after an exponential patience of mean ``patience_s``."""
    lam, a, n, t, aht = _common(calls, interval_s, aht_s, agents, target_s, concurrency)
    theta = 1.0 / np.broadcast_to(_arr(patience_s, "patience_s", positive=True), a.shape)
    pw = np.ones(a.shape)
    sl = np.zeros(a.shape)
    pab = np.ones(a.shape)
    idle = a == 0
    pw[idle], sl[idle], pab[idle] = 0.0, 1.0, 0.0
    live = (~idle) & (n > 0)
    if np.any(live):
        nl, al, th, tl = n[live], a[live], theta[live], t[live]
        x = nl / aht[live] / th
        y = lam[live] / th
        log_g1 = _log_g(x + 1.0, y)
        log_g2 = _log_g(x + 2.0, y)
        p = expit(log_g1 - _log_inv_b_minus_1(nl, al))
        served_given_wait = x / (x + 1.0) * np.exp(log_g2 - log_g1)
        z = y * np.exp(-th * tl)
        tail = np.exp(-(x + 1.0) * th * tl + y - z + _log_g(x + 2.0, z) - log_g2)
        within_given_wait = served_given_wait * (1.0 - tail)
        pw[live] = p
        pab[live] = p * (1.0 - served_given_wait)
        sl[live] = (1.0 - p) + p * within_given_wait
    asa = pab / theta
    with np.errstate(divide="ignore", invalid="ignore"):
        occ = np.where(n > 0, a * (1.0 - pab) / np.maximum(n, 1), np.where(idle, 0.0, 1.0))
    return ErlangResult(pw, sl, asa, occ, pab)


def _common(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    target_s: ArrayLike,
    concurrency: int,
) -> tuple[FloatArray, FloatArray, IntArray, FloatArray, FloatArray]:
    """Validate and broadcast; returns λ (per s), A (Erlangs), servers n, target t, AHT."""
    if concurrency < 1:
        raise bad_argument("concurrency", "并发数至少为 1", "concurrency must be at least 1")
    c = _arr(calls, "calls")
    iv = _arr(interval_s, "interval_s", positive=True)
    h = _arr(aht_s, "aht_s", positive=True)
    k = _arr(agents, "agents")
    t = _arr(target_s, "target_s")
    if np.any(k != np.floor(k)):
        raise bad_argument("agents", "坐席数必须是整数", "agents must be whole numbers")
    c, iv, h, k, t = np.broadcast_arrays(c, iv, h, k, t)
    lam = c / iv
    servers = (k * concurrency).astype(np.int64)
    return lam, lam * h, servers, t.astype(np.float64), h.astype(np.float64)


def erlang_c_service_level(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    agents: ArrayLike,
    target_s: ArrayLike,
    *,
    concurrency: int = 1,
    patience_s: ArrayLike | None = None,
) -> FloatArray:
    """Predicted service level per interval (the roster's coverage → SL figure).

    Erlang C by default; with ``patience_s`` the Erlang A service level over all arrivals.
    """
    if patience_s is None:
        return erlang_c(calls, interval_s, aht_s, agents, target_s, concurrency=concurrency).service_level
    return erlang_a(
        calls, interval_s, aht_s, agents, target_s, patience_s, concurrency=concurrency
    ).service_level


def required_agents(
    calls: ArrayLike,
    interval_s: ArrayLike,
    aht_s: ArrayLike,
    target_sl: float,
    target_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
    max_occupancy: float | None = None,
    concurrency: int = 1,
    shrinkage: float = 0.0,
) -> IntArray:
    """Fewest agents per interval meeting the SL target (and occupancy cap), then ÷ (1 − shrinkage).

    SL and occupancy are monotone in head-count, so a vectorised bisection
    over all intervals at once needs ~log₂(A) rounds instead of a loop per interval.
    """
    if not 0.0 < target_sl < 1.0:
        raise bad_argument(
            "target_sl", "服务水平目标须在 0 与 1 之间", "service-level target must be in (0, 1)"
        )
    if max_occupancy is not None and not 0.0 < max_occupancy <= 1.0:
        raise bad_argument("max_occupancy", "最大占用率须在 (0, 1]", "max occupancy must be in (0, 1]")
    if not 0.0 <= shrinkage < 1.0:
        raise bad_argument("shrinkage", "缺勤率须在 [0, 1)", "shrinkage must be in [0, 1)")
    c, iv, h, t = np.broadcast_arrays(
        _arr(calls, "calls"),
        _arr(interval_s, "interval_s", positive=True),
        _arr(aht_s, "aht_s", positive=True),
        _arr(target_s, "target_s"),
    )
    pat = (
        None
        if patience_s is None
        else np.broadcast_to(_arr(patience_s, "patience_s", positive=True), c.shape)
    )

    def ok(k: IntArray) -> NDArray[np.bool_]:
        if pat is None:
            res = erlang_c(c, iv, h, k, t, concurrency=concurrency)
        else:
            res = erlang_a(c, iv, h, k, t, pat, concurrency=concurrency)
        good = res.service_level >= target_sl
        if max_occupancy is not None:
            good &= res.occupancy <= max_occupancy + 1e-12
        return np.asarray(good | (c == 0))

    load = c / iv * h / concurrency
    lo = np.zeros(c.shape, dtype=np.int64)  # known to fail (or zero calls)
    hi = np.ceil(load + 3.0 * np.sqrt(load) + 2.0).astype(np.int64)
    while True:  # grow hi until every interval is satisfied
        bad = ~ok(hi)
        if not np.any(bad):
            break
        lo = np.where(bad, hi, lo)
        hi = np.where(bad, hi * 2, hi)
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        good = ok(mid)
        hi = np.where(good, mid, hi)
        lo = np.where(good, lo, mid)
    raw = np.where(c == 0, 0, hi)
    return np.ceil(raw / (1.0 - shrinkage) - 1e-9).astype(np.int64)
