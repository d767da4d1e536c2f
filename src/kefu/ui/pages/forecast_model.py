"""The forecast page's model section: the chosen model, its backtest against the baselines, the
shop's holiday calendar and its special days (editable, with their learned effects).

Thin: reads and writes go through :mod:`kefu.service.plan.actions_settings`; the
choice and the backtest are those of the last "预测" run (kept by
:func:`kefu.service.plan.actions.forecast_shop`). User text is shown as plain labels
and table cells, never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from kefu.domain.timeutil import parse_day
from kefu.service.plan import actions_settings as forecast_shop
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.widgets import run

KIND_LABELS = {
    "promotion": ("促销", "promotion"),
    "presale": ("预售夜", "pre-sale night"),
    "outage": ("故障/停机", "outage"),
    "price": ("调价", "price change"),
    "other": ("其他", "other"),
}


def report_rows(report: forecast_shop.ForecastReport) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of the two tables: backtest folds (ours vs baselines) and the candidates' selection scores."""
    folds = [
        {
            "fold": f.fold,
            "chosen": f.chosen,
            "ours": f"{f.wape:.1%}",
            "snaive": f"{f.snaive:.1%}",
            "avg4": f"{f.avg4:.1%}",
            "ratio": f"{f.wape / min(f.snaive, f.avg4):.2f}" if min(f.snaive, f.avg4) > 0 else "–",
            "cover": f"{f.coverage80:.0%}",
        }
        for f in report.folds
    ]
    selection = [
        {"name": c.name, "wape": f"{c.wape:.2%}", "members": " + ".join(c.members)} for c in report.selection
    ]
    return folds, selection


def model_section(shop: str, skill: str, reload: Callable[[], None]) -> None:
    with db_session() as session:
        current = forecast_shop.settings(session, shop)
    report = current.reports.get(skill)
    with ui.card().classes("w-full"):
        ui.label(t("模型与回测", "Model and backtest")).classes("text-lg")
        if report is None:
            ui.label(t("还没有运行预测", "No forecast run yet")).classes("text-grey-7")
        else:
            chosen = report.chosen + (f" = {' + '.join(report.members)}" if len(report.members) > 1 else "")
            ui.label(
                t(
                    f"{report.start} 起的预测所用模型: {chosen}",
                    f"model of the forecast from {report.start}: {chosen}",
                )
            ).props('data-testid="fc-model"')
            folds, selection = report_rows(report)
            cols = [
                {"name": k, "label": label, "field": k}
                for k, label in (
                    ("fold", t("回测周", "fold")),
                    ("chosen", t("所选", "chosen")),
                    ("ours", t("本模型 WAPE", "ours WAPE")),
                    ("snaive", t("上周同时段", "snaive")),
                    ("avg4", t("近4周同时段均值", "avg of 4 weeks")),
                    ("ratio", t("比值", "ratio")),
                    ("cover", t("P10–P90 覆盖", "P10–P90 cover")),
                )
            ]
            ui.table(columns=cols, rows=folds, row_key="fold").props('dense flat data-testid="fc-folds"')
            sel_cols = [
                {"name": "name", "label": t("候选", "candidate"), "field": "name"},
                {"name": "wape", "label": "WAPE", "field": "wape"},
                {"name": "members", "label": t("组合", "members"), "field": "members"},
            ]
            ui.table(columns=sel_cols, rows=selection[:8], row_key="name").props(
                'dense flat data-testid="fc-selection"'
            )
    with ui.card().classes("w-full"):
        ui.label(t("节假日日历与特殊日", "Holiday calendar and special days")).classes("text-lg")
        with ui.row().classes("items-center gap-2"):
            cal_in = ui.input(
                t("日历 (CN / none / AU-VIC / US …)", "calendar (CN / none / AU-VIC / US …)"),
                value=current.calendar,
            )
            cal_in.props('dense outlined data-testid="fc-calendar"')

            def save_calendar() -> None:
                if run(forecast_shop.set_calendar, shop, str(cal_in.value or "")) is not None:
                    ui.notify(t("已保存", "saved"), type="positive")

            ui.button(t("保存日历", "Save calendar"), on_click=save_calendar).props("flat")
        rows = [
            {
                "day": d.day.isoformat(),
                "name": d.name,
                "kind": t(*KIND_LABELS.get(d.kind, (d.kind, d.kind))),
                "effect": "–" if d.effect is None else f"×{d.effect:.2f}",
            }
            for d in current.special_days
        ]
        cols = [
            {"name": "day", "label": t("日期", "day"), "field": "day"},
            {"name": "name", "label": t("名称", "name"), "field": "name"},
            {"name": "kind", "label": t("类型", "kind"), "field": "kind"},
            {"name": "effect", "label": t("学到的影响", "learned effect"), "field": "effect"},
        ]
        table = ui.table(columns=cols, rows=rows, row_key="day", selection="single")
        table.props('dense flat data-testid="fc-special-days"')
        with ui.row().classes("items-center gap-2"):
            day_in = ui.input(t("日期", "Date")).props("dense outlined type=date")
            name_in = ui.input(t("名称 (同名共享效果)", "Name (same name, same effect)")).props(
                'dense outlined data-testid="fc-special-name"'
            )
            kind_in = ui.select({k: t(*v) for k, v in KIND_LABELS.items()}, value="promotion").props(
                "dense outlined"
            )

            def add() -> None:
                try:
                    day = parse_day(str(day_in.value or ""))
                except Exception:  # any unreadable date is the same user error
                    ui.notify(t("请选择日期", "pick a date"), type="warning")
                    return
                if run(
                    forecast_shop.set_special_day, shop, day, str(name_in.value or ""), str(kind_in.value)
                ):
                    reload()

            def remove() -> None:
                if not table.selected:
                    ui.notify(t("请先选中一行", "select a row first"), type="warning")
                    return
                if run(forecast_shop.remove_special_day, shop, parse_day(table.selected[0]["day"])):
                    reload()

            ui.button(t("添加特殊日", "Add special day"), on_click=add).props(
                'color=primary data-testid="fc-special-add"'
            )
            ui.button(t("删除选中", "Delete selected"), on_click=remove).props("flat color=negative")
