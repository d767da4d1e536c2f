"""A small shop for the team use-cases: two shifts, four agents in team T, a supervisor, a roster.

March 2026 (shop time): a1 and a2 work 白班 Monday–Saturday and rest on Sundays,
a3 works 晚班 on the same days, a4 (team U) rests all month. The clock is fixed
at 2026-03-01 10:00 shop time; every use-case gets it as ``now``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from kefu.domain.timeutil import SHOP_TZ
from kefu.service.org import actions as auth
from kefu.service.team.actions import Actor
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=SHOP_TZ)
MEAL = [{"kind": "meal", "minutes": 30, "window": ["11:30", "13:30"]}]


@dataclass
class World:
    session: Session
    sup: Actor  # supervisor of team T
    other_sup: Actor  # supervisor of team U
    admin: Actor
    a1: Actor
    a2: Actor
    a3: Actor


def shift_of(session: Session, agent: str, day: date) -> str:
    row = session.query(RosterEntry).filter_by(agent_id=agent, day=day).one_or_none()
    return "" if row is None else row.shift_code


def build_world(session: Session) -> World:
    session.add(Shop(id="s1", name="店", settings={}))
    session.flush()
    session.add_all([
        ShiftTemplate(shop_id="s1", code="白班", start="09:00", end="16:30", breaks=MEAL),
        ShiftTemplate(shop_id="s1", code="晚班", start="16:00", end="22:30", evening=True, breaks=MEAL),
        ShiftTemplate(shop_id="s1", code="早班", start="07:00", end="15:00", breaks=MEAL),
    ])  # fmt: skip
    for aid, team, skills in (("a1", "T", ["售前"]), ("a2", "T", ["售前", "售后"]), ("a3", "T", ["售后"]),
                              ("a4", "U", ["售前"])):  # fmt: skip
        session.add(Agent(id=aid, shop_id="s1", name=aid.upper(), team=team, skills=skills))
    session.flush()
    day = date(2026, 3, 1)
    while day < date(2026, 4, 1):
        for aid, code in (("a1", "白班"), ("a2", "白班"), ("a3", "晚班"), ("a4", "")):
            work = day.weekday() != 6 and code
            skill = {"a1": "售前", "a2": "售前", "a3": "售后"}.get(aid, "")
            session.add(RosterEntry(shop_id="s1", agent_id=aid, day=day, shift_code=code if work else "",
                                    skill=skill if work else "", breaks=[]))
        day += timedelta(days=1)
    auth.create_user(session, "sup", "password-123", "supervisor", team="T")
    auth.create_user(session, "sup-u", "password-123", "supervisor", team="U")
    auth.create_user(session, "boss", "password-123", "admin")
    session.flush()
    return World(session, Actor("sup", "supervisor", None, "T"), Actor("sup-u", "supervisor", None, "U"),
                Actor("boss", "admin"), Actor("a1", "agent", "a1", "T"), Actor("a2", "agent", "a2", "T"),
                Actor("a3", "agent", "a3", "T"))
