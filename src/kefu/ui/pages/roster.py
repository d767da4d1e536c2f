"""``/roster``: the month a 客服主管 signs — grid, head-count, totals, quality of the plan, downloads and controls.

Thin: the board is one read (:func:`kefu.service.plan.actions_board.board`); 按预测自动排班 runs
the one month-planning action ``kefu roster plan-month`` runs (``actions_roster.plan_roster``
with a :class:`ShopMonth`) in a worker thread while a progress bar shows the stage and the
time used; the Excel and ICS buttons send the files ``kefu roster export`` writes. Agents see
only their own line; supervisors and admins edit a cell (the rules are re-checked at once),
set contracts, fairness tolerances and the rotation, and re-plan, after which the cells the
plan changed are ringed and listed.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from nicegui import run as ng_run
from nicegui import ui

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.org import actions_admin as org_admin
from kefu.service.org.schemas import UserOut
from kefu.service.plan import actions_board, actions_month
from kefu.service.plan import actions_roster as svc
from kefu.service.plan.schemas import RosterPlanOut, ShopMonth
from kefu.service.plan.schemas_board import RosterBoardOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import ALL_ROLES, MANAGERS, kefu_page
from kefu.ui.pages import roster_controls, roster_grid
from kefu.ui.widgets import notify_error, stat_card, testid

TIME_LIMITS = {10: "10 秒 / s", 30: "30 秒 / s", 60: "60 秒 / s"}


def _plan_and_store(shop: str, first: date, limit: float, by: str, state: dict[str, Any], afresh: bool) -> RosterPlanOut:
    """Forecast, staff and roster the month in a worker thread; one transaction (the CLI's action)."""

    def progress(_elapsed: float, score: float) -> None:
        state["score"] = score

    with db_session() as session:
        return svc.plan_roster(ShopMonth(shop, first, afresh=afresh), time_limit=limit, session=session, progress=progress, by=by)


def _board(user: UserOut, shop: str, month: str) -> RosterBoardOut:
    with db_session() as session:
        return actions_board.board(session, user, shop, month)


def _download(shop: str, month: str, kind: str) -> None:
    """The file ``kefu roster export --out F<kind>`` writes, sent to the browser."""
    with db_session() as session:
        name, body = actions_month.export_bytes(session, shop, month, kind)
    ui.download.content(body, name)


@kefu_page("/roster", "排班", "Roster", roles=ALL_ROLES)
def roster_page(user: UserOut) -> None:
    with db_session() as session:
        shops = org_admin.shop_ids(session)
    today = utc_now().astimezone(SHOP_TZ).date()
    manager = user.role in MANAGERS
    state: dict[str, Any] = {"running": False, "t0": 0.0, "score": None, "limit": 30}
    with ui.row().classes("items-center gap-4 w-full"):
        shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop"),
                         on_change=lambda: body.refresh()).props('data-testid="roster-shop"').classes("w-40")
        month = ui.input(t("月份 (YYYY-MM)", "Month (YYYY-MM)"), value=today.strftime("%Y-%m"),
                         on_change=lambda: body.refresh()).props('data-testid="roster-month"').classes("w-36")
        if manager:
            limit = ui.select(TIME_LIMITS, value=30, label=t("求解时限", "Time limit")).props(
                'data-testid="roster-limit"').classes("w-32")
            button = ui.button(t("按预测自动排班", "Plan this month from the forecast"), icon="auto_fix_high").props(
                'data-testid="roster-plan"')
            afresh = ui.checkbox(t("从头重排", "Plan afresh")).props('data-testid="roster-afresh"').tooltip(
                t("仅限未开始的月份; 不勾选: 在已保存的排班上做最少改动",
                  "a month not yet begun only; unticked: change the stored roster as little as possible"))
            # short labels, the full name in the tooltip: the whole control row fits 1440 px on one line
            ui.button("Excel", icon="table_view", on_click=lambda: _safe_download(".xlsx")).props(
                'outline data-testid="roster-xlsx"').tooltip(t("下载本月排班 Excel", "Download the month as Excel"))
            ui.button("ICS", icon="event", on_click=lambda: _safe_download(".ics")).props(
                'outline data-testid="roster-ics"').tooltip(t("下载日历 ICS (导入手机日历)", "Download the calendar (ICS)"))
    with ui.row().classes("items-center gap-3 w-full") as progress_row:
        bar = ui.linear_progress(value=0, show_value=False).classes("w-96").props('data-testid="roster-progress"')
        stage = ui.label("").props('data-testid="roster-stage"')
    progress_row.set_visibility(False)
    infeasible = ui.card().classes("w-full p-4 bg-red-1").props('data-testid="roster-infeasible"')
    infeasible.set_visibility(False)

    def month_text() -> str | None:
        try:
            return f"{actions_month.month_first(month.value or ''):%Y-%m}"
        except KefuError:
            return None

    def _safe_download(kind: str) -> None:
        m = month_text()
        if m is None or not shop.value:
            ui.notify(t("月份格式应为 YYYY-MM", "month must be YYYY-MM"), type="warning")
            return
        try:
            _download(shop.value, m, kind)
        except KefuError as exc:
            notify_error(exc)

    def tick() -> None:
        if not state["running"]:
            return
        used = time.monotonic() - state["t0"]
        bar.set_value(min(0.99, used / (state["limit"] + 10)))
        what = t("预测需求并求解", "forecasting and solving") if state["score"] is None else t("求解中", "solving")
        stage.set_text(t(f"{what}: 已用 {used:.0f} 秒 (时限 {state['limit']} 秒)",
                         f"{what}: {used:.0f} s used (limit {state['limit']} s)"))

    ui.timer(0.5, tick)

    async def plan_clicked() -> None:
        m = month_text()
        if m is None or not shop.value:
            ui.notify(t("月份格式应为 YYYY-MM", "month must be YYYY-MM"), type="warning")
            return
        state.update(running=True, t0=time.monotonic(), score=None, limit=int(limit.value or 30))
        bar.set_value(0)
        stage.set_text(t("开始排班…", "starting…"))
        button.disable()
        progress_row.set_visibility(True)
        infeasible.set_visibility(False)
        try:
            done = await ng_run.io_bound(_plan_and_store, shop.value, actions_month.month_first(m),
                                         float(state["limit"]), user.username, state, bool(afresh.value))  # fmt: skip
            assert done is not None  # io_bound returns None only when the app is shutting down
            changed = len(done.month.changed) if done.month else 0
            bound, gap = _proven(done.bound, True), _proven(done.gap, True)
            ui.notify(t(f"已排班: 需求覆盖率 {done.coverage_ratio:.1%} (上界 {bound}, 差距 {gap}), 改动 {changed} 格",
                        f"planned: coverage {done.coverage_ratio:.1%} (bound {bound}, gap {gap}), "
                        f"{changed} cells changed"), type="positive")  # fmt: skip
        except KefuError as exc:
            if exc.code is ErrorCode.ROSTER_INFEASIBLE:
                _explain(infeasible, exc)
            else:
                notify_error(exc)
        finally:
            state["running"] = False
            button.enable()
            progress_row.set_visibility(False)
        body.refresh()

    if manager:
        button.on_click(plan_clicked)

    @ui.refreshable
    def body() -> None:
        m = month_text()
        if m is None:
            ui.label(t("月份格式应为 YYYY-MM", "month must be YYYY-MM")).classes("text-negative")
            return
        if not shop.value:
            ui.label(t("还没有店铺", "no shop yet"))
            return
        data = _board(user, shop.value, m)
        _summary(data)
        roster_grid.month_grid(data, _fill_edit if manager else None)
        roster_grid.legend(data)
        _checks(data)
        roster_grid.totals_table(data)
        if manager:
            roster_controls.controls(user, data, body.refresh, edit)

    edit: dict[str, Any] = {}

    def _fill_edit(agent: str, day: int) -> None:
        if "who" in edit:
            edit["who"].set_value(agent)
            edit["day"].set_value(day)

    body()


