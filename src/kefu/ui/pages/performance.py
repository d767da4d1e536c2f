"""``/performance``: month leaderboard, one agent's drill-down (each order one click from the chat that
earned it: ``/performance/orders/{id}``), silent share over the month, and for supervisors the month's
KPI and pay workbooks. Agents see only their own figures, row and orders.

Every figure comes from :func:`kefu.service.credit.actions_views.performance` (one credit run of
the month); this page only lays it out. The workbooks are the ones ``kefu report kpi|pay`` writes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import Request
from nicegui import run as background
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.service.access import check_role
from kefu.service.credit import actions_pay as pay_actions
from kefu.service.credit import actions_views as views
from kefu.service.credit.schemas import PerformanceOut
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.widgets import notify_error, stat_card, testid


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


# Rows keep raw fen and percent numbers (exact, sortable); the browser shows 元 and "35.7%".
_YUAN = {":format": "v => v == null ? '–' : (v / 100).toLocaleString('zh-CN', "
                    "{minimumFractionDigits: 2, maximumFractionDigits: 2})"}
_PERCENT = {":format": "v => v == null ? '–' : v.toFixed(1) + '%'"}
_FORMAT = {"sales_fen": _YUAN, "aov_fen": _YUAN, "sale_fen": _YUAN, "conversion_pct": _PERCENT,
           "fast_rate_pct": _PERCENT}


@kefu_page("/performance", "绩效", "Performance")
def performance_page(user: UserOut, request: Request) -> None:
    try:
        with db_session() as session:
            perf = views.performance(session, user, request.query_params.get("month"),
                                     request.query_params.get("agent", ""))  # fmt: skip
    except KefuError as exc:
        ui.label(f"{exc.message} / {exc.message_en}").classes("text-negative")
        return
    month = perf.month
    with ui.row().classes("items-center gap-4"):
        ui.label(t(f"{month} 绩效", f"{month} performance")).classes("text-2xl")
        month_input = ui.input(t("月份", "Month"), value=month).props("dense outlined type=month")
        ui.button(
            t("查看", "Show"), on_click=lambda: ui.navigate.to(f"/performance?month={month_input.value}")
        ).props("flat no-caps")
        if perf.scope == "shop":
            _downloads(user, month)
    _cards(perf)
    _leaderboard(perf)
    if perf.days:
        with ui.card().classes("w-full"):
            ui.label(t("静默销售占比 (%)", "Silent share of sales (%)")).classes("text-lg")
            ui.echart({"tooltip": {"trigger": "axis"}, "xAxis": {"type": "category", "data": [d.day for d in perf.days]},
                       "yAxis": {"type": "value"},
                       "series": [{"type": "line", "data": [d.silent_share_pct for d in perf.days]}]}
                      ).classes("h-64 w-full").props('data-testid="perf-silent-chart"')  # fmt: skip
    if perf.agent:
        _orders(perf)


def _cards(perf: PerformanceOut) -> None:
    with ui.row().classes("gap-4 flex-wrap"):
        if perf.scope == "agent":
            stat_card(t("我的落实付款 (元)", "My payments (yuan)"), yuan(perf.paid_fen), "perf-paid")
            stat_card(t("我的业绩 (元)", "My credited sales (yuan)"), yuan(perf.credited_fen), "perf-credited")
            return
        stat_card(t("付款金额 (元)", "Paid (yuan)"), yuan(perf.paid_fen), "perf-paid")
        stat_card(t("客服业绩 (元)", "Credited (yuan)"), yuan(perf.credited_fen), "perf-credited")
        stat_card(t("静默占比", "Silent share"), percent(perf.silent_share_pct), "perf-silent")


def _leaderboard(perf: PerformanceOut) -> None:
    cols = [("name", "客服", "Agent"), ("sales_fen", "销售额(元)", "Sales (yuan)"),
            ("credited_orders", "业绩单数", "Orders"), ("receptions", "接待人数", "Receptions"),
            ("inquiries", "询单人数", "Inquiries"), ("conversion_pct", "询单转化率", "Inquiry→paid"),
            ("aov_fen", "客单价(元)", "AOV (yuan)"), ("avg_resp_s", "平均响应(秒)", "Avg response (s)"),
            ("fast_rate_pct", "3分钟响应率", "3-min rate"), ("assists", "协助", "Assists")]  # fmt: skip
    with ui.card().classes("w-full"):
        ui.label(t("排行榜", "Leaderboard")).classes("text-lg")
        table = ui.table(
            columns=[{"name": c, "label": t(zh, en), "field": c, "sortable": True, **_FORMAT.get(c, {})}
                     for c, zh, en in cols],
            rows=[a.model_dump() for a in perf.agents], row_key="agent", pagination=20,
        ).classes("w-full").props('data-testid="perf-leaderboard"')  # fmt: skip
        table.on("rowClick", lambda e: ui.navigate.to(f"/performance?month={perf.month}&agent={e.args[1]['agent']}"))


def _orders(perf: PerformanceOut) -> None:
    name = perf.names.get(perf.agent, perf.agent)
    ocols = [("order_id", "订单", "Order"), ("order_agent", "落实下单", "Order agent"),
             ("payment_agent", "落实付款", "Payment agent"), ("credited_agent", "业绩归属", "Credited"),
             ("sale_fen", "业绩(元)", "Sale (yuan)"), ("paid_day", "付款日", "Paid day"),
             ("order_session_end", "下单前会话结束", "Order chat ended"),
             ("payment_session_end", "付款前会话结束", "Payment chat ended")]  # fmt: skip
    named = ("order_agent", "payment_agent", "credited_agent")
    rows = [{**o.model_dump(), **{k: perf.names.get(getattr(o, k), getattr(o, k)) for k in named}} for o in perf.orders]
    with ui.card().classes("w-full"):
        ui.label(t(f"{name} 的订单与成交会话", f"Orders of {name} and the chats that earned them")).classes("text-lg")
        ui.label(t("点击订单查看成交会话与判定依据", "Click an order for the chat that earned it and why")).classes(
            "text-grey-6 text-sm")
        table = ui.table(columns=[{"name": c, "label": t(zh, en), "field": c, **_FORMAT.get(c, {})} for c, zh, en in ocols],
                         rows=rows, row_key="order_id", pagination=20).classes("w-full cursor-pointer").props(
            'data-testid="perf-orders"')  # fmt: skip
        table.on("rowClick", lambda e: ui.navigate.to(
            f"/performance/orders/{quote(e.args[1]['order_id'], safe='')}?month={perf.month}"))


WORKBOOKS: dict[str, tuple[str, str, Callable[..., tuple[Path, str]]]] = {
    "kpi": ("下载绩效表", "KPI workbook", pay_actions.kpi_workbook),
    "pay": ("下载工资表", "Pay workbook", pay_actions.pay_workbook),
}


def _downloads(user: UserOut, month: str) -> None:
    """The month's KPI and pay workbooks, written by the actions ``kefu report kpi|pay`` call."""
    for kind, (zh, en, _) in WORKBOOKS.items():
        button = ui.button(t(zh, en), icon="download", on_click=lambda k=kind: _download(user, k, month))
        testid(button.props("outline no-caps"), f"perf-download-{kind}")


async def _download(user: UserOut, kind: str, month: str) -> None:
    ui.notify(t("正在生成…", "Preparing…"))
    try:  # a month's KPI and pay take seconds: off the event loop, so the page stays live
        check_role(user.role, MANAGERS)  # every agent's pay: supervisors and admins only
        data = await background.io_bound(_workbook_bytes, kind, month)
    except KefuError as exc:
        notify_error(exc)
        return
    if data is None:  # io_bound gives None only while the server shuts down
        return
    ui.download.content(data, f"{kind}-{month}.xlsx",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")  # fmt: skip


def _workbook_bytes(kind: str, month: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp, db_session() as session:
        path, _ = WORKBOOKS[kind][2](session, month, Path(tmp) / f"{kind}.xlsx")
        return path.read_bytes()
