"""``/settings``: agents, shift templates and (admins) accounts, edited in place.

Supervisors edit the agents of their own team (a team-less supervisor: all);
accounts are for admins only. Each save is one service call in one transaction;
a refusal is shown as a notice and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from kefu.service.org import actions as org
from kefu.service.org import actions_admin as org_admin
from kefu.service.org.schemas import AccountPasswordOut, ShiftOut, UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import MANAGERS, kefu_page, role_name
from kefu.ui.widgets import run, status_label, testid


def _agents_tab(user: UserOut) -> None:
    team = user.team if user.role == "supervisor" and user.team else None

    @ui.refreshable
    def table() -> None:
        with db_session() as session:
            rows = org_admin.list_agents(session, team)
        columns = [
            {"name": "id", "label": t("编号", "ID"), "field": "id", "align": "left"},
            {"name": "name", "label": t("姓名", "Name"), "field": "name", "align": "left"},
            {"name": "team", "label": t("团队", "Team"), "field": "team", "align": "left"},
            {"name": "skills", "label": t("技能组", "Skills"), "field": "skills_text", "align": "left"},
            {"name": "capacity", "label": t("接待上限", "Capacity"), "field": "capacity"},
            {"name": "status", "label": t("状态", "Status"), "field": "status_text"},
            {"name": "active", "label": t("在职", "Active"), "field": "active_text"},
        ]
        data = [{**r.__dict__, "skills_text": " / ".join(r.skills), "status_text": status_label(r.status),
                 "active_text": t("是", "yes") if r.active else t("否", "no")} for r in rows]
        grid = ui.table(columns=columns, rows=data, row_key="id", selection="single").classes("w-full").props(
            'dense flat data-testid="agents-table"')
        grid.on("selection", lambda e: fill(e.args["rows"][0] if e.args.get("rows") else None))

    def fill(row: dict[str, Any] | None) -> None:
        if row is None:
            return
        aid.value, name.value, team_in.value = row["id"], row["name"], row["team"]
        skills.value, capacity.value, active.value = row["skills"], row["capacity"], row["active"]

    def save() -> None:
        chosen_team = team if team is not None else (team_in.value or "")
        saved = run(org_admin.save_agent, aid.value or "", name=name.value or "", team=chosen_team,
                    skills=list(skills.value or []), capacity=int(capacity.value or 0), active=bool(active.value),
                    actor=user.username, only_team=team)
        if saved is not None:
            ui.notify(t(f"已保存客服 {saved.id}", f"saved agent {saved.id}"), type="positive")
            table.refresh()

    table()
    with ui.card().classes("w-full p-4"):
        ui.label(t("新增或修改客服 (选中表格行可编辑)", "Add or edit an agent (select a row to edit)"))
        with ui.row().classes("items-end gap-3 flex-wrap"):
            aid = ui.input(t("编号", "ID")).props('dense outlined data-testid="agent-id"')
            name = ui.input(t("姓名", "Name")).props('dense outlined data-testid="agent-name"')
            team_in = ui.input(t("团队", "Team"), value=team or "").props("dense outlined")
            if team is not None:
                team_in.disable()
            skills = ui.select(list(org_admin.KNOWN_SKILLS), multiple=True, value=["售前"],
                               label=t("技能组", "Skills")).props("dense outlined").classes("w-48")
            capacity = ui.number(t("接待上限", "Capacity"), value=5, min=1, max=50, step=1).props(
                'dense outlined data-testid="agent-capacity"').classes("w-28")
            active = ui.checkbox(t("在职", "Active"), value=True)
            ui.button(t("保存", "Save"), on_click=save).props('data-testid="agent-save"')


def shift_row(r: ShiftOut, remove: Callable[[int], None]) -> ui.row:
    """One stored shift: its code is shown as text and used only as the value of the test id."""
    with testid(ui.row().classes("items-center gap-4"), f"shift-{r.code}") as row:
        ui.label(f"{r.shop_id} · {r.code}").classes("w-40 font-medium")
        ui.label(f"{r.start} – {r.end}").classes("w-32")
        ui.label(" ".join(x for x, on in ((t("夜班", "night"), r.night), (t("晚班", "evening"), r.evening))
                          if on)).classes("w-24")
        ui.button(icon="delete", on_click=lambda sid=r.id: remove(sid)).props("flat dense color=negative")
    return row


def _shifts_tab(user: UserOut) -> None:
    with db_session() as session:
        shops = org_admin.shop_ids(session)

    @ui.refreshable
    def table() -> None:
        with db_session() as session:
            rows = org_admin.list_shifts(session)
        for r in rows:
            shift_row(r, remove)
        if not rows:
            ui.label(t("还没有班次", "No shifts yet")).classes("text-grey-6")

    def remove(shift_id: int) -> None:
        run(org_admin.delete_shift, shift_id, actor=user.username)
        table.refresh()

    def save() -> None:
        saved = run(org_admin.save_shift, shop.value or "", code.value or "", start.value or "", end.value or "",
                    night=bool(night.value), evening=bool(evening.value), actor=user.username)
        if saved is not None:
            ui.notify(t(f"已保存班次 {saved.code}", f"saved shift {saved.code}"), type="positive")
            table.refresh()

    table()
    with ui.card().classes("w-full p-4"), ui.row().classes("items-end gap-3 flex-wrap"):
        shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop")).props(
            "dense outlined").classes("w-40")
        code = ui.input(t("班次代码", "Code")).props('dense outlined data-testid="shift-code"')
        start = ui.input(t("上班 HH:MM", "Start HH:MM"), value="09:00").props(
            'dense outlined data-testid="shift-start"').classes("w-32")
        end = ui.input(t("下班 HH:MM", "End HH:MM"), value="16:30").props(
            'dense outlined data-testid="shift-end"').classes("w-32")
        night = ui.checkbox(t("夜班", "Night"))
        evening = ui.checkbox(t("晚班", "Evening"))
        ui.button(t("保存", "Save"), on_click=save).props('data-testid="shift-save"')


def _accounts_tab(user: UserOut) -> None:
    @ui.refreshable
    def table() -> None:
        with db_session() as session:
            rows = org.list_users(session)
        for r in rows:
            with ui.row().classes("items-center gap-4"):
                ui.label(r.username).classes("w-32 font-medium")
                ui.label(role_name(r.role)).classes("w-20")
                ui.label(r.agent_id or "").classes("w-20")
                ui.label(r.team).classes("w-20")
                if r.id != user.id:
                    ui.switch(t("启用", "active"), value=r.active,
                              on_change=lambda e, uid=r.id: run(org.set_active, uid, bool(e.value)))
                    ui.button(t("重置密码", "Reset password"),
                              on_click=lambda uid=r.id, name=r.username: confirm_reset(uid, name)).props(
                        "flat dense no-caps")

    def show_password(made: AccountPasswordOut) -> None:
        """The new password once, for the admin to hand over; its owner must change it at sign-in."""
        with ui.dialog() as dialog, ui.card().classes("gap-2"):
            ui.label(t(f"{made.username} 的临时密码 (仅显示一次, 首次登录须修改):",
                       f"Temporary password of {made.username} (shown once; must be changed at sign-in):"))
            ui.label(made.generated_password).classes("font-mono text-lg").props('data-testid="new-password"')
            ui.button(t("关闭", "Close"), on_click=dialog.close)
        dialog.open()

    def confirm_reset(user_id: int, username: str) -> None:
        def reset() -> None:
            dialog.close()
            made = run(org.reset_password, user_id=user_id)
            if made is not None:
                show_password(made)

        with ui.dialog() as dialog, ui.card().classes("gap-2"):
            ui.label(t(f"重置 {username} 的密码? 其所有会话立即失效。",
                       f"Reset the password of {username}? All their sessions end at once."))
            with ui.row():
                ui.button(t("重置", "Reset"), on_click=reset).props("color=negative")
                ui.button(t("取消", "Cancel"), on_click=dialog.close).props("flat")
        dialog.open()

    def add() -> None:
        made = run(org.add_user, username.value or "", password.value or None, role.value or "agent",
                   agent_id=agent.value or None, team=team.value or "")
        if made is not None:
            ui.notify(t(f"已创建账号 {made.username}", f"created {made.username}"), type="positive")
            password.value = ""
            table.refresh()
            if made.generated_password:
                show_password(made)

    table()
    with ui.card().classes("w-full p-4"), ui.row().classes("items-end gap-3 flex-wrap"):
        username = ui.input(t("用户名", "Username")).props("dense outlined")
        password = ui.input(t("初始密码 (至少 10 位; 留空则生成)", "First password (10+; empty: generated)"),
                            password=True).props("dense outlined")
        role = ui.select({r: role_name(r) for r in ("agent", "supervisor", "admin")}, value="agent",
                         label=t("角色", "Role")).props("dense outlined").classes("w-32")
        agent = ui.input(t("客服编号", "Agent ID")).props("dense outlined").classes("w-32")
        team = ui.input(t("团队", "Team")).props("dense outlined").classes("w-32")
        ui.button(t("创建账号", "Create account"), on_click=add)


@kefu_page("/settings", "设置", "Settings", roles=MANAGERS)
def settings_page(user: UserOut) -> None:
    with ui.tabs().classes("w-full") as tabs:
        agents_tab = ui.tab(t("客服", "Agents"))
        shifts_tab = ui.tab(t("班次", "Shifts"))
        accounts_tab = ui.tab(t("账号", "Accounts")) if user.role == "admin" else None
    with ui.tab_panels(tabs, value=agents_tab).classes("w-full"):
        with ui.tab_panel(agents_tab):
            _agents_tab(user)
        with ui.tab_panel(shifts_tab):
            _shifts_tab(user)
        if accounts_tab is not None:
            with ui.tab_panel(accounts_tab):
                _accounts_tab(user)
    with ui.row().classes("gap-4 text-sm"):
        ui.label(t("其他设置:", "More settings:"))
        ui.link(t("跟进规则 (任务)", "follow-up rules (tasks)"), "/settings/rules?tab=followup").props(
            'data-testid="link-followup-rules"')
        ui.link(t("KPI 方案 (绩效)", "KPI schemes (performance)"), "/settings/rules?tab=kpi").props(
            'data-testid="link-kpi-rules"')
        ui.link(t("排班规则 (排班)", "roster rules (roster)"), "/settings/rules?tab=roster").props(
            'data-testid="link-roster-rules"')
