"""Late arrival and absence (seed 001 六: 上班时间不得迟到), recorded from presence against the roster.

The served app's background worker (:func:`kefu.service.duty.actions_worker.tick`) calls
:func:`sweep_attendance` every pass: a rostered agent not online (or away, or on a
break) more than the shop's grace (``settings["team"]["late_grace_minutes"]``, default
0) after the shift start gets a *late* mark at once — provisional while it has not
come, final with the minutes once it does; nobody for the whole shift makes it
*absent*. Shifts on approved leave carry no mark. Each mark is an event row
(subject ``attendance:<agent>:<day>``): a provisional mark is followed by the final
one, a final mark is never written twice, so a pass is safe to repeat and the
latest row of a subject is the mark. A supervisor can record a finished day by hand
too (:func:`record_attendance`, the same rules). The agent sees its marks on its page,
the supervisor the team's (:func:`team_marks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import local_midnight, utc_now
from kefu.live.shifts import window
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, manager, own, today
from kefu.service.team.events import TeamEvent
from kefu.service.team.schemas import MarkOut
from kefu.store.models.live import Event, PresenceInterval
from kefu.store.models.org import Agent
from kefu.store.models.plan import RosterEntry, ShiftTemplate
from kefu.team import people

WORKER = "system"  # the actor of the worker's marks


def _subject(agent_id: str, day: date) -> str:
    return f"attendance:{agent_id}:{day.isoformat()}"


def _shifts(session: Session, days: list[date], shop_id: str | None) -> list[tuple[str, people.RosteredShift]]:
    """(shop, shift) for every rostered shift on ``days``, with the day's approved leave."""
    stmt = (select(RosterEntry.shop_id, RosterEntry.agent_id, RosterEntry.day, RosterEntry.breaks, ShiftTemplate.start,
                   ShiftTemplate.end)
            .join(ShiftTemplate, (ShiftTemplate.shop_id == RosterEntry.shop_id)
                  & (ShiftTemplate.code == RosterEntry.shift_code))
            .join(Agent, Agent.id == RosterEntry.agent_id)
            .where(RosterEntry.day.in_(days), RosterEntry.shift_code != "", Agent.active))  # fmt: skip
    if shop_id is not None:
        stmt = stmt.where(RosterEntry.shop_id == shop_id)
    rows = session.execute(stmt.order_by(RosterEntry.agent_id, RosterEntry.day)).all()
    leave = store.leave_days(session, sorted({r.agent_id for r in rows}), min(days), max(days))
    out = []
    for r in rows:
        w = window(r.day, r.start, r.end, [b for b in r.breaks or [] if "start" in b and "end" in b])
        meal = sum((b1 - b0 for b0, b1, kind in w.breaks if kind == "meal"), timedelta())
        out.append((r.shop_id, people.RosteredShift(r.agent_id, r.day, w.start, w.end,
                                                    int((w.end - w.start - meal).total_seconds() // 60),
                                                    r.day in leave.get(r.agent_id, frozenset()))))  # fmt: skip
    return out


def _presence(session: Session, agents: set[str], lo: datetime, hi: datetime) -> dict[str, list[people.Span]]:
    """The agents' intervals online, away or on a break that overlap [lo, hi]."""
    rows = session.execute(select(PresenceInterval.agent_id, PresenceInterval.start, PresenceInterval.end).where(
        PresenceInterval.agent_id.in_(agents), PresenceInterval.status != "offline", PresenceInterval.start < hi,
        (PresenceInterval.end.is_(None)) | (PresenceInterval.end > lo))).all()  # fmt: skip
    out: dict[str, list[people.Span]] = {}
    for agent_id, start, end in rows:
        out.setdefault(agent_id, []).append((start, end))
    return out


def _latest(session: Session, subjects: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The latest mark written per subject."""
    last = (select(func.max(Event.id)).where(Event.kind == TeamEvent.ATTENDANCE_MARKED.value,
                                             Event.subject.in_(list(subjects))).group_by(Event.subject))  # fmt: skip
    return {s: d for s, d in session.execute(select(Event.subject, Event.data).where(Event.id.in_(last)))}


def _mark(session: Session, shifts: list[tuple[str, people.RosteredShift]], actor: str, now: datetime) -> list[people.Mark]:
    """Write the marks known at ``now`` that are new, or final where only a provisional one was; those written."""
    if not shifts:
        return []
    grace = {shop: int(store.team_settings(session, shop).get("late_grace_minutes", 0)) for shop in {s for s, _ in shifts}}
    shop_of = {(x.agent, x.day): shop for shop, x in shifts}
    present = _presence(session, {x.agent for _, x in shifts}, min(x.start for _, x in shifts), now)
    marks = [m for shop in grace for m in people.attendance_marks([x for s, x in shifts if s == shop], present, now,
                                                                  grace[shop])]  # fmt: skip
    seen = _latest(session, {_subject(m.agent, m.day) for m in marks})
    written = []
    for m in marks:
        before = seen.get(_subject(m.agent, m.day))
        if before is not None and (before.get("final", True) or not m.final):
            continue
        events.attendance_marked(session, subject=_subject(m.agent, m.day), agent_id=m.agent,
                                 shop_id=shop_of[(m.agent, m.day)], actor=actor, now=now, day=m.day.isoformat(),
                                 kind=m.kind, minutes=m.minutes, final=m.final)  # fmt: skip
        written.append(m)
    return written


def sweep_attendance(session: Session, now: datetime | None = None) -> int:
    """The worker's pass: marks of yesterday's and today's shifts (all shops) known by now; marks written."""
    now = now or utc_now()
    base = today(now)
    return len(_mark(session, _shifts(session, [base - timedelta(days=1), base], None), WORKER, now))


def _view(session: Session, rows: list[tuple[str | None, dict[str, Any]]]) -> list[MarkOut]:
    names = agent_names(session, {a for a, _ in rows if a})
    return [MarkOut(agent_id=a, agent_name=names[a], day=date.fromisoformat(d["day"]), kind=d["kind"],
                    minutes=int(d["minutes"]), final=bool(d.get("final", True))) for a, d in rows if a]  # fmt: skip


def record_attendance(session: Session, actor: Actor, shop_id: str, day: date, *,
                      now: datetime | None = None) -> list[MarkOut]:  # fmt: skip
    """Mark a finished day's late starts and absences by hand (idempotent); the day's marks."""
    now = now or utc_now()
    manager(actor)
    if not today(now) - timedelta(days=62) <= day < today(now):
        raise bad_argument("day", "只能登记过去两个月内已结束的日子", "only a finished day of the last two months")
    shifts = _shifts(session, [day], shop_id)
    _mark(session, shifts, actor.name, now)
    marked = _latest(session, sorted({_subject(x.agent, day) for _, x in shifts}))
    return _view(session, [(s.split(":")[1], d) for s, d in sorted(marked.items())])


def _between(agent_ids: list[str] | None, first: date, last: date) -> Any:
    """The latest mark per agent and day between two days (of ``agent_ids``; None = everyone)."""
    stmt = select(func.max(Event.id)).where(Event.kind == TeamEvent.ATTENDANCE_MARKED.value,
                                            Event.ts >= local_midnight(first - timedelta(days=1)),
                                            Event.ts < local_midnight(last + timedelta(days=63)))  # fmt: skip
    if agent_ids is not None:
        stmt = stmt.where(Event.agent_id.in_(agent_ids))
    return stmt.group_by(Event.subject)


def attendance_marks(session: Session, actor: Actor, agent_id: str, first: date, last: date) -> list[MarkOut]:
    """The agent's marks between two days (agents: their own)."""
    agent = own(session, actor, agent_id)
    return _marks(session, [agent.id], first, last)


def team_marks(session: Session, actor: Actor, first: date, last: date, *, shop_id: str | None = None) -> list[MarkOut]:
    """Every mark between two days, for the supervisor (of its team when it has one), by day and agent."""
    manager(actor)
    if not 0 <= (last - first).days <= 92:
        raise bad_argument("to", "日期范围应在 0–92 天之间", "the range must span 0–92 days")
    stmt = select(Agent.id).where(Agent.team == actor.team) if actor.role == "supervisor" and actor.team else select(Agent.id)
    if shop_id:
        stmt = stmt.where(Agent.shop_id == shop_id)
    return sorted(_marks(session, list(session.scalars(stmt)), first, last), key=lambda m: (m.day, m.agent_id))


def _marks(session: Session, agent_ids: list[str], first: date, last: date) -> list[MarkOut]:
    rows = session.execute(select(Event.agent_id, Event.data).where(Event.id.in_(_between(agent_ids, first, last)))
                           .order_by(Event.subject)).all()  # fmt: skip
    return [m for m in _view(session, [(a, d) for a, d in rows]) if first <= m.day <= last]
