"""PROTOTYPE (issue 23, option A): sessions and attribution in the PySpark DataFrame API.

The same function runs on real PySpark and, through SQLFrame, on DuckDB: ``F`` and ``W``
are the ``functions`` and ``Window`` modules of either. Steps m1, m2, s, att, oc0 of
:mod:`kefu.credit.sql` — the heaviest part of the pipeline — for the ADR's measurement.
"""

from __future__ import annotations

from typing import Any

from kefu.credit.sql import PACK

TOP = PACK - 1


def sessions_and_credit(m: Any, o: Any, F: Any, W: Any, gap_ms: int, win_ms: int, base: int) -> Any:
    """m(bk, ak, t, d, h, io, human), o(ok, bk, tc, tp, …) → oc0(ok, opk, ppk, oa, pa)."""
    c = F.col
    w = W.partitionBy("bk", "ak").orderBy("t", "io")
    m1 = m.select(
        "bk", "ak", "t", "d", "io", "human",
        F.when(c("t") - F.lag("t").over(w) < gap_ms, F.lit(0)).otherwise(F.lit(1)).alias("brk"),
    )  # fmt: skip
    run = w.rowsBetween(W.unboundedPreceding, W.currentRow)
    m2 = m1.select("bk", "ak", "t", "d", "io", "human", F.sum("brk").over(run).alias("sn"))
    s = m2.groupBy("bk", "ak", "sn").agg(
        F.min("t").alias("st"),
        F.max("t").alias("en"),
        F.max("human").alias("served"),
    )
    sessions = s.where(c("served") == 1).select(
        "bk",
        F.lit(None).cast("bigint").alias("ok"),
        F.lit(None).cast("int").alias("which"),
        c("st").alias("t"),
        F.lit(0).alias("kind"),
        ((c("en") - base) * PACK + (F.lit(TOP) - c("ak"))).alias("pk"),
    )
    created = o.select(
        "bk", "ok", F.lit(0).alias("which"), c("tc").alias("t"), F.lit(1).alias("kind"),
        F.lit(None).cast("bigint").alias("pk"),
    )  # fmt: skip
    paid = o.where(c("tp").isNotNull()).select(
        "bk", "ok", F.lit(1).alias("which"), c("tp").alias("t"), F.lit(1).alias("kind"),
        F.lit(None).cast("bigint").alias("pk"),
    )  # fmt: skip
    u = sessions.unionAll(created).unionAll(paid)
    best = W.partitionBy("bk").orderBy("t", "kind").rowsBetween(W.unboundedPreceding, W.currentRow)
    att = u.select("ok", "which", "t", "kind", F.max("pk").over(best).alias("best")).where(c("kind") == 1)
    ok = c("best") >= (c("t") - win_ms - base) * PACK
    a = att.groupBy("ok").agg(
        F.max(F.when((c("which") == 0) & ok, c("best"))).alias("opk"),
        F.max(F.when((c("which") == 1) & ok, c("best"))).alias("ppk"),
    )
    return a.select(
        "ok", "opk", "ppk", (F.lit(TOP) - c("opk") % PACK).alias("oa"), (F.lit(TOP) - c("ppk") % PACK).alias("pa")
    )