def _explain(card: ui.card, exc: KefuError) -> None:
    """Why no roster exists: each agent and the rules that clash for them (the engine's minimal conflicts)."""
    card.clear()
    text = t(exc.message, exc.message_en)
    head, _, parts = text.partition(": ")
    with card:
        ui.label(head).classes("font-bold text-negative")
        for part in parts.split("; ") if parts else []:
            ui.label(part)
    card.set_visibility(True)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.1%}"


def _proven(v: float | None, planned: bool) -> str:
    """A plan's bound or gap: "未证明 / not proven" when the plan proved no bound in its time (never 100 %)."""
    if v is None and planned:
        return t("未证明", "not proven")
    return _pct(v)


def _summary(data: RosterBoardOut) -> None:
    """The plan's quality (coverage, LP bound, gap), the stored roster's coverage now, violations and edits."""
    plan = data.plan
    with ui.row().classes("gap-3 w-full"):
        stat_card(t("当前覆盖率", "Covered now"), _pct(data.covered), "roster-covered",
                  t("已保存的排班, 扣除休息", "stored roster, after breaks"))
        stat_card(t("排班覆盖率", "Plan coverage"), _pct(plan.coverage if plan else None), "roster-coverage",
                  t(f"{plan.at} 排班", f"planned {plan.at}") if plan else t("本月尚未自动排班", "not planned yet"))
        stat_card(t("LP 上界", "LP bound"), _proven(plan.bound if plan else None, plan is not None), "roster-bound",
                  t("合规排班到不了更高 (时限内未能证明时显示未证明)", "no legal roster covers more (not proven: none in time)"))
        stat_card(t("差距", "Gap"), _proven(plan.gap if plan else None, plan is not None), "roster-gap",
                  t("离最优最多差多少", "how far from the best possible"))
        stat_card(t("违规", "Violations"), str(len(data.violations)), "roster-violation-count",
                  t(f"手工修改 {plan.edits_since} 格 (排班后)", f"{plan.edits_since} cells edited since")
                  if plan else "")
    if data.provisional_years:
        ui.label(t(f"{data.provisional_years} 年的法定节假日尚未公布, 节假日标记为推算",
                   f"the statutory holidays of {data.provisional_years} are not announced yet; marks are estimated")
                 ).classes("text-warning text-sm")


