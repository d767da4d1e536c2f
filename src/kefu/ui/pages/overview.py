"""``/``: today at a glance (contacts, orders, paid amount, agents online, queue) with charts."""

from __future__ import annotations

from datetime import date

from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.money import yuan
from kefu.domain.timeutil import parse_day
from kefu.service.credit import actions_overview as svc
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import kefu_page
from kefu.ui.widgets import stat_card


@kefu_page("/", "概览", "Overview")
def overview_page(user: UserOut, request: Request) -> None:
    with db_session() as session:
        day: date
        try:
            day = parse_day(request.query_params["day"]) if "day" in request.query_params else svc.default_day(
                session)
        except KefuError:
            day = svc.default_day(session)
        team, agent_id = svc.scope(user, user.team)
        data = svc.overview(session, day, team=team, agent_id=agent_id)
        details = svc.day_details(session, day, team=team, agent_id=agent_id)
    with ui.row().classes("items-center gap-4"):
        ui.label(t(f"{day.isoformat()} 一览", f"{day.isoformat()} at a glance")).classes("text-2xl")
        date_input = ui.input(t("日期", "Date"), value=day.isoformat()).props("dense outlined type=date")
        ui.button(t("查看", "Show"), on_click=lambda: ui.navigate.to(f"/?day={date_input.value}")).props(
            "flat no-caps")
        if user.role == "agent":
            ui.badge(t("仅显示我的数据", "showing my own figures only")).props("color=grey-7")
        elif user.team:
            ui.badge(t(f"团队: {user.team}", f"team: {user.team}")).props("color=grey-7")
    with ui.row().classes("gap-4 flex-wrap"):
        stat_card(t("咨询人数", "Contacts"), str(data.contacts), "stat-contacts",
                  t(f"会话 {data.conversations}", f"{data.conversations} conversations"))
        stat_card(t("下单数", "Orders"), str(data.orders), "stat-orders",
                  t(f"付款 {data.paid_orders} 笔", f"{data.paid_orders} paid"))
        stat_card(t("付款金额 (元)", "Paid (yuan)"), yuan(data.paid_fen), "stat-paid")
        stat_card(t("在线客服", "Agents online"), f"{data.agents_online} / {data.agents_total}", "stat-online",
                  " · ".join(f"{t(zh, en)} {data.by_status.get(k, 0)}" for k, zh, en in (
                      ("online", "在线", "online"), ("away", "挂起", "away"), ("break", "小休", "break"))))
        stat_card(t("排队", "Queue"), str(data.queue), "stat-queue",
                  t(f"最长等待 {data.longest_wait_s} 秒", f"longest wait {data.longest_wait_s} s"))
    hours = [f"{h:02d}" for h in range(24)]
    with ui.row().classes("w-full gap-4 flex-nowrap max-lg:flex-wrap"):
        with ui.card().classes("w-full"):
            ui.label(t("分时咨询与下单", "Contacts and orders by hour")).classes("text-lg")
            ui.echart({
                "tooltip": {"trigger": "axis"},
                "legend": {"data": [t("咨询", "contacts"), t("下单", "orders")]},
                "xAxis": {"type": "category", "data": hours},
                "yAxis": {"type": "value"},
                "series": [
                    {"name": t("咨询", "contacts"), "type": "bar", "data": data.hourly_contacts},
                    {"name": t("下单", "orders"), "type": "line", "data": data.hourly_orders},
                ],
            }).classes("h-72 w-full").props('data-testid="chart-hourly"')
        with ui.card().classes("w-full"):
            ui.label(t("近 14 天趋势", "Last 14 days")).classes("text-lg")
            ui.echart({
                "tooltip": {"trigger": "axis"},
                "legend": {"data": [t("咨询", "contacts"), t("下单", "orders"), t("付款(元)", "paid (yuan)")]},
                "xAxis": {"type": "category", "data": [d.strftime("%m-%d") for d in data.trend_days]},
                "yAxis": [{"type": "value"}, {"type": "value", "name": t("元", "yuan")}],
                "series": [
                    {"name": t("咨询", "contacts"), "type": "line", "data": data.trend_contacts},
                    {"name": t("下单", "orders"), "type": "line", "data": data.trend_orders},
                    {"name": t("付款(元)", "paid (yuan)"), "type": "bar", "yAxisIndex": 1,
                     "data": [f // 100 for f in data.trend_paid_fen], "itemStyle": {"opacity": 0.35}},
                ],
            }).classes("h-72 w-full").props('data-testid="chart-trend"')
    details_row(details, user)


def details_row(details: svc.DayDetails, user: UserOut) -> None:
    """Conversion funnel, first-response distribution and leaderboard of the day."""
    wrote, ordered, paid = details.funnel
    with ui.row().classes("w-full gap-4 flex-nowrap max-lg:flex-wrap"):
        with ui.card().classes("w-full"):
            ui.label(t("询单转化漏斗", "Conversion funnel")).classes("text-lg")
            ui.echart({
                "tooltip": {"trigger": "item", "formatter": "{b}: {c}"},
                "series": [{"type": "funnel", "sort": "descending", "left": "10%", "width": "80%", "minSize": "35%",
                            "label": {"show": True, "position": "inside", "formatter": "{b} {c}"},
                            "data": [{"name": t("咨询买家", "buyers who wrote"), "value": wrote},
                                     {"name": t("下单", "ordered"), "value": ordered},
                                     {"name": t("付款", "paid"), "value": paid}]}],
            }).classes("h-64 w-full").props('data-testid="chart-funnel"')
            rate = f"{ordered * 100 / wrote:.1f}%" if wrote else "—"
            ui.label(t(f"询单转化率 {rate}", f"inquiry conversion {rate}")).classes("text-grey-7 text-sm")
        with ui.card().classes("w-full"):
            ui.label(t("首次响应时间分布", "First response time")).classes("text-lg")
            ui.echart({
                "tooltip": {"trigger": "axis"},
                "xAxis": {"type": "category", "data": [t(zh, en) for _, zh, en in svc.RESPONSE_BUCKETS],
                          "axisLabel": {"interval": 0, "fontSize": 10}},
                "yAxis": {"type": "value", "name": t("会话", "chats")},
                "series": [{"type": "bar", "data": details.response_buckets,
                            "itemStyle": {"color": "#26a69a"}}],
            }).classes("h-64 w-full").props('data-testid="chart-response"')
            ui.label(t(f"未回复会话 {details.unanswered}", f"unanswered chats {details.unanswered}")).classes(
                "text-grey-7 text-sm")
        with ui.card().classes("w-full"):
            ui.label(t("今日排行", "Leaderboard") if user.role != "agent" else t("我的业绩", "My figures")).classes(
                "text-lg")
            columns = [
                {"name": "name", "label": t("客服", "Agent"), "field": "name", "align": "left"},
                {"name": "conversations", "label": t("接待", "Chats"), "field": "conversations"},
                {"name": "orders", "label": t("落实订单", "Credited orders"), "field": "orders"},
                {"name": "paid", "label": t("金额 (元)", "Amount (yuan)"), "field": "paid"},
            ]
            rows = [{"agent": r.agent, "name": r.name, "conversations": r.conversations, "orders": r.orders,
                     "paid": yuan(r.paid_fen)} for r in details.leaderboard[:10]]
            ui.table(columns=columns, rows=rows, row_key="agent").classes("w-full").props(
                'dense flat data-testid="leaderboard"')
