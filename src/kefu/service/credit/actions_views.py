"""Credit read use-cases for the API and the dashboard: who sold what in a month, and why.

Each recomputes the month without storing it (the figures are always the rules' current
answer) and filters to what the viewer may see: an agent only their own rows
(:mod:`kefu.service.access`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service import access
from kefu.service.credit.actions import month_or_now, run_month
from kefu.service.credit.actions_pay import monthly_metrics
from kefu.service.credit.schemas import AgentDaysOut, AgentOrdersOut, LeaderboardOut, OrderCreditOut, Record


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
