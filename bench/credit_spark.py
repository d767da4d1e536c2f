"""Benchmark: the credit pipeline on Spark (local[1], local[2]) beside the embedded engine.

    nice -n 10 python bench/credit_spark.py --orders 1000000 --messages 20000000

1. Equality: simulator months (``--seeds``, small) credited by the default engine and by
   Spark in one shared session; the five output files must be byte-identical.
2. Time: each contender in its own child process on the same CSV files (generated once
   under var/bench/, as bench/credit.py does): the embedded default (numba columnar +
   DuckDB), the same SQL statements all in DuckDB, Spark local[1] and local[2]. Spark's
   start-up (JVM + session) is timed apart from the run; CPU seconds include the JVM's.
   Every child's credits and agent-day rows are checked equal to the embedded engine's.
Each ``local[N]`` child is pinned to N cores (see :func:`_pin`).
The last line: ``spark1_seconds=… spark2_seconds=… scaling=… embedded_seconds=… …``.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

OUTPUTS = ("order_credit.csv", "agent_day.csv", "shop_day.csv", "provisional.csv", "evidence.csv")


def _data(orders: int, messages: int, seed: int, root: Path) -> tuple[Path, Path]:
    from kefu.sim.export import export_benchmark

    folder = root / f"credit-{orders}-{messages}-{seed}"
    m, o = folder / "messages.csv", folder / "orders.csv"
    if m.exists() and o.exists():
        return m, o
    return export_benchmark(orders, messages, folder, seed=seed, fmt="csv")


def equality(seeds: list[int], orders: int, messages: int, root: Path, master: str) -> int:
    """Byte-compare the files of both engines on several simulator months; returns months checked."""
    from kefu.credit.pipeline import run_arrow
    from kefu.credit.spark import session
    from kefu.io.credit_csv import read_messages, read_orders, write_outputs

    spark = session(master)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in seeds:
            m_csv, o_csv = _data(orders, messages, seed, root)
            m, o = read_messages(m_csv), read_orders(o_csv)
            write_outputs(run_arrow(m, o), Path(tmp) / f"{seed}-embedded")
            write_outputs(run_arrow(m, o, engine="spark", spark=spark), Path(tmp) / f"{seed}-spark")
            _, differ, errors = filecmp.cmpfiles(
                Path(tmp) / f"{seed}-embedded", Path(tmp) / f"{seed}-spark", OUTPUTS, shallow=False
            )
            if differ or errors:
                raise SystemExit(f"seed {seed}: files differ: {differ + errors}")
            print(f"seed {seed}: {len(OUTPUTS)} files identical ({o.num_rows} orders)", file=sys.stderr)
    spark.stop()
    return len(seeds)


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its children (the JVM under spark-submit)."""
    proc = psutil.Process(pid)
    total = 0.0
    for p in [proc, *proc.children(recursive=True)]:
        t = p.cpu_times()
        total += t.user + t.system + t.children_user + t.children_system
    return total


def _pin(master: str) -> None:
    """Give a ``local[N]`` run exactly N cores (Linux affinity, inherited by the JVM it starts).

    Unpinned, ``local[1]`` is not one core: the JVM's JIT and GC threads and the Python
    driver run beside its one task thread on the other core, so local[1] → local[2] would
    compare ~1.4 cores with 2. Pinned, the figure is what the issue asks: 1 core against 2.
    """
    cores = master.removeprefix("local[").removesuffix("]")
    n = int(cores) if master.startswith("local[") and cores.isdigit() else 0
    cpus = sorted(os.sched_getaffinity(0))
    if 0 < n < len(cpus):
        os.sched_setaffinity(0, cpus[:n])


