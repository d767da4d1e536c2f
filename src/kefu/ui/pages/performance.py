"""``/performance``: month leaderboard, one agent's drill-down (each order with the chat that earned it),
silent share over the month. Agents see only their own row and orders.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.credit import actions as svc
from kefu.service.credit import actions_pay as pay_svc
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import kefu_page
from kefu.ui.widgets import stat_card


def _yuan(fen: Any) -> str:
    return f"{int(fen or 0) / 100:,.2f}"


# Rows keep raw fen and ratios (exact, sortable); the browser shows 元 and percentages.
_YUAN = {":format": "v => v == null ? '–' : (v / 100).toLocaleString('zh-CN', "
                    "{minimumFractionDigits: 2, maximumFractionDigits: 2})"}
_PERCENT = {":format": "v => v == null ? '–' : (v * 100).toFixed(1) + '%'"}
_FORMAT = {"sales_fen": _YUAN, "aov_fen": _YUAN, "inq_conv_pay_final": _PERCENT, "fast_rate": _PERCENT}


def _text(v: Any) -> Any:
    return None if v is None or v != v else str(v) if not isinstance(v, int | float | str) else v


@kefu_page("/performance", "绩效", "Performance")
def performance_page(user: UserOut, request: Request) -> None:
    month = request.query_params.get("month") or utc_now().astimezone(SHOP_TZ).strftime("%Y-%m")
    agent = request.query_params.get("agent", "")
    if user.role == "agent":
        agent = user.agent_id or "-"
    try:
        with db_session() as session:
            result = svc.run_month(session, month, store_credit=False)
    except KefuError as exc:
        ui.label(f"{exc.message} / {exc.message_en}").classes("text-negative")
        return
    monthly = pay_svc.monthly_metrics(result.agent_day, result)
    if user.role == "agent":
        monthly = monthly[monthly["agent"] == agent]
    with ui.row().classes("items-center gap-4"):
        ui.label(t(f"{month} 绩效", f"{month} performance")).classes("text-2xl")
        month_input = ui.input(t("月份", "Month"), value=month).props("dense outlined type=month")
        ui.button(
            t("查看", "Show"), on_click=lambda: ui.navigate.to(f"/performance?month={month_input.value}")
        ).props("flat no-caps")
    shop = result.shop_day
    paid = int(shop["paid_fen"].sum()) if len(shop) else 0
    silent = int(shop["silent_fen"].sum()) if len(shop) else 0
    with ui.row().classes("gap-4 flex-wrap"):
        stat_card(t("付款金额 (元)", "Paid (yuan)"), _yuan(paid), "perf-paid")
        stat_card(t("客服业绩 (元)", "Credited (yuan)"), _yuan(paid - silent), "perf-credited")
        share = f"{silent / paid:.1%}" if paid else "–"
        stat_card(t("静默占比", "Silent share"), share, "perf-silent")
    cols = [("agent", "客服", "Agent"), ("sales_fen", "销售额(元)", "Sales (yuan)"), ("credited_orders", "业绩单数", "Orders"),
            ("receptions", "接待人数", "Receptions"), ("inquiries", "询单人数", "Inquiries"),
            ("inq_conv_pay_final", "询单转化率", "Inquiry→paid"), ("aov_fen", "客单价(元)", "AOV (yuan)"),
            ("avg_resp_s", "平均响应(秒)", "Avg response (s)"), ("fast_rate", "3分钟响应率", "3-min rate"),
            ("assists", "协助", "Assists")]  # fmt: skip
    rows = [
        {c: _text(r.get(c)) for c, _, _ in cols}
        for r in monthly.sort_values("sales_fen", ascending=False).to_dict("records")
    ]
    with ui.card().classes("w-full"):
        ui.label(t("排行榜", "Leaderboard")).classes("text-lg")
        table = ui.table(
            columns=[{"name": c, "label": t(zh, en), "field": c, "sortable": True, **_FORMAT.get(c, {})}
                     for c, zh, en in cols],
            rows=rows, row_key="agent", pagination=20,
        ).classes("w-full").props('data-testid="perf-leaderboard"')  # fmt: skip
        table.on(
            "rowClick", lambda e: ui.navigate.to(f"/performance?month={month}&agent={e.args[1]['agent']}")
        )
    if len(shop):
        by_day = shop.groupby("day", as_index=False)[["paid_fen", "silent_fen"]].sum()
        data = [
            round(s / p * 100, 1) if p else 0
            for s, p in zip(by_day["silent_fen"], by_day["paid_fen"], strict=True)
        ]
        with ui.card().classes("w-full"):
            ui.label(t("静默销售占比 (%)", "Silent share of sales (%)")).classes("text-lg")
            ui.echart({"tooltip": {"trigger": "axis"}, "xAxis": {"type": "category", "data": list(by_day["day"])},
                       "yAxis": {"type": "value"}, "series": [{"type": "line", "data": data}]}
                      ).classes("h-64 w-full").props('data-testid="perf-silent-chart"')  # fmt: skip
    if agent:
        ev = result.evidence.merge(result.order_credit.drop(columns=["credited_agent"]), on="order_id")
        mine = ev[
            (ev["credited_agent"] == agent) | (ev["order_agent"] == agent) | (ev["payment_agent"] == agent)
        ]
        with ui.card().classes("w-full"):
            ui.label(
                t(f"{agent} 的订单与成交会话", f"Orders of {agent} and the chats that earned them")
            ).classes("text-lg")
            ocols = [("order_id", "订单", "Order"), ("order_agent", "落实下单", "Order agent"),
                     ("payment_agent", "落实付款", "Payment agent"), ("credited_agent", "业绩归属", "Credited"),
                     ("sale_fen", "业绩(分)", "Sale (fen)"), ("paid_day", "付款日", "Paid day"),
                     ("order_session_end", "下单前会话结束", "Order chat ended"),
                     ("payment_session_end", "付款前会话结束", "Payment chat ended")]  # fmt: skip
            orows = [{c: _text(r.get(c)) for c, _, _ in ocols} for r in mine.head(500).to_dict("records")]
            ui.table(columns=[{"name": c, "label": t(zh, en), "field": c} for c, zh, en in ocols], rows=orows,
                     row_key="order_id", pagination=20).classes("w-full").props('data-testid="perf-orders"')  # fmt: skip
