"""One order's credit, justified: the decision the month's credit run made and the chat that earned it.

Why read, not recompute: the page must show why the *figures on it* came out as they did, so
the decision (落实下单 / 落实付款 / 静默 / 协助, which agent, which session) is the engine's
output for the month (``evidence``, ``order_credit``, ``assists`` of :func:`run_month`); this
module only reads it back, puts the buyer's messages beside it and words the reason.

Scope: an agent may open only orders they placed, saw paid or were credited with.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import business_day
from kefu.service import access
from kefu.service.credit import store
from kefu.service.credit.actions import month_or_now, run_month
from kefu.service.credit.schemas import ChatLineOut, CreditStepOut, OrderChatOut

MAX_LINES = 200  # the latest messages before payment; a longer chat says it was cut
_EVENTS = {"order": ("下单", "the order"), "payment": ("付款", "payment")}


def order_chat(session: Session, viewer: access.Viewer, order_id: str, month: str | None = None) -> OrderChatOut:
    """``GET /credit/orders/{id}/chat`` and the order page: the month's credit of one order with its chat.

    ``month`` defaults to the business month the order was placed in (the shop's zone).
    """
    row = store.order(session, order_id)
    if row is None:
        raise KefuError(ErrorCode.NOT_FOUND, f"未找到订单 {order_id}", f"order not found: {order_id}")
    tz = ZoneInfo(store.shop_zone(session, row.shop_id) or "Asia/Shanghai")
    m = month_or_now(month or business_day(row.created_at, tz=tz).strftime("%Y-%m"))
    result = run_month(session, m, store_credit=False)
    ev = result.evidence[result.evidence["order_id"] == order_id]
    credit = result.order_credit[result.order_credit["order_id"] == order_id]
    if ev.empty or credit.empty:
        raise KefuError(ErrorCode.NOT_FOUND, f"订单 {order_id} 不在 {m} 的业绩中",
                        f"order {order_id} is not in the credit of {m}", {"order": order_id, "month": m})  # fmt: skip
    c: dict[str, Any] = credit.iloc[0].to_dict()
    e: dict[str, Any] = ev.iloc[0].to_dict()
    if access.is_agent(viewer) and viewer.agent_id not in {c["order_agent"], c["payment_agent"], c["credited_agent"]} - {""}:
        raise access.forbidden("只能查看自己的订单", "agents may see only their own orders", order=order_id)
    names = store.agent_names(session)
    assists = result.assists.loc[result.assists["order_id"] == order_id, "agent"].tolist()
    window = timedelta(seconds=result.rules.credit_window_s)
    steps = [_step("order", row.created_at, c["order_agent"], e["order_session_end"], names, tz, window),
             _step("payment", row.paid_at, c["payment_agent"], e["payment_session_end"], names, tz, window)]  # fmt: skip
    decision, decision_en = _decision(c, result.rules.rule)
    lo = row.created_at - window - timedelta(seconds=result.rules.session_gap_s)
    found = store.buyer_messages(session, row.shop_id, row.buyer, lo, row.paid_at or row.created_at, MAX_LINES + 1)
    lines = [_line(x, row.created_at, row.buyer, names, tz) for x in found[-MAX_LINES:]]
    return OrderChatOut(
        order_id=order_id, month=m, shop=row.shop_id, buyer=row.buyer, timezone=str(tz), amount_fen=row.amount_fen,
        refund_fen=row.refund_fen, sale_fen=int(e["sale_fen"]), status=row.status, decision=decision,
        decision_en=decision_en, credited_agent=c["credited_agent"], credited_name=_name(c["credited_agent"], names),
        rule=result.rules.rule, steps=steps, assists={a: _name(a, names) for a in assists},
        window_h=result.rules.credit_window_s / 3600, messages=lines, truncated=len(found) > MAX_LINES,
    )  # fmt: skip


def _name(agent: str, names: dict[str, str]) -> str:
    return names.get(agent, agent) if agent else ""


def _local(ts: datetime | None, tz: ZoneInfo) -> str | None:
    return None if ts is None else ts.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def _span(delta: timedelta) -> tuple[str, str]:
    minutes = max(0, round(delta.total_seconds() / 60))
    h, mm = divmod(minutes, 60)
    return (f"{h}小时{mm}分" if h else f"{mm}分钟"), (f"{h} h {mm} min" if h else f"{mm} min")


def _step(event: str, at: datetime | None, agent: str, end: Any, names: dict[str, str], tz: ZoneInfo,
          window: timedelta) -> CreditStepOut:  # fmt: skip
    """One event's attribution, worded from the engine's session end (rules 1–3 of spec/credit.md)."""
    zh_event, en_event = _EVENTS[event]
    session_end = None if end is None or pd.isna(end) else end.to_pydatetime()
    hours = f"{window.total_seconds() / 3600:g}"
    name = _name(agent, names)
    if at is None:
        zh, en = "尚未付款", "not paid yet"
    elif not agent or session_end is None:
        zh = f"{zh_event}前 {hours} 小时内没有客服接待过该买家: 静默"
        en = f"no agent served the buyer in the {hours} h before {en_event}: silent"
    elif session_end >= at:
        zh = f"{zh_event}时 {name} 正在接待该买家 (会话结束于 {_local(session_end, tz)})"
        en = f"{name} was serving the buyer at the time of {en_event} (the session ended {_local(session_end, tz)})"
    else:
        gap_zh, gap_en = _span(at - session_end)
        zh = f"{name} 的接待会话在{zh_event}前 {gap_zh} 结束, 是 {hours} 小时窗口内最近的一次"
        en = f"{name}'s serving session ended {gap_en} before {en_event}, the latest within the {hours} h window"
    return CreditStepOut(event=event, at=_local(at, tz), agent=agent, name=name,
                         session_end=_local(session_end, tz), reason=zh, reason_en=en)  # fmt: skip


def _decision(c: dict[str, Any], rule: str) -> tuple[str, str]:
    """落实下单 / 落实付款 / 静默 as the rule applied them to the engine's agents."""
    credited, by_order = c["credited_agent"], c["order_agent"]
    if int(c["silent"]):
        return "静默", "silent"
    if not credited:
        return "不计业绩", "not credited (by the rule)"
    if rule == "by_payment" or (rule == "order_first" and not by_order):
        return "落实付款", "payment closed"
    return "落实下单", "order placed"


def _line(x: Any, ordered: datetime, buyer: str, names: dict[str, str], tz: ZoneInfo) -> ChatLineOut:
    agent = x.agent_id or ""
    who = "buyer" if x.direction == "in" else "bot" if x.bot else "auto" if x.auto else "agent"
    return ChatLineOut(at=_local(x.ts, tz) or "", who=who, name=buyer if who == "buyer" else _name(agent, names),
                       agent="" if who == "buyer" else agent, text=x.text,
                       before="order" if x.ts <= ordered else "payment")  # fmt: skip
