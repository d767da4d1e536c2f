"""The roster page's supervisor controls: edit a cell (rules re-checked), contracts, fairness and rotation.

Each control calls one service action in one transaction (a ``KefuError`` becomes a notice and
nothing is stored) and then redraws the board, so the grid, totals and violations show the
effect at once. The contract and fairness values are what the next 按预测自动排班 plans with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.service.org.schemas import UserOut
from kefu.service.plan import actions_policy
from kefu.service.plan import actions_roster as svc
from kefu.service.plan.schemas_board import RosterBoardOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.widgets import notify_error

ROTATIONS = {"weekly": "一周白班一周晚班 / week on, week off", "blocks": "整周同一班次 / whole weeks",
             "free": "不限 / free"}  # fmt: skip


def _stored(action: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
    """Run a service action in one transaction; False (and a notice) when it refused."""
    try:
        with db_session() as session:
            action(session, *args, **kwargs)
    except KefuError as exc:
        notify_error(exc)
        return False
    return True


def _int(value: Any) -> int | None:
    """An optional number box as an int (empty = no bound)."""
    return None if value is None or value == "" else int(value)


def controls(user: UserOut, data: RosterBoardOut, refresh: Callable[[], None], edit: dict[str, Any]) -> None:
    with ui.row().classes("w-full gap-4 items-start"):
        _cell_editor(user, data, refresh, edit)
        _contract_editor(user, data, refresh)
        _fairness_editor(user, data, refresh)


def _cell_editor(user: UserOut, data: RosterBoardOut, refresh: Callable[[], None], edit: dict[str, Any]) -> None:
    """One cell by hand (click a cell in the grid to pick it); every hard rule is re-checked after saving."""
    agents = [r.agent for r in data.rows]
    if not agents:
        return
    first = date.fromisoformat(f"{data.month}-01")
    with ui.card().classes("p-4 w-80"):
        ui.label(t("修改一格 (点击表格中的格子选择)", "Edit a cell (click one in the grid)")).classes("font-bold")
        who = ui.select(agents, value=agents[0], label=t("客服", "Agent")).props('data-testid="roster-edit-agent"')
        day = ui.number(t("日", "Day"), value=1, min=1, max=data.days, format="%d").props(
            'data-testid="roster-edit-day"')
        code = ui.select({"": t("休息", "rest"), **{s.code: s.code for s in data.shifts}}, value="",
                         label=t("班次", "Shift")).props('data-testid="roster-edit-shift"')
        edit.update(who=who, day=day)

        def save() -> None:
            when = first.replace(day=int(day.value or 1))
            if _stored(svc.set_cell, data.shop, who.value, when, code.value or "", by=user.username):
                ui.notify(t(f"已保存 {who.value} {when}, 已重新检查规则", f"saved {who.value} {when}; rules re-checked"))
                refresh()

        ui.button(t("保存并检查规则", "Save and re-check"), on_click=save).props('data-testid="roster-save"')


def _contract_editor(user: UserOut, data: RosterBoardOut, refresh: Callable[[], None]) -> None:
    """An agent's working days and paid hours per month; no days = full time (the month less the rest days)."""
    agents = [r.agent for r in data.rows]
    if not agents:
        return
    with db_session() as session:
        current = {c.agent: c for c in actions_policy.contracts(session, data.shop)}
    with ui.card().classes("p-4 w-[26rem]"):
        ui.label(t("合同 (每月; 留空 = 不限, 天数都空 = 全职)", "Contract per month (empty = no bound)")).classes(
            "font-bold")
        who = ui.select(agents, value=agents[0], label=t("客服", "Agent")).props('data-testid="contract-agent"')
        with ui.grid(columns=2).classes("gap-2 w-full"):
            lo_d = ui.number(t("最少天数", "Min days"), min=0, max=31, format="%d").props('data-testid="contract-min-days"')
            hi_d = ui.number(t("最多天数", "Max days"), min=0, max=31, format="%d").props('data-testid="contract-max-days"')
            lo_h = ui.number(t("最少工时", "Min hours"), min=0, max=744, format="%d").props(
                'data-testid="contract-min-hours"')
            hi_h = ui.number(t("最多工时", "Max hours"), min=0, max=744, format="%d").props(
                'data-testid="contract-max-hours"')

        def show(agent: str | None) -> None:
            c = current.get(agent or "")
            if c is None:
                return
            for box, value in ((lo_d, c.min_days), (hi_d, c.max_days), (lo_h, c.min_hours), (hi_h, c.max_hours)):
                box.set_value(value)

        who.on_value_change(lambda e: show(e.value))
        show(who.value)

        def save() -> None:
            values = {"min_days": _int(lo_d.value), "max_days": _int(hi_d.value), "min_hours": _int(lo_h.value),
                      "max_hours": _int(hi_h.value)}  # fmt: skip
            if _stored(actions_policy.save_contract, data.shop, who.value, values, by=user.username):
                ui.notify(t(f"已保存 {who.value} 的合同; 下次排班生效", f"contract of {who.value} saved; used by the next plan"))
                refresh()

        ui.button(t("保存合同", "Save contract"), on_click=save).props('data-testid="contract-save"')


def _fairness_editor(user: UserOut, data: RosterBoardOut, refresh: Callable[[], None]) -> None:
    """Spreads tolerated among agents on the same contract, and the 白/晚 rotation (next plan on)."""
    with db_session() as session:
        now = actions_policy.fairness(session, data.shop)
    with ui.card().classes("p-4 w-[30rem]"):
        ui.label(t("公平与轮换 (同合同客服之间的最大差)", "Fairness and rotation (spread among equal contracts)")).classes(
            "font-bold")
        version = t(f"当前: 第 {now.version} 版 ({now.saved_by})", f"current: version {now.version} ({now.saved_by})")
        ui.label(version if now.version else t("当前: 内置默认", "current: the defaults")).classes(
            "text-xs text-grey-7").props('data-testid="fair-version"')
        with ui.grid(columns=2).classes("gap-2 w-full"):
            hours = ui.number(t("工时差 (小时)", "Hours"), value=now.hours, min=0,
                              max=200).props('data-testid="fair-hours"')
            nights = ui.number(t("晚班/夜班差", "Late shifts"), value=now.nights, min=0, max=31,
                               format="%d").props('data-testid="fair-nights"')
            weekends = ui.number(t("周末天数差", "Weekend days"), value=now.weekends, min=0, max=31, format="%d").props(
                'data-testid="fair-weekends"')
            holidays = ui.number(t("法定节假日差", "Holidays"), value=now.holidays, min=0, max=31, format="%d").props(
                'data-testid="fair-holidays"')
        ui.label(t("工时留空 = 一个班的工时; 其他留空 = 不平衡", "empty hours = one shift; other empty = not balanced")
                 ).classes("text-xs text-grey-7")
        rotation = ui.select(ROTATIONS, value=now.rotation, label=t("轮换", "Rotation")).classes("w-full").props(
            'data-testid="fair-rotation"')

        def save() -> None:
            values = {"hours": None if hours.value in (None, "") else float(hours.value), "nights": _int(nights.value),
                      "weekends": _int(weekends.value), "holidays": _int(holidays.value), "rotation": rotation.value}
            if _stored(actions_policy.save_fairness, data.shop, values, by=user.username):
                ui.notify(t("已保存; 下次排班生效", "saved; used by the next plan"))
                refresh()

        ui.button(t("保存公平设置", "Save fairness"), on_click=save).props('data-testid="fair-save"')
