"""Typed in/out models of the duty area (one naming family per entity: XxxIn, XxxOut, XxxPage).

The API declares these as response models. Times are ISO-8601 strings as stored (with their
offset), the on-time rate a decimal string ("" while nothing is done): the JSON the routes
always sent.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from kefu.service.schemas import ApiIn, RuleVersionOut

Text64 = Annotated[str, Field(min_length=1, max_length=64)]


class TaskCompleteIn(ApiIn):
    outcome: str = Field(default="", max_length=2000)


class ReturnIn(ApiIn):
    order_id: Text64
    received_at: str = Field(min_length=1, max_length=40)
    shop: str = Field(default="", max_length=64)


class ReviewIn(ApiIn):
    order_id: Text64
    buyer: str = Field(default="", max_length=128)
    posted_at: str = Field(min_length=1, max_length=40)
    rating: str = Field(pattern="^(good|neutral|bad)$")
    shop: str = Field(default="", max_length=64)


class ScheduleIn(ApiIn):
    order_ids: list[Text64] | None = Field(default=None, max_length=10000)


class TaskOut(BaseModel):
    id: int
    shop_id: str
    task_type: str  # pay_reminder | address_check | return | review
    order_id: str | None
    assignee: str | None
    status: str  # open | done | escalated | cancelled
    source_rule: str
    created_at: str
    due_at: str | None
    done_at: str | None
    outcome: str
    note: str
    overdue: bool  # open and past due now


class TaskCountsOut(BaseModel):
    assigned: int
    done: int
    done_on_time: int


class TaskStatsOut(BaseModel):
    """One agent's duty figures for a shop-time month (KPI input)."""

    agent_id: str
    month: str
    assigned: int
    done: int
    done_on_time: int
    overdue_open: int
    escalated: int
    on_time_rate: str
    by_type: dict[str, TaskCountsOut]


class EscalatedOut(BaseModel):
    escalated: int  # overdue tasks sent to the supervisor now


class TimersOut(BaseModel):
    timers: int  # rule timers added (0 when they already existed)


class FollowupRulesIn(ApiIn):
    """The whole rule list (as in ``default_rules.yaml``): a save replaces the list as a new version."""

    rules: list[dict[str, Any]] = Field(max_length=50)


class FollowupRulesOut(RuleVersionOut):
    shop_id: str
    rules: list[dict[str, Any]]
