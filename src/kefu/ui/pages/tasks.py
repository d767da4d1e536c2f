"""``/tasks``: follow-up tasks (催付, 核对地址, 退货, 中差评) with completion and this month's figures.

Thin: lists and actions are :mod:`kefu.service.duty` calls. Agents see and
complete only their own tasks; supervisors see their team (all teams when
their team is empty); admins see everything and may escalate overdue tasks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nicegui import ui

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.duty import actions_tasks as duty_tasks
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import t
from kefu.ui.layout import MANAGERS, kefu_page
from kefu.ui.widgets import run, stat_card

TYPE_LABELS = {"pay_reminder": ("催付", "Pay reminder"), "address_check": ("核对地址", "Address check"),
               "return": ("退货", "Return"), "review": ("中差评", "Review")}
STATUS_LABELS = {"open": ("待处理", "open"), "done": ("已完成", "done"), "escalated": ("已升级", "escalated"),
                 "cancelled": ("已取消", "cancelled")}


def _local(iso: str | None) -> str:
    return datetime.fromisoformat(iso).astimezone(SHOP_TZ).strftime("%m-%d %H:%M") if iso else ""


def _label(table: dict[str, tuple[str, str]], key: str) -> str:
    zh, en = table.get(key, (key, key))
    return t(zh, en)


def rows_for(user: UserOut, status: str | None) -> list[dict[str, Any]]:
    """The tasks this user may see, shaped for the table."""
    agent_id = (user.agent_id or "-") if user.role == "agent" else None
    team = user.team or None if user.role == "supervisor" else None
    with db_session() as session:
        tasks = duty_tasks.list_tasks(session, agent_id=agent_id, team=team, status=status)
    return [{
        "id": task["id"], "type": _label(TYPE_LABELS, task["task_type"]), "order": task["order_id"] or "",
        "assignee": task["assignee"] or t("未分配", "unassigned"), "status": _label(STATUS_LABELS, task["status"]),
        "created": _local(task["created_at"]), "due": _local(task["due_at"]),
        "late": t("逾期", "late") if task["overdue"] else "", "outcome": task["outcome"], "state": task["status"],
    } for task in tasks]


def _complete(user: UserOut, task_id: int, outcome: str) -> dict[str, Any] | None:
    def action(session: Any) -> dict[str, Any]:
        task = duty_tasks.get_task(session, task_id)
        if user.role == "agent" and task["assignee"] != user.agent_id:
            raise KefuError(ErrorCode.FORBIDDEN, "只能完成自己的任务", "agents complete only their own tasks")
        result: dict[str, Any] = duty_tasks.complete_task(session, task_id, user.agent_id or user.username, outcome)
        return result

    return run(action)


@kefu_page("/tasks", "任务", "Tasks")
def tasks_page(user: UserOut) -> None:
    month = utc_now().astimezone(SHOP_TZ).strftime("%Y-%m")
    if user.agent_id:
        with db_session() as session:
            stats = duty_tasks.task_stats(session, user.agent_id, month)
        with ui.row().classes("gap-4 flex-wrap"):
            stat_card(t("本月任务", "Tasks this month"), str(stats["assigned"]), "stat-tasks-assigned")
            stat_card(t("已完成", "Done"), str(stats["done"]), "stat-tasks-done",
                      t(f"按时 {stats['done_on_time']}", f"{stats['done_on_time']} on time"))
            stat_card(t("逾期未完成", "Overdue"), str(stats["overdue_open"]), "stat-tasks-overdue")

    @ui.refreshable
    def listing() -> None:
        columns = [("id", "编号", "ID"), ("type", "类型", "Type"), ("order", "订单", "Order"),
                   ("assignee", "负责人", "Assignee"), ("status", "状态", "Status"), ("created", "创建", "Created"),
                   ("due", "截止", "Due"), ("late", "逾期", "Late"), ("outcome", "结果", "Outcome")]
        table = ui.table(columns=[{"name": f, "label": t(zh, en), "field": f, "align": "left"} for f, zh, en in columns],
                         rows=rows_for(user, status.value or None), row_key="id",
                         pagination=25).classes("w-full cursor-pointer").props('dense flat data-testid="tasks-table"')
        table.on("rowClick", lambda e: open_task(e.args[1]))

    def open_task(row: dict[str, Any]) -> None:
        """A clicked row: the task, and (while it is open) its outcome and the button that completes it."""
        with ui.dialog() as dialog, ui.card().classes("w-[28rem] gap-2"):
            ui.label(t(f"任务 #{row['id']} · {row['type']}", f"Task #{row['id']} · {row['type']}")).classes(
                "font-bold")
            ui.label(f"{t('订单', 'Order')}: {row['order'] or '—'} · {t('负责人', 'Assignee')}: {row['assignee']}")
            ui.label(f"{t('创建', 'Created')} {row['created']} · {t('截止', 'Due')} {row['due']} {row['late']}")
            if row["state"] in ("open", "escalated"):
                outcome = ui.input(t("处理结果 (如: 已付款 / 地址已确认)", "Outcome (e.g. paid / address confirmed)")
                                   ).classes("w-full").props('data-testid="task-outcome"')  # fmt: skip

                def complete() -> None:
                    if _complete(user, int(row["id"]), outcome.value or "") is not None:
                        ui.notify(t("已完成", "done"), type="positive")
                        dialog.close()
                        listing.refresh()

                ui.button(t("完成", "Complete"), on_click=complete).props('data-testid="task-complete"')
            else:
                ui.label(f"{row['status']} {row['outcome']}").props('data-testid="task-state"')
            ui.button(t("关闭", "Close"), on_click=dialog.close).props("flat")
        dialog.open()

    with ui.row().classes("items-center gap-4"):
        status = ui.select({"": t("全部", "all"), "open": t("待处理", "open"), "overdue": t("逾期", "overdue"),
                            "escalated": t("已升级", "escalated"), "done": t("已完成", "done")},
                           value="open", label=t("状态", "Status"), on_change=lambda: listing.refresh())
        if user.role in MANAGERS:
            def escalate() -> None:
                count = run(duty_tasks.escalate_overdue)
                if count is not None:
                    ui.notify(t(f"已升级 {count} 个逾期任务", f"{count} overdue tasks escalated"), type="info")
                    listing.refresh()

            ui.button(t("升级逾期任务", "Escalate overdue"), on_click=escalate).props(
                'flat no-caps data-testid="tasks-escalate"')
    ui.label(t("点击任务行可查看并完成", "Click a task to see and complete it")).classes("text-grey-7 text-sm")
    listing()
