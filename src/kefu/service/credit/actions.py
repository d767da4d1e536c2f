"""Credit use-cases: credit a month from the database or the two contract files, export (claims: actions_claims).

``kefu credit run`` (:func:`run_files`), the API and the dashboard call these; crediting
a month stores one credit row per order and an ``order.credited`` event whenever an
order's credited agent is new or changes (:mod:`kefu.service.credit.events`).
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy.orm import Session

from kefu.credit.pipeline import ENGINES, CreditResult, run_arrow, run_credit
from kefu.credit.rules import RULES, CreditRules
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import SHOP_TZ, month_bounds, month_span, parse_day, utc_now
from kefu.io.credit_csv import read_messages, read_orders, write_outputs
from kefu.service.credit import events, store
from kefu.service.credit.schemas import (
    CreditFilesIn,
    CreditRunOut,
    FilesRun,
    ParquetExport,
)
from kefu.service.credit.shops import run_shops
from kefu.store.models.commerce import OrderCredit


def month_or_now(text: str | None) -> str:
    """``YYYY-MM`` as given (a real month within the bounded range), else this month in the shop's zone."""
    month = text or utc_now().astimezone(SHOP_TZ).strftime("%Y-%m")
    parse_day(f"{month}-01", "month")
    return month


def run_month(session: Session, month: str, shop_id: str | None = None, store_credit: bool = True) -> CreditResult:
    """Credit a month from the database: every frame of the result belongs to the month.

    The run reads a margin around the month (chats before it earn its orders, payments
    after it finish its conversions); what it returns is cut back to the month's business
    days: ``agent_day``, ``shop_day`` and ``provisional`` by day, ``order_credit`` and ``evidence`` to the
    orders created or paid on one of them. Stores one OrderCredit per order created in it.
    """
    rules = store.shop_rules(session, shop_id)
    first, nxt = month_bounds(month)
    start, end = month_span(month, rules.tz)
    m, o = store.load_frames(session, start, end, rules, shop_id)
    result = run_credit(m, o, rules)
    if store_credit and len(o):
        in_month = o.loc[(o["created_at"] >= start) & (o["created_at"] < end), ["order_id", "shop"]]
        _store_credit(session, result.order_credit, dict(zip(in_month["order_id"], in_month["shop"], strict=True)),
                      rules.rule)  # fmt: skip
    days = {d.isoformat() for d in pd.date_range(first, nxt - timedelta(days=1)).date}
    # unassigned work (a queued buyer's messages) is the shop's, not an agent '' row in pay and KPI
    ad, sd, ev = result.agent_day, result.shop_day, result.evidence
    agent_day = ad[ad["day"].isin(days) & (ad["agent"] != "")].reset_index(drop=True)
    shop_day = sd[sd["day"].isin(days)].reset_index(drop=True)
    created = business_days(o["created_at"], rules)
    ids = set(o.loc[created.isin(days), "order_id"]) | set(ev.loc[ev["paid_day"].isin(days), "order_id"])
    order_credit = result.order_credit[result.order_credit["order_id"].isin(ids)].reset_index(drop=True)
    evidence = ev[ev["order_id"].isin(ids)].reset_index(drop=True)
    provisional = result.provisional[result.provisional["day"].isin(days)].reset_index(drop=True)
    assists = result.assists[result.assists["order_id"].isin(ids)].reset_index(drop=True)
    return CreditResult(order_credit, agent_day, evidence, shop_day, provisional, result.rules, result.as_of,
                        assists)  # fmt: skip


def business_days(moments: pd.Series, rules: CreditRules) -> pd.Series:
    """Aware moments → their ISO business days in the shop's zone (before the day cut: the day before)."""
    local = moments.dt.tz_convert(rules.timezone) - pd.Timedelta(hours=rules.day_cut_hour)
    return local.dt.strftime("%Y-%m-%d")


def _store_credit(session: Session, credit: pd.DataFrame, shops: dict[str, str], rule: str) -> None:
    """Upsert the credit of the month's orders; an event for each order whose credited agent is new or changed."""
    rows = [r for r in credit.itertuples() if r.order_id in shops]
    stored = store.stored_credit(session, [r.order_id for r in rows])
    now = utc_now()
    for r in rows:
        old = stored.get(r.order_id)
        previous = None if old is None else old.credited_agent
        if old is None:
            old = OrderCredit(order_id=r.order_id)
            session.add(old)
        old.order_agent, old.payment_agent, old.credited_agent = r.order_agent, r.payment_agent, r.credited_agent
        old.silent, old.rule, old.computed_at = bool(r.silent), rule, now
        if previous != r.credited_agent:
            events.order_credited(session, order_id=r.order_id, shop_id=shops[r.order_id],
                                  credited_agent=r.credited_agent, previous_agent=previous, order_agent=r.order_agent,
                                  payment_agent=r.payment_agent, silent=bool(r.silent), rule=rule)  # fmt: skip
    session.flush()


