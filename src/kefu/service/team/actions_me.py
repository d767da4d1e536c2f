"""The agent's own page in one call: roster around today, requests and decisions, tasks, balances, marks.

Everything here is the caller's own (an agent) or the agent a supervisor opens;
the month's KPI and pay come separately (:func:`my_figures`) because they run the
month's credit, which a phone should not wait for before showing the roster.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.service.duty import actions_tasks
from kefu.service.live import actions_presence as presence
from kefu.service.team import store
from kefu.service.team.actions_attendance import attendance_marks
from kefu.service.team.actions_briefing import list_briefings
from kefu.service.team.actions_common import Actor, own, today
from kefu.service.team.actions_conduct import list_conduct
from kefu.service.team.actions_leave import leave_balances, list_leave
from kefu.service.team.actions_open import list_open_shifts
from kefu.service.team.actions_overtime import list_overtime
from kefu.service.team.actions_people import list_goals
from kefu.service.team.actions_swap import list_swaps
from kefu.service.team.events import TeamEvent
from kefu.service.team.schemas import (
    DayCell,
    MyFigures,
    MyPage,
    PayLineOut,
    Peer,
    RosterNotice,
    TaskLine,
)
from kefu.store.models.live import Event
from kefu.store.models.org import Agent
from kefu.store.models.plan import ShiftTemplate


def my_page(session: Session, actor: Actor, agent_id: str | None = None, *, now: datetime | None = None,
            before: int = 3, after: int = 13) -> MyPage:  # fmt: skip
    """The agent's page: ``before`` days back to ``after`` days ahead of today, and everything pending."""
    now = now or utc_now()
    agent = own(session, actor, agent_id)
    base = today(now)
    first, last = base - timedelta(days=before), base + timedelta(days=after)
    cells = store.cells(session, [agent.id], first, last)
    times = {t.code: (t.start, t.end) for t in session.scalars(select(ShiftTemplate).where(ShiftTemplate.shop_id == agent.shop_id))}
    leave = store.leave_days(session, [agent.id], first, last).get(agent.id, frozenset())
    roster = []
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        entry = cells.get((agent.id, day))
        shift = entry.shift_code if entry is not None else ""
        start, end = times.get(shift, ("", ""))
        roster.append(DayCell(day=day, shift=shift, start=start, end=end, leave=day in leave))
    me = Actor(actor.name, "agent", agent.id, agent.team)  # the lists below, as the agent sees them
    tasks = [TaskLine(id=t["id"], task_type=t["task_type"], order_id=t["order_id"] or "",
                      due_at=datetime.fromisoformat(t["due_at"]) if t["due_at"] else None, overdue=bool(t["overdue"]))
             for t in actions_tasks.list_tasks(session, agent_id=agent.id, status="open", now=now, limit=50)]  # fmt: skip
    return MyPage(
        agent_id=agent.id, name=agent.name, today=base, roster=roster, leave=list_leave(session, me, limit=20),
        swaps=list_swaps(session, me, limit=20), overtime=list_overtime(session, me, limit=20),
        open_shifts=list_open_shifts(session, me, now=now), balances=leave_balances(session, me, agent.id, now=now),
        comp_minutes=presence.comp_leave_balance(session, agent.id), tasks=tasks,
        marks=attendance_marks(session, me, agent.id, base.replace(day=1), base),
        briefings=list_briefings(session, me, now=now), conduct=list_conduct(session, me, agent.id, limit=20),
        goals=list_goals(session, me, agent.id), roster_notices=_notices(session, agent.id, now),
    )  # fmt: skip


def _notices(session: Session, agent_id: str, now: datetime) -> list[RosterNotice]:
    """The agent's cells moved in the last 14 days to fill colleagues' leave, newest first."""
    rows = session.execute(select(Event.ts, Event.data).where(
        Event.kind == TeamEvent.ROSTER_REPLANNED.value, Event.agent_id == agent_id,
        Event.ts >= now - timedelta(days=14)).order_by(Event.id.desc())).all()  # fmt: skip
    return [RosterNotice(day=date.fromisoformat(c["day"]), before=c["before"], after=c["after"],
                         because=str(d.get("because", "")), at=ts) for ts, d in rows for c in d["roster_changes"]]  # fmt: skip


def my_figures(session: Session, actor: Actor, agent_id: str | None = None, *, month: str | None = None,
               now: datetime | None = None) -> MyFigures:  # fmt: skip
    """The month's KPI score and pay so far (the month's credit run, standard scheme)."""
    from kefu.service.credit import actions_pay as pay

    agent = own(session, actor, agent_id)
    month = month or today(now).strftime("%Y-%m")
    result = pay.month_pay(session, month, shop_id=agent.shop_id)
    score = next((s for s in result.scores if s.agent == agent.id), None)
    slip = next((p for p in result.payslips if p.agent == agent.id), None)
    return MyFigures(month=month, score=str(score.total) if score else None, grade=score.grade if score else "",
                     excluded=bool(score and score.excluded), pay_total_fen=slip.total_fen if slip else None,
                     lines=[PayLineOut(kind=line.kind, label=line.label, amount_fen=line.amount_fen)
                            for line in (slip.lines if slip else ())])  # fmt: skip


def peers(session: Session, actor: Actor, agent_id: str | None = None) -> list[Peer]:
    """The other active agents of the agent's shop (whom it may ask to swap)."""
    agent = own(session, actor, agent_id)
    rows = session.execute(select(Agent.id, Agent.name).where(Agent.shop_id == agent.shop_id, Agent.active,
                                                              Agent.id != agent.id).order_by(Agent.id))  # fmt: skip
    return [Peer(agent_id=str(i), name=str(n)) for i, n in rows]
