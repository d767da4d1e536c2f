"""Overtime arranged in advance (seed 002): requested by the agent or ordered by the supervisor, then booked.

The terms come from the calendar when the overtime is arranged: 150 % on a
workday, 200 % on a rest day (or 调休 instead), 300 % on a statutory holiday,
within the legal 3 hours a workday and 36 hours a month. After the day the
supervisor books it: the minutes actually worked outside the schedule (from
presence) are recorded once through :func:`kefu.service.live.actions_presence.record_overtime`,
so pay reads them at the day's rate or the 调休 ledger is credited.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.service.live import actions_presence as presence
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, approver, near, own, today
from kefu.service.team.schemas import OvertimeIn, OvertimeOut
from kefu.store.models.org import Agent
from kefu.store.models.team import OvertimeRequest
from kefu.team import flow
from kefu.team import overtime as rules

KIND_TEXT = {"workday": "工作日", "rest": "休息日", "statutory": "法定节假日"}


def _view(r: OvertimeRequest, name: str) -> OvertimeOut:
    return OvertimeOut(
        id=r.id, agent_id=r.agent_id, agent_name=name, day=r.day, minutes=r.minutes, reason=r.reason, origin=r.origin,
        compensation=r.compensation, day_kind=r.day_kind, rate=r.rate, status=r.status, created_by=r.created_by,
        created_at=r.created_at, decided_by=r.decided_by, decided_at=r.decided_at, decision_note=r.decision_note,
        booked_minutes=r.booked_minutes,
    )  # fmt: skip


def _month_minutes(session: Session, agent_id: str, day: date) -> int:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    total = session.scalar(select(func.coalesce(func.sum(func.coalesce(OvertimeRequest.booked_minutes, OvertimeRequest.minutes)), 0))
                           .where(OvertimeRequest.agent_id == agent_id, OvertimeRequest.day >= first,
                                  OvertimeRequest.day < nxt,
                                  OvertimeRequest.status.in_(("pending", "approved", "booked"))))  # fmt: skip
    return int(total or 0)


def _arrange(session: Session, actor: Actor, body: OvertimeIn, origin: str, now: datetime) -> OvertimeOut:
    agent = own(session, actor, body.agent_id)
    ordered = origin == "ordered"
    if ordered:
        approver(actor, agent)
    near("day", body.day, now=now)
    store.lock_agent(session, agent.id)  # two requests at once cannot both pass the month's limit
    terms = rules.terms(body.day, store.CALENDAR.kind(body.day), body.compensation, body.minutes,
                        _month_minutes(session, agent.id, body.day), today(now))  # fmt: skip
    row = OvertimeRequest(agent_id=agent.id, day=body.day, minutes=body.minutes, reason=body.reason.strip(),
                          origin=origin, compensation=terms.compensation.value, day_kind=terms.kind.value,
                          rate=str(terms.rate), status="approved" if ordered else "pending", created_by=actor.name,
                          created_at=now, decided_by=actor.name if ordered else "", decided_at=now if ordered else None)  # fmt: skip
    session.add(row)
    session.flush()
    comp = "调休" if terms.compensation is rules.Compensation.COMP_LEAVE else f"{terms.rate * 100:g}% 加班费"
    said = {"day": body.day.isoformat(), "minutes": body.minutes, "rate": row.rate, "compensation": row.compensation,
            "reason": row.reason}
    if ordered:
        events.overtime_ordered(session, request_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name,
                                now=now, terms=said,
                                tell=f"加班安排: {agent.name} {body.day} ({KIND_TEXT[row.day_kind]}) {body.minutes} 分钟, "
                                     f"{comp}; 原因: {row.reason}")  # fmt: skip
    else:
        events.overtime_requested(session, request_id=row.id, agent_id=agent.id, shop_id=agent.shop_id,
                                  actor=actor.name, now=now, terms=said)
    return _view(row, agent.name)


def request_overtime(session: Session, actor: Actor, body: OvertimeIn, *, now: datetime | None = None) -> OvertimeOut:
    """The agent asks to work overtime on a coming day (the supervisor approves)."""
    return _arrange(session, actor, body, "requested", now or utc_now())


def order_overtime(session: Session, actor: Actor, body: OvertimeIn, *, now: datetime | None = None) -> OvertimeOut:
    """The supervisor orders overtime in advance (approved as it is ordered; the agent is told)."""
    return _arrange(session, actor, body, "ordered", now or utc_now())


def _decide(session: Session, actor: Actor, request_id: int, action: str, note: str, now: datetime) -> OvertimeOut:
    row = store.locked(session, OvertimeRequest, request_id, "加班申请 / overtime request")
    agent = store.agent(session, row.agent_id)
    approver(actor, agent)
    row.status = flow.OVERTIME.next(row.status, action)
    row.decided_by, row.decided_at, row.decision_note = actor.name, now, note.strip()
    approved = action == "approve"
    tell = f"{agent.name} {row.day} 的加班申请{'已批准' if approved else '未批准'}" + (
        f": {row.decision_note}" if row.decision_note else "")
    write = events.overtime_approved if approved else events.overtime_rejected
    write(session, request_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name, now=now,
          note=row.decision_note, tell=tell)
    return _view(row, agent.name)


def approve_overtime(session: Session, actor: Actor, request_id: int, note: str = "", *,
                     now: datetime | None = None) -> OvertimeOut:  # fmt: skip
    return _decide(session, actor, request_id, "approve", note, now or utc_now())


def reject_overtime(session: Session, actor: Actor, request_id: int, note: str, *,
                    now: datetime | None = None) -> OvertimeOut:  # fmt: skip
    if not note.strip():
        raise bad_argument("note", "驳回须写明原因", "a rejection needs a note")
    return _decide(session, actor, request_id, "reject", note, now or utc_now())


def cancel_overtime(session: Session, actor: Actor, request_id: int, *, now: datetime | None = None) -> OvertimeOut:
    now = now or utc_now()
    row = store.locked(session, OvertimeRequest, request_id, "加班申请 / overtime request")
    agent = own(session, actor, row.agent_id)
    row.status = flow.OVERTIME.next(row.status, "cancel")
    events.overtime_cancelled(session, request_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name,
                              now=now)
    return _view(row, agent.name)


def book_overtime(session: Session, actor: Actor, request_id: int, *, now: datetime | None = None) -> OvertimeOut:
    """After the day: record the overtime actually worked, paid at its rate or credited as 调休."""
    now = now or utc_now()
    row = store.locked(session, OvertimeRequest, request_id, "加班申请 / overtime request")
    agent = store.agent(session, row.agent_id)
    approver(actor, agent)
    status = flow.OVERTIME.next(row.status, "book")
    if row.day > today(now):
        raise bad_argument("day", "加班日还没到, 不能登记", "the overtime day has not come yet")
    booked = presence.record_overtime(session, agent.id, row.day, comp_leave=row.compensation == "comp_leave",
                                      now=now, actor=actor.name)  # fmt: skip
    row.status, row.booked_minutes = status, booked.minutes
    events.overtime_booked(session, request_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name,
                           now=now, minutes=row.booked_minutes, planned=row.minutes, compensation=row.compensation,
                           tell=f"{agent.name} {row.day} 加班已登记 {row.booked_minutes} 分钟")  # fmt: skip
    return _view(row, agent.name)


def list_overtime(session: Session, actor: Actor, *, status: str | None = None, limit: int = 200) -> list[OvertimeOut]:
    """Overtime requests newest first (agents: their own; team supervisors: their team)."""
    stmt = select(OvertimeRequest).join(Agent, Agent.id == OvertimeRequest.agent_id)
    if actor.role == "agent":
        stmt = stmt.where(OvertimeRequest.agent_id == (actor.agent_id or "-"))
    elif actor.role == "supervisor" and actor.team:
        stmt = stmt.where(Agent.team == actor.team)
    if status:
        stmt = stmt.where(OvertimeRequest.status == status)
    rows = list(session.scalars(stmt.order_by(OvertimeRequest.id.desc()).limit(limit)))
    names = agent_names(session, {r.agent_id for r in rows})
    return [_view(r, names[r.agent_id]) for r in rows]
