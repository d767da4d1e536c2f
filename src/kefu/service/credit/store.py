"""The credit area's queries: the frames a credit run reads, the credit it stores, and pay's inputs.

One copy of each statement; :mod:`kefu.service.credit.actions` and friends own the transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from kefu.credit.rules import CreditRules
from kefu.domain.errors import ErrorCode, KefuError
from kefu.store.models.care import LedgerEntry, Survey
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Event, Message, PresenceInterval
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry


def shop_rules(session: Session, shop_id: str | None = None) -> CreditRules:
    """Default rules with the shop's overrides (``Shop.settings['credit']``) and its zone / day cut."""
    if not shop_id:
        return CreditRules()
    shop = session.get(Shop, shop_id)
    if shop is None:
        return CreditRules()
    base = CreditRules(timezone=shop.timezone, day_cut_hour=shop.day_cut_hour)
    return CreditRules.from_settings((shop.settings or {}).get("credit"), base)


def load_frames(session: Session, start: datetime, end: datetime, rules: CreditRules,
                shop_id: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Messages and orders around [start, end) with the margins attribution and 售后 need."""
    m_lo, o_lo, hi = rules.read_span(start, end)
    # the FAQ bot's lines count like auto-replies: no agent's reception, reply or sale
    mq = select(
        Message.shop_id, Message.buyer, Message.agent_id, Message.ts, Message.direction,
        or_(Message.auto.is_(True), Message.bot.is_(True)).label("auto"),
    ).where(Message.ts >= m_lo, Message.ts < hi).order_by(Message.ts, Message.id)
    # an order without a buyer (Qianniu/PDD/Douyin exports, not yet linked to a chat) is not "silent": left out;
    # a defined order: the workbook's sheets and the order tables list the same rows first on every database
    oq = (select(Order).where(Order.created_at >= o_lo, Order.created_at < hi, Order.buyer != "")
          .order_by(Order.created_at, Order.id))
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


def stored_credit(session: Session, order_ids: list[str]) -> dict[str, OrderCredit]:
    """The stored credit rows of these orders, by order id (read in chunks: IN lists stay short)."""
    out: dict[str, OrderCredit] = {}
    for lo in range(0, len(order_ids), 1000):
        chunk = order_ids[lo : lo + 1000]
        out.update((c.order_id, c) for c in session.scalars(select(OrderCredit).where(OrderCredit.order_id.in_(chunk))))
    return out


def agent_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Agent.id).order_by(Agent.id)))


def agent_names(session: Session) -> dict[str, str]:
    """Agent id → the name people know them by (the id where no name is set)."""
    return {a: n or a for a, n in session.execute(select(Agent.id, Agent.name).order_by(Agent.id))}


def shop_settings(session: Session) -> list[tuple[str, dict[str, Any] | None]]:
    """(shop id, settings) of every shop, by id."""
    return [(i, s) for i, s in session.execute(select(Shop.id, Shop.settings).order_by(Shop.id))]


def require_shop(session: Session, shop_id: str) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise KefuError(ErrorCode.NOT_FOUND, f"未找到店铺 {shop_id}", f"shop not found: {shop_id}", {"shop": shop_id})
    return shop


def order(session: Session, order_id: str) -> Order | None:
    return session.get(Order, order_id)


def shop_zone(session: Session, shop_id: str) -> str | None:
    """The shop's time zone name (None for a shop without a row)."""
    return session.scalar(select(Shop.timezone).where(Shop.id == shop_id))


def buyer_messages(session: Session, shop_id: str, buyer: str, start: datetime, end: datetime,
                   limit: int) -> list[Message]:  # fmt: skip
    """The buyer's messages with the shop in [start, end], the latest ``limit`` of them, oldest first."""
    rows = session.scalars(select(Message).where(
        Message.shop_id == shop_id, Message.buyer == buyer, Message.ts >= start, Message.ts <= end)
        .order_by(Message.ts.desc(), Message.id.desc()).limit(limit))  # fmt: skip
    return list(reversed(list(rows)))


def probation_agents(session: Session) -> set[str]:
    return set(session.scalars(select(Agent.id).where(Agent.probation.is_(True))))


def memo_orders(session: Session, start: datetime, end: datetime) -> Iterator[Order]:
    """Orders created in [start, end) whose memo holds text (the claims report reads them)."""
    return iter(session.scalars(select(Order).where(Order.created_at >= start, Order.created_at < end,
                                                    Order.memo != "").order_by(Order.created_at, Order.id)))  # fmt: skip


def survey_scores(session: Session, start: datetime, end: datetime) -> list[tuple[str | None, int | None]]:
    """(agent, score) of every survey answered in [start, end)."""
    rows = session.execute(select(Survey.agent_id, Survey.score).where(
        Survey.answered_at >= start, Survey.answered_at < end, Survey.score.is_not(None))).all()  # fmt: skip
    return [(a, s) for a, s in rows]


def ledger_entries(session: Session, first: date, nxt: date) -> list[LedgerEntry]:
    """Fines and rewards booked on days in [first, nxt), in booking order."""
    q = select(LedgerEntry).where(
        LedgerEntry.day >= first, LedgerEntry.day < nxt, LedgerEntry.kind.in_(["fine", "reward"])
    )
    return list(session.scalars(q.order_by(LedgerEntry.day, LedgerEntry.id)))


def overtime_bookings(session: Session, agent: str, first: date, nxt: date) -> list[tuple[str, dict[str, Any]]]:
    """(subject, data) of the agent's ``overtime.recorded`` events for days in [first, nxt)."""
    rows = session.execute(select(Event.subject, Event.data).where(  # subject: overtime:<agent>:<ISO day>
        Event.kind == "overtime.recorded", Event.agent_id == agent,
        Event.subject >= f"overtime:{agent}:{first.isoformat()}",
        Event.subject < f"overtime:{agent}:{nxt.isoformat()}").order_by(Event.id)).all()  # fmt: skip
    return [(s, d) for s, d in rows]


def rostered_days(session: Session, agent: str, first: date, nxt: date) -> list[date]:
    """Days in [first, nxt) the agent is rostered to work (a shift, not a rest day)."""
    return list(session.scalars(select(RosterEntry.day).where(
        RosterEntry.agent_id == agent, RosterEntry.day >= first, RosterEntry.day < nxt,
        RosterEntry.shift_code != "").order_by(RosterEntry.day)))  # fmt: skip


def present_spans(session: Session, agent: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime | None]]:
    """The agent's online/away intervals overlapping [start, end) (an open one has no end)."""
    rows = session.execute(select(PresenceInterval.start, PresenceInterval.end).where(
        PresenceInterval.agent_id == agent, PresenceInterval.status.in_(("online", "away")),
        PresenceInterval.start < end, (PresenceInterval.end.is_(None)) | (PresenceInterval.end > start))).all()  # fmt: skip
    return [(s, e) for s, e in rows]
