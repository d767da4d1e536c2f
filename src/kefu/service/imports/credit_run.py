"""``kefu credit run --shop S --from D --to D --out DIR``: the contract's files computed from imported data.

Why a second source for the same command: shops import their exports (orders, chats)
into the database; converting them back into M.csv / O.csv by hand to credit them is
what this saves. The database is read straight into the contract's Arrow schema
(:mod:`kefu.service.imports.readback`) and handed to the same pipeline as the CSV path, so both
paths give the same files for the same data. Margins are read as the monthly run does
(earlier chats for the credit window, earlier orders for 售后, four later days for the
delayed metrics); the files hold the orders created and the days within [from, to].
Orders without a buyer (exports that omit nicknames, not yet linked to a chat) are left
out and counted, never credited as silent.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from kefu.credit.pipeline import CreditResult, run_arrow
from kefu.credit.rules import CreditRules
from kefu.domain.errors import bad_argument
from kefu.io.credit_csv import write_outputs
from kefu.service.credit.store import shop_rules
from kefu.service.imports import readback, store
from kefu.service.imports.schemas import ShopCreditOut


def credit_shop_range(session: Session, shop_id: str, first: date, last: date, out: Path,
                      rules: CreditRules | None = None) -> ShopCreditOut:  # fmt: skip
    """Credit a shop's imported orders created between two local days (inclusive) into the contract files."""
    result, unlinked = shop_range_result(session, shop_id, first, last, rules)
    write_outputs(result, out)
    oc = result.order_credit
    return ShopCreditOut(len(oc), int((oc["credited_agent"] != "").sum()), int(oc["silent"].sum()),
                        len(result.agent_day), unlinked, out)  # fmt: skip


def shop_range_result(session: Session, shop_id: str, first: date, last: date,
                      rules: CreditRules | None = None) -> tuple[CreditResult, int]:  # fmt: skip
    """The credit result of a shop's days [first, last] from the database, and its orders without a buyer."""
    if last < first:
        raise bad_argument("--to", f"结束日期早于开始日期: {last} < {first}", f"--to is before --from: {last} < {first}")
    rules = rules or shop_rules(session, shop_id)
    start = datetime.combine(first, datetime.min.time(), rules.tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), rules.tz)
    m_lo, o_lo, hi = rules.read_span(start, end)
    messages = readback.contract_messages(session, shop_id, m_lo, hi)
    orders = readback.contract_orders(session, shop_id, o_lo, hi)
    result = _within(run_arrow(messages, orders, rules), orders, start, end, first, last)
    return result, store.buyerless_orders(session, shop_id, start, end)


def _within(result: CreditResult, orders: pa.Table, start: datetime, end: datetime, first: date,
            last: date) -> CreditResult:  # fmt: skip
    """Only the orders created in [start, end) and the days from first to last (margins were context)."""
    created = orders.column("created_at")
    inside = pc.and_(pc.greater_equal(created, pa.scalar(start, created.type)),
                     pc.less(created, pa.scalar(end, created.type)))  # fmt: skip
    ids = orders.column("order_id").filter(inside).combine_chunks()
    days = {(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)}

    def by_order(frame: pd.DataFrame) -> pd.DataFrame:  # hashed by Arrow: a month is ~10^6 orders
        keep = pc.is_in(pa.array(frame["order_id"], pa.string()), value_set=ids).to_numpy(zero_copy_only=False)
        return frame[keep].reset_index(drop=True)

    def by_day(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["day"].astype(str).isin(days)].reset_index(drop=True)

    return CreditResult(by_order(result.order_credit), by_day(result.agent_day), by_order(result.evidence),
                        by_day(result.shop_day), by_day(result.provisional), result.rules, result.as_of,
                        by_order(result.assists))  # fmt: skip
