"""Credit use-cases: compute a month's credit from the database, claims.

Imports of orders and chats live in the imports area (``kefu.service.imports.actions``).
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.credit.files import read_messages, read_orders, write_outputs
from kefu.credit.pipeline import ENGINES, CreditResult, run_arrow, run_credit
from kefu.credit.rules import CreditRules
from kefu.credit.shops import ShopOutcome, run_shops
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import SHOP_TZ, bounded_day, utc_now
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Message
from kefu.store.models.org import Agent, Shop


def shop_rules(session: Session, shop_id: str | None = None) -> CreditRules:
    """Default rules with the shop's overrides (``Shop.settings['credit']``) and its zone / day cut."""
    if not shop_id:
        return CreditRules()
    shop = session.get(Shop, shop_id)
    if shop is None:
        return CreditRules()
    base = CreditRules(timezone=shop.timezone, day_cut_hour=shop.day_cut_hour)
    return CreditRules.from_settings((shop.settings or {}).get("credit"), base)


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-11' → (first day, first day of next month)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError as exc:
        raise bad_argument(
            "month", f"月份格式应为 YYYY-MM: '{month}'", f"month must be YYYY-MM: '{month}'"
        ) from exc
    bounded_day(first, "month")  # 9999-12 parses, but its next month does not exist
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt


def load_frames(session: Session, start: datetime, end: datetime, rules: CreditRules,
                shop_id: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Messages and orders around [start, end) with the margins attribution and 售后 need."""
    m_lo = start - timedelta(seconds=rules.credit_window_s + rules.session_gap_s) - timedelta(days=1)
    o_lo = start - timedelta(days=rules.aftersale_days + 1)
    hi = end + timedelta(days=4)
    mq = select(
        Message.shop_id, Message.buyer, Message.agent_id, Message.ts, Message.direction, Message.auto
    ).where(Message.ts >= m_lo, Message.ts < hi)
    # an order without a buyer (Qianniu/PDD/Douyin exports, not yet linked to a chat) is not "silent": left out
    oq = select(Order).where(Order.created_at >= o_lo, Order.created_at < hi, Order.buyer != "")
    if shop_id:
        mq = mq.where(Message.shop_id == shop_id)
        oq = oq.where(Order.shop_id == shop_id)
    m = pd.DataFrame(session.execute(mq).all(), columns=["shop", "buyer", "agent", "ts", "direction", "auto"])
    m["agent"] = m["agent"].fillna("")
    m["ts"] = pd.to_datetime(m["ts"], utc=True)
    m["auto"] = m["auto"].astype("int8") if len(m) else m["auto"]
    orders = list(session.scalars(oq))
    o = pd.DataFrame(
        [(x.id, x.shop_id, x.buyer, x.created_at, x.paid_at, x.amount_fen, x.status, x.refund_fen, x.quantity)
         for x in orders],
        columns=["order_id", "shop", "buyer", "created_at", "paid_at", "amount_fen", "status", "refund_fen", "quantity"],
    )  # fmt: skip
    o["created_at"] = pd.to_datetime(o["created_at"], utc=True)
    o["paid_at"] = pd.to_datetime(o["paid_at"], utc=True)
    return m, o


def run_month(session: Session, month: str, shop_id: str | None = None, store: bool = True) -> CreditResult:
    """Credit a month from the database; stores one OrderCredit per order created in the month."""
    rules = shop_rules(session, shop_id)
    first, nxt = month_bounds(month)
    start = datetime.combine(first, datetime.min.time(), rules.tz)
    end = datetime.combine(nxt, datetime.min.time(), rules.tz)
    m, o = load_frames(session, start, end, rules, shop_id)
    result = run_credit(m, o, rules)
    if store and len(o):
        in_month = set(o.loc[(o["created_at"] >= start) & (o["created_at"] < end), "order_id"])
        now = utc_now()
        for r in result.order_credit.itertuples():
            if r.order_id in in_month:
                session.merge(OrderCredit(order_id=r.order_id, order_agent=r.order_agent, payment_agent=r.payment_agent,
                                          credited_agent=r.credited_agent, silent=bool(r.silent), rule=rules.rule,
                                          computed_at=now))  # fmt: skip
        session.flush()
    days = {d.isoformat() for d in pd.date_range(first, nxt - timedelta(days=1)).date}
    # unassigned work (a queued buyer's messages) is the shop's, not an agent '' row in pay and KPI
    ad = result.agent_day
    agent_day = ad[ad["day"].isin(days) & (ad["agent"] != "")].reset_index(drop=True)
    return CreditResult(result.order_credit, agent_day, result.evidence, result.shop_day, result.provisional,
                        result.rules, result.as_of)  # fmt: skip


@dataclass(frozen=True)
class FilesRun:
    """What ``kefu credit run`` did: totals of the whole-file run, or one outcome per shop."""

    out: Path
    orders: int = 0
    credited: int = 0
    silent: int = 0
    agent_days: int = 0
    shops: list[ShopOutcome] = field(default_factory=list)

    @property
    def failed(self) -> list[ShopOutcome]:
        return [s for s in self.shops if not s.ok]


def credit_files(messages: Path, orders: Path, out: Path, rules: CreditRules, engine: str = "columnar",
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


@dataclass(frozen=True)
class ParquetExport:
    """Where a month's export went and how much it holds."""

    folder: Path
    messages: int
    orders: int
    partitions: list[str]  # "messages/shop=s1/day=2026-11-03", … in order


def export_parquet(session: Session, month: str, out: Path, shop_id: str | None = None) -> ParquetExport:
    """A month's chats and orders (with the margins attribution needs) → Parquet under ``out``.

    ``out/messages`` and ``out/orders`` hold the contract columns of ``kefu credit run``,
    partitioned Hive-style by shop and business day (the shop's zone), the layout Spark and
    DuckDB read with the partitions as columns. Why by day too: a re-export of a few
    late days replaces only those folders. The run over it is issue 17's.
    """
    rules = shop_rules(session, shop_id)
    first, nxt = month_bounds(month)
    start = datetime.combine(first, datetime.min.time(), rules.tz)
    end = datetime.combine(nxt, datetime.min.time(), rules.tz)
    m, o = load_frames(session, start, end, rules, shop_id)
    parts = ds.partitioning(pa.schema([("shop", pa.string()), ("day", pa.string())]), flavor="hive")
    written: list[str] = []
    for name, frame, when in (("messages", m, "ts"), ("orders", o, "created_at")):
        local = frame[when].dt.tz_convert(rules.timezone) - pd.Timedelta(hours=rules.day_cut_hour)
        table = pa.Table.from_pandas(frame.assign(day=local.dt.strftime("%Y-%m-%d")), preserve_index=False)
        ds.write_dataset(table, out / name, format="parquet", partitioning=parts,
                         existing_data_behavior="delete_matching")  # fmt: skip
        pairs = sorted(set(zip(frame["shop"], table.column("day").to_pylist(), strict=True)))
        written += [f"{name}/shop={shop}/day={day}" for shop, day in pairs]
    return ParquetExport(out, len(m), len(o), written)


def claims_report(session: Session, month: str, result: CreditResult | None = None,
                  flag: str = "red", shop_id: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Orders whose memo names an agent (with the flag) where the claim differs from the computed credit."""
    result = result or run_month(session, month, shop_id, store=False)
    first, nxt = month_bounds(month)
    tz = SHOP_TZ if result is None else result.rules.tz
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(nxt, datetime.min.time(), tz)
    agents = sorted(session.scalars(select(Agent.id)), key=len, reverse=True)
    q = select(Order).where(Order.created_at >= start, Order.created_at < end, Order.memo != "")
    credit = result.order_credit.set_index("order_id")
    rows = []
    for o in session.scalars(q):
        if flag and o.flag != flag:
            continue
        claimed = claimed_agent(o.memo, agents)
        if not claimed:
            continue
        c = credit.loc[o.id] if o.id in credit.index else None
        credited = "" if c is None else str(c["credited_agent"])
        rows.append({
            "order_id": o.id, "memo": o.memo, "claimed_agent": claimed, "credited_agent": credited,
            "order_agent": "" if c is None else str(c["order_agent"]),
            "payment_agent": "" if c is None else str(c["payment_agent"]),
            "amount_fen": o.amount_fen, "agrees": claimed == credited,
        })  # fmt: skip
    cols = [
        "order_id",
        "memo",
        "claimed_agent",
        "credited_agent",
        "order_agent",
        "payment_agent",
        "amount_fen",
        "agrees",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    return frame[~frame["agrees"]].reset_index(drop=True) if len(frame) else frame


def claimed_agent(memo: str, agents: list[str]) -> str:
    """The agent id written in a memo (longest id first, whole-token match), or ''."""
    for agent in agents:
        if re.search(rf"(?<![\w:]){re.escape(agent)}(?![\w])", memo):
            return agent
    return ""