def _checks(data: RosterBoardOut) -> None:
    """The stored roster's rule check and what the last re-plan changed."""
    if data.violations:
        with ui.card().classes("p-4 w-full").props('data-testid="roster-violations"'):
            ui.label(t(f"违反规则 {len(data.violations)} 条", f"{len(data.violations)} rule violations")).classes(
                "font-bold text-negative")
            for v in data.violations[:50]:
                ui.label(f"{v.agent} {v.day or ''}: {t(v.message, v.message_en)}")
    elif data.rows and any(any(r.cells) for r in data.rows):
        ui.label(t("所有硬性规则均满足", "all hard rules hold")).classes("text-positive").props(
            'data-testid="roster-ok"')
    plan = data.plan
    if plan is None or not plan.replan:
        return
    title = t(f"上次重排改动 {len(plan.changed)} 格 (橙框)", f"the last re-plan changed {len(plan.changed)} cells (ringed)")
    if not plan.changed:
        testid(ui.label(t("上次重排未改动任何格", "the last re-plan changed no cell")), "roster-changed")
        return
    box = testid(ui.expansion(title, value=len(plan.changed) <= 40), "roster-changed").classes("w-full")
    with box, ui.row().classes("gap-x-6 gap-y-0"):
        for c in plan.changed:
            ui.label(f"{c.agent} {c.date}: {c.before or t('休', 'off')} → {c.after or t('休', 'off')}")

