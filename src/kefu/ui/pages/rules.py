"""``/settings/rules``: the rule editors Settings promises — follow-up rules (→ tasks), KPI schemes
(→ grades and pay), roster rules (→ the roster's hard rules), the claim convention (→ the claims
check). Supervisors and admins.

Thin: each tab edits a copy of its document and saves it whole through one service action
(``kefu.service.duty.actions_rules``, ``kefu.service.credit.actions_kpi``,
``kefu.service.plan.actions_rules``): validated, stored as a new version with an audit event,
or refused with a bilingual notice and nothing stored.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError, bad_argument
from kefu.service.care import actions as care
from kefu.service.duty import actions_rules as followup
from kefu.service.org.schemas import UserOut
from kefu.service.plan import actions_rules as roster_rules
from kefu.ui.claims_editor import claims_tab
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.kpi_editor import kpi_tab
from kefu.ui.labels import shop_time
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.widgets import notify_error, run, testid

TRIGGERS = {"order_created": ("下单后", "after the order"), "order_paid": ("付款后", "after payment"),
            "return_received": ("收到退货后", "after a return arrives"), "review_posted": ("收到评价后", "after a review")}
TASKS = {"pay_reminder": ("催付", "pay reminder"), "address_check": ("核对地址", "address check"),
         "return": ("退货", "return"), "review": ("中差评", "review")}  # fmt: skip


def _stamp(version: int, by: str, at: str) -> str:
    if version == 0:
        return t("当前: 内置默认规则 (尚未修改)", "Now: the shipped defaults (not edited yet)")
    return t(f"当前: 第 {version} 版, {by} 保存于 {shop_time(at)}", f"Now: version {version}, saved by {by} at {shop_time(at)}")


def _what(rule: dict[str, Any]) -> str:
    action = rule.get("action", {})
    if action.get("kind") == "message":
        return t(f"发短信: {action.get('text', '')}", f"send {action.get('channel', '')}: {action.get('text', '')}")
    zh, en = TASKS.get(str(action.get("task_type")), (action.get("task_type"), action.get("task_type")))
    return t(f"建任务: {zh}", f"task: {en}")


def _followup_tab(user: UserOut, shops: list[str]) -> None:
    state: dict[str, Any] = {"rules": []}
    shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop"),
                     on_change=lambda: load()).props("dense outlined").classes("w-40")  # fmt: skip

    def load() -> None:
        shown = run(followup.followup_rules, shop.value or "")
        if shown is not None:
            state.update(rules=copy.deepcopy(shown.rules), stamp=_stamp(shown.version, shown.saved_by, shown.saved_at))
            form.refresh()

    def save(rules: list[dict[str, Any]]) -> None:
        saved = run(followup.save_followup_rules, shop.value or "", rules, by=user.username)
        if saved is not None:
            ui.notify(t(f"已保存为第 {saved.version} 版", f"saved as version {saved.version}"), type="positive")
            load()

    @ui.refreshable
    def form() -> None:
        ui.label(state.get("stamp", "")).classes("text-grey-7 text-sm").props('data-testid="followup-version"')
        for rule in state["rules"]:
            zh, en = TRIGGERS.get(str(rule.get("trigger")), (rule.get("trigger"), rule.get("trigger")))
            with ui.card().classes("w-full p-3"), ui.row().classes("items-end gap-3 flex-wrap"):
                ui.label(f"{rule['id']} · {t(zh, en)} · {_what(rule)}").classes("w-96 font-medium")
                delay = ui.number(t("延迟 (分钟)", "Delay (minutes)"), value=rule.get("delay_minutes", 0), min=0, step=1,
                                  format="%d", on_change=lambda e, r=rule: r.__setitem__("delay_minutes", int(e.value or 0)))
                testid(delay.props("dense outlined").classes("w-32"), f'delay-{rule["id"]}')
                conditions = rule.setdefault("conditions", {}) or {}
                if "amount_fen_gt" in conditions:
                    ui.number(t("金额大于 (元)", "Amount above (yuan)"), value=conditions["amount_fen_gt"] / 100,
                              min=0, step=1, on_change=lambda e, c=conditions: c.__setitem__(
                                  "amount_fen_gt", round(float(e.value or 0) * 100))).props(
                        "dense outlined").classes("w-32")  # fmt: skip
                due = rule.get("action", {}).get("due") or {}
                if "after_minutes" in due:
                    after = ui.number(t("完成时限 (分钟)", "Due after (minutes)"), value=due["after_minutes"], min=0,
                                      step=1, format="%d",
                                      on_change=lambda e, d=due: d.__setitem__("after_minutes", int(e.value or 0)))
                    testid(after.props("dense outlined").classes("w-36"), f'due-{rule["id"]}')
                elif "at_local" in due:
                    at = ui.input(t("截止时刻 (HH:MM)", "Due at (HH:MM)"), value=str(due["at_local"]),
                                  on_change=lambda e, d=due: d.__setitem__("at_local", e.value))
                    testid(at.props("dense outlined").classes("w-36"), f'due-{rule["id"]}')
        ui.button(t("保存为新版本", "Save as a new version"), on_click=lambda: save(state["rules"])).props(
            'data-testid="followup-save"')
        with ui.expansion(t("高级: 以 YAML 编辑全部规则 (增删规则、条件、分配)",
                            "Advanced: edit every rule as YAML (add/remove rules, conditions, assignees)")).classes("w-full"):
            text = ui.textarea(value=yaml.safe_dump({"rules": state["rules"]}, allow_unicode=True, sort_keys=False)
                               ).classes("w-full font-mono").props('rows=16 data-testid="followup-yaml"')  # fmt: skip
            ui.button(t("保存 YAML", "Save YAML"), on_click=lambda: save_yaml(text.value or "")).props("outline")

    def save_yaml(text: str) -> None:
        try:
            data = yaml.safe_load(text)
            if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
                raise bad_argument("rules", "YAML 应包含 rules 列表", "the YAML must hold a list named rules")
        except yaml.YAMLError as exc:
            notify_error(bad_argument("rules", f"YAML 格式错误: {exc}", f"bad YAML: {exc}"))
            return
        except KefuError as exc:
            notify_error(exc)
            return
        save(data["rules"])

    form()
    load()


def _roster_tab(user: UserOut, shops: list[str]) -> None:
    shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop"),
                     on_change=lambda: form.refresh()).props("dense outlined").classes("w-40")  # fmt: skip

    @ui.refreshable
    def form() -> None:
        shown = run(roster_rules.roster_rules, shop.value or "")
        if shown is None:
            return
        ui.label(_stamp(shown.version, shown.saved_by, shown.saved_at)).classes("text-grey-7 text-sm").props(
            'data-testid="roster-rules-version"')
        with ui.row().classes("items-end gap-3"):
            rest = ui.number(t("每月休息天数", "Rest days a month"), value=shown.rest_days_per_month, min=0, max=31,
                             step=1, format="%d").props('dense outlined data-testid="roster-rest"').classes("w-40")
            run_max = ui.number(t("最多连续上班天数", "Longest run of work days"), value=shown.max_consecutive, min=1,
                                max=62, step=1, format="%d").props('dense outlined data-testid="roster-run"')
            gap = ui.number(t("两班之间最少休息 (小时)", "Rest between shifts (hours)"), value=shown.min_rest_hours,
                            min=0, max=48, step=0.5).props('dense outlined data-testid="roster-gap"')

            def save() -> None:
                values = {"rest_days_per_month": _whole(rest.value), "max_consecutive": _whole(run_max.value),
                          "min_rest_hours": gap.value if gap.value is not None else -1}  # fmt: skip
                saved = run(roster_rules.save_roster_rules, shop.value or "", values, by=user.username)
                if saved is not None:
                    ui.notify(t(f"已保存为第 {saved.version} 版", f"saved as version {saved.version}"), type="positive")
                    form.refresh()

            ui.button(t("保存为新版本", "Save as a new version"), on_click=save).props('data-testid="roster-save"')
        ui.label(t("排班页的检查与自动排班都按这些规则。", "The roster page checks and solves with these rules.")).classes(
            "text-sm text-grey-7")

    form()


def _whole(value: float | None) -> int:
    """An empty box is -1 (refused by the service with the field's range), never a silent 0."""
    return int(value) if value is not None else -1


@kefu_page("/settings/rules", "规则设置", "Rules", roles=MANAGERS)
def rules_page(user: UserOut, request: Request) -> None:
    with db_session() as session:
        shops = care.shop_ids(session)
    tabs_by_key: dict[str, Any] = {}
    with ui.tabs().classes("w-full") as tabs:
        tabs_by_key["followup"] = ui.tab(t("跟进规则", "Follow-up rules")).props('data-testid="tab-followup"')
        tabs_by_key["kpi"] = ui.tab(t("KPI 方案", "KPI schemes")).props('data-testid="tab-kpi"')
        tabs_by_key["roster"] = ui.tab(t("排班规则", "Roster rules")).props('data-testid="tab-roster"')
        tabs_by_key["claims"] = ui.tab(t("认领约定", "Claims")).props('data-testid="tab-claims"')
    first = tabs_by_key.get(request.query_params.get("tab", ""), tabs_by_key["followup"])
    with ui.tab_panels(tabs, value=first).classes("w-full"):
        with ui.tab_panel(tabs_by_key["followup"]):
            _followup_tab(user, shops)
        with ui.tab_panel(tabs_by_key["kpi"]):
            kpi_tab(user)
        with ui.tab_panel(tabs_by_key["roster"]):
            _roster_tab(user, shops)
        with ui.tab_panel(tabs_by_key["claims"]):
            claims_tab(user, shops)
