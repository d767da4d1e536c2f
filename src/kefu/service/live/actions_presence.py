"""Worked time, overtime and the comp-leave (调休) ledger, from stored intervals.

The figures come from :func:`kefu.live.presence.worked_day`; this module only
loads the rows (presence intervals, roster, conversations) and keeps the
ledger. The ledger is a list of Event rows (``comp_leave``) so that every
credit and debit is auditable and never overwritten.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kefu.domain.calendar import BusinessCalendar, DayKind
from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.domain.timeutil import SHOP_TZ, local_midnight, utc_now
from kefu.live.floor import unknown_agent
from kefu.live.presence import Interval, WorkPolicy, worked_day
from kefu.live.shifts import ShiftWindow, window
from kefu.service.live import events, store
from kefu.service.live.events import LiveEvent
from kefu.service.live.schemas import LedgerOut, OvertimeOut, WorktimeOut
from kefu.store.models.live import Conversation, Event, PresenceInterval
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

_CALENDAR = BusinessCalendar()


def _shifts(session: Session, agent_id: str, day: date) -> list[ShiftWindow]:
    rows = session.execute(
        select(RosterEntry.day, RosterEntry.breaks, ShiftTemplate.start, ShiftTemplate.end, ShiftTemplate.breaks)
        .join(ShiftTemplate, and_(ShiftTemplate.shop_id == RosterEntry.shop_id,
                                  ShiftTemplate.code == RosterEntry.shift_code))
        .where(RosterEntry.agent_id == agent_id, RosterEntry.day == day)).all()
    out = []
    for r in rows:
        breaks = [b for b in (r[1] or []) if "start" in b and "end" in b]
        out.append(window(r.day, r.start, r.end, breaks))
    return out


def _policy(session: Session, agent: Agent) -> WorkPolicy:
    settings = session.scalar(select(Shop.settings).where(Shop.id == agent.shop_id)) if agent.shop_id else None
    raw = dict((settings or {}).get("worktime", {}))
    return WorkPolicy(count_away=bool(raw.get("count_away", True)),
                      paid_break_minutes=int(raw.get("paid_break_minutes", 15)),
                      rounding_minutes=int(raw.get("rounding_minutes", 15)))


def worked_time(session: Session, agent_id: str, day: date, now: datetime | None = None) -> WorktimeOut:
    """Scheduled, online, away, break, offline-in-shift, late, early, adherence, conformance, overtime."""
    now = now or utc_now()
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise unknown_agent(agent_id)
    shifts = _shifts(session, agent_id, day)
    previous = _shifts(session, agent_id, day - timedelta(days=1))
    start = max([local_midnight(day, tz=SHOP_TZ)] + [s.end for s in previous])
    end = max([local_midnight(day + timedelta(days=1), tz=SHOP_TZ)] + [s.end for s in shifts])
    intervals = [Interval(r.status, r.start, r.end) for r in session.execute(
        select(PresenceInterval.status, PresenceInterval.start, PresenceInterval.end).where(
            PresenceInterval.agent_id == agent_id, PresenceInterval.start < end,
            or_(PresenceInterval.end.is_(None), PresenceInterval.end > start))).all()]
    activity = [(r.assigned_at, r.closed_at or now) for r in session.execute(
        select(Conversation.assigned_at, Conversation.closed_at).where(
            Conversation.agent_id == agent_id, Conversation.assigned_at.is_not(None), Conversation.assigned_at < end,
            or_(Conversation.closed_at.is_(None), Conversation.closed_at > start))).all()]
    result = worked_day(day, (start, end), intervals, shifts, activity, _CALENDAR, now, _policy(session, agent))
    return WorktimeOut(**result.as_dict(), agent=agent_id, provisional_calendar=_CALENDAR.info(day).provisional)


def record_overtime(session: Session, agent_id: str, day: date, *, comp_leave: bool = False,
                    now: datetime | None = None, actor: str = "system") -> OvertimeOut:
    """Book a day's overtime once: paid at its rate, or (rest days only) credited as 调休 minutes."""
    now = now or utc_now()
    figures = worked_time(session, agent_id, day, now)
    subject = f"overtime:{agent_id}:{day.isoformat()}"
    if session.scalar(select(Event.id).where(Event.kind == LiveEvent.OVERTIME_RECORDED, Event.subject == subject)):
        raise KefuError(ErrorCode.CONFLICT, f"{day} 的加班已登记", f"overtime for {day} is already recorded")
    if not figures.overtime_minutes:  # booking nothing would block booking the day once it is complete
        raise bad_argument("day", f"{day} 没有加班", f"no overtime on {day}", value=day.isoformat())
    if comp_leave and figures.overtime_kind != DayKind.REST:
        raise bad_argument("comp_leave", "只有休息日加班可以调休", "only rest-day overtime can become comp leave")
    minutes = figures.overtime_minutes
    events.overtime_recorded(session, ts=now, subject=subject, agent_id=agent_id, actor=actor, minutes=minutes,
                             kind=figures.overtime_kind, rate=figures.overtime_rate, comp_leave=comp_leave)
    if comp_leave and minutes:
        events.comp_leave(session, ts=now, agent_id=agent_id, actor=actor, minutes=minutes, day=day.isoformat(),
                          reason="rest-day overtime")
    return OvertimeOut(agent=agent_id, day=day.isoformat(), minutes=minutes, kind=figures.overtime_kind,
                       comp_leave=comp_leave, balance=comp_leave_balance(session, agent_id))


def comp_leave_balance(session: Session, agent_id: str) -> int:
    """Minutes of 调休 owed to the agent (credits minus leave taken)."""
    rows = session.scalars(select(Event.data).where(Event.kind == LiveEvent.COMP_LEAVE, Event.agent_id == agent_id))
    return sum(int(d.get("minutes", 0)) for d in rows)


def comp_leave_ledger(session: Session, agent_id: str) -> LedgerOut:
    """The agent's 调休 ledger, oldest first, with the running balance after each entry."""
    if session.get(Agent, agent_id) is None:
        raise unknown_agent(agent_id)
    rows = session.execute(select(Event.ts, Event.data, Event.actor).where(
        Event.kind == LiveEvent.COMP_LEAVE, Event.agent_id == agent_id).order_by(Event.id)).all()
    entries, balance = [], 0
    for r in rows:
        balance += int(r.data.get("minutes", 0))
        entries.append({"at": r.ts.isoformat(), "day": r.data.get("day"), "minutes": int(r.data.get("minutes", 0)),
                        "reason": r.data.get("reason", ""), "by": r.actor, "balance": balance})
    return LedgerOut.model_validate({"agent": agent_id, "balance": balance, "entries": entries})


def take_comp_leave(session: Session, agent_id: str, minutes: int, day: date, *, now: datetime | None = None,
                    actor: str = "system") -> int:
    """Debit the ledger; refuses to go below zero. Returns the new balance.

    The agent's row is locked first (PostgreSQL), so two requests at once cannot
    both spend the same balance.
    """
    if store.lock_agent(session, agent_id) is None:
        raise unknown_agent(agent_id)
    if minutes <= 0:
        raise bad_argument("minutes", "应为正数", "must be positive", value=minutes)
    balance = comp_leave_balance(session, agent_id)
    if minutes > balance:
        raise KefuError(ErrorCode.CONFLICT, f"调休余额不足: 剩余 {balance} 分钟", f"comp-leave balance too low: {balance} min",
                        {"balance": balance})
    events.comp_leave(session, ts=now or utc_now(), agent_id=agent_id, actor=actor, minutes=-minutes,
                      day=day.isoformat(), reason="leave taken")
    return balance - minutes
