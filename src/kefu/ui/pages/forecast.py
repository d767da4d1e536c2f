"""``/forecast``: forecast vs actual and required vs scheduled agents per interval for one day.

Thin: the numbers come from :func:`kefu.service.plan.actions.intraday` (which also
re-forecasts the rest of today); the "预测" button runs
:func:`kefu.service.plan.actions.forecast_shop` and :func:`kefu.service.plan.actions.requirement`
for the week starting at the chosen day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, parse_day, utc_now
from kefu.service.org import actions_admin as org_admin
from kefu.service.org.schemas import UserOut
from kefu.service.plan import actions as plan
from kefu.service.plan.schemas import Point, StaffingTarget
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import kefu_page
from kefu.ui.pages.forecast_model import model_section
from kefu.ui.widgets import notify_error, run, stat_card


def chart_options(view: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """ECharts options of the two charts, from an intraday view (only open or staffed intervals)."""
    points: list[Point] = [
        p for p in view["points"] if p.forecast is not None or p.actual is not None or (p.scheduled or 0) > 0
    ]
    refc = view["reforecast"]
    labels = [p.interval_start.strftime("%H:%M") for p in points]
    slot_of = {p.interval_start: i for i, p in enumerate(view["points"])}
    fva = {
        "tooltip": {"trigger": "axis"},
        "legend": {
            "data": [t("预测", "forecast"), t("重新预测", "re-forecast"), t("实际", "actual"), "P10–P90"]
        },
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value"},
        "series": [
            {
                "name": "P10",
                "type": "line",
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "data": [p.p10 for p in points],
            },
            {
                "name": "P10–P90",
                "type": "line",
                "stack": "band",
                "symbol": "none",
                "lineStyle": {"opacity": 0},
                "areaStyle": {"opacity": 0.25},
                "data": [None if p.p10 is None or p.p90 is None else round(p.p90 - p.p10, 3) for p in points],
            },
            {"name": t("预测", "forecast"), "type": "line", "data": [p.forecast for p in points]},
            {
                "name": t("重新预测", "re-forecast"),
                "type": "line",
                "lineStyle": {"type": "dashed"},
                "data": [
                    refc[slot_of[p.interval_start]] if slot_of[p.interval_start] >= view["now_slot"] else None
                    for p in points
                ],
            },
            {"name": t("实际", "actual"), "type": "bar", "data": [p.actual for p in points]},
        ],
    }
    rvs = {
        "tooltip": {"trigger": "axis"},
        "legend": {
            "data": [t("需要", "required"), t("排班", "scheduled"), t("预计服务水平", "predicted SL")]
        },
        "xAxis": {"type": "category", "data": labels},
        "yAxis": [
            {"type": "value", "name": t("人", "agents")},
            {"type": "value", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}},
        ],
        "series": [
            {
                "name": t("需要", "required"),
                "type": "line",
                "step": "middle",
                "data": [p.required for p in points],
            },
            {"name": t("排班", "scheduled"), "type": "bar", "data": [p.scheduled for p in points]},
            {
                "name": t("预计服务水平", "predicted SL"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [
                    None if p.service_level is None else round(p.service_level * 100, 1) for p in points
                ],
            },
        ],
    }
    return fva, rvs


def _target(aht: Any, sl: Any, secs: Any) -> StaffingTarget:
    return StaffingTarget(
        aht_s=float(aht or 180), target_sl=float(sl or 80) / 100, target_s=float(secs or 20)
    )


@kefu_page("/forecast", "预测", "Forecast", roles=("admin", "supervisor"))
def forecast_page(user: UserOut, request: Request) -> None:
    with db_session() as session:
        shops = org_admin.shop_ids(session)
    params = request.query_params
    try:
        day: date = parse_day(params["day"]) if "day" in params else utc_now().astimezone(SHOP_TZ).date()
    except KefuError:
        day = utc_now().astimezone(SHOP_TZ).date()
    shop = params.get("shop") or (shops[0] if shops else "")
    skill = params.get("skill", "")
    try:
        tgt = _target(params.get("aht"), params.get("sl"), params.get("secs"))
    except ValueError:
        tgt = _target(None, None, None)
    with ui.row().classes("items-center gap-4 flex-wrap"):
        ui.label(t("话务预测与人力", "Forecast and staffing")).classes("text-2xl")
        shop_in = ui.select(shops, value=shop or None, label=t("店铺", "Shop")).props("dense outlined")
        skill_in = ui.input(t("技能组 (空=全部)", "Skill group (empty = all)"), value=skill).props(
            "dense outlined"
        )
        day_in = ui.input(t("日期", "Date"), value=day.isoformat()).props("dense outlined type=date")
        aht_in = ui.number(t("平均处理时长 (秒)", "AHT (s)"), value=tgt.aht_s, min=1).props("dense outlined")
        sl_in = ui.number(t("服务水平目标 %", "SL target %"), value=round(tgt.target_sl * 100), min=1, max=99)
        sl_in.props("dense outlined").classes("min-w-36")  # the label "服务水平目标 %" whole, not "服务水…"
        secs_in = ui.number(t("应答秒数", "answer within (s)"), value=tgt.target_s, min=0).props(
            "dense outlined"
        )

        def show() -> None:
            query = {
                "shop": shop_in.value or "",
                "skill": skill_in.value or "",
                "day": day_in.value,
                "aht": aht_in.value,
                "sl": sl_in.value,
                "secs": secs_in.value,
            }
            ui.navigate.to(f"/forecast?{urlencode(query)}")

        def compute() -> None:
            try:
                start = parse_day(str(day_in.value))
                form_tgt = _target(aht_in.value, sl_in.value, secs_in.value)
            except (KefuError, ValueError):
                ui.notify(t("请检查日期与目标", "check the date and targets"), type="warning")
                return

            def job(session: Any) -> int:
                pts = plan.forecast_shop(
                    session, str(shop_in.value), start, 7, skill=str(skill_in.value or "")
                )
                plan.requirement(
                    session, str(shop_in.value), start, 7, skill=str(skill_in.value or ""), target=form_tgt
                )
                return len(pts)

            if run(job) is not None:
                ui.notify(
                    t("已生成 7 天预测与人力需求", "7-day forecast and requirement stored"), type="positive"
                )
                show()

        ui.button(t("查看", "Show"), on_click=show).props("flat")
        ui.button(t("预测 7 天", "Forecast 7 days"), on_click=compute).props(
            'color=primary data-testid="fc-run"'
        )
    if not shop:
        ui.label(t("还没有店铺数据", "No shop yet")).classes("text-grey-7")
        return
    try:
        with db_session() as session:
            now = utc_now()
            view = plan.intraday(
                session,
                shop,
                day,
                now
                if now.astimezone(SHOP_TZ).date() == day
                else datetime(day.year, day.month, day.day, tzinfo=SHOP_TZ),
                skill=skill,
                target=_target(180, 80, 20),
            )
    except KefuError as exc:
        notify_error(exc)
        return
    points: list[Point] = view["points"]  # type: ignore[assignment]
    total_fc = sum(p.forecast or 0 for p in points)
    short = sum(max((p.required or 0) - (p.scheduled or 0), 0) for p in points)
    with ui.row().classes("gap-4 flex-wrap"):
        stat_card(t("预测量", "Forecast"), f"{total_fc:.0f}", "fc-total")
        stat_card(t("今日修正系数", "Today's multiplier"), f"{view['multiplier']:.2f}", "fc-mult")
        stat_card(t("缺口 (人·时段)", "Short (agent-intervals)"), str(short), "fc-short")
    fva, rvs = chart_options(view)
    with ui.row().classes("w-full gap-4 flex-nowrap max-lg:flex-wrap"):
        with ui.card().classes("w-full"):
            ui.label(t("预测与实际 (每时段)", "Forecast vs actual per interval")).classes("text-lg")
            ui.echart(fva).classes("h-72 w-full").props('data-testid="chart-fva"')
        with ui.card().classes("w-full"):
            ui.label(t("需要与排班 (每时段)", "Required vs scheduled per interval")).classes("text-lg")
            ui.echart(rvs).classes("h-72 w-full").props('data-testid="chart-rvs"')
    model_section(shop, skill, show)
    offers = view["offers"]
    if isinstance(offers, list) and offers:
        ui.label(t("建议", "Suggestions")).classes("text-lg")
        for o in offers:
            what = t("加班", "overtime") if o["kind"] == "overtime" else t("可安排休息", "breaks possible")
            ui.label(f"{o['start'][11:16]}–{o['end'][11:16]} {what}: {o['agents']}")
