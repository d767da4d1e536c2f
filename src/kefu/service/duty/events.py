"""The event kinds of the duty area and one writer per kind (through :func:`kefu.service.events.append`).

Tasks: subject ``task:<id>``, the assignee as agent (what the KPI figures count). Reviews:
subject ``order:<id>``; the first review of an order decides whether its 中差评 rule is odd or
even (read back by :func:`kefu.service.duty.store.first_review_at`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from kefu.service import events


class DutyEvent(StrEnum):
    TASK_CREATED = "task.created"
    TASK_DONE = "task.done"
    TASK_ESCALATED = "task.escalated"
    REVIEW_POSTED = "review.posted"
    FOLLOWUP_RULES_SAVED = "rules.followup_saved"


def task_created(session: Session, *, task_id: int, shop_id: str, assignee: str | None, at: datetime,
                 task_type: str, order_id: str | None, rule: str, due_at: datetime) -> None:  # fmt: skip
    events.append(session, DutyEvent.TASK_CREATED, subject=f"task:{task_id}", ts=at, shop_id=shop_id,
                  agent_id=assignee, data={"task_type": task_type, "order_id": order_id, "rule": rule,
                                           "due_at": due_at.isoformat()})  # fmt: skip


def task_done(session: Session, *, task_id: int, shop_id: str, assignee: str | None, by: str, at: datetime,
              task_type: str, order_id: str | None, outcome: str, on_time: bool) -> None:  # fmt: skip
    events.append(session, DutyEvent.TASK_DONE, subject=f"task:{task_id}", ts=at, shop_id=shop_id,
                  agent_id=assignee, actor=by, data={"task_type": task_type, "order_id": order_id,
                                                     "outcome": outcome, "on_time": on_time})  # fmt: skip


def task_escalated(session: Session, *, task_id: int, shop_id: str, assignee: str | None, at: datetime,
                   task_type: str, order_id: str | None, supervisors: list[str]) -> None:  # fmt: skip
    events.append(session, DutyEvent.TASK_ESCALATED, subject=f"task:{task_id}", ts=at, shop_id=shop_id,
                  agent_id=assignee, data={"task_type": task_type, "order_id": order_id,
                                           "supervisors": supervisors})  # fmt: skip


def review_posted(session: Session, *, order_id: str, shop_id: str, at: datetime, buyer: str, rating: str) -> None:
    events.append(session, DutyEvent.REVIEW_POSTED, subject=f"order:{order_id}", ts=at, shop_id=shop_id,
                  data={"buyer": buyer, "rating": rating})  # fmt: skip


def followup_rules_saved(session: Session, *, shop_id: str, by: str, at: datetime, version: int,
                         rule_ids: list[str]) -> None:  # fmt: skip
    """A new version of the shop's follow-up rules (the rule editor): subject ``rules:followup:<shop>``."""
    events.append(session, DutyEvent.FOLLOWUP_RULES_SAVED, subject=f"rules:followup:{shop_id}", ts=at,
                  shop_id=shop_id, actor=by, data={"version": version, "rules": rule_ids})  # fmt: skip
