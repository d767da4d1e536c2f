"""Credit read use-cases for the API and the dashboard: who sold what in a month, and why.

Each recomputes the month without storing it (the figures are always the rules' current
answer) and filters to what the viewer may see: an agent only their own rows
(:mod:`kefu.service.access`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from kefu.credit.pipeline import CreditResult
from kefu.domain.errors import ErrorCode, KefuError
from kefu.service import access
from kefu.service.credit import store
from kefu.service.credit.actions import month_or_now, run_month
from kefu.service.credit.actions_pay import monthly_metrics
from kefu.service.credit.schemas import (
    AgentDaysOut,
    AgentOrdersOut,
    LeaderboardOut,
    OrderCreditOut,
    PerfAgentOut,
    PerfDayOut,
    PerfOrderOut,
    PerformanceOut,
    Record,
)


def records(frame: pd.DataFrame) -> list[Record]:
    """Frame rows as JSON-ready records: NaN/None → null, dates and decimals → text."""
    out = []
    for row in frame.to_dict("records"):
        out.append({k: (None if v is None or v != v else str(v) if hasattr(v, "as_tuple") or hasattr(v, "isoformat") else v)
                    for k, v in row.items()})  # fmt: skip
    return out


def leaderboard(session: Session, viewer: access.Viewer, month: str | None) -> LeaderboardOut:
    """Monthly figures per agent, best sales first (an agent sees only their own row)."""
    m = month_or_now(month)
    result = run_month(session, m, store_credit=False)
    monthly = monthly_metrics(result.agent_day, result)
    monthly = monthly[[access.sees_agent(viewer, a) for a in monthly["agent"]]] if len(monthly) else monthly
    if len(monthly):
        monthly = monthly.sort_values(["sales_fen", "agent"], ascending=[False, True])
    shop_days = [] if access.is_agent(viewer) else records(result.shop_day)
    return LeaderboardOut(month=m, agents=records(monthly), shop_days=shop_days)


def agent_days(session: Session, viewer: access.Viewer, agent_id: str, month: str | None) -> AgentDaysOut:
    """One agent's daily metrics; provisional figures are listed with the moment they become final."""
    access.own_agent(viewer, agent_id)
    m = month_or_now(month)
    result = run_month(session, m, store_credit=False)
    days = result.agent_day[result.agent_day["agent"] == agent_id]
    return AgentDaysOut(agent=agent_id, month=m, days=records(days), provisional=records(result.provisional))


def _evidence(session: Session, month: str) -> pd.DataFrame:
    result = run_month(session, month, store_credit=False)
    return result.evidence.merge(result.order_credit.drop(columns=["credited_agent"]), on="order_id")


def agent_orders(session: Session, viewer: access.Viewer, agent_id: str, month: str | None) -> AgentOrdersOut:
    """Orders credited to the agent, each with the session (end time) that earned it."""
    access.own_agent(viewer, agent_id)
    m = month_or_now(month)
    ev = _evidence(session, m)
    mine = ev[(ev["credited_agent"] == agent_id) | (ev["order_agent"] == agent_id) | (ev["payment_agent"] == agent_id)]
    return AgentOrdersOut(agent=agent_id, month=m, orders=records(mine.drop(columns=["buyer"])))


def order_credit(session: Session, viewer: access.Viewer, order_id: str, month: str | None) -> OrderCreditOut:
    """Who got one order and why (the sessions behind 落实下单 / 落实付款)."""
    ev = _evidence(session, month_or_now(month))
    hit = ev[ev["order_id"] == order_id]
    if hit.empty:
        raise KefuError(ErrorCode.NOT_FOUND, f"未找到订单 {order_id}", f"order not found: {order_id}")
    row: dict[str, Any] = records(hit)[0]
    if not any(access.sees_agent(viewer, row[k]) for k in ("credited_agent", "order_agent", "payment_agent")):
        raise access.forbidden("只能查看自己的订单", "agents may only see their own orders", order=order_id)
    row.pop("buyer", None)
    return OrderCreditOut(**row)


