"""``/monitor``: the live floor for supervisors, pushed every 3 seconds without reloading the page.

A server-side ``ui.timer`` reads ``actions.monitor_snapshot`` (computed from rows,
so it is right under any number of API workers) and updates the existing
elements in place; NiceGUI sends only the changed properties over the websocket.
Service level and 3-minute response rate are also kept as a short trend of the
snapshots this page has seen.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import Any

from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.live import actions
from kefu.service.live import actions_reads as overview
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.widgets import STATUS_COLORS, notify_error, stat_card, status_label, testid

TICK_S = 3.0
TREND_POINTS = 600  # 30 minutes at one point every 3 s


def pct(value: float | None) -> str:
    """A rate as "87.5%", or 无数据 when there is none (nobody working: a closed floor's rate would be stale)."""
    return t("无数据", "no data") if value is None else f"{value * 100:.1f}%"


def _hhmm(iso: str, fmt: str = "%H:%M") -> str:
    return datetime.fromisoformat(iso).astimezone(SHOP_TZ).strftime(fmt)


def since_text(iso: str | None) -> str:
    """状态开始 in the shop's zone with its date: an agent offline since yesterday is not "since 17:02"."""
    return _hhmm(iso, "%Y-%m-%d %H:%M") if iso else ""


@kefu_page("/monitor", "实时监控", "Live monitor", roles=MANAGERS)
def monitor_page(user: UserOut) -> None:
    team_agents: set[str] | None = None
    if user.role == "supervisor" and user.team:
        with db_session() as session:
            team_agents = set(overview.team_agent_ids(session, user.team))
    trend: deque[tuple[str, float | None, float | None]] = deque(maxlen=TREND_POINTS)

    with ui.row().classes("gap-4 flex-wrap"):
        queue_card = stat_card(t("排队", "Queue"), "0", "mon-queue")
        wait_card = stat_card(t("最长等待 (秒)", "Longest wait (s)"), "0", "mon-wait")
        load_card = stat_card(t("负载 / 接待上限", "Load / capacity"), "0 / 0", "mon-load")
        sl_card = stat_card(t("服务水平 (30 分钟)", "Service level (30 min)"), "—", "mon-sl")
        rr_card = stat_card(t("3 分钟响应率", "3-min response rate"), "—", "mon-rr")
    status_row = ui.row().classes("gap-2")
    with ui.row().classes("w-full gap-4 flex-nowrap max-lg:flex-wrap"):
        with ui.card().classes("w-full"):
            ui.label(t("服务水平与 3 分钟响应率", "Service level and 3-min response rate")).classes("text-lg")
            trend_chart = ui.echart({
                "tooltip": {"trigger": "axis"},
                "legend": {"data": [t("服务水平", "service level"), t("3分钟响应率", "3-min response")]},
                "xAxis": {"type": "category", "data": []},
                "yAxis": {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
                "series": [{"name": t("服务水平", "service level"), "type": "line", "data": [], "showSymbol": False},
                           {"name": t("3分钟响应率", "3-min response"), "type": "line", "data": [],
                            "showSymbol": False}],
            }).classes("h-64 w-full")
        with ui.card().classes("w-full"):
            ui.label(t("今日预测与实际 (每半小时)", "Today: forecast vs actual (per half hour)")).classes("text-lg")
            fva_chart = ui.echart({
                "tooltip": {"trigger": "axis"},
                "legend": {"data": [t("预测", "forecast"), t("实际", "actual")]},
                "xAxis": {"type": "category", "data": []},
                "yAxis": {"type": "value"},
                "series": [{"name": t("预测", "forecast"), "type": "line", "data": []},
                           {"name": t("实际", "actual"), "type": "bar", "data": []}],
            }).classes("h-64 w-full")
    columns = [
        {"name": "name", "label": t("客服", "Agent"), "field": "name", "align": "left"},
        {"name": "status", "label": t("状态", "Status"), "field": "status_text", "align": "left"},
        {"name": "load", "label": t("负载", "Load"), "field": "load_text"},
        {"name": "since", "label": t("状态开始", "Since"), "field": "since_text"},
    ]
    table = ui.table(columns=columns, rows=[], row_key="id").classes("w-full").props(
        'dense flat data-testid="mon-agents"')

    def tick() -> None:
        try:
            with db_session() as session:
                snap: dict[str, Any] = actions.monitor_snapshot(session).model_dump()
        except KefuError as exc:
            notify_error(exc)
            return
        agents = [a for a in snap["agents"] if team_agents is None or a["id"] in team_agents]
        queue_card.set_text(str(snap["queue_length"]))
        wait_card.set_text(str(snap["longest_wait_s"]))
        load_card.set_text(f'{snap["load"]} / {snap["capacity"]}')
        sl_card.set_text(pct(snap["service_level"]))
        rr_card.set_text(pct(snap["response_3min_rate"]))
        status_row.clear()
        with status_row:
            for status, count in snap["agents_by_status"].items():
                testid(ui.badge(f"{status_label(status)} {count}", color=STATUS_COLORS.get(status, "grey")),
                       f"mon-status-{status}")
        table.rows = [{**a, "status_text": status_label(a["status"]), "load_text": f'{a["load"]}/{a["capacity"]}',
                       "since_text": since_text(a["since"])} for a in agents]
        table.update()
        # snapshots come every 3 s: with minutes only, a new page's axis read "06:43 06:43 06:43"
        trend.append((_hhmm(snap["at"], "%H:%M:%S") if "at" in snap else "", snap["service_level"],
                      snap["response_3min_rate"]))
        options = trend_chart.options
        options["xAxis"]["data"] = [p[0] for p in trend]
        options["series"][0]["data"] = [None if p[1] is None else round(p[1] * 100, 1) for p in trend]
        options["series"][1]["data"] = [None if p[2] is None else round(p[2] * 100, 1) for p in trend]
        trend_chart.update()
        fva = snap.get("forecast_vs_actual", [])
        fva_chart.options["xAxis"]["data"] = [_hhmm(p["interval_start"]) for p in fva]
        fva_chart.options["series"][0]["data"] = [p["forecast"] for p in fva]
        fva_chart.options["series"][1]["data"] = [p["actual"] for p in fva]
        fva_chart.update()

    tick()
    ui.timer(TICK_S, tick)
