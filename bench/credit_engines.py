"""PROTOTYPE measurement (issue 23): one query definition on DuckDB and Spark, two ways.

    python bench/credit_engines.py --orders 20000 --messages 400000

Steps m1, m2, s, att, oc0 (sessions and attribution) on the same coded data:
  sql/duckdb      kefu.credit.sql statements in DuckDB
  sql/spark       the same statements transpiled by sqlglot, on PySpark local[N]
  frames/duckdb   kefu.credit.frames (PySpark DataFrame API) through SQLFrame on DuckDB
  frames/spark    the same function on PySpark
All four must give the same (ok, oa, pa); prints the seconds of each.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from kefu.credit import frames
from kefu.credit.files import read_messages, read_orders
from kefu.credit.ingest import encode
from kefu.credit.rules import CreditRules
from kefu.credit.sql import create_table, statements

STEPS = ("m1", "m2", "s", "att", "oc0")


def _sorted(t: pa.Table) -> list[tuple[int, int | None, int | None]]:
    d = t.select(["ok", "oa", "pa"]).to_pydict()
    return sorted(zip(d["ok"], d["oa"], d["pa"], strict=True))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=20_000)
    ap.add_argument("--messages", type=int, default=400_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--skip-spark", action="store_true")
    args = ap.parse_args()
    from kefu.sim.export import export_benchmark

    data = Path("var/bench") / f"credit-{args.orders}-{args.messages}-1"
    m_csv, o_csv = (data / "messages.csv", data / "orders.csv")
    if not m_csv.exists():
        m_csv, o_csv = export_benchmark(args.orders, args.messages, data, seed=1, fmt="csv")
    rules = CreditRules()
    enc = encode(read_messages(m_csv), read_orders(o_csv), rules, local=True)
    m_tab, o_tab = enc.messages, enc.orders
    gap, win = rules.session_gap_s * 1000, rules.credit_window_s * 1000
    steps = [(n, s) for n, s in statements(rules, enc.base_ms) if n in STEPS]
    out: dict[str, float] = {}
    answers = {}

    con = duckdb.connect()
    con.register("m_arrow", m_tab)
    con.register("o_arrow", o_tab)
    con.execute("CREATE TABLE m AS SELECT * FROM m_arrow")
    con.execute("CREATE TABLE o AS SELECT * FROM o_arrow")
    t = time.perf_counter()
    for name, select in steps:
        con.execute(create_table(name, select))
    answers["sql/duckdb"] = con.sql("SELECT ok, oa, pa FROM oc0").to_arrow_table()
    out["sql/duckdb"] = time.perf_counter() - t

    from sqlframe.duckdb import DuckDBSession
    from sqlframe.duckdb import Window as DW
    from sqlframe.duckdb import functions as DF

    sf = DuckDBSession(conn=con)
    t = time.perf_counter()
    df = frames.sessions_and_credit(sf.table("m"), sf.table("o"), DF, DW, gap, win, enc.base_ms)
    text = df.sql(optimize=False)  # SQLFrame 4.10's optimiser drops withColumn/select columns here
    out["frames/duckdb_build"] = time.perf_counter() - t
    answers["frames/duckdb"] = con.sql(text).to_arrow_table()
    out["frames/duckdb"] = time.perf_counter() - t
    con.close()

    if not args.skip_spark:
        from pyspark.sql import Window as SW
        from pyspark.sql import functions as SF

        from kefu.credit.spark import session, to_spark

        t = time.perf_counter()
        spark = session(args.master)
        out["spark_startup"] = time.perf_counter() - t
        folder = data / "coded"
        folder.mkdir(exist_ok=True)
        pq.write_table(m_tab, folder / "m.parquet")
        pq.write_table(o_tab, folder / "o.parquet")
        spark.read.parquet(str(folder / "m.parquet")).createOrReplaceTempView("m")
        spark.read.parquet(str(folder / "o.parquet")).createOrReplaceTempView("o")
        spark.sql("SELECT count(*) FROM m").collect()  # warm the JVM on a first job
        for name, select in steps:  # one lazy plan, like the DataFrame version
            spark.sql(to_spark(select)).createOrReplaceTempView(name)
        for _ in range(2):  # alternate, best of two: the JVM's JIT warms up on the first
            t = time.perf_counter()
            answers["sql/spark"] = spark.sql("SELECT ok, oa, pa FROM oc0").toArrow()
            out["sql/spark"] = min(out.get("sql/spark", 1e9), time.perf_counter() - t)
            t = time.perf_counter()
            df = frames.sessions_and_credit(spark.table("m"), spark.table("o"), SF, SW, gap, win, enc.base_ms)
            answers["frames/spark"] = df.toArrow()
            out["frames/spark"] = min(out.get("frames/spark", 1e9), time.perf_counter() - t)
        spark.stop()
    ref = _sorted(answers["sql/duckdb"])
    same = all(_sorted(a) == ref for a in answers.values())
    load = os.getloadavg()
    print(
        " ".join(f"{k.replace('/', '_')}={v:.2f}" for k, v in out.items())
        + f" same={same} orders={args.orders} messages={args.messages} load_avg_1m={load[0]:.1f}"
    )


if __name__ == "__main__":
    main()
