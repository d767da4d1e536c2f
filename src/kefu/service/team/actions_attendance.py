"""Late arrival and absence (seed 001 六: 上班时间不得迟到), recorded from presence against the roster.

For a past day, every agent rostered to work is compared with its presence
(:func:`kefu.service.live.actions_presence.worked_time`): a start later than the shop's grace
(``settings["team"]["late_grace_minutes"]``, default 0) is *late*; a rostered day
without any work and without approved leave is *absent*. Each mark is one event
row, written once however often the day is recorded again; the agent sees its
marks on its page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.service.live import actions_presence as presence
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, manager, own, today
from kefu.service.team.events import TeamEvent
from kefu.service.team.schemas import MarkOut
from kefu.store.models.live import Event
from kefu.store.models.plan import RosterEntry
from kefu.team import people


def _subject(agent_id: str, day: date) -> str:
    return f"attendance:{agent_id}:{day.isoformat()}"


def record_attendance(session: Session, actor: Actor, shop_id: str, day: date, *,
                      now: datetime | None = None) -> list[MarkOut]:  # fmt: skip
    """Mark the day's late starts and absences (idempotent); the day must be over."""
    now = now or utc_now()
    manager(actor)
    if not today(now) - timedelta(days=62) <= day < today(now):
        raise bad_argument("day", "只能登记过去两个月内已结束的日子", "only a finished day of the last two months")
    rostered = list(session.scalars(select(RosterEntry.agent_id).where(
        RosterEntry.shop_id == shop_id, RosterEntry.day == day, RosterEntry.shift_code != "")))  # fmt: skip
    leave = store.leave_days(session, rostered, day, day)
    facts = []
    for agent_id in sorted(rostered):
        w = presence.worked_time(session, agent_id, day, now)
        facts.append(people.DayFacts(agent_id, day, w.scheduled_minutes, w.late_start_minutes,
                                     w.online_minutes + w.away_minutes, day in leave.get(agent_id, ())))  # fmt: skip
    grace = int(store.team_settings(session, shop_id).get("late_grace_minutes", 0))
    marks = people.attendance_marks(facts, grace)
    done = set(session.scalars(select(Event.subject).where(
        Event.kind == TeamEvent.ATTENDANCE_MARKED.value, Event.subject.in_([_subject(m.agent, day) for m in marks]))))  # fmt: skip
    names = agent_names(session, {m.agent for m in marks})
    for m in marks:
        if _subject(m.agent, day) not in done:
            events.attendance_marked(session, subject=_subject(m.agent, day), agent_id=m.agent, shop_id=shop_id,
                                     actor=actor.name, now=now, day=day.isoformat(), kind=m.kind, minutes=m.minutes)
    return [MarkOut(agent_id=m.agent, agent_name=names[m.agent], day=m.day, kind=m.kind, minutes=m.minutes)
            for m in marks]  # fmt: skip


def attendance_marks(session: Session, actor: Actor, agent_id: str, first: date, last: date) -> list[MarkOut]:
    """The agent's recorded marks between two days (agents: their own)."""
    agent = own(session, actor, agent_id)
    rows = session.scalars(select(Event.data).where(
        Event.kind == TeamEvent.ATTENDANCE_MARKED.value, Event.agent_id == agent.id,
        Event.subject >= _subject(agent.id, first), Event.subject <= _subject(agent.id, last)).order_by(Event.subject))  # fmt: skip
    return [MarkOut(agent_id=agent.id, agent_name=agent.name, day=date.fromisoformat(d["day"]), kind=d["kind"],
                    minutes=int(d["minutes"])) for d in rows]  # fmt: skip
