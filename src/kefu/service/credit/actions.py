"""Credit use-cases: import orders and chats, compute a month's credit from the database, claims.

Imports are one transaction each: a file with bad rows is refused whole unless
``skip_bad_rows`` (then the rejects are returned for a report). Re-importing the
same file changes nothing (orders keyed by 订单编号, messages by their natural key).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.credit.pipeline import ENGINES, CreditResult, run_arrow, run_credit
from kefu.credit.rules import CreditRules
from kefu.domain.errors import RowError, bad_argument, bad_rows
from kefu.domain.timeutil import SHOP_TZ, bounded_day, utc_now
from kefu.io import chats as chat_io
from kefu.io import taobao_orders
from kefu.io.credit_csv import read_messages, read_orders, write_outputs
from kefu.service.credit.shops import ShopOutcome, run_shops
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Message
from kefu.store.models.org import Agent, Shop

Progress = Callable[[int, int], None]
ORDER_FIELDS = ("shop_id", "buyer", "created_at", "paid_at", "amount_fen", "status", "refund_fen", "title",
                "quantity", "memo", "flag", "phone", "address")  # fmt: skip
BATCH = 1000


@dataclass
class ImportReport:
    file: str
    rows: int = 0  # good rows read
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.file}: 读取 {self.rows} 行, 新增 {self.inserted}, 更新 {self.updated}, 未变 {self.unchanged}, "
            f"拒绝 {len(self.rejected)} / read {self.rows}, inserted {self.inserted}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}"
        )


def _check(file: str, errors: list[RowError], skip_bad_rows: bool) -> None:
    if errors and not skip_bad_rows:
        raise bad_rows(file, errors)


def import_orders(
    session: Session,
    path: Path,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    shop: str = "",
) -> ImportReport:
    """Taobao/Tmall order export → ``orders`` (upsert by 订单编号)."""
    rows, errors = taobao_orders.parse(Path(path), shop)
    _check(Path(path).name, errors, skip_bad_rows)
    report = ImportReport(Path(path).name, rows=len(rows), rejected=errors)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        existing = {
            o.id: o for o in session.scalars(select(Order).where(Order.id.in_([r.order_id for r in chunk])))
        }
        for r in chunk:
            values = {
                "shop_id": r.shop, "buyer": r.buyer, "created_at": r.created_at, "paid_at": r.paid_at,
                "amount_fen": r.amount_fen, "status": r.status, "refund_fen": r.refund_fen, "title": r.title,
                "quantity": r.quantity, "memo": r.memo, "flag": r.flag, "phone": r.phone, "address": r.address,
            }  # fmt: skip
            old = existing.get(r.order_id)
            if old is None:
                session.add(Order(id=r.order_id, **values))
                report.inserted += 1
            elif any(_differs(getattr(old, k), v) for k, v in values.items()):
                for k, v in values.items():
                    setattr(old, k, v)
                report.updated += 1
            else:
                report.unchanged += 1
        session.flush()
        if progress:
            progress(min(start + BATCH, len(rows)), len(rows))
    return report


def _differs(old: object, new: object) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return old != new
    return old != new


def import_chats(
    session: Session,
    path: Path,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
    shop: str = "",
) -> ImportReport:
    """Chat records (CSV/Excel schema or text export) → ``messages``; unknown agents are bad rows."""
    known = frozenset(session.scalars(select(Agent.id)))
    rows, errors = chat_io.parse(Path(path), shop, known)
    if known:
        for r in rows:
            if r.agent not in known:
                errors.append(
                    RowError(
                        r.row, "agent", f"未知客服 '{r.agent}'", f"unknown agent '{r.agent}'", Path(path).name
                    )
                )
        bad = {e.row for e in errors}
        rows = [r for r in rows if r.row not in bad]
    _check(Path(path).name, sorted(errors, key=lambda e: e.row), skip_bad_rows)
    report = ImportReport(Path(path).name, rows=len(rows), rejected=errors)
    by_pair: dict[tuple[str, str], list[chat_io.ChatRow]] = {}
    for r in rows:
        by_pair.setdefault((r.shop, r.buyer), []).append(r)
    done = 0
    for (shop_id, buyer), items in by_pair.items():
        lo, hi = min(r.ts for r in items), max(r.ts for r in items)
        have = {
            (m.shop_id, m.buyer, m.agent_id or "", m.ts, m.direction, m.text)
            for m in session.scalars(
                select(Message).where(
                    Message.shop_id == shop_id, Message.buyer == buyer, Message.ts.between(lo, hi)
                )
            )
        }
        for r in items:
            if r.key in have:
                report.unchanged += 1
                continue
            have.add(r.key)
            session.add(Message(shop_id=r.shop, buyer=r.buyer, agent_id=r.agent, ts=r.ts, direction=r.direction,
                                auto=r.auto, text=r.text))  # fmt: skip
            report.inserted += 1
        done += len(items)
        if progress:
            progress(done, len(rows))
    session.flush()
    return report


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
    oq = select(Order).where(Order.created_at >= o_lo, Order.created_at < hi)
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
