"""Erlang C / Erlang A timing over 10,000 intervals (the roster asks this many at once).

Usage: .venv/bin/python bench/erlang.py [--intervals 10000] [--repeat 5]

Loads are drawn (seeded) between 0 and 400 calls per 30 min, AHT 180 s, so
offered load runs 0–40 Erlangs with head-counts around it. Times are the best
of ``--repeat`` runs. The last line holds the key=value figures.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from kefu.plan.staffing import erlang_a, erlang_c, required_agents


def best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--intervals", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(42)
    calls = rng.uniform(0, 400, args.intervals)
    agents = np.ceil(calls * 180 / 1800 + rng.integers(0, 8, args.intervals))
    figures = {
        "intervals": args.intervals,
        "erlang_c_ms": best(lambda: erlang_c(calls, 1800, 180, agents, 20), args.repeat) * 1e3,
        "erlang_a_ms": best(lambda: erlang_a(calls, 1800, 180, agents, 20, 300), args.repeat) * 1e3,
        "required_c_ms": best(
            lambda: required_agents(calls, 1800, 180, 0.8, 20, max_occupancy=0.85), args.repeat
        )
        * 1e3,
        "required_a_ms": best(lambda: required_agents(calls, 1800, 180, 0.8, 20, patience_s=300), args.repeat)
        * 1e3,
        "chat_c3_ms": best(
            lambda: required_agents(calls * 3, 1800, 180 * 2, 0.8, 60, concurrency=3), args.repeat
        )
        * 1e3,
    }
    print(" ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
