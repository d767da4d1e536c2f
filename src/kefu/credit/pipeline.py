"""Public entry points of the credit engine: frames or Arrow tables in, credits and metrics out.

``run_credit`` is the stable API other areas call (duty: the 落实付款 agent checks the
address). It codes the inputs (:mod:`kefu.credit.ingest`), runs the SQL of
:mod:`kefu.credit.sql` in an in-process DuckDB, and decodes the small results.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kefu.credit import metrics as mx
from kefu.credit.attribution import attribute
from kefu.credit.blocks import small_pages
from kefu.credit.columnar import agent_buyer_days, concurrency, sessions_and_rounds
from kefu.credit.ingest import Encoded, encode
from kefu.credit.rules import CreditRules
from kefu.credit.sql import COLUMNAR_STEPS, PACK, create_table, outputs, statements
from kefu.domain.errors import bad_argument

ENGINES = ("columnar", "sql", "spark")
ORDER_CREDIT_COLUMNS = ["order_id", "order_agent", "payment_agent", "credited_agent", "silent"]
ASSIST_COLUMNS = ["order_id", "agent"]
EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class CreditResult:
    """Who gets each order, with the evidence, plus daily metrics per agent and per shop."""

    order_credit: pd.DataFrame  # order_id, order_agent, payment_agent, credited_agent, silent
    agent_day: pd.DataFrame  # agent, day, one column per metric (counts, fen, derived rates)
    evidence: pd.DataFrame  # order_id, shop, buyer, sale_fen, order/payment session end (UTC) per order
    shop_day: pd.DataFrame  # shop, day, paid_fen, credited_fen, silent_fen, silent_orders, silent_share
    provisional: pd.DataFrame  # day, metric, final_after: figures that may still change
    rules: CreditRules
    as_of: datetime
    assists: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ASSIST_COLUMNS))  # order_id, agent


def run_credit(
    messages: pd.DataFrame, orders: pd.DataFrame, rules: CreditRules | None = None
) -> CreditResult:
    """Attribute every order and compute agent metrics from contract-format frames.

    ``messages``: shop, buyer, agent, ts (aware), direction (in|out), auto (bool/0|1).
    ``orders``: order_id, shop, buyer, created_at, paid_at (aware, NaT if unpaid),
    amount_fen, status, refund_fen (optional quantity).
    """
    m = pa.Table.from_pandas(messages.reset_index(drop=True), preserve_index=False)
    o = pa.Table.from_pandas(orders.reset_index(drop=True), preserve_index=False)
    if "auto" in m.column_names and pa.types.is_boolean(m.column("auto").type):
        m = m.set_column(m.column_names.index("auto"), "auto", pc.cast(m.column("auto"), pa.int8()))
    return run_arrow(m, o, rules)


def run_arrow(
    messages: pa.Table,
    orders: pa.Table,
    rules: CreditRules | None = None,
    as_of: datetime | None = None,
    engine: str = "columnar",
    timings: dict[str, float] | None = None,
    spark: Any = None,
) -> CreditResult:
    """The same on Arrow tables (the CLI and the benchmark read CSV straight into Arrow).

    ``engine="columnar"`` builds sessions, rounds and the attribution in numpy/numba and
    runs the rest as SQL; ``engine="sql"`` runs every step as SQL in DuckDB; ``engine="spark"``
    runs the same statements on the SparkSession ``spark`` (``kefu.credit.spark``).
    """
    if engine not in ENGINES:
        raise bad_argument("engine", f"必须是 {'/'.join(ENGINES)}", f"must be one of {', '.join(ENGINES)}")
    with small_pages():
        return _run(messages, orders, rules or CreditRules(), as_of, engine, Clock(timings), spark)


def _run(
    messages: pa.Table,
    orders: pa.Table,
    rules: CreditRules,
    as_of: datetime | None,
    engine: str,
    clock: Clock,
    spark: Any = None,
) -> CreditResult:
    """The body of :func:`run_arrow`."""
    enc = encode(messages, orders, rules, local=engine != "columnar")
    clock("encode")
    if engine == "spark":
        from kefu.credit import spark as on_spark  # local: pyspark is an extra

        oc, ad, sd, asst = on_spark.run_spark(spark or on_spark.session(), enc, rules, clock=clock)
    else:
        oc, ad, sd, asst = run_duckdb(enc, rules, engine, clock)
    result = decode(enc, rules, oc, ad, sd, as_of, asst)
    clock("decode")
    return result


def run_duckdb(
    enc: Encoded, rules: CreditRules, engine: str, clock: Clock
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """The coded inputs → the four result tables of :func:`kefu.credit.sql.outputs`, in-process."""
    con = duckdb.connect(config={"preserve_insertion_order": False})
    try:
        con.register("o", enc.orders)
        steps = statements(rules, enc.base_ms)
        if engine == "columnar":
            s_tab, r_tab = sessions_and_rounds(enc, rules)
            con.register("s", s_tab)
            con.register("r", r_tab)
            con.register("cc", concurrency(s_tab, len(enc.agents)))
            con.register("sab", agent_buyer_days(s_tab, rules))
            clock("sessions")
            window = rules.credit_window_s * 1000
            con.register("oc0", attribute(s_tab, enc.orders, len(enc.pairs), enc.base_ms, window))
            steps = [(name, sql) for name, sql in steps if name not in COLUMNAR_STEPS]
            clock("attribute")
        else:
            con.register("m", enc.messages)
        for name, select in steps:
            con.execute(create_table(name, select))
            clock(f"sql_{name}")
        oc, ad, sd, asst = (con.sql(select).to_arrow_table() for _, select in outputs(rules))
        clock("fetch")
    finally:
        con.close()
    return oc, ad, sd, asst


class Clock:
    """Optional stage timer: ``clock(name)`` records seconds since the previous call."""

    def __init__(self, into: dict[str, float] | None) -> None:
        self.into = into
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        if self.into is not None:
            now = time.perf_counter()
            self.into[name] = self.into.get(name, 0.0) + now - self.last
            self.last = now


def _ints(table: pa.Table) -> pa.Table:
    """DuckDB sums BIGINT into DECIMAL(38,0); as int64 they reach pandas without a Decimal per cell."""
    cols = [
        pc.cast(c, pa.int64()) if pa.types.is_decimal(c.type) and c.type.scale == 0 else c
        for c in table.columns
    ]
    return pa.table(cols, names=table.column_names)


def _shop_names(enc: Encoded, bk: np.ndarray) -> np.ndarray:
    """Shop of each buyer key, as shared string objects (a floor has few shops)."""
    names = np.array(enc.shops.to_pylist(), dtype=object)
    out: np.ndarray = names[enc.pairs[bk] // max(len(enc.buyers), 1)]
    return out


def _agent_names(enc: Encoded, codes: pa.ChunkedArray) -> np.ndarray:
    names = np.array([*enc.agents, ""], dtype=object)
    idx = pc.fill_null(codes, len(enc.agents)).to_numpy(zero_copy_only=False).astype(np.int64)
    out: np.ndarray = names[idx]
    return out


def _days(col: pa.ChunkedArray) -> np.ndarray:
    """Day numbers → ISO dates ('' for null), converting each day of the span once (no sort)."""
    valid = pc.is_valid(col).to_numpy(zero_copy_only=False)
    nums = pc.fill_null(col, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    if not valid.any():
        return np.full(len(nums), "", dtype=object)
    lo, hi = int(nums[valid].min()), int(nums[valid].max())
    if hi - lo > len(nums):  # a few wild dates: name only the days present
        days = np.unique(nums[valid])
        idx = np.where(valid, np.searchsorted(days, nums), len(days))
    else:
        days = np.arange(lo, hi + 1)
        idx = np.where(valid, nums - lo, len(days))
    names = np.array([_day(int(d)) for d in days] + [""], dtype=object)
    out: np.ndarray = names[idx]
    return out


def _day(d: int) -> str:
    return (EPOCH + timedelta(days=int(d))).isoformat()


def decode(
    enc: Encoded, rules: CreditRules, oc: pa.Table, ad: pa.Table, sd: pa.Table, as_of: datetime | None,
    asst: pa.Table | None = None,
) -> CreditResult:
    """The result tables of any engine (DuckDB or Spark) → names, days and frames; the same for both."""
    ad, sd = _ints(ad), _ints(sd)
    n = enc.orders.num_rows
    ok = oc.column("ok").to_numpy()
    cols: dict[str, np.ndarray] = {}
    for src, dst in (("oa", "order_agent"), ("pa", "payment_agent"), ("cred", "credited_agent")):
        full = np.full(n, "", dtype=object)
        full[ok] = _agent_names(enc, oc.column(src))
        cols[dst] = full
    silent = np.ones(n, np.int64)
    silent[ok] = oc.column("silent").to_numpy()
    order_ids = enc.order_ids.to_numpy(zero_copy_only=False)
    credit = pd.DataFrame({"order_id": order_ids, **cols, "silent": silent})[ORDER_CREDIT_COLUMNS]

    def ends(col: str) -> pd.Series:
        packed = pc.fill_null(oc.column(col), -1).to_numpy(zero_copy_only=False)
        full = np.full(n, -1, np.int64)
        full[ok] = packed
        # nanoseconds, NaT (int64 min) where there is no session: no per-row conversion
        ns = np.where(full >= 0, (full // PACK + enc.base_ms) * 1_000_000, np.iinfo(np.int64).min)
        return pd.Series(ns.view("datetime64[ns]")).dt.tz_localize("UTC")

    n_b = max(len(enc.buyers), 1)
    bk = enc.orders.column("bk").to_numpy()
    sale = np.zeros(n, np.int64)
    amount = oc.column("amount").to_numpy()
    net = amount - oc.column("refund").to_numpy() if rules.refunds_reduce_sales else amount
    sale[ok] = np.where(pc.is_valid(oc.column("cred")).to_numpy(zero_copy_only=False), net, 0)
    evidence = pd.DataFrame(
        {
            "order_id": order_ids,
            "shop": _shop_names(enc, bk),
            "buyer": pc.take(enc.buyers, pa.array(enc.pairs[bk] % n_b)).to_numpy(zero_copy_only=False),
            "credited_agent": credit["credited_agent"].to_numpy(),
            "sale_fen": sale,
            "paid_day": _days(enc.orders.column("dp")),
            "order_session_end": ends("opk"),
            "payment_session_end": ends("ppk"),
        }
    )
    day_df = ad.to_pandas()
    agent_day = pd.DataFrame({"agent": _agent_names(enc, ad.column("ak")), "day": _days(ad.column("d"))})
    for name in mx.SUMMED:
        agent_day[name] = day_df[name].fillna(0).astype("int64")
    agent_day = mx.derive(agent_day, rules)
    shop_df = sd.to_pandas()
    sbk = shop_df["bk"].to_numpy()
    shop_day = pd.DataFrame(
        {
            "shop": _shop_names(enc, sbk),
            "day": _days(sd.column("dp")),
            "paid_fen": shop_df["paid"].astype("int64"),
            "credited_fen": shop_df["credited"].astype("int64"),
            "silent_orders": shop_df["silent_orders"].astype("int64"),
        }
    )
    shop_day = shop_day.groupby(["shop", "day"], as_index=False).sum()
    shop_day["silent_fen"] = shop_day["paid_fen"] - shop_day["credited_fen"]
    shop_day["silent_share"] = [
        mx.ratio(a, b) for a, b in zip(shop_day["silent_fen"], shop_day["paid_fen"], strict=True)
    ]
    if as_of is None:
        latest = max(
            int(enc.messages.column("t").to_numpy().max()) if enc.messages.num_rows else 0,
            int(enc.orders.column("tc").to_numpy().max()) if n else 0,
            int(pc.max(enc.orders.column("tp")).as_py() or 0),
        )
        as_of = datetime.fromtimestamp(latest / 1000, UTC)
    days = [date.fromisoformat(d) for d in agent_day["day"].unique()]
    return CreditResult(
        credit, agent_day, evidence, shop_day, mx.provisional(days, as_of, rules), rules, as_of,
        _assists(enc, asst),
    )


def _assists(enc: Encoded, asst: pa.Table | None) -> pd.DataFrame:
    """(order key, agent key) pairs → order ids and agent names, in the engine's (order, agent) order."""
    if asst is None or asst.num_rows == 0:
        return pd.DataFrame(columns=ASSIST_COLUMNS)
    order_ids = pc.take(enc.order_ids, asst.column("ok")).to_numpy(zero_copy_only=False)  # only these rows to Python
    return pd.DataFrame({"order_id": order_ids, "agent": _agent_names(enc, asst.column("ak"))})
