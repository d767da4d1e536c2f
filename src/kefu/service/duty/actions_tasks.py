"""Task use-cases: lists per agent and team, completion, overdue escalation, KPI figures.

Every state change writes an ``Event`` row (task.done, task.escalated) so
the audit trail, dashboards and the KPI engine read one history. Escalation
goes to the supervisor: the task is marked ``escalated`` and, when the shop
configured a group robot (``settings["duty"]["escalation_channel"]``), a
message is queued in the outbox, once per task.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import SHOP_TZ, month_span, utc_now
from kefu.service.duty import events, store
from kefu.store.models.duty import Task
from kefu.store.models.org import Agent, Shop

STATUSES = ("open", "done", "escalated", "cancelled", "overdue")
OPEN = ("open", "escalated")


def _view(task: Task, now: datetime) -> dict[str, Any]:
    overdue = task.status in OPEN and task.due_at is not None and task.due_at < now
    return {
        "id": task.id, "shop_id": task.shop_id, "task_type": task.task_type, "order_id": task.order_id,
        "assignee": task.assignee, "status": task.status, "source_rule": task.source_rule,
        "created_at": task.created_at.isoformat(), "due_at": task.due_at.isoformat() if task.due_at else None,
        "done_at": task.done_at.isoformat() if task.done_at else None, "outcome": task.outcome,
        "note": task.note, "overdue": overdue,
    }


def list_tasks(session: Session, agent_id: str | None = None, team: str | None = None, status: str | None = None,
               *, now: datetime | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """Tasks by due time; filtered by assignee, the assignee's team, or status (``overdue`` = open and late)."""
    when = now or utc_now()
    stmt = select(Task).order_by(Task.due_at, Task.id).limit(limit)
    if agent_id is not None:
        stmt = stmt.where(Task.assignee == agent_id)
    if team:
        stmt = stmt.join(Agent, Agent.id == Task.assignee).where(Agent.team == team)
    if status is not None:
        if status not in STATUSES:
            raise bad_argument("status", f"应为 {STATUSES} 之一", f"must be one of {STATUSES}")
        if status == "overdue":
            stmt = stmt.where(Task.status.in_(OPEN), Task.due_at < when)
        else:
            stmt = stmt.where(Task.status == status)
    return [_view(t, when) for t in session.scalars(stmt)]


def complete_task(session: Session, task_id: int, by_agent: str, outcome: str,
                  now: datetime | None = None) -> dict[str, Any]:
    """Record a task as done with its outcome (e.g. 已付款, 地址已确认, 差评已修改) and an event."""
    task = session.get(Task, task_id, with_for_update=True)
    if task is None:
        raise not_found("任务 / task", task_id)
    if task.status not in OPEN:
        raise KefuError(ErrorCode.CONFLICT, f"任务 {task_id} 状态为 {task.status}, 不能完成",
                        f"task {task_id} is {task.status} and cannot be completed", {"status": task.status})
    when = now or utc_now()
    task.status, task.done_at, task.outcome = "done", when, outcome.strip()
    if task.assignee is None and session.get(Agent, by_agent) is not None:
        task.assignee = by_agent
    on_time = task.due_at is None or when <= task.due_at
    events.task_done(session, task_id=task.id, shop_id=task.shop_id, assignee=task.assignee, by=by_agent, at=when,
                     task_type=task.task_type, order_id=task.order_id, outcome=task.outcome, on_time=on_time)
    session.flush()
    return _view(task, when)


def _supervisors(session: Session, agent_id: str | None) -> list[str]:
    agent = session.get(Agent, agent_id) if agent_id else None
    return store.supervisors(session, agent.team if agent is not None else "")


def escalate_overdue(session: Session, now: datetime | None = None) -> int:
    """Open tasks past their due time go to the supervisor (strictly after due); returns how many."""
    when = now or utc_now()
    count = 0
    for task in store.overdue_open_tasks(session, when):
        supervisors = _supervisors(session, task.assignee)
        task.status = "escalated"
        events.task_escalated(session, task_id=task.id, shop_id=task.shop_id, assignee=task.assignee, at=when,
                              task_type=task.task_type, order_id=task.order_id, supervisors=supervisors)
        shop = session.get(Shop, task.shop_id) if task.shop_id else None
        channel = ((shop.settings or {}).get("duty", {}) if shop is not None else {}).get("escalation_channel")
        if channel:
            due = task.due_at.astimezone(SHOP_TZ).strftime("%m-%d %H:%M") if task.due_at else ""
            text = (f"任务逾期: {task.task_type} 订单 {task.order_id or '-'} 负责人 {task.assignee or '未分配'} "
                    f"截止 {due}; 请主管 {', '.join(supervisors) or '-'} 跟进")
            store.enqueue(session, str(channel), f"escalate:task:{task.id}",
                    {"text": text, "shop_id": task.shop_id, "task_id": task.id}, when)
        count += 1
    return count


def task_stats(session: Session, agent_id: str, month: str | date) -> dict[str, Any]:
    """One agent's duty figures for a shop-time month, for KPI scoring.

    ``assigned``: tasks created in the month; ``done`` / ``done_on_time``: those of
    them completed (on time = at or before due) — the month's own tasks, so 已完成 never
    exceeds 本月任务 (a task created on the 30th and done on the 1st counts in its
    own month); ``overdue_open``:
    created in the month, still open or escalated and past due at month end
    or now, whichever is first; ``escalated``: escalations in the month;
    ``on_time_rate``: done_on_time / done as a string decimal ("" when none
    done); ``by_type`` the same counts per task type.
    """
    start, end = month_span(month.strip()[:7] if isinstance(month, str) else month.strftime("%Y-%m"))
    cutoff = min(end, utc_now())
    created = list(session.scalars(select(Task).where(Task.assignee == agent_id, Task.created_at >= start,
                                                      Task.created_at < end)))
    done = [t for t in created if t.status == "done"]
    escalated = store.escalations(session, agent_id, start, end)
    by_type: dict[str, dict[str, int]] = {}

    def bucket(kind: str) -> dict[str, int]:
        return by_type.setdefault(kind, {"assigned": 0, "done": 0, "done_on_time": 0})

    for task in created:
        bucket(task.task_type)["assigned"] += 1
    on_time = 0
    for task in done:
        b = bucket(task.task_type)
        b["done"] += 1
        if task.done_at is not None and (task.due_at is None or task.done_at <= task.due_at):
            b["done_on_time"] += 1
            on_time += 1
    overdue = sum(1 for t in created if t.status in OPEN and t.due_at is not None and t.due_at < cutoff)
    rate = "" if not done else str((Decimal(on_time) / Decimal(len(done))).quantize(Decimal("0.0001")))
    return {
        "agent_id": agent_id, "month": start.strftime("%Y-%m"), "assigned": len(created), "done": len(done),
        "done_on_time": on_time, "overdue_open": overdue, "escalated": escalated, "on_time_rate": rate,
        "by_type": dict(sorted(by_type.items())),
    }


def get_task(session: Session, task_id: int) -> dict[str, Any]:
    task = session.get(Task, task_id)
    if task is None:
        raise not_found("任务 / task", task_id)
    return _view(task, utc_now())
