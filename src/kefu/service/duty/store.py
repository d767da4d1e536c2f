"""The duty area's statements and locks: one copy of each.

Unique keys carry the idempotency (a (rule, order) timer, an outbox ``dedupe_key``), so
inserts are ``ON CONFLICT DO NOTHING`` on either backend: concurrent schedulers racing on a
key make the loser a no-op instead of an error that rolls back the winner's caller. Claims
lock ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (any number of workers share the queue); on
SQLite one worker polls and the guarded status writes of the callers take the write lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.service.duty.events import DutyEvent
from kefu.store.models.duty import DueTimer, OutboxMessage, Task
from kefu.store.models.live import Event
from kefu.store.models.org import User
from kefu.store.models.plan import RosterEntry, ShiftTemplate


def insert_ignore(session: Session, model: Any, values: Mapping[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on either backend; True when a row was added."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(model).values(**values).on_conflict_do_nothing().returning(model.__table__.c.id)
    return session.execute(stmt).first() is not None


def enqueue(session: Session, channel: str, dedupe_key: str, payload: Mapping[str, Any],
            now: datetime | None = None) -> bool:
    """Queue a message unless one with this key exists; True when newly queued."""
    when = now or utc_now()
    return insert_ignore(session, OutboxMessage, {
        "channel": channel, "dedupe_key": dedupe_key, "payload": {**payload, "key": dedupe_key},
        "status": "pending", "attempts": 0, "next_attempt_at": when, "created_at": when, "last_error": "",
    })  # fmt: skip


def claim_timers(session: Session, now: datetime, batch: int) -> list[DueTimer]:
    """Pending timers due by ``now``, oldest first, locked for this transaction (PostgreSQL)."""
    stmt = (
        select(DueTimer)
        .where(DueTimer.status == "pending", DueTimer.due_at <= now)
        .order_by(DueTimer.due_at, DueTimer.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def claim_outbox(session: Session, now: datetime) -> OutboxMessage | None:
    """The next due outbox message, locked for this transaction (PostgreSQL)."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).first()


def overdue_open_tasks(session: Session, now: datetime) -> list[Task]:
    """Open tasks strictly past due, locked (a second escalator skips them)."""
    stmt = select(Task).where(Task.status == "open", Task.due_at < now).order_by(Task.id)
    return list(session.scalars(stmt.with_for_update(skip_locked=True)))


def supervisors(session: Session, team: str) -> list[str]:
    """Active supervisors of ``team`` and those without a team (they see every team)."""
    stmt = select(User.username).where(User.role == "supervisor", User.active.is_(True),
                                       or_(User.team == "", User.team == team))  # fmt: skip
    return sorted(session.scalars(stmt))


def escalations(session: Session, agent_id: str, start: datetime, end: datetime) -> int:
    """How many of the agent's tasks were escalated in [start, end)."""
    stmt = select(func.count(Event.id)).where(Event.kind == DutyEvent.TASK_ESCALATED.value,
                                              Event.agent_id == agent_id, Event.ts >= start, Event.ts < end)  # fmt: skip
    return int(session.scalar(stmt) or 0)


def first_review_at(session: Session, order_id: str) -> datetime | None:
    """When the order's first review was posted (it decides odd/even for the 中差评 rule)."""
    return session.scalar(select(func.min(Event.ts)).where(Event.kind == DutyEvent.REVIEW_POSTED.value,
                                                           Event.subject == f"order:{order_id}"))  # fmt: skip


def roster_rows(session: Session, shop_id: str, day: date) -> tuple[list[tuple[str, date, str]],
                                                                     list[tuple[str, bool, bool]], list[str]]:  # fmt: skip
    """The shop's roster from the day before to two days after ``day``, its shift kinds, its team."""
    stmt = select(RosterEntry).where(RosterEntry.day >= day - timedelta(days=1), RosterEntry.day <= day + timedelta(days=2))
    templates = select(ShiftTemplate)
    team = select(RosterEntry.agent_id).distinct()
    if shop_id:
        stmt, templates = stmt.where(RosterEntry.shop_id == shop_id), templates.where(ShiftTemplate.shop_id == shop_id)
        team = team.where(RosterEntry.shop_id == shop_id)
    entries = [(e.agent_id, e.day, e.shift_code) for e in session.scalars(stmt)]
    shifts = [(t.code, t.evening, t.night) for t in session.scalars(templates)]
    return entries, shifts, [str(a) for a in session.scalars(team)]
