"""Replay a recorded day through the routing engine, next to what really happened.

Arrivals are the day's conversations (handle time = closed − assigned, or the
median when unknown); staff are the roster's shifts. The engine's prediction
and the recorded service level side by side tell planning whether a policy
change (overflow, capacity, stickiness) would have helped.
"""

from __future__ import annotations

from datetime import date, timedelta
from statistics import median
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from kefu.domain.timeutil import SHOP_TZ, local_midnight
from kefu.live.model import AgentState
from kefu.live.replay import Arrival, StaffShift, replay
from kefu.live.shifts import window
from kefu.service.live import store
from kefu.store.models.live import Conversation
from kefu.store.models.org import Agent
from kefu.store.models.plan import RosterEntry, ShiftTemplate


def replay_day(session: Session, day: date, *, shop: str, sl_seconds: int = 30) -> dict[str, Any]:
    start = local_midnight(day, tz=SHOP_TZ)
    end = start + timedelta(days=1)
    convs = list(session.scalars(select(Conversation).where(
        Conversation.shop_id == shop, Conversation.opened_at >= start, Conversation.opened_at < end,
        Conversation.status != "bot").order_by(Conversation.opened_at, Conversation.id)))
    known = [(c.closed_at - c.assigned_at).total_seconds() for c in convs if c.closed_at and c.assigned_at]
    typical = median(known) if known else 300.0
    arrivals = [Arrival(c.opened_at, c.shop_id, c.buyer, c.group,
                        (c.closed_at - c.assigned_at).total_seconds() if c.closed_at and c.assigned_at else typical)
                for c in convs]
    shifts = []
    rows = session.execute(select(RosterEntry.agent_id, RosterEntry.day, ShiftTemplate.start, ShiftTemplate.end)
                           .join(ShiftTemplate, and_(ShiftTemplate.shop_id == RosterEntry.shop_id,
                                                     ShiftTemplate.code == RosterEntry.shift_code))
                           .where(RosterEntry.shop_id == shop, RosterEntry.day == day)).all()
    for r in rows:
        agent = session.get(Agent, r.agent_id)
        if agent is None:
            continue
        w = window(r.day, r.start, r.end)
        shifts.append(StaffShift(AgentState(agent.id, tuple(agent.skills or ()), tuple(agent.secondary_skills or ()),
                                            agent.capacity, weight=agent.weight, shop=agent.shop_id), w.start, w.end))
    predicted = replay(arrivals, shifts, store.policy(session, shop), sl_seconds=sl_seconds).summary()
    waited = [((c.assigned_at or c.closed_at or end) - c.opened_at).total_seconds() for c in convs]
    actual_ok = sum(1 for c, w in zip(convs, waited, strict=True) if c.assigned_at is not None and w <= sl_seconds)
    return {"day": day.isoformat(), "shop": shop, "conversations": len(convs), "shifts": len(shifts),
            "handle_s_median": round(typical, 1), "predicted": predicted,
            "actual_service_level": round(actual_ok / len(convs), 4) if convs else None}
