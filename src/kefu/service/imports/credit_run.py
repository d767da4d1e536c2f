"""``kefu credit run --shop S --from D --to D --out DIR``: the contract's files computed from imported data.

Why a second source for the same command: shops import their exports (orders, chats)
into the database; converting them back into M.csv / O.csv by hand to credit them is
what this saves. The database is read straight into the contract's Arrow schema —
PostgreSQL through ``COPY … TO STDOUT`` into Arrow's CSV reader, SQLite through the
driver in large fetches — and handed to the same pipeline as the CSV path, so both
paths give the same files for the same data. Margins are read as the monthly run does
(earlier chats for the credit window, earlier orders for 售后, four later days for the
delayed metrics); the files hold the orders created and the days within [from, to].
Orders without a buyer (exports that omit nicknames, not yet linked to a chat) are left
out and counted, never credited as silent.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.credit.pipeline import CreditResult, run_arrow
from kefu.credit.rules import CreditRules
from kefu.domain.errors import bad_argument
from kefu.io.credit_csv import MSG_TYPES, ORDER_TYPES, write_outputs
from kefu.service.credit.store import shop_rules
from kefu.service.imports.schemas import CreditRunOut
from kefu.store.models.commerce import Order

FETCH = 100_000
MESSAGE_SQL = ("SELECT shop_id, buyer, COALESCE(agent_id, ''), ts, direction, CASE WHEN auto THEN 1 ELSE 0 END "
               "FROM messages WHERE shop_id = {shop} AND ts >= {lo} AND ts < {hi} ORDER BY id")  # fmt: skip
ORDER_SQL = ("SELECT id, shop_id, buyer, created_at, paid_at, amount_fen, status, refund_fen FROM orders "
             "WHERE shop_id = {shop} AND created_at >= {lo} AND created_at < {hi} AND buyer <> '' ORDER BY id")  # fmt: skip


def credit_shop_range(session: Session, shop_id: str, first: date, last: date, out: Path,
                      rules: CreditRules | None = None) -> CreditRunOut:  # fmt: skip
    """Credit a shop's imported orders created between two local days (inclusive) into the contract files."""
    result, unlinked = shop_range_result(session, shop_id, first, last, rules)
    write_outputs(result, out)
    oc = result.order_credit
    return CreditRunOut(len(oc), int((oc["credited_agent"] != "").sum()), int(oc["silent"].sum()),
                        len(result.agent_day), unlinked, out)  # fmt: skip


def shop_range_result(session: Session, shop_id: str, first: date, last: date,
                      rules: CreditRules | None = None) -> tuple[CreditResult, int]:  # fmt: skip
    """The credit result of a shop's days [first, last] from the database, and its orders without a buyer."""
    if last < first:
        raise bad_argument("--to", f"结束日期早于开始日期: {last} < {first}", f"--to is before --from: {last} < {first}")
    rules = rules or shop_rules(session, shop_id)
    start = datetime.combine(first, datetime.min.time(), rules.tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), rules.tz)
    m_lo = start - timedelta(seconds=rules.credit_window_s + rules.session_gap_s) - timedelta(days=1)
    o_lo = start - timedelta(days=rules.aftersale_days + 1)
    hi = end + timedelta(days=4)
    messages = _read(session, MESSAGE_SQL, shop_id, m_lo, hi, MSG_TYPES)
    orders = _read(session, ORDER_SQL, shop_id, o_lo, hi, ORDER_TYPES)
    result = _within(run_arrow(messages, orders, rules), orders, start, end, first, last)
    unlinked = session.scalar(select(func.count()).select_from(Order).where(
        Order.shop_id == shop_id, Order.created_at >= start, Order.created_at < end, Order.buyer == ""))  # fmt: skip
    return result, int(unlinked or 0)


def _within(result: CreditResult, orders: pa.Table, start: datetime, end: datetime, first: date,
            last: date) -> CreditResult:  # fmt: skip
    """Only the orders created in [start, end) and the days from first to last (margins were context)."""
    created = orders.column("created_at")
    inside = pc.and_(pc.greater_equal(created, pa.scalar(start, created.type)),
                     pc.less(created, pa.scalar(end, created.type)))  # fmt: skip
    ids = set(orders.column("order_id").filter(inside).to_pylist())
    days = {(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)}

    def by_order(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["order_id"].isin(ids)].reset_index(drop=True)

    def by_day(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["day"].astype(str).isin(days)].reset_index(drop=True)

    return CreditResult(by_order(result.order_credit), by_day(result.agent_day), by_order(result.evidence),
                        by_day(result.shop_day), by_day(result.provisional), result.rules, result.as_of)  # fmt: skip


def _read(session: Session, sql: str, shop_id: str, lo: datetime, hi: datetime,
          types: dict[str, pa.DataType]) -> pa.Table:  # fmt: skip
    """One query's rows as an Arrow table of the contract schema."""
    conn = session.connection()
    names = list(types)
    if conn.dialect.name == "postgresql":
        from psycopg import sql as pg

        query = pg.SQL(sql).format(shop=pg.Literal(shop_id), lo=pg.Literal(lo), hi=pg.Literal(hi))
        raw = conn.connection.driver_connection
        buf = io.BytesIO()
        with raw.cursor() as cur, cur.copy(pg.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(query)) as copy:  # type: ignore[union-attr]
            for block in copy:
                buf.write(block)
        buf.seek(0)
        if not buf.getbuffer().nbytes:
            return _empty(types)
        table = pacsv.read_csv(buf, read_options=pacsv.ReadOptions(column_names=names),
                               convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                                                    quoted_strings_can_be_null=False))  # fmt: skip
        return table
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cur.execute(sql.format(shop="?", lo="?", hi="?"), (shop_id, _sqlite_time(lo), _sqlite_time(hi)))
    parts = []
    while rows := cur.fetchmany(FETCH):
        cols = list(zip(*rows, strict=True))
        arrays = []
        for name, values in zip(names, cols, strict=True):
            kind = types[name]
            if pa.types.is_timestamp(kind):
                naive = pc.cast(pa.array(values, pa.string()), pa.timestamp("us"))
                arrays.append(pc.cast(pc.assume_timezone(naive, "UTC"), kind, safe=False))
            else:
                arrays.append(pa.array(values).cast(kind))
        parts.append(pa.table(arrays, names=names))
    cur.close()
    return pa.concat_tables(parts) if parts else _empty(types)


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy stores for a UTC time on SQLite (so range comparisons are text comparisons)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _empty(types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({n: pa.array([], t) for n, t in types.items()})
