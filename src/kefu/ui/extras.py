"""Workspace parts that call other areas' front doors: reply templates (care) and my tasks (duty)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.service.care import actions_templates as templates
from kefu.service.duty import actions_tasks as tasks_actions
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.widgets import notify_error, testid


def template_picker(target: ui.input, variables: Callable[[], dict[str, str]]) -> None:
    """Search reply templates (``templates.search_templates``) and insert one into ``target``.

    Variables the page knows (e.g. {买家}) are filled; when all are known the text
    comes from ``templates.render_template`` (which counts the use), otherwise the
    remaining placeholders such as {订单号} stay in the box for the agent to complete.
    """
    options: dict[int, dict[str, Any]] = {}

    def refresh_options(query: str) -> None:
        try:
            with db_session() as session:
                found = templates.search_templates(session, query or "", limit=20)
        except KefuError as exc:
            notify_error(exc)
            return
        options.clear()
        options.update({int(item["id"]): item for item in found})
        picker.set_options({k: f'{v["category"]} · {v["title"]}' for k, v in options.items()})

    def insert(e: Any) -> None:
        item = options.get(e.value) if e.value is not None else None
        if item is None:
            return
        known = {k: v for k, v in variables().items() if v}
        text = str(item["body"])
        if all(name in known for name in item.get("variables", [])):
            try:
                with db_session() as session:
                    text = str(templates.render_template(session, int(item["id"]), known)["text"])
            except KefuError as exc:
                notify_error(exc)
                return
        else:
            for name, value in known.items():
                text = text.replace("{" + name + "}", value)
        target.value = ((target.value or "") + " " + text).strip()
        picker.set_value(None)

    picker = ui.select({}, label=t("插入快捷回复", "Insert a template"), with_input=True, on_change=insert).props(
        'dense outlined data-testid="template-picker"').classes("w-96")
    picker.on("filter", lambda e: refresh_options(str(e.args[0]) if e.args else ""))
    refresh_options("")


def task_list(agent_id: str) -> None:
    """The agent's open follow-up tasks (``duty.actions_tasks``) with an outcome and a 'done' button each."""

    @ui.refreshable
    def rows() -> None:
        try:
            with db_session() as session:
                tasks = [task for status in ("open", "escalated")
                         for task in tasks_actions.list_tasks(session, agent_id=agent_id, status=status, limit=50)]
        except KefuError as exc:
            notify_error(exc)
            return
        if not tasks:
            ui.label(t("没有待办任务", "No open tasks")).classes("text-grey-6").props('data-testid="no-tasks"')
        for task in tasks:
            tid = task["id"]
            with testid(ui.row().classes("items-center gap-3 w-full"), f"task-{tid}"):
                ui.badge(task_type_label(task["task_type"]),
                         color="negative" if task["overdue"] else "primary")
                ui.label(t(f'订单 {task["order_id"] or "-"}', f'order {task["order_id"] or "-"}'))
                ui.label(task["note"][:60]).classes("text-grey-7")
                outcome = testid(ui.input(t("结果", "Outcome"), value=t("已处理", "handled")).props(
                    "dense outlined").classes("w-40"), f"task-outcome-{tid}")
                testid(ui.button(t("完成", "Done"), on_click=lambda tid=tid, box=outcome: done(tid, box.value)).props(
                    "dense color=positive"), f"task-done-{tid}")

    def done(task_id: int, outcome: str) -> None:
        try:
            with db_session() as session:
                tasks_actions.complete_task(session, task_id, agent_id, outcome or "")
        except KefuError as exc:
            notify_error(exc)
            return
        ui.notify(t("任务已完成", "task done"), type="positive")
        rows.refresh()

    rows()


TASK_TYPES = {"pay_reminder": ("催付", "payment reminder"), "address_check": ("核对地址", "address check"),
              "return": ("退货", "return"), "review": ("中差评", "bad review")}


def task_type_label(kind: str) -> str:
    zh, en = TASK_TYPES.get(kind, (kind, kind))
    return t(zh, en)
