"""The credit pipeline on Apache Spark: the statements of :mod:`kefu.credit.sql`, transpiled by sqlglot.

Why this shape (docs/adr/0010-credit-on-spark.md): the query definition is the one list of
SQL statements DuckDB runs on one machine; sqlglot rewrites each SELECT into Spark SQL
(``NULLS LAST`` made explicit, types spelled Spark's way), so the two engines cannot drift.
The inputs are coded and the results decoded by the same code as the embedded engine
(:func:`kefu.credit.ingest.encode`, :func:`kefu.credit.pipeline.decode`), so the files
written are the same byte for byte; only the steps in between run on the cluster.

A step read by several others (sessions ``s``, credits ``oc``, …) is materialised once
(``localCheckpoint``): Spark views are lazy and it would otherwise be recomputed by each;
the rest stay views (:func:`reused`). Needs ``pip install 'kefu[spark]'`` and a Java 17 runtime.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kefu.credit.ingest import Encoded
from kefu.credit.rules import CreditRules
from kefu.credit.sql import outputs, statements
from kefu.domain.errors import ErrorCode, KefuError

Step = Callable[[str], None]


def missing() -> tuple[str, str]:
    """('', '') when Spark can run here, else why not (Chinese, English)."""
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError:
        return ("未安装 pyspark/sqlglot: pip install 'kefu[spark]'",
                "pyspark/sqlglot are not installed: pip install 'kefu[spark]'")  # fmt: skip
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return ("没有 Java 运行时: apt-get install openjdk-17-jre-headless (或设置 JAVA_HOME)",
                "no Java runtime: apt-get install openjdk-17-jre-headless (or set JAVA_HOME)")  # fmt: skip
    return "", ""


def require() -> None:
    """Raise a KefuError naming the missing piece (extra or Java) before any work is done."""
    zh, en = missing()
    if en:
        raise KefuError(
            ErrorCode.BAD_ARGUMENT,
            f"Spark 引擎不可用: {zh}",
            f"the Spark engine is unavailable: {en}",
            {"engine": "spark"},
        )


def session(master: str = "local[*]", shuffle_partitions: int | None = None, driver_memory: str = "") -> Any:
    """A SparkSession for ``master`` (``local[N]``, ``spark://host:port``, ``yarn``): get or create.

    In local mode the default 200 shuffle partitions cost more in task start-up than a
    month's work per shop; four per core are enough (AQE coalesces them further). On a
    cluster, Spark's own default (or ``spark-submit --conf``) is kept.
    """
    require()
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("kefu-credit")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    if shuffle_partitions is None and master.startswith("local"):
        cores = master[len("local[") : -1] if master.startswith("local[") else "1"
        n = (os.cpu_count() or 1) if cores in ("*", "") else int(cores.split(",")[0])
        shuffle_partitions = 4 * n
    if shuffle_partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    if driver_memory:
        builder = builder.config("spark.driver.memory", driver_memory)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def open_session(master: str = "local[*]", driver_memory: str = "") -> Iterator[Any]:
    """The active SparkSession if there is one (left running: a caller owns it), else a new one, stopped after."""
    require()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    spark = session(master, driver_memory=driver_memory or ("4g" if master.startswith("local") else ""))
    try:
        yield spark
    finally:
        spark.stop()


@cache
def to_spark(select: str) -> str:
    """One SELECT of :mod:`kefu.credit.sql` (DuckDB dialect) in Spark SQL."""
    import sqlglot

    out: str = sqlglot.transpile(select, read="duckdb", write="spark")[0]
    return out


def run_spark(
    spark: Any, enc: Encoded, rules: CreditRules, staging: Path | None = None, clock: Step | None = None
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """Coded inputs → the four result tables of :func:`kefu.credit.sql.outputs`, computed by Spark.

    The coded tables travel as Parquet files under ``staging`` (a temporary folder by
    default): on a cluster that folder must be one every executor can read.
    """
    tick = clock or (lambda _name: None)
    own = staging is None
    folder = Path(tempfile.mkdtemp(prefix="kefu-spark-")) if staging is None else staging
    folder.mkdir(parents=True, exist_ok=True)
    views: list[Any] = []
    try:
        for name, table in (("m", enc.messages), ("o", enc.orders)):
            path = folder / f"{name}.parquet"
            pq.write_table(table, path)
            df = spark.read.parquet(str(path))
            df.createOrReplaceTempView(name)
        tick("stage")
        steps = statements(rules, enc.base_ms)
        shared = reused(steps, outputs(rules))
        for name, select in steps:
            df = spark.sql(to_spark(select))
            if name in shared:
                df = df.localCheckpoint(eager=True)
                tick(f"spark_{name}")
            df.createOrReplaceTempView(name)
            views.append(name)
        oc, ad, sd, asst = (spark.sql(to_spark(select)).toArrow() for _, select in outputs(rules))
        tick("fetch")
    finally:
        for name in ["m", "o", *views]:
            spark.catalog.dropTempView(name)
        if own:
            shutil.rmtree(folder, ignore_errors=True)
    return _plain(oc), _plain(ad), _plain(sd), _plain(asst)


def reused(steps: list[tuple[str, str]], results: list[tuple[str, str]]) -> frozenset[str]:
    """Steps read more than once by the later statements and the result queries: materialised.

    Spark inlines a view at each reference, so a step read twice would be computed twice;
    a step read once stays a lazy view and Spark plans a chain of them as one job.
    """
    out = set()
    for i, (name, _) in enumerate(steps):
        later = [sql for _, sql in steps[i + 1 :]] + [sql for _, sql in results]
        if sum(len(re.findall(rf"\b{name}\b", sql)) for sql in later) > 1:
            out.add(name)
    return frozenset(out)


def _plain(table: pa.Table) -> pa.Table:
    """Spark's Arrow answer without its schema metadata (the decoder reads only columns)."""
    return table.replace_schema_metadata(None)