def store_month(session: Session, month: str | None) -> CreditRunOut:
    """Recompute and store a month's credit (``POST /credit/run``); the totals of what was stored."""
    m = month_or_now(month)
    oc = run_month(session, m).order_credit
    return CreditRunOut(month=m, orders=len(oc), credited=int((oc["credited_agent"] != "").sum()),
                        silent=int(oc["silent"].sum()))  # fmt: skip


def run_files(job: CreditFilesIn) -> FilesRun:
    """``kefu credit run``: M.csv + O.csv → DIR, on the embedded engine or on Spark; whole or shop by shop.

    Whole files: a bad row anywhere refuses the run before DIR is created. Per shop: each
    shop's files under ``DIR/shop=<id>/``, a failed shop only in ``DIR/shops.csv``.
    """
    rules = rules_from_options(job.rule, job.window_hours, job.session_gap_min)
    return _credit_files(job.messages, job.orders, job.out, rules, job.engine, job.master, job.parquet, job.per_shop)


def rules_from_options(rule: str, window_hours: float, session_gap_min: float) -> CreditRules:
    """``credit run``'s --rule / --window-hours / --session-gap-min as rules; a bad option is refused."""
    if rule not in RULES:
        raise bad_argument("--rule", f"必须是 {'/'.join(RULES)}", f"must be one of {', '.join(RULES)}")
    if window_hours <= 0 or session_gap_min <= 0:
        raise bad_argument("--window-hours/--session-gap-min", "必须大于 0", "must be positive")
    return CreditRules(
        rule=rule,  # type: ignore[arg-type]
        credit_window_s=round(window_hours * 3600),
        session_gap_s=round(session_gap_min * 60),
    )


def _credit_files(messages: Path, orders: Path, out: Path, rules: CreditRules, engine: str = "columnar",
                 master: str = "local[*]", parquet: bool = False, per_shop: bool = False) -> FilesRun:  # fmt: skip
    """The contract run: M.csv + O.csv → DIR, on the embedded engine or on Spark; whole or shop by shop.

    Whole files: a bad row anywhere refuses the run before DIR is created. Per shop: each
    shop's files under ``DIR/shop=<id>/``, a failed shop only in ``DIR/shops.csv``.
    """
    if engine not in ENGINES:
        raise bad_argument("--engine", f"必须是 {'/'.join(ENGINES)}", f"must be one of {', '.join(ENGINES)}")
    with ExitStack() as stack:
        spark = None
        if engine == "spark":
            from kefu.credit import spark as on_spark  # local: pyspark is an extra

            on_spark.require()
            if per_shop:  # one session for every shop (whole files: read and checked before the JVM starts)
                spark = stack.enter_context(on_spark.open_session(master))

        def run(m: pa.Table, o: pa.Table) -> CreditResult:
            return run_arrow(m, o, rules, engine=engine, spark=spark)

        if per_shop:
            return FilesRun(out, shops=run_shops(messages, orders, out, run, parquet=parquet))
        m_tab, o_tab = read_messages(messages), read_orders(orders)
        if engine == "spark":
            spark = stack.enter_context(on_spark.open_session(master))
        result = run(m_tab, o_tab)
    write_outputs(result, out, parquet=parquet)
    oc = result.order_credit
    return FilesRun(
        out, len(oc), int((oc["credited_agent"] != "").sum()), int(oc["silent"].sum()), len(result.agent_day)
    )


def export_parquet(session: Session, month: str, out: Path, shop_id: str | None = None) -> ParquetExport:
    """A month's chats and orders (with the margins attribution needs) → Parquet under ``out``.

    ``out/messages`` and ``out/orders`` hold the contract columns of ``kefu credit run``,
    partitioned Hive-style by shop and business day (the shop's zone), the layout Spark and
    DuckDB read with the partitions as columns. Why by day too: a re-export of a few
    late days replaces only those folders. The run over it is issue 17's.
    """
    rules = store.shop_rules(session, shop_id)
    start, end = month_span(month, rules.tz)
    m, o = store.load_frames(session, start, end, rules, shop_id)
    parts = ds.partitioning(pa.schema([("shop", pa.string()), ("day", pa.string())]), flavor="hive")
    written: list[str] = []
    for name, frame, when in (("messages", m, "ts"), ("orders", o, "created_at")):
        table = pa.Table.from_pandas(frame.assign(day=business_days(frame[when], rules)), preserve_index=False)
        ds.write_dataset(table, out / name, format="parquet", partitioning=parts,
                         existing_data_behavior="delete_matching")  # fmt: skip
        pairs = sorted(set(zip(frame["shop"], table.column("day").to_pylist(), strict=True)))
        written += [f"{name}/shop={shop}/day={day}" for shop, day in pairs]
    return ParquetExport(out, len(m), len(o), written)
