"""Curtois & Qu instances 1–24 with the kefu roster engine: ours beside the best known.

Usage: .venv/bin/python bench/curtois.py [--time-limit 60] [--instances 1-24] [--workers 1] [--lanes 2]

Each instance is solved with the same engine the ``kefu roster curtois``
command uses (column-generation bound and dives, then LNS); the objective is
recomputed from the roster by the independent validator and the roster is
checked for hard-rule violations. ``our_lb`` is the LP lower bound our run
proved (0 where column generation does not run); it must never exceed the
best known value. The last line holds the key=value figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from kefu.plan.roster.curtois.reader import load_instance, objective, violations
from kefu.plan.roster.curtois.solve import solve

DATA = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "curtois"
BEST = {
    1: 607,
    2: 828,
    3: 1001,
    4: 1716,
    5: 1143,
    6: 1950,
    7: 1056,
    8: 1300,
    9: 439,
    10: 4631,
    11: 3443,
    12: 4040,
    13: 1348,
    14: 1278,
    15: 3828,
    16: 3225,
    17: 5746,
    18: 4459,
    19: 3149,
    20: 4769,
    21: 21133,
    22: 30241,
    23: 17285,
    24: 40438,
}


def _ids(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--instances", default="1-24")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lanes", type=int, default=2, help="LNS moves solved at once (one per core)")
    ap.add_argument("--no-colgen", action="store_true", help="LNS alone (no column-generation bound or dives)")
    args = ap.parse_args()
    if not DATA.exists():
        sys.exit(f"benchmark data not found: {DATA}")
    rows = []
    print(f"{'inst':>4} {'best':>7} {'ours':>7} {'gap%':>7} {'our_lb':>7} {'status':>9} {'sec':>6} {'first_s':>7} {'cpu_s':>6} {'iters':>6} ok")
    for i in _ids(args.instances):
        inst = load_instance(DATA / f"Instance{i}.txt")
        cpu0 = time.process_time()
        res = solve(inst, args.time_limit, seed=args.seed, workers=args.workers, lanes=args.lanes,
                    colgen_phase=not args.no_colgen)
        cpu = time.process_time() - cpu0
        value = objective(inst, res.roster)  # independent recomputation
        ok = not violations(inst, res.roster)
        if value < BEST[i] or res.lower_bound > BEST[i]:
            raise SystemExit(f"Instance{i}: objective {value} / bound {res.lower_bound} against the proven optimum {BEST[i]}: model bug")
        gap = 100.0 * (value - BEST[i]) / BEST[i]
        rows.append((i, value, gap, ok, res.history[0][0]))
        print(
            f"{i:>4} {BEST[i]:>7} {value:>7} {gap:>7.2f} {res.lower_bound:>7} {res.status:>9} {res.seconds:>6.1f} {res.history[0][0]:>7.1f} "
            f"{cpu:>6.1f} {res.iterations:>6} {ok}",
            flush=True,
        )
    gaps = {i: g for i, _v, g, _ok, _first in rows}
    opt17 = sum(1 for i in range(1, 8) if i in gaps and gaps[i] == 0.0)
    mean112 = (
        statistics.mean(g for i, g in gaps.items() if i <= 12) if any(i <= 12 for i in gaps) else float("nan")
    )
    feasible = sum(1 for *_x, ok, _first in rows if ok)
    first_max = max(first for *_x, first in rows)
    print(
        f"instances={len(rows)} time_limit={args.time_limit:g} workers={args.workers} lanes={args.lanes} "
        f"colgen={not args.no_colgen} optimal_1_7={opt17} "
        f"mean_gap_1_12={mean112:.2f} mean_gap_all={statistics.mean(gaps.values()):.2f} feasible={feasible} "
        f"max_first_feasible_s={first_max:.1f}"
    )


if __name__ == "__main__":
    main()