def child(kind: str, m_csv: Path, o_csv: Path, out: Path, master: str, memory: str) -> dict[str, float]:
    from kefu.credit.pipeline import run_arrow
    from kefu.io.credit_csv import read_messages, read_orders

    figures: dict[str, float] = {}
    spark = None
    jvm = 0
    if kind == "spark":
        from kefu.credit.spark import session

        _pin(master)

        t = time.perf_counter()
        spark = session(master, driver_memory=memory)
        spark.sql("SELECT 1").collect()  # the first job starts the executors' thread pool
        figures["startup_seconds"] = time.perf_counter() - t
        jvm = spark.sparkContext._gateway.proc.pid
        figures["startup_jvm_cpu_seconds"] = _cpu(jvm)
    start = time.perf_counter()
    m, o = read_messages(m_csv), read_orders(o_csv)
    figures["read_seconds"] = time.perf_counter() - start
    stages: dict[str, float] = {}
    engine = "spark" if kind == "spark" else kind
    result = run_arrow(m, o, engine=engine, timings=stages, spark=spark)
    figures["seconds"] = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    if jvm:
        figures["cpu_seconds"] += _cpu(jvm) - figures["startup_jvm_cpu_seconds"]
    figures["peak_rss_mb"] = usage.ru_maxrss / 1024
    result.order_credit.to_parquet(out / f"credit-{kind}-{master}.parquet")
    result.agent_day.to_parquet(out / f"agent_day-{kind}-{master}.parquet")
    print("stages: " + " ".join(f"{k}={v:.2f}" for k, v in stages.items()), file=sys.stderr)
    if spark is not None:
        spark.stop()
    return figures


def _spawn(kind: str, m: Path, o: Path, out: Path, master: str, memory: str) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", kind, "--m", str(m), "--o", str(o), "--out", str(out),
           "--master", master, "--memory", memory]  # fmt: skip
    before = os.getloadavg()[0]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stderr.splitlines():
        if line.startswith("stages:"):
            print(f"{kind} {master} {line}", file=sys.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} {master} failed:\n{proc.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["load_before"], figures["load_after"] = before, os.getloadavg()[0]
    print(f"{kind} {master}: {figures}", file=sys.stderr)
    return figures


def _same(out: Path, a: str, b: str) -> bool:
    return all(
        pd.read_parquet(out / f"{what}-{a}.parquet").equals(pd.read_parquet(out / f"{what}-{b}.parquet"))
        for what in ("credit", "agent_day")
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--messages", type=int, default=2_000_000)
    ap.add_argument("--seeds", default="1,2,3", help="simulator months for the equality check")
    ap.add_argument("--equal-orders", type=int, default=4000)
    ap.add_argument("--equal-messages", type=int, default=80_000)
    ap.add_argument("--memory", default="8g", help="Spark driver memory (local mode: the executors' too)")
    ap.add_argument("--skip-equality", action="store_true")
    ap.add_argument("--child", default="")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--m", type=Path)
    ap.add_argument("--o", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.m, args.o, args.out, args.master, args.memory)))
        return
    root = Path("var/bench")
    seeds = [int(s) for s in args.seeds.split(",") if s]
    months = (
        0 if args.skip_equality else equality(seeds, args.equal_orders, args.equal_messages, root, "local[2]")
    )
    m, o = _data(args.orders, args.messages, 1, root)
    out = m.parent
    runs = {
        "embedded": _spawn("columnar", m, o, out, "-", args.memory),
        "duckdb_sql": _spawn("sql", m, o, out, "-", args.memory),
        "spark1": _spawn("spark", m, o, out, "local[1]", args.memory),
        "spark2": _spawn("spark", m, o, out, "local[2]", args.memory),
    }
    identical = all(
        _same(out, "columnar--", other) for other in ("sql--", "spark-local[1]", "spark-local[2]")
    )
    if not identical:
        raise SystemExit("an engine disagrees with the embedded one")
    s1, s2 = runs["spark1"], runs["spark2"]
    load = os.getloadavg()
    print(
        f"spark1_seconds={s1['seconds']:.2f} spark2_seconds={s2['seconds']:.2f} "
        f"scaling={s1['seconds'] / s2['seconds']:.2f} "
        f"spark1_startup={s1['startup_seconds']:.2f} spark2_startup={s2['startup_seconds']:.2f} "
        f"spark1_cpu={s1['cpu_seconds']:.1f} spark2_cpu={s2['cpu_seconds']:.1f} "
        f"embedded_seconds={runs['embedded']['seconds']:.2f} embedded_cpu={runs['embedded']['cpu_seconds']:.1f} "
        f"duckdb_sql_seconds={runs['duckdb_sql']['seconds']:.2f} "
        f"equal_months={months} identical={identical} orders={args.orders} messages={args.messages} "
        f"load_avg_1m={load[0]:.1f} load_avg_5m={load[1]:.1f}"
    )


if __name__ == "__main__":
    main()
