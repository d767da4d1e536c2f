"""``/roster``: the month's roster grid (agents × days), agent totals, hand edits re-checked against the rules.

Thin: reads and edits go through :mod:`kefu.service.plan.actions_roster`. Agents see only
their own line; supervisors and admins see the shop and may edit a cell, after
which every hard rule is re-checked and the violations are listed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from nicegui import run as ng_run
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.org import actions_admin as org_admin
from kefu.service.org.schemas import UserOut
from kefu.service.plan import actions_roster as svc
from kefu.service.plan.schemas import RosterPlanOut, ShopMonth
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import ALL_ROLES, MANAGERS, kefu_page
from kefu.ui.widgets import notify_error, run


def _plan_and_store(shop: str, first: date) -> RosterPlanOut:
    """Forecast, staff and roster the month in a worker thread; one transaction."""
    with db_session() as session:
        return svc.plan_roster(ShopMonth(shop, first), time_limit=30.0, session=session)


def grid(user: UserOut, shop: str, year: int, month: int) -> dict[str, Any]:
    """Rows for the grid and totals tables, and the rule violations of the stored roster."""
    with db_session() as session:
        return svc.grid(session, user, shop, year, month).model_dump()


@kefu_page("/roster", "排班", "Roster", roles=ALL_ROLES)
def roster_page(user: UserOut) -> None:
    with db_session() as session:
        shops = org_admin.shop_ids(session)
    today = utc_now().astimezone(SHOP_TZ).date()
    with ui.row().classes("items-center gap-4"):
        shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop"),
                         on_change=lambda: body.refresh()).props('data-testid="roster-shop"')
        month = ui.input(t("月份 (YYYY-MM)", "Month (YYYY-MM)"), value=today.strftime("%Y-%m"),
                         on_change=lambda: body.refresh()).props('data-testid="roster-month"')
        if user.role in MANAGERS:

            async def plan_clicked() -> None:
                try:
                    year, mon = (int(x) for x in (month.value or "").split("-"))
                    first = date(year, mon, 1)
                except ValueError:
                    ui.notify(t("月份格式应为 YYYY-MM", "month must be YYYY-MM"), type="warning")
                    return
                button.disable()
                spinner.set_visibility(True)
                try:
                    done = await ng_run.io_bound(_plan_and_store, shop.value, first)
                    assert done is not None  # io_bound returns None only when the app is shutting down
                    changed = len(done.month.changed) if done.month else 0
                    ui.notify(t(f"已排班 {done.entries} 格, 需求覆盖率 {done.coverage_ratio:.1%} (上界 {done.bound:.1%}, "
                                f"差距 {done.gap:.1%}), 改动 {changed} 格",
                                f"rostered {done.entries} cells, requirement covered {done.coverage_ratio:.1%} (bound "
                                f"{done.bound:.1%}, gap {done.gap:.1%}), {changed} cells changed"),
                              type="positive")
                except KefuError as exc:
                    notify_error(exc)
                finally:
                    button.enable()
                    spinner.set_visibility(False)
                body.refresh()

            button = ui.button(t("按预测自动排班", "Plan this month from the forecast"), on_click=plan_clicked).props(
                'data-testid="roster-plan"')
            spinner = ui.spinner(size="md")
            spinner.set_visibility(False)

    @ui.refreshable
    def body() -> None:
        try:
            year, mon = (int(x) for x in (month.value or "").split("-"))
            date(year, mon, 1)
        except ValueError:
            ui.label(t("月份格式应为 YYYY-MM", "month must be YYYY-MM")).classes("text-negative")
            return
        if not shop.value:
            ui.label(t("还没有店铺", "no shop yet"))
            return
        data = grid(user, shop.value, year, mon)
        cols = [{"name": "agent", "label": t("客服", "Agent"), "field": "agent", "align": "left"}]
        cols += [{"name": f"d{d}", "label": str(d), "field": f"d{d}"} for d in range(1, data["days"] + 1)]
        ui.table(columns=cols, rows=data["rows"], row_key="agent").classes("w-full").props(
            'dense flat bordered data-testid="roster-grid"')
        tcols = [("agent", "客服", "Agent"), ("hours", "工时", "Hours"), ("workdays", "上班", "Workdays"),
                 ("nights", "夜班", "Nights"), ("weekend_days", "周末", "Weekend days"), ("rest_days", "休息", "Rest")]
        ui.table(columns=[{"name": f, "label": t(zh, en), "field": f, "align": "left"} for f, zh, en in tcols],
                 rows=data["totals"], row_key="agent").props('dense flat data-testid="roster-totals"')
        if data["violations"]:
            with ui.card().classes("p-4").props('data-testid="roster-violations"'):
                ui.label(t("违反规则", "Rule violations")).classes("font-bold text-negative")
                for v in data["violations"]:
                    ui.label(f"{v['agent']} {v['day'] or ''}: {t(v['message'], v['message_en'])}")
        else:
            ui.label(t("所有硬性规则均满足", "all hard rules hold")).props('data-testid="roster-ok"')
        if user.role in MANAGERS and data["agents"]:
            with ui.card().classes("p-4"):
                ui.label(t("修改一格", "Edit a cell")).classes("font-bold")
                who = ui.select(data["agents"], value=data["agents"][0], label=t("客服", "Agent"))
                day = ui.number(t("日", "Day"), value=1, min=1, max=data["days"], format="%d")
                code = ui.select(["", *data["shifts"]], value="", label=t("班次 (空=休息)", "Shift (empty = rest)"))

                def save() -> None:
                    d = date(year, mon, int(day.value or 1))
                    run(svc.set_cell, shop.value, who.value, d, code.value or "")  # errors become a notice
                    body.refresh()

                ui.button(t("保存并检查规则", "Save and re-check"), on_click=save).props(
                    'data-testid="roster-save"')

    body()
