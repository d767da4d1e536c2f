"""Erlang A closed forms checked against a direct numerical solution of the birth–death chain.

The reference table has six Erlang A rows; this checks the algebra on many more
(load below, at and above capacity, short and long patience, chat concurrency).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from kefu.plan.staffing import erlang_a, erlang_c


def chain(lam: float, mu: float, theta: float, n: int, t: float) -> tuple[float, float, float]:
    """(P(wait), P(abandon), P(answered within t)) from the truncated chain and a tagged-caller CTMC."""
    k_max = n + 400
    pi = np.zeros(k_max + 1)
    pi[0] = 1.0
    for j in range(1, k_max + 1):
        pi[j] = pi[j - 1] * lam / (min(j, n) * mu + max(j - n, 0) * theta)
    pi /= pi.sum()
    p_wait = float(pi[n:].sum())
    queue = np.arange(k_max + 1) - n
    p_ab = float(theta * (pi * np.maximum(queue, 0)).sum() / lam)
    # tagged caller with i callers ahead (0..m); absorbing states: served (m+1), abandoned (m+2)
    m = 120
    q = np.zeros((m + 3, m + 3))
    for i in range(m + 1):
        out = n * mu + i * theta
        q[i, m + 1 if i == 0 else i - 1] += out
        q[i, m + 2] += theta
        q[i, i] -= out + theta
    served_by_t = expm(q * t)[: m + 1, m + 1]
    within = float(pi[:n].sum() + (pi[n : n + m + 1] * served_by_t).sum())
    return p_wait, p_ab, within


@pytest.mark.parametrize(
    ("calls", "aht", "n", "patience", "target"),
    [
        (60, 300, 8, 120, 20),
        (200, 180, 18, 600, 30),
        (200, 180, 22, 60, 10),
        (30, 240, 2, 400, 60),
        (90, 60, 1, 30, 5),
    ],
)
def test_erlang_a_matches_the_chain(calls: float, aht: float, n: int, patience: float, target: float) -> None:
    lam, mu, theta = calls / 1800, 1 / aht, 1 / patience
    p_wait, p_ab, within = chain(lam, mu, theta, n, target)
    res = erlang_a(calls, 1800, aht, n, target, patience)
    assert float(res.p_wait) == pytest.approx(p_wait, rel=1e-7)
    assert float(res.p_abandon) == pytest.approx(p_ab, rel=1e-7)
    assert float(res.service_level) == pytest.approx(within, rel=1e-7)
    assert float(res.asa_s) == pytest.approx(p_ab * patience, rel=1e-7)


def test_erlang_a_tends_to_erlang_c_with_infinite_patience() -> None:
    c = erlang_c(100, 1800, 180, 14, 20)
    a = erlang_a(100, 1800, 180, 14, 20, 1e9)
    assert float(a.service_level) == pytest.approx(float(c.service_level), rel=1e-6)
    assert float(a.p_wait) == pytest.approx(float(c.p_wait), rel=1e-6)
    assert float(a.asa_s) == pytest.approx(float(c.asa_s), rel=1e-5)


def test_chat_concurrency_in_erlang_a() -> None:
    three = erlang_a(300, 1800, 360, 4, 60, 300, concurrency=3)
    twelve = erlang_a(300, 1800, 360, 12, 60, 300)
    assert float(three.service_level) == float(twelve.service_level)


def test_erlang_b_closed_form_equals_the_recursion_on_both_sides_of_the_load() -> None:
    from kefu.plan.staffing import _log_inv_b_minus_1

    rng = np.random.default_rng(3)
    a = rng.uniform(0.5, 2000, 2000)
    n = np.maximum(1, (a * rng.uniform(0.2, 1.5, 2000)).astype(np.int64))
    ref = np.full(n.shape, -np.inf)
    for j in range(1, int(n.max()) + 1):
        ref = np.where(n >= j, np.log(j / a) + np.logaddexp(0.0, ref), ref)
    got = _log_inv_b_minus_1(n, a)
    assert np.max(np.abs(got - ref) / np.maximum(1.0, np.abs(ref))) < 1e-9
