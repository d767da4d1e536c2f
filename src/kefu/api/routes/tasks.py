"""Follow-up tasks over HTTP: lists, completion, escalation, KPI figures, and duty events.

Thin: validate, scope by caller, call :mod:`kefu.service.duty`'s actions. Agents only
ever see and complete their own tasks (their ``agent_id`` replaces any filter
they send); a supervisor with a team sees that team; admins and integrations
see everything. Integrations report returns and reviews here so the 退货 and
中差评 rules start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from kefu.api.deps import MANAGER_ROLES, Caller, CurrentCaller, DbSession, require_roles
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import parse_aware, utc_now
from kefu.service import access
from kefu.service.duty import actions as duty
from kefu.service.duty import actions_tasks as tasks
from kefu.service.duty.schemas import (
    EscalatedOut,
    ReturnIn,
    ReviewIn,
    ScheduleIn,
    TaskCompleteIn,
    TaskOut,
    TaskStatsOut,
    TimersOut,
)

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MANAGERS = require_roles(*MANAGER_ROLES)


def _when(name: str, text: str) -> datetime:
    """An aware time in the bounded range (kefu.domain.timeutil), so time arithmetic never overflows."""
    if "\x00" in text:
        raise bad_argument(name, "包含非法字符", "contains a NUL character")
    return parse_aware(text, name=name)


def _scope(caller: Caller, agent: str | None, team: str | None) -> tuple[str | None, str | None]:
    """Agents: their own tasks (their id replaces any filter); a supervisor with a team: that team."""
    if access.is_agent(caller):
        return access.own_agent(caller, None), None
    if caller.role == "supervisor" and caller.team:
        return agent, caller.team
    return agent, team


def _own(caller: Caller, task: dict[str, Any]) -> None:
    access.own_row(caller, task["assignee"], "任务", "tasks", task["id"])


@router.get("", response_model=list[TaskOut])
def list_tasks(
    session: DbSession,
    caller: CurrentCaller,
    agent: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00]*$")] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00]*$")] = None,
    status: Annotated[str | None, Query(pattern="^(open|done|escalated|cancelled|overdue)$")] = None,
) -> list[dict[str, Any]]:
    """任务列表 / tasks by due time (agents: their own only)."""
    agent_id, team_name = _scope(caller, agent, team)
    return tasks.list_tasks(session, agent_id=agent_id, team=team_name, status=status)


@router.get("/stats", response_model=TaskStatsOut)
def task_stats(
    session: DbSession,
    caller: CurrentCaller,
    month: Annotated[str, Query(pattern=r"^20\d\d-(0[1-9]|1[0-2])$")],
    agent: Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00]*$")] = None,
) -> dict[str, Any]:
    """一个月的任务绩效 / one agent's task figures for a month (KPI input)."""
    agent_id, _ = _scope(caller, agent, None)
    if agent_id is None:
        raise bad_argument("agent", "需要客服编号", "agent is required")
    return tasks.task_stats(session, agent_id, month)


@router.get("/{task_id}", response_model=TaskOut)
def get_task(session: DbSession, caller: CurrentCaller, task_id: TaskId) -> dict[str, Any]:
    task = tasks.get_task(session, task_id)
    _own(caller, task)
    return task


@router.post("/{task_id}/complete", response_model=TaskOut)
def complete_task(session: DbSession, caller: CurrentCaller, task_id: TaskId, body: TaskCompleteIn) -> dict[str, Any]:
    """完成任务 / mark a task done with its outcome (an event row is written)."""
    _own(caller, tasks.get_task(session, task_id))
    by = caller.agent_id or caller.name
    return tasks.complete_task(session, task_id, by, body.outcome)


@router.post("/escalate", dependencies=[MANAGERS], response_model=EscalatedOut)
def escalate(session: DbSession) -> dict[str, int]:
    """逾期任务升级给主管 / escalate overdue tasks now (the worker also does it)."""
    return {"escalated": tasks.escalate_overdue(session, utc_now())}


@router.post("/events/returns", status_code=201, dependencies=[MANAGERS], response_model=TimersOut)
def report_return(session: DbSession, body: ReturnIn) -> dict[str, int]:
    """退货包裹签收 / a return parcel was received: starts the 退货 rule."""
    return {"timers": duty.record_return(session, body.order_id, _when("received_at", body.received_at), body.shop)}


@router.post("/events/reviews", status_code=201, dependencies=[MANAGERS], response_model=TimersOut)
def report_review(session: DbSession, body: ReviewIn) -> dict[str, int]:
    """买家评价 / a review was posted: neutral and bad ones start the 中差评 rule."""
    posted = _when("posted_at", body.posted_at)
    return {"timers": duty.record_review(session, body.order_id, body.buyer, posted, body.rating, body.shop)}


@router.post("/schedule", dependencies=[MANAGERS], response_model=TimersOut)
def schedule(session: DbSession, body: ScheduleIn) -> dict[str, int]:
    """为已存订单排定跟进 / start the rules' timers for stored orders (idempotent)."""
    return {"timers": duty.schedule_orders(session, body.order_ids)}