def performance(session: Session, viewer: access.Viewer, month: str | None, agent: str = "") -> PerformanceOut:
    """``/performance`` for a month: one credit run of the month, every figure read from it.

    A supervisor sees the shop's takings, every agent and any agent's orders; an agent
    their own 落实付款 and credited sales, their own row and their own orders.
    """
    m = month_or_now(month)
    if access.is_agent(viewer):
        agent = viewer.agent_id or "-"
    result = run_month(session, m, store_credit=False)
    monthly = monthly_metrics(result.agent_day, result)
    monthly = monthly[[access.sees_agent(viewer, a) for a in monthly["agent"]]] if len(monthly) else monthly
    rows = sorted(monthly.to_dict("records"), key=lambda r: (-int(r["sales_fen"]), r["agent"]))
    names = store.agent_names(session)
    agents = [PerfAgentOut(agent=r["agent"], name=names.get(r["agent"], r["agent"]), sales_fen=int(r["sales_fen"]),
                           credited_orders=int(r["credited_orders"]), receptions=int(r["receptions"]),
                           inquiries=int(r["inquiries"]), conversion_pct=_pct(r["inq_conv_pay_final"]),
                           aov_fen=_int(r["aov_fen"]), avg_resp_s=_float(r["avg_resp_s"]),
                           fast_rate_pct=_pct(r["fast_rate"]), assists=int(r["assists"]))
              for r in rows]  # fmt: skip
    orders = _agent_orders(result, agent, result.rules.tz) if agent else []
    mentioned = {a.agent for a in agents} | {o.order_agent for o in orders} | {o.payment_agent for o in orders}
    mentioned |= {o.credited_agent for o in orders} | ({agent} if agent else set())
    named = {a: names.get(a, a) for a in sorted(mentioned - {""})}
    if access.is_agent(viewer):
        paid, credited = sum(int(r["paid_fen"]) for r in rows), sum(a.sales_fen for a in agents)
        return PerformanceOut(month=m, scope="agent", paid_fen=paid, credited_fen=credited, silent_fen=0,
                              silent_share_pct=None, agents=agents, names=named, days=[], agent=agent,
                              orders=orders)  # fmt: skip
    by_day = result.shop_day.groupby("day", as_index=False)[["paid_fen", "silent_fen"]].sum().sort_values("day")
    days = [PerfDayOut(day=d, paid_fen=int(p), silent_fen=int(s), silent_share_pct=_share(s, p))
            for d, p, s in zip(by_day["day"], by_day["paid_fen"], by_day["silent_fen"], strict=True)]  # fmt: skip
    paid, silent = sum(d.paid_fen for d in days), sum(d.silent_fen for d in days)
    return PerformanceOut(month=m, scope="shop", paid_fen=paid, credited_fen=paid - silent, silent_fen=silent,
                          silent_share_pct=_share(silent, paid), agents=agents, names=named, days=days,
                          agent=agent, orders=orders)  # fmt: skip


def _agent_orders(result: CreditResult, agent: str, tz: ZoneInfo) -> list[PerfOrderOut]:
    """The month's orders the agent placed, saw paid or was credited with, by order id."""
    ev = result.evidence.merge(result.order_credit.drop(columns=["credited_agent"]), on="order_id")
    mine = ev[(ev["credited_agent"] == agent) | (ev["order_agent"] == agent) | (ev["payment_agent"] == agent)]
    return [PerfOrderOut(order_id=r["order_id"], order_agent=r["order_agent"], payment_agent=r["payment_agent"],
                         credited_agent=r["credited_agent"], sale_fen=int(r["sale_fen"]), paid_day=r["paid_day"],
                         order_session_end=_local(r["order_session_end"], tz),
                         payment_session_end=_local(r["payment_session_end"], tz))
            for r in mine.sort_values("order_id").to_dict("records")]  # fmt: skip


def _local(ts: Any, tz: ZoneInfo) -> str | None:
    return None if ts is None or pd.isna(ts) else str(ts.tz_convert(tz).strftime("%Y-%m-%d %H:%M"))


def _pct(rate: Any) -> float | None:
    return None if rate is None or rate != rate else float(round(Decimal(str(rate)) * 100, 1))


def _share(part: int, whole: int) -> float | None:
    return float(round(Decimal(int(part)) * 100 / Decimal(int(whole)), 1)) if whole else None


def _int(v: Any) -> int | None:
    return None if v is None or v != v else int(v)


def _float(v: Any) -> float | None:
    return None if v is None or v != v else float(v)
