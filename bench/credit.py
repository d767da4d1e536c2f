"""Benchmark: attribution + daily metrics for a month of a large floor, kefu vs a pandas baseline.

    python bench/credit.py --orders 1000000 --messages 20000000

Data comes from the shop simulator (``kefu.sim.export.export_benchmark``; generation
is not timed and is cached under var/bench/). Each contender runs in its own child
process, reading the same CSV files, so its peak RSS is its own. The baseline is
``kefu.credit.reference_pandas`` (merge_asof, the approach an analyst would write);
its credits are checked against kefu's on a sample of orders. The last line is
``seconds=… baseline_seconds=… speedup=… peak_rss_mb=…``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd


def _generate(orders: int, messages: int, seed: int, data: Path) -> tuple[Path, Path]:
    m, o = data / "messages.csv", data / "orders.csv"
    if m.exists() and o.exists():
        return m, o
    try:
        from kefu.sim.export import export_benchmark

        return export_benchmark(orders, messages, data, seed=seed, fmt="csv")
    except ImportError:  # simulator not installed: the engine's own generator
        from kefu.credit import synth

        return synth.write_csv(*synth.generate(orders, messages, seed), data)


def _child_kefu(messages: Path, orders: Path, out: Path, engine: str) -> dict[str, float]:
    from kefu.credit.pipeline import run_arrow
    from kefu.io.credit_csv import read_messages, read_orders

    start = time.perf_counter()
    m, o = read_messages(messages), read_orders(orders)
    read = time.perf_counter() - start
    stages: dict[str, float] = {}
    result = run_arrow(m, o, engine=engine, timings=stages)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.order_credit.to_parquet(out / f"kefu-{engine}.parquet")
    print(
        f"stages: read={read:.2f} " + " ".join(f"{k}={v:.2f}" for k, v in stages.items()),
        file=sys.stderr,
    )
    return {
        "seconds": seconds,
        "read_seconds": read,
        # CPU time of all threads: much less sensitive than wall time to other jobs on the machine
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "agent_days": len(result.agent_day),
    }


def _child_pandas(messages: Path, orders: Path, out: Path) -> dict[str, float]:
    from kefu.credit.reference_pandas import run_reference

    start = time.perf_counter()
    m = pd.read_csv(
        messages, dtype={"shop": str, "buyer": str, "agent": str, "direction": str, "auto": "int8"}
    )
    m["ts"] = pd.to_datetime(m["ts"], format="ISO8601", utc=True)
    o = pd.read_csv(orders, dtype={"order_id": str, "shop": str, "buyer": str, "status": str})
    o["created_at"] = pd.to_datetime(o["created_at"], format="ISO8601", utc=True)
    o["paid_at"] = pd.to_datetime(o["paid_at"], format="ISO8601", utc=True)
    o["refund_fen"] = o["refund_fen"].fillna(0).astype("int64")
    read = time.perf_counter() - start
    credit, _ = run_reference(m, o)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    credit.to_parquet(out / "pandas.parquet")
    return {"seconds": seconds, "read_seconds": read, "cpu_seconds": usage.ru_utime + usage.ru_stime}


def _spawn(kind: str, m: Path, o: Path, out: Path, engine: str) -> dict[str, float]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--engine",
        engine,
        "--m",
        str(m),
        "--o",
        str(o),
        "--out",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stderr.splitlines():
        if line.startswith("stages:"):
            print(f"{kind} {line}", file=sys.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--data",
        "--data-dir",
        type=Path,
        default=None,
        help="directory holding (or to receive) messages.csv + orders.csv; generated once, then reused",
    )
    ap.add_argument("--engine", default="columnar", help="columnar (default) | sql (all steps as SQL)")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--sample", type=int, default=100_000, help="orders compared with the baseline")
    ap.add_argument("--child", default="")
    ap.add_argument("--m", type=Path)
    ap.add_argument("--o", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child:
        figures = (
            _child_kefu(args.m, args.o, args.out, args.engine)
            if args.child == "kefu"
            else _child_pandas(args.m, args.o, args.out)
        )
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
        return
    data = args.data or Path("var/bench") / f"credit-{args.orders}-{args.messages}-{args.seed}"
    data.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    m, o = _generate(args.orders, args.messages, args.seed, data)
    print(f"data ready in {time.perf_counter() - t0:.1f} s: {m}, {o}", file=sys.stderr)
    ours = _spawn("kefu", m, o, data, args.engine)
    print(f"kefu: {ours}", file=sys.stderr)
    line = (
        f"seconds={ours['seconds']:.2f} read_seconds={ours['read_seconds']:.2f} "
        f"cpu_seconds={ours['cpu_seconds']:.2f} peak_rss_mb={ours['peak_rss_mb']:.0f} orders={args.orders} messages={args.messages} engine={args.engine}"
    )
    if not args.no_baseline:
        base = _spawn("pandas", m, o, data, args.engine)
        print(f"pandas: {base}", file=sys.stderr)
        a = pd.read_parquet(data / f"kefu-{args.engine}.parquet")
        b = pd.read_parquet(data / "pandas.parquet")
        sample = a.sample(n=min(args.sample, len(a)), random_state=args.seed).index
        same = a.loc[sample].equals(b.loc[sample])
        if not same:
            raise SystemExit("kefu and the pandas baseline disagree on the sample")
        line = (
            f"seconds={ours['seconds']:.2f} baseline_seconds={base['seconds']:.2f} "
            f"speedup={base['seconds'] / ours['seconds']:.1f} peak_rss_mb={ours['peak_rss_mb']:.0f} "
            f"baseline_peak_rss_mb={base['peak_rss_mb']:.0f} read_seconds={ours['read_seconds']:.2f} "
            f"cpu_seconds={ours['cpu_seconds']:.2f} baseline_cpu_seconds={base['cpu_seconds']:.2f} "
            f"identical_sample={len(sample)} orders={args.orders} messages={args.messages} engine={args.engine}"
        )
    load = os.getloadavg()
    print(f"{line} load_avg_1m={load[0]:.1f} load_avg_5m={load[1]:.1f}")


if __name__ == "__main__":
    main()
